// PLACEHOLDER: the pbft protocol factory (replaced by the real implementation).
import type { ProtocolFactory } from '../types'
import type { PbftParams } from '../../../shared/params/pbft'

export const pbftFactory: ProtocolFactory<unknown, unknown, PbftParams> = {
  kind: 'pbft',
  create() {
    throw new Error('pbft: not implemented yet')
  },
  messageType: () => 'unknown',
  describe: () => '',
}
