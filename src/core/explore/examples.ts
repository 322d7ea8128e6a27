// Small configurations worth exploring, one per algorithm (3 nodes; PBFT 4): the spec input and
// the client ops, crashes and losses its bugs need. The Explore screen offers them; the explore
// bench starts from them. Pure data.
import type { ExploreExample } from '../../shared/api'

export const EXPLORE_EXAMPLES: readonly ExploreExample[] = [
  {
    name: 'Raft, 3 nodes, no pre-vote',
    algorithm: 'raft',
    spec: {
      name: 'explore-raft-3',
      algorithm: { kind: 'raft', params: { preVote: false } },
      cluster: { nodes: 3 },
    },
    ops: 'none',
    crashes: 1,
    drops: 0,
  },
  {
    name: 'Paxos, 3 nodes, two writes',
    algorithm: 'paxos',
    spec: { name: 'explore-paxos-3', algorithm: { kind: 'paxos', params: {} }, cluster: { nodes: 3 } },
    ops: 'put,put',
    crashes: 1,
    drops: 0,
  },
  {
    name: 'Multi-Paxos, 3 nodes, two writes',
    algorithm: 'multipaxos',
    spec: {
      name: 'explore-multipaxos-3',
      algorithm: { kind: 'multipaxos', params: {} },
      cluster: { nodes: 3 },
    },
    ops: 'put,put',
    crashes: 1,
    drops: 0,
  },
  {
    name: 'PBFT, 4 nodes, two writes',
    algorithm: 'pbft',
    spec: {
      name: 'explore-pbft-4',
      algorithm: { kind: 'pbft', params: { viewChangeTicks: 2 } },
      cluster: { nodes: 4 },
    },
    ops: 'put,put',
    crashes: 1,
    drops: 0,
  },
  {
    name: 'Quorum store, 3 nodes, two writes and a read',
    algorithm: 'quorum',
    spec: { name: 'explore-quorum-3', algorithm: { kind: 'quorum', params: {} }, cluster: { nodes: 3 } },
    ops: 'put,put,get',
    crashes: 1,
    drops: 1,
  },
]
