// PLACEHOLDER: the quorum protocol factory (replaced by the real implementation).
import type { ProtocolFactory } from '../types'
import type { QuorumParams } from '../../../shared/params/quorum'

export const quorumFactory: ProtocolFactory<unknown, unknown, QuorumParams> = {
  kind: 'quorum',
  create() {
    throw new Error('quorum: not implemented yet')
  },
  messageType: () => 'unknown',
  describe: () => '',
}
