// Every algorithm's parameter schema and designer help, by algorithm kind.
import type { AlgorithmInfo } from './help'
import { MULTIPAXOS_INFO } from './multipaxos'
import { PAXOS_INFO } from './paxos'
import { PBFT_INFO } from './pbft'
import { QUORUM_INFO } from './quorum'
import { RAFT_INFO } from './raft'

export type { AdminKind, AlgorithmInfo, CounterWord, FigureWord, ParamHelp, Vocabulary } from './help'
export { RaftParamsSchema, RAFT_INFO, type RaftParams } from './raft'
export { PaxosParamsSchema, PAXOS_INFO, type PaxosParams } from './paxos'
export { MultiPaxosParamsSchema, MULTIPAXOS_INFO, type MultiPaxosParams } from './multipaxos'
export { PbftParamsSchema, PBFT_INFO, type PbftParams } from './pbft'
export { QuorumParamsSchema, QUORUM_INFO, type QuorumParams } from './quorum'

export const ALGORITHM_INFO = {
  raft: RAFT_INFO,
  paxos: PAXOS_INFO,
  multipaxos: MULTIPAXOS_INFO,
  pbft: PBFT_INFO,
  quorum: QUORUM_INFO,
} as const satisfies Record<string, AlgorithmInfo>
