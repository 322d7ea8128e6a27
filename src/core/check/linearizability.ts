// Linearizability (and sequential consistency) checking of a key-value client history.
//
// The model is a register per key holding string | null (absent = null, or the `initial`
// value given, e.g. "" for Porcupine's key-value model). Linearizability
// is compositional, so each key's sub-history is checked on its own (P-compositionality),
// by a Wing & Gong / Lowe just-in-time search with memoisation (see ./lin/search.ts).
//
// What each kind of operation means:
// - ok: took effect exactly once, between its invocation and its completion;
// - fail: definitely did not take effect: dropped (a failed get constrains nothing);
// - info (timeout, crash: unknown): a put or cas may take effect at any time after its
//   invocation, or never; an info get constrains nothing (dropped);
// - cas ok with result true: the key held `expected`, and now holds the new value;
//   cas ok with result false: an observation: the key did not hold `expected` (no change);
// - append: the key now holds what it held (absent counts as "") followed by the value.
//
// Sequential mode drops real-time order between clients and keeps only each client's
// program order. Sequential consistency is not compositional in general: this checks it
// per key (each key's history is sequentially consistent on its own), which can miss
// violations that only show across keys. Info ops are not bound by program order (a
// timed-out request may still land after the client's later ones).
//
// Pure and deterministic: no clock unless the caller passes `now`; the same input and
// options give the same result, words included.
import type { CheckResult, Verdict } from '../../shared/api'
import type { HistoryOp } from '../../shared/history'
import { explainViolation, type TimeUnit } from './lin/explain'
import { buildKeyHistory, subHistory, type KeyHistory } from './lin/model'
import { Budget, search, type LinMode, type SearchResult } from './lin/search'
import { shrinkViolation, staleWitnesses } from './lin/shrink'

export { describeOp, formatTime, formatValue, type TimeUnit } from './lin/explain'
export type { LinMode } from './lin/search'

/** Without a clock, a millisecond of budget is taken to be this many search steps. */
export const STEPS_PER_MS = 2000

export interface LinOptions {
  /** What to check. Default 'linearizable'. */
  mode?: LinMode
  /** Time budget for the search (default 10 000 ms). Past it the verdict is 'unknown'. */
  budgetMs?: number
  /** The caller's clock in ms (e.g. performance.now). Without it the budget is counted in steps. */
  now?: () => number
  /** Hard cap on search steps (default: budgetMs × STEPS_PER_MS without `now`, none with it). */
  maxSteps?: number
  /** Unit of the history's times, for explanations (default 'us', as in traces). */
  timeUnit?: TimeUnit
  /** Shrink a violation to a small failing set of ops (default true). */
  shrink?: boolean
  /** What every key holds before it is written (default null: absent). */
  initial?: string | null
}

export interface LinViolation {
  /** The key whose history is not linearizable (the first such key, in key order). */
  key: string
  /**
   * A small set of this key's operations that on its own cannot be linearized (a
   * sub-history of the original, so a real counterexample), in invocation order.
   */
  ops: HistoryOp[]
  /** True if `ops` is minimal for the shrinker; false if it ran out of budget first. */
  shrunk: boolean
  /** The op that cannot take effect (the failing read / cas), if one stands out. */
  culprit: HistoryOp | null
  /** The longest linearizable prefix of the key's history found: op ids in linearization order. */
  prefix: string[]
  /** The register's value after that prefix (null = absent). */
  state: string | null
  /** The failure in words. */
  explanation: string
}

export interface LinResult {
  verdict: Verdict
  mode: LinMode
  /** Distinct keys in the history. */
  keys: number
  /** Ops searched (everything except failed ops and unknown-outcome reads). */
  checkedOps: number
  /** Search steps spent (the abstract measure of work; shrinking included). */
  steps: number
  /** Wall time in ms, when a clock was supplied. */
  elapsedMs: number | null
  /**
   * ok gets that returned a value older than a write that had completed before the get was
   * invoked (every write of the value read finished before that write began). Counted
   * whatever the verdict: how stale an AP system's reads are. Reads of values never written
   * are not counted here, nor reads on keys with appends.
   */
  staleReads: number
  /** Keys whose history is not linearizable (sequentially consistent), in key order. */
  failedKeys: string[]
  /** Keys left undecided when the budget ran out. */
  unknownKeys: string[]
  violation?: LinViolation
}

/** Check a history; see the file comment for the semantics. */
export function checkLinearizable(ops: readonly HistoryOp[], opts: LinOptions = {}): LinResult {
  const mode = opts.mode ?? 'linearizable'
  const budgetMs = opts.budgetMs ?? 10_000
  const now = opts.now
  const started = now ? now() : 0
  const maxSteps = opts.maxSteps ?? (now ? Infinity : budgetMs * STEPS_PER_MS)
  const budget = new Budget(maxSteps, now, started + budgetMs)
  const unit = opts.timeUnit ?? 'us'
  const initial = opts.initial ?? null

  const byKey = new Map<string, HistoryOp[]>()
  for (const op of ops) {
    let l = byKey.get(op.key)
    if (!l) byKey.set(op.key, (l = []))
    l.push(op)
  }
  const keys = [...byKey.keys()].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0))

  const result: LinResult = {
    verdict: 'ok',
    mode,
    keys: keys.length,
    checkedOps: 0,
    steps: 0,
    elapsedMs: null,
    staleReads: 0,
    failedKeys: [],
    unknownKeys: [],
  }
  let first: { kh: KeyHistory; res: SearchResult } | null = null
  for (const key of keys) {
    const keyOps = byKey.get(key) as HistoryOp[]
    result.staleReads += countStaleReads(keyOps, initial)
    const kh = buildKeyHistory(key, keyOps, initial)
    result.checkedOps += kh.ops.length
    if (budget.exhausted) {
      result.unknownKeys.push(key)
      continue
    }
    const res = searchKey(kh, mode, budget)
    if (res.outcome === 'violation') {
      result.failedKeys.push(key)
      if (!first) first = { kh, res }
    } else if (res.outcome === 'unknown') result.unknownKeys.push(key)
  }
  result.verdict =
    result.failedKeys.length > 0 ? 'violation' : result.unknownKeys.length > 0 ? 'unknown' : 'ok'

  if (first) {
    // Reporting gets its own allowance (the verdict is already certain): a step budget
    // proportional to the search, and a quarter of the time budget past the deadline.
    const { kh, res } = first
    const allowance = Math.min(50_000_000, 5_000_000 + 20 * res.steps)
    const report = new Budget(allowance, now, started + budgetMs * 1.25)
    result.violation = describeViolation(
      kh,
      res,
      byKey.get(kh.key) as HistoryOp[],
      mode,
      unit,
      report,
      opts.shrink ?? true,
    )
    budget.steps += report.steps
  }
  result.steps = budget.steps
  if (now) result.elapsedMs = now() - started
  return result
}

/**
 * One key. Sequential mode first tries the (much more constrained, so much faster)
 * linearizability search: a linearizable history is sequentially consistent as long as
 * each process runs one op at a time (then real-time order includes program order).
 */
function searchKey(kh: KeyHistory, mode: LinMode, budget: Budget): SearchResult {
  if (mode === 'sequential' && processesAreSequential(kh)) {
    const lin = search(kh, { mode: 'linearizable', budget })
    if (lin.outcome === 'ok') return lin
  }
  return search(kh, { mode, budget })
}

/** Every op begins after the process's earlier ok ops (on this key) completed. */
function processesAreSequential(kh: KeyHistory): boolean {
  const lastEnd = new Map<number, number>()
  for (let i = 0; i < kh.ops.length; i++) {
    const p = kh.process[i]
    if ((lastEnd.get(p) ?? -Infinity) >= kh.invoke[i]) return false
    if (kh.ops[i].type === 'ok') lastEnd.set(p, Math.max(lastEnd.get(p) ?? -Infinity, kh.complete[i]))
  }
  return true
}

/**
 * Candidate small witnesses for sequential consistency: each stale read with the writes
 * that prove it, plus everything the processes involved did on the key (program order
 * is what sequential consistency keeps).
 */
function sequentialSeeds(kh: KeyHistory): number[][] {
  const out: number[][] = []
  for (const w of staleWitnesses(kh, 10)) {
    const procs = new Set(w.map((i) => kh.process[i]))
    const seed = new Set(w)
    for (let i = 0; i < kh.ops.length; i++) if (procs.has(kh.process[i])) seed.add(i)
    out.push(w, [w[0], ...[...seed].filter((i) => i !== w[0])])
  }
  return out
}

function describeViolation(
  kh: KeyHistory,
  res: SearchResult,
  keyOps: HistoryOp[],
  mode: LinMode,
  unit: TimeUnit,
  budget: Budget,
  shrink: boolean,
): LinViolation {
  const shrunk = shrink
    ? shrinkViolation(
        kh,
        mode,
        budget,
        res.dead >= 0 ? res.dead : res.blocked,
        mode === 'linearizable' ? staleWitnesses(kh) : sequentialSeeds(kh),
      )
    : { idx: kh.ops.map((_, i) => i), complete: false, steps: 0 }
  const sub = subHistory(kh, shrunk.idx)
  // Re-run on the small set, recording which states each op was tried in.
  let subRes: SearchResult | null = null
  if (sub.ops.length <= 2000) {
    const r = search(sub, { mode, budget: new Budget(2_000_000), trackTried: true })
    if (r.outcome === 'violation') subRes = r
  }
  // And once on the whole key without the dead-value shortcut (which cuts the longest
  // prefix short), recording the states the failing op was tried in.
  const culprit =
    subRes && subRes.blocked >= 0 ? shrunk.idx[subRes.blocked] : res.dead >= 0 ? res.dead : res.blocked
  let full: SearchResult | null = null
  if (culprit >= 0 && !budget.exhausted) {
    const limit = Math.min(budget.remainingSteps, 2 * res.steps + 200_000)
    const r = search(kh, { mode, budget, limit, trackOp: culprit })
    if (r.outcome === 'violation') full = r
  }
  const fullTried = (subOp: number): Set<number> | null =>
    full && shrunk.idx[subOp] === culprit ? (full.tried?.[culprit] ?? null) : null
  const explained = subRes
    ? explainViolation({ mode, sub, res: subRes, keyOps, unit, fullTried })
    : explainViolation({ mode, sub: kh, res: full ?? res, keyOps, unit })
  const longest = full ?? res
  return {
    key: kh.key,
    ops: sub.ops,
    shrunk: shrunk.complete,
    culprit: explained.culprit,
    prefix: longest.prefix.map((i) => kh.ops[i].id),
    state: kh.values[longest.stateAtMax],
    explanation: explained.text,
  }
}

/**
 * Stale reads in one key's history: ok gets whose value v was overwritten before the get
 * began, i.e. some ok write W (v' ≠ v) completed before the get was invoked, and W was
 * itself invoked after every write of v had completed (the initial absent value counts as
 * written at -∞; a write of v with unknown outcome could land any time, so never stale).
 */
export function countStaleReads(keyOps: readonly HistoryOp[], initial: string | null = null): number {
  const lastWrite = new Map<string | null, number>()
  const okWrites: Array<{ invoke: number; complete: number }> = []
  // Appends make values no single write wrote: not counted there.
  if (keyOps.some((o) => o.f === 'append')) return 0
  for (const o of keyOps) {
    if (o.type === 'fail' || o.f === 'get' || (o.f === 'cas' && o.type === 'ok' && o.result === false))
      continue
    const v = o.value ?? null
    const end = o.type === 'info' ? Infinity : o.complete
    lastWrite.set(v, Math.max(lastWrite.get(v) ?? -Infinity, end))
    if (o.type === 'ok') okWrites.push({ invoke: o.invoke, complete: o.complete })
  }
  if (okWrites.length === 0) return 0
  okWrites.sort((p, q) => p.complete - q.complete)
  const maxInvoke = new Float64Array(okWrites.length)
  let m = -Infinity
  for (let i = 0; i < okWrites.length; i++) maxInvoke[i] = m = Math.max(m, okWrites[i].invoke)
  let stale = 0
  for (const r of keyOps) {
    if (r.f !== 'get' || r.type !== 'ok') continue
    const v = r.value ?? null
    const lv = lastWrite.get(v) ?? (v === initial ? -Infinity : undefined)
    if (lv === undefined) continue
    // Last write completed strictly before the read was invoked.
    let lo = 0
    let hi = okWrites.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (okWrites[mid].complete < r.invoke) lo = mid + 1
      else hi = mid
    }
    if (lo > 0 && maxInvoke[lo - 1] > lv) stale++
  }
  return stale
}

/** The checker's result as a run check ('unknown' is reported as not ok, with the reason). */
export function linCheckResult(r: LinResult, name = 'linearizability'): CheckResult {
  const details: string[] = []
  if (r.violation) {
    details.push(`${r.violation.key}: ${r.violation.explanation}`)
    if (r.failedKeys.length > 1)
      details.push(`also not ${label(r.mode)}: ${r.failedKeys.slice(1, 11).join(', ')}`)
  } else if (r.verdict === 'unknown') {
    details.push(`unknown: the budget ran out before ${r.unknownKeys.length} key(s) were decided`)
  }
  if (r.staleReads > 0) details.push(`${r.staleReads} stale read(s)`)
  const v = r.violation
  return {
    name,
    ok: r.verdict === 'ok',
    verdict: r.verdict,
    count: r.failedKeys.length,
    details,
    staleReads: r.staleReads,
    ...(r.failedKeys.length > 1 ? { failedKeys: r.failedKeys } : {}),
    ...(v
      ? {
          counterexample: {
            key: v.key,
            opIds: v.ops.map((o) => o.id),
            culpritId: v.culprit ? v.culprit.id : null,
            prefix: v.prefix.slice(-MAX_PREFIX),
            state: v.state,
            explanation: v.explanation,
          },
        }
      : {}),
  }
}

/** The tail of the linearizable prefix kept in a run's summary (the ops leading up to the failure). */
const MAX_PREFIX = 50

function label(mode: LinMode): string {
  return mode === 'linearizable' ? 'linearizable' : 'sequentially consistent'
}
