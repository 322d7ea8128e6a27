// A priority schedule for one random walk (after PCT, Burckhardt et al. 2010, with lanes of
// messages in the role of threads). A lane is a node's inbox (every message to it) or a link
// (every message from one node to another), drawn per walk; each lane has a random rank, and
// the walk delivers the oldest message of the highest-ranked lane that has one. Its
// environment steps (timers, client requests, crashes, Byzantine rewrites) come when no lane
// may deliver; and one step in ten is drawn as a swarm walk draws it, from every enabled
// action (a delivery out of order included). At up to MAX_CHANGES random depths the top lane
// drops to the bottom; up to MAX_HELD of the lowest lanes are held (nothing delivered on
// them) until a random depth, as if cut off from the rest.
//
// Why: the bugs a plain random walk misses need one ordering kept up over many steps, e.g.
// "n2 hears nothing while the others prepare, commit and change view". Random choices between
// ~10 enabled actions keep such an ordering with a probability that falls geometrically with
// its length; a lane order keeps it for free, and the few changes of order a bug needs are
// drawn once per walk. Inboxes suit "a node hears nothing" (PBFT's forgetPrepared); links
// suit "a newer message overtakes an older one to the same node" (Raft's Figure 8, where n3
// must hear n2's RequestVote before n1's older AppendEntries). Pure: every draw comes from
// the walk's rng.
import type { Rng } from '../rng'
import type { Action } from './types'
import type { World } from './world'

/** The share of steps drawn from every enabled action, whatever the lanes. */
const FREE_RATE = 0.1
/** Most changes of lane order in one walk. */
const MAX_CHANGES = 3
/** Most lanes held from the start of a walk. */
const MAX_HELD = 2

export type KindWeights = ReadonlyMap<Action['k'], number>

/** The index of an action drawn with probability proportional to its kind's weight. */
export function pickWeighted(rng: Rng, acts: readonly Action[], weight: KindWeights): number {
  let total = 0
  for (const a of acts) total += weight.get(a.k) as number
  let x = rng.next() * total
  for (let i = 0; i < acts.length; i++) {
    x -= weight.get(acts[i].k) as number
    if (x < 0) return i
  }
  return acts.length - 1
}

/** Like pickWeighted, among the actions that are not deliveries (all of them if each is one). */
function pickEnvironment(rng: Rng, acts: readonly Action[], weight: KindWeights): number {
  const idx: number[] = []
  for (let i = 0; i < acts.length; i++) if (acts[i].k !== 'deliver') idx.push(i)
  if (idx.length === 0) return pickWeighted(rng, acts, weight)
  return idx[
    pickWeighted(
      rng,
      idx.map((i) => acts[i]),
      weight,
    )
  ]
}

/** What a lane is: a node's inbox (every message to it) or a link (messages from one node to another). */
export type LaneKind = 'inbox' | 'link'

export class LaneSchedule {
  /** Rank of each lane (higher delivers first): node i's inbox is lane i, link i -> j lane i * nodes + j. */
  private readonly rank: number[]
  /** Depths at which the top lane drops to the bottom, ascending. */
  private readonly changes: number[]
  private nextChange = 0
  private lowest = -1
  private readonly held: ReadonlySet<number>
  private readonly releaseAt: number

  /** A schedule for a walk of `nodes` nodes from depth `from` to at most `depth`. */
  constructor(
    private readonly rng: Rng,
    private readonly nodes: number,
    from: number,
    depth: number,
    readonly by: LaneKind = 'inbox',
  ) {
    const lanes = by === 'inbox' ? nodes : nodes * nodes
    this.rank = Array.from({ length: lanes }, (_, i) => i)
    for (let i = lanes - 1; i > 0; i--) {
      const j = rng.int(0, i)
      ;[this.rank[i], this.rank[j]] = [this.rank[j], this.rank[i]]
    }
    const last = Math.max(from, depth - 1)
    this.changes = Array.from({ length: rng.int(0, MAX_CHANGES) }, () => rng.int(from, last)).sort(
      (a, b) => a - b,
    )
    const held = rng.int(0, MAX_HELD)
    this.held = new Set(this.rank.flatMap((r, lane) => (r < held ? [lane] : [])))
    this.releaseAt = rng.int(from, last)
  }

  /** The schedule as drawn: lanes from first to last served, held ones, changes of order. */
  view(): { order: number[]; held: number[]; releaseAt: number; changes: number[] } {
    const order = this.rank.map((_, lane) => lane).sort((a, b) => this.rank[b] - this.rank[a])
    return {
      order,
      held: [...this.held].sort((a, b) => a - b),
      releaseAt: this.releaseAt,
      changes: [...this.changes],
    }
  }

  /** The index in `acts` (the actions enabled in `w`, non-empty) of the walk's next step. */
  pick(w: World, acts: readonly Action[], weight: KindWeights): number {
    for (
      ;
      this.nextChange < this.changes.length && this.changes[this.nextChange] <= w.depth;
      this.nextChange++
    ) {
      let top = 0
      for (let i = 1; i < this.rank.length; i++) if (this.rank[i] > this.rank[top]) top = i
      this.rank[top] = this.lowest--
    }
    if (this.rng.next() < FREE_RATE) return pickWeighted(this.rng, acts, weight)
    const holding = w.depth < this.releaseAt
    let best = -1
    let bestRank = -Infinity
    for (let i = 0; i < acts.length; i++) {
      const a = acts[i]
      if (a.k !== 'deliver') continue
      const m = w.net[a.msg]
      const lane = this.by === 'inbox' ? m.to : m.from * this.nodes + m.to
      if (holding && this.held.has(lane)) continue
      if (this.rank[lane] > bestRank) {
        bestRank = this.rank[lane]
        best = i
      }
    }
    return best >= 0 ? best : pickEnvironment(this.rng, acts, weight)
  }
}
