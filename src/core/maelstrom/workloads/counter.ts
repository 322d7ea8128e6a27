// Maelstrom's g-counter and pn-counter workloads: clients `add {delta}` (g-counter: >= 0;
// pn-counter: any sign; answered `add_ok`) and `read` (answered `read_ok {value}`); once
// faults healed, a final read on every node. The check: every node's final read is one and the
// same value, reachable as the acknowledged deltas plus some of the in-doubt ones: within
// [acked + negative in-doubt, acked + positive in-doubt] and, when the set is small enough to
// enumerate, an actual sum of some in-doubt deltas. Definitely failed adds count for nothing.
// Pure.
import type { CheckResult } from '../../../shared/api'
import { Tally } from '../../check/tally'
import type { MaelstromOp, MaelstromWorkload, WorkloadContext } from '../types'
import { describeOp, finalReads, listNames, nodeFor, verdictOf } from './common'
import type { CounterOptions } from './options'
import { show } from '../values'

const CHECK = 'Every node converges to the sum of the adds'

/** Enumerate the reachable sums only while (in-doubt adds x width of the range) stays below this. */
const MAX_ENUMERATION = 20_000_000

function counterWorkload(kind: 'g-counter' | 'pn-counter', options: CounterOptions): MaelstromWorkload {
  const lo = kind === 'g-counter' ? 0 : -options.maxDelta
  return {
    kind,
    setup: () => [],
    request: (rng, ctx) => {
      const node = nodeFor(ctx, ctx.client)
      if (rng.chance(options.readShare)) return { node, body: { type: 'read' } }
      return { node, body: { type: 'add', delta: rng.int(lo, options.maxDelta) } }
    },
    finalRequests: (ctx) => ctx.nodeIds.map((node) => ({ node, body: { type: 'read' } })),
    check: (ops, ctx) => [checkCounter(ops, ctx)],
  }
}

export const createGCounterWorkload = (options: CounterOptions): MaelstromWorkload =>
  counterWorkload('g-counter', options)
export const createPnCounterWorkload = (options: CounterOptions): MaelstromWorkload =>
  counterWorkload('pn-counter', options)

/** What the adds allow a converged counter to read. */
export interface CounterBounds {
  acked: number
  lower: number
  upper: number
  inDoubt: number
  /** Exactly the reachable values (null when there were too many to enumerate: only the bounds are checked). */
  reachable: Set<number> | null
}

export function counterBounds(ops: readonly MaelstromOp[]): CounterBounds {
  let acked = 0
  const doubt: number[] = []
  for (const op of ops) {
    if (op.request.type !== 'add') continue
    const d = op.request.delta
    if (typeof d !== 'number' || !Number.isInteger(d)) continue
    if (op.outcome === 'ok') acked += d
    else if (op.outcome === 'info') doubt.push(d)
  }
  const lower = acked + doubt.filter((d) => d < 0).reduce((s, d) => s + d, 0)
  const upper = acked + doubt.filter((d) => d > 0).reduce((s, d) => s + d, 0)
  const width = upper - lower + 1
  let reachable: Set<number> | null = null
  if (doubt.length * width <= MAX_ENUMERATION) {
    let can = new Uint8Array(width)
    can[acked - lower] = 1
    for (const d of doubt) {
      const next = can.slice()
      for (let i = 0; i < width; i++) if (can[i] && i + d >= 0 && i + d < width) next[i + d] = 1
      can = next
    }
    reachable = new Set<number>()
    can.forEach((c, i) => {
      if (c) reachable?.add(lower + i)
    })
  }
  return { acked, lower, upper, inDoubt: doubt.length, reachable }
}

export function checkCounter(ops: readonly MaelstromOp[], ctx: WorkloadContext): CheckResult {
  const tally = new Tally(CHECK)
  const b = counterBounds(ops)
  const finals = finalReads(ops, ctx)
  const values = new Map<string, number>()
  for (const [node, op] of finals.byNode) {
    const v = op.reply?.value
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      tally.add(
        () => `${describeOp(op)}: ${node}'s final read_ok has no whole-number value (got ${show(v)})`,
        op.id,
      )
      continue
    }
    values.set(node, v)
    if (v < b.lower || v > b.upper) {
      tally.add(
        () =>
          `${node}'s final read (${op.id}) is ${v}, outside [${b.lower}, ${b.upper}] ` +
          `(acknowledged adds sum to ${b.acked}, ${b.inDoubt} in doubt)`,
        op.id,
      )
    } else if (b.reachable && !b.reachable.has(v)) {
      tally.add(
        () =>
          `${node}'s final read (${op.id}) is ${v}: no choice of the ${b.inDoubt} in-doubt adds ` +
          `added to the acknowledged ${b.acked} gives it`,
        op.id,
      )
    }
  }
  const distinct = new Set(values.values())
  if (distinct.size > 1) {
    const per = [...values].map(([n, v]) => `${n}=${v}`).join(', ')
    tally.add(() => `the final reads diverge: ${per}`, 'diverge')
  }
  const unjudged =
    finals.missing.length > 0 ? `no final read was answered by ${listNames(finals.missing)}` : null
  const note =
    `acknowledged adds sum to ${b.acked}; ${b.inDoubt} in doubt allow [${b.lower}, ${b.upper}]` +
    (b.reachable ? '' : ' (too many to enumerate: only the bounds checked)')
  return verdictOf(tally, unjudged, [note])
}
