// Quorum math over (joint) majority configurations, in the style of etcd-io/raft's quorum
// package: the highest index a majority has reached, the outcome of a vote, whether a majority
// is active. A joint configuration (thesis 4.3, C_old,new) needs a majority of each half.
// An empty half (a simple configuration has no outgoing half) agrees with anything. Pure.
import type { NodeId } from '../types'

export type VoteResult = 'won' | 'lost' | 'pending'

/** Votes needed for a majority of `n` voters. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1
}

/** The k-th largest (1-based) of a[0..len): partial insertion sort in place, fine for cluster sizes. */
export function kthLargest(a: number[], len: number, k: number): number {
  for (let i = 1; i < len; i++) {
    const v = a[i]
    let j = i - 1
    while (j >= 0 && a[j] < v) {
      a[j + 1] = a[j]
      j--
    }
    a[j + 1] = v
  }
  return a[k - 1]
}

/**
 * The largest value a majority of `voters` has reached (`valueOf` per voter; `scratch` a reused
 * buffer at least as long as `voters`). An empty set: +Infinity (it constrains nothing).
 */
export function majorityValue(
  voters: readonly NodeId[],
  valueOf: (id: NodeId) => number,
  scratch: number[],
): number {
  const n = voters.length
  if (n === 0) return Infinity
  for (let i = 0; i < n; i++) scratch[i] = valueOf(voters[i])
  return kthLargest(scratch, n, majority(n))
}

/** The outcome of a vote among `voters` (granted: true, rejected: false, not yet: absent). */
export function majorityVote(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'won'
  let yes = 0
  let no = 0
  for (const v of voters) {
    const g = votes.get(v)
    if (g === true) yes++
    else if (g === false) no++
  }
  const q = majority(voters.length)
  if (yes >= q) return 'won'
  if (no >= q) return 'lost'
  return 'pending'
}

/** A joint vote: won when both halves won, lost when either lost. */
export function jointVote(
  incoming: readonly NodeId[],
  outgoing: readonly NodeId[],
  votes: ReadonlyMap<NodeId, boolean>,
): VoteResult {
  const a = majorityVote(incoming, votes)
  const b = majorityVote(outgoing, votes)
  if (a === 'won' && b === 'won') return 'won'
  if (a === 'lost' || b === 'lost') return 'lost'
  return 'pending'
}

/** Whether a majority of `voters` satisfies `ok`. */
export function majorityHas(voters: readonly NodeId[], ok: (id: NodeId) => boolean): boolean {
  if (voters.length === 0) return true
  let n = 0
  for (const v of voters) if (ok(v)) n++
  return n >= majority(voters.length)
}
