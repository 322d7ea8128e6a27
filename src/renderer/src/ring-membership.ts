// What the cluster ring shows of membership (algorithms with membership changes, e.g. Raft):
// which configuration is current, each node's place in it (voter, learner, leaving or joining
// during a joint change, outside it, or not started yet), a line describing it, and which
// cluster operations a click on a node offers. Used by the Run view's ring and Replay's. Pure.
import type { NodeConfig } from '../../shared/api'
import type { NodeId } from '../../shared/trace'

/**
 * A node's place in the configuration: a voter (in both halves during a joint change); a
 * learner; `leaving` / `joining`: a voter of only the old / only the new half of a joint
 * configuration C_old,new; `outside`: running but not in it (removed, or not added yet);
 * `absent`: never started (cluster.maxNodes).
 */
export type Membership = 'voter' | 'learner' | 'leaving' | 'joining' | 'outside' | 'absent'

/** What the ring needs of a node. */
export interface RingMember {
  id: NodeId
  role: string | null
  term: number | null
  config?: NodeConfig
  absent?: boolean
}

export interface ConfigView {
  /** The configuration shown: the leader's, else the one of the node with the highest term. */
  config: NodeConfig
  /** Whose view it is. */
  from: NodeId
  joint: boolean
  members: Record<NodeId, Membership>
}

/**
 * The configuration to show, or null when no node reports one (every node a voter, or an
 * algorithm without membership changes: the ring then shows no membership at all).
 */
export function configView(nodes: readonly RingMember[], leader: NodeId | null): ConfigView | null {
  const withConfig = nodes.filter((n) => n.config !== undefined && n.role !== 'down' && !n.absent)
  if (withConfig.length === 0) return null
  const lead = withConfig.find((n) => n.id === leader)
  const best = lead ?? withConfig.reduce((a, b) => ((b.term ?? -1) > (a.term ?? -1) ? b : a), withConfig[0])
  const config = best.config as NodeConfig
  const members: Record<NodeId, Membership> = {}
  for (const n of nodes) members[n.id] = membershipOf(config, n.id, n.absent === true)
  return { config, from: best.id, joint: config.oldVoters !== undefined, members }
}

/** Node `id`'s place in `config`. */
export function membershipOf(config: NodeConfig, id: NodeId, absent = false): Membership {
  if (absent) return 'absent'
  const inNew = config.voters.includes(id)
  if (config.oldVoters !== undefined) {
    const inOld = config.oldVoters.includes(id)
    if (inNew && inOld) return 'voter'
    if (inOld) return 'leaving'
    if (inNew) return 'joining'
  } else if (inNew) return 'voter'
  return config.learners.includes(id) ? 'learner' : 'outside'
}

/** One line: `voters n1 n2 n3 · learner n4`, or for a joint configuration its two halves. */
export function configText(c: NodeConfig): string {
  const list = (xs: readonly NodeId[]) => (xs.length ? xs.join(' ') : 'none')
  const learners = c.learners.length
    ? ` · learner${c.learners.length === 1 ? '' : 's'} ${list(c.learners)}`
    : ''
  if (c.oldVoters !== undefined)
    return `joint C_old,new: old voters ${list(c.oldVoters)} + new voters ${list(c.voters)}${learners}`
  return `voters ${list(c.voters)}${learners}`
}

/** The membership word under a node's role ('' for a plain voter). */
export function membershipLabel(m: Membership): string {
  switch (m) {
    case 'voter':
      return ''
    case 'learner':
      return 'learner'
    case 'leaving':
      return 'old'
    case 'joining':
      return 'new'
    case 'outside':
      return 'not a member'
    case 'absent':
      return 'not started'
  }
}

/** A cluster operation a click on a node offers (live, as a fault). */
export interface AdminAction {
  key: 'add' | 'promote' | 'remove' | 'transfer'
  label: string
  fault:
    | { kind: 'membership'; action: 'add' | 'promote' | 'remove'; target: NodeId }
    | { kind: 'transfer-leadership'; target: NodeId }
}

/**
 * The operations node `id` offers: add one that is not a member (or not started), promote a
 * learner, remove a member, make a voter leader. `ops` are the algorithm's (AlgorithmInfo.admin);
 * `m` is null when there is no configuration to show (every node a voter).
 */
export function adminActions(
  id: NodeId,
  m: Membership | null,
  leader: NodeId | null,
  ops: readonly string[],
): AdminAction[] {
  const out: AdminAction[] = []
  const place = m ?? 'voter'
  if (ops.includes('membership')) {
    const member = (action: 'add' | 'promote' | 'remove', label: string): void => {
      out.push({ key: action, label, fault: { kind: 'membership', action, target: id } })
    }
    if (place === 'absent' || place === 'outside') member('add', `Add ${id} (joins as a learner)`)
    if (place === 'learner') member('promote', `Promote ${id} to voter`)
    if (place !== 'absent' && place !== 'outside') member('remove', `Remove ${id} from the cluster`)
  }
  if (ops.includes('transfer-leadership') && id !== leader && (place === 'voter' || place === 'joining'))
    out.push({
      key: 'transfer',
      label: `Make ${id} leader`,
      fault: { kind: 'transfer-leadership', target: id },
    })
  return out
}
