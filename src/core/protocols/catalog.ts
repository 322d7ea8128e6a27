// Every algorithm the lab has, one line each, by its description (see description.ts and
// docs/adding-an-algorithm.md). The spec's ALGORITHMS, AlgorithmSchema and ALGORITHM_INFO
// (shared/) are derived from this list, and the registry's modules (registry.ts) are keyed
// by it. Light on purpose: the renderer and shared/spec.ts import it, so it lists the
// describe.ts files only, never an algorithm's index.ts.
import { multipaxosDescription } from './multipaxos/describe'
import { paxosDescription } from './paxos/describe'
import { pbftDescription } from './pbft/describe'
import { quorumDescription } from './quorum/describe'
import { raftDescription } from './raft/describe'

export const ALGORITHM_CATALOG = [
  raftDescription,
  paxosDescription,
  multipaxosDescription,
  pbftDescription,
  quorumDescription,
] as const
