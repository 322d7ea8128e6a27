// What `npm run fuzz` can fuzz: per algorithm, the fuzz options that keep runs within its
// fault model, the names of its deliberate bugs (mutants) and how to build a mutant.
import type { AlgorithmKind } from '../../shared/spec'
import { createMultiPaxosFactory, MULTIPAXOS_MUTANTS } from '../protocols/multipaxos'
import { createPaxosFactory, PAXOS_MUTANTS } from '../protocols/paxos'
import { createPbftFactory, PBFT_MUTANTS } from '../protocols/pbft'
import { createQuorumFactory, QUORUM_MUTANTS } from '../protocols/quorum'
import { createRaftFactory } from '../protocols/raft'
import type { AnyProtocolFactory } from '../sim'
import type { FuzzOptions } from './fuzz'
import { multipaxosFuzz } from './multipaxos'
import { paxosFuzz } from './paxos'
import { pbftFuzz } from './pbft'
import { quorumFuzz } from './quorum'

export type AlgorithmFuzzOptions = Pick<
  FuzzOptions,
  'algorithm' | 'params' | 'faults' | 'mix' | 'stopRunOnViolation' | 'nodes'
>

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
    options: { algorithm: 'raft' },
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
