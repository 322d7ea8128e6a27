// What `npm run fuzz` can fuzz: per algorithm, the fuzz options that keep runs within its
// fault model, the names of its deliberate bugs (mutants) and how to build a mutant.
import type { AlgorithmKind } from '../../shared/spec'
import { createMultiPaxosFactory, MULTIPAXOS_MUTANTS } from '../protocols/multipaxos'
import { createPaxosFactory, PAXOS_MUTANTS } from '../protocols/paxos'
import { createPbftFactory, PBFT_MUTANTS } from '../protocols/pbft'
import { createQuorumFactory, QUORUM_MUTANTS } from '../protocols/quorum'
import { createRaftFactory } from '../protocols/raft'
import { multipaxosFuzz } from '../protocols/multipaxos/fuzz'
import { paxosFuzz } from '../protocols/paxos/fuzz'
import { pbftFuzz } from '../protocols/pbft/fuzz'
import { quorumFuzz } from '../protocols/quorum/fuzz'
import { raftFuzz } from '../protocols/raft/fuzz'
import type { AnyProtocolFactory } from '../protocols'
import type { FuzzModel } from './model'

export type AlgorithmFuzzOptions = FuzzModel

export interface FuzzTarget {
  options: AlgorithmFuzzOptions
  mutants: readonly string[]
  /** The algorithm with the named mutations switched on. */
  mutant(names: readonly string[]): AnyProtocolFactory
}

/** `{ a: true, b: true }` from `['a', 'b']`. */
function flags(names: readonly string[]): Record<string, boolean> {
  return Object.fromEntries(names.map((n) => [n, true]))
}

export const FUZZ_TARGETS: Partial<Record<AlgorithmKind, FuzzTarget>> = {
  raft: {
    options: raftFuzz,
    mutants: ['voteWithoutLogCheck', 'commitOldTermByCounting', 'forgetPersistVote', 'noTruncateOnConflict'],
    mutant: (names) => createRaftFactory(flags(names)) as unknown as AnyProtocolFactory,
  },
  paxos: {
    options: paxosFuzz,
    mutants: PAXOS_MUTANTS,
    mutant: (names) => createPaxosFactory(flags(names)) as unknown as AnyProtocolFactory,
  },
  multipaxos: {
    options: multipaxosFuzz,
    mutants: MULTIPAXOS_MUTANTS,
    mutant: (names) => createMultiPaxosFactory(flags(names)) as unknown as AnyProtocolFactory,
  },
  pbft: {
    // 4 nodes, crash-recovery faults plus up to f Byzantine nodes.
    options: pbftFuzz,
    mutants: PBFT_MUTANTS,
    mutant: (names) => createPbftFactory(flags(names)) as unknown as AnyProtocolFactory,
  },
  quorum: {
    // R + W > N with strict quorums: every check must pass, linearizability included.
    options: quorumFuzz,
    mutants: QUORUM_MUTANTS,
    mutant: (names) => createQuorumFactory(flags(names)) as unknown as AnyProtocolFactory,
  },
}
