// Every algorithm the lab has, one line each (see docs/adding-an-algorithm.md).
import type { AnyAlgorithmModule } from './module'
import { multipaxosModule } from './multipaxos'
import { paxosModule } from './paxos'
import { pbftModule } from './pbft'
import { quorumModule } from './quorum'
import { raftModule } from './raft'

export const ALGORITHM_MODULES: readonly AnyAlgorithmModule[] = [
  raftModule,
  paxosModule,
  multipaxosModule,
  pbftModule,
  quorumModule,
]

const BY_KIND: ReadonlyMap<string, AnyAlgorithmModule> = new Map(ALGORITHM_MODULES.map((m) => [m.kind, m]))

/** The module of algorithm `kind`, or undefined when the lab has no such algorithm. */
export function findAlgorithm(kind: string): AnyAlgorithmModule | undefined {
  return BY_KIND.get(kind)
}

/** The module of algorithm `kind`; throws naming the known ones when there is none. */
export function algorithmModule(kind: string): AnyAlgorithmModule {
  const m = BY_KIND.get(kind)
  if (m === undefined)
    throw new Error(`unknown algorithm "${kind}" (known: ${ALGORITHM_MODULES.map((a) => a.kind).join(', ')})`)
  return m
}
