// Raft cluster configurations (thesis chapter 4): the configurations a node's log holds, and
// the changes a leader may make to one. A configuration is carried by a log entry and takes
// effect on the node as soon as that entry is appended (not when it commits, §4.1); truncating
// the entry reverts to the previous one. Pure.
import type { ClusterConfig, NodeId } from '../types'

export type MembershipAction = 'add' | 'remove' | 'promote'

export function isJoint(c: ClusterConfig): boolean {
  return c.oldVoters !== undefined
}

/** Every node the configuration names (voters, old voters, learners). */
export function configMembers(c: ClusterConfig): Set<NodeId> {
  const s = new Set<NodeId>(c.voters)
  for (const v of c.oldVoters ?? []) s.add(v)
  for (const l of c.learners) s.add(l)
  return s
}

/** A voter of either half (it votes, campaigns and counts). */
export function isVoterIn(c: ClusterConfig, id: NodeId): boolean {
  return c.voters.includes(id) || (c.oldVoters?.includes(id) ?? false)
}

function sameSet(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  if (a.length !== b.length) return false
  for (const x of a) if (!b.includes(x)) return false
  return true
}

export function sameConfig(a: ClusterConfig, b: ClusterConfig): boolean {
  if (!sameSet(a.voters, b.voters) || !sameSet(a.learners, b.learners)) return false
  if (a.oldVoters === undefined || b.oldVoters === undefined) return a.oldVoters === b.oldVoters
  return sameSet(a.oldVoters, b.oldVoters)
}

/** `ids` in the order of `order` (configurations list nodes in the cluster's node order). */
function ordered(ids: Iterable<NodeId>, order: readonly NodeId[]): NodeId[] {
  const s = new Set(ids)
  return order.filter((n) => s.has(n))
}

export function copyConfig(c: ClusterConfig): ClusterConfig {
  return c.oldVoters === undefined
    ? { voters: c.voters.slice(), learners: c.learners.slice() }
    : { voters: c.voters.slice(), learners: c.learners.slice(), oldVoters: c.oldVoters.slice() }
}

/**
 * One membership change applied to the simple configuration `c` (its voters and learners; an
 * outgoing half is ignored): add makes `node` a learner, promote a learner a voter, remove takes
 * it out. Null when the change means nothing (already so, not a learner, the last voter).
 */
export function changed(
  c: ClusterConfig,
  action: MembershipAction,
  node: NodeId,
  order: readonly NodeId[],
): ClusterConfig | null {
  const voters = new Set(c.voters)
  const learners = new Set(c.learners)
  switch (action) {
    case 'add':
      if (voters.has(node) || learners.has(node)) return null
      learners.add(node)
      break
    case 'promote':
      if (!learners.has(node)) return null
      learners.delete(node)
      voters.add(node)
      break
    case 'remove':
      if (learners.has(node)) learners.delete(node)
      else if (voters.has(node) && voters.size > 1) voters.delete(node)
      else return null
      break
  }
  return { voters: ordered(voters, order), learners: ordered(learners, order) }
}

/** How many voters differ between two voter sets (added plus removed). */
export function voterDelta(a: readonly NodeId[], b: readonly NodeId[]): number {
  let d = 0
  for (const x of a) if (!b.includes(x)) d++
  for (const x of b) if (!a.includes(x)) d++
  return d
}

/**
 * The configurations in a node's log: the one its snapshot (or the initial configuration) holds,
 * then one per configuration entry after it, by log index.
 */
export class ConfigHistory {
  private baseIndex: number
  private baseConfig: ClusterConfig
  private readonly entries: Array<{ index: number; config: ClusterConfig }> = []

  constructor(index: number, config: ClusterConfig) {
    this.baseIndex = index
    this.baseConfig = config
  }

  /** The configuration in effect (the last one in the log). */
  current(): ClusterConfig {
    return this.entries.length ? this.entries[this.entries.length - 1].config : this.baseConfig
  }

  /** Log index of the entry that set the current configuration (the base's index when none). */
  lastIndex(): number {
    return this.entries.length ? this.entries[this.entries.length - 1].index : this.baseIndex
  }

  /** The configuration in effect at log index `i`, and the index of the entry that set it. */
  at(i: number): { index: number; config: ClusterConfig } {
    for (let k = this.entries.length - 1; k >= 0; k--) if (this.entries[k].index <= i) return this.entries[k]
    return { index: this.baseIndex, config: this.baseConfig }
  }

  /** A configuration entry appended at `index`. */
  append(index: number, config: ClusterConfig): void {
    while (this.entries.length && this.entries[this.entries.length - 1].index >= index) this.entries.pop()
    this.entries.push({ index, config })
  }

  /** Entries at >= index deleted; true when that changed the current configuration. */
  truncateFrom(index: number): boolean {
    const before = this.entries.length
    while (this.entries.length && this.entries[this.entries.length - 1].index >= index) this.entries.pop()
    return this.entries.length !== before
  }

  /** The log up to `index` became a snapshot: its configuration becomes the base. */
  compact(index: number): void {
    const at = this.at(index)
    this.baseIndex = at.index
    this.baseConfig = at.config
    let k = 0
    while (k < this.entries.length && this.entries[k].index <= index) k++
    if (k > 0) this.entries.splice(0, k)
  }

  /** Everything replaced by a snapshot's configuration. */
  reset(index: number, config: ClusterConfig): void {
    this.baseIndex = index
    this.baseConfig = config
    this.entries.length = 0
  }
}
