// A node's row in the live view (NodeLive) from the last state it reported, for the simulator
// and processes mode alike. Pure.
import type { NodeConfig, NodeLive } from '../../shared/api'
import type { NodeId } from '../../shared/trace'

/** What the live view needs of a node's state (a StateEvent, NodeStatus or the last one seen). */
export type NodeState = Pick<
  NodeLive,
  'role' | 'term' | 'leader' | 'commitIndex' | 'lastIndex' | 'stats' | 'config'
>

/**
 * Node `id`'s row: its state, or role 'down' (no leader) with its last known figures; `absent`
 * when it has never been started (it waits for a membership add).
 */
export function nodeLive(id: NodeId, s: NodeState, up: boolean, absent = false): NodeLive {
  return {
    id,
    role: up ? s.role : 'down',
    term: s.term,
    leader: up ? s.leader : null,
    commitIndex: s.commitIndex,
    lastIndex: s.lastIndex,
    ...(s.stats ? { stats: { ...s.stats } } : {}),
    ...(s.config ? { config: copyConfig(s.config) } : {}),
    ...(absent ? { absent: true } : {}),
  }
}

export function copyConfig(c: NodeConfig): NodeConfig {
  return {
    voters: c.voters.slice(),
    learners: c.learners.slice(),
    ...(c.oldVoters ? { oldVoters: c.oldVoters.slice() } : {}),
  }
}
