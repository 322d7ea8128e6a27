// PLACEHOLDER: the paxos protocol factory (replaced by the real implementation).
import type { ProtocolFactory } from '../types'
import type { PaxosParams } from '../../../shared/params/paxos'

export const paxosFactory: ProtocolFactory<unknown, unknown, PaxosParams> = {
  kind: 'paxos',
  create() {
    throw new Error('paxos: not implemented yet')
  },
  messageType: () => 'unknown',
  describe: () => '',
}
