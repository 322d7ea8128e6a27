// The protocols: each algorithm's module (one folder each), found through the registry.
import type { ProtocolFactory } from './types'
import { algorithmModule } from './registry'

export type AnyProtocolFactory = ProtocolFactory<unknown, unknown, unknown>

/** Algorithm `kind`'s protocol factory; throws naming the known algorithms. */
export function getProtocol(kind: string): AnyProtocolFactory {
  return algorithmModule(kind).factory
}

export { ALGORITHM_MODULES, algorithmModule, factoryFor, findAlgorithm } from './registry'
export type { AlgorithmModule, AnyAlgorithmModule } from './module'
export { raftFactory, createRaftFactory } from './raft'
export type { RaftMsg, RaftRecord, RaftMutations, RaftEntry } from './raft'
export { KvStore } from './kv'
export type { KvResult } from './kv'
