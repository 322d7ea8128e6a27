/**
 * A node's role. Leader-based algorithms use leader / follower / (pre-)candidate (PBFT: the
 * primary is the leader, a replica in a view change is a candidate); leaderless ones
 * (single-decree Paxos, the quorum store) report 'replica'. How each algorithm names them on
 * screen is its vocabulary's business (src/core/protocols/<kind>/describe.ts).
 */
export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader' | 'replica' | 'down'
