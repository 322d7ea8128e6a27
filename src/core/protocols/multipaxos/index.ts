// PLACEHOLDER: the multipaxos protocol factory (replaced by the real implementation).
import type { ProtocolFactory } from '../types'
import type { MultiPaxosParams } from '../../../shared/params/multipaxos'

export const multiPaxosFactory: ProtocolFactory<unknown, unknown, MultiPaxosParams> = {
  kind: 'multipaxos',
  create() {
    throw new Error('multipaxos: not implemented yet')
  },
  messageType: () => 'unknown',
  describe: () => '',
}
