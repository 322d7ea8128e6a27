// Linearizability of a run's client history in bounded memory: the history is fed op event
// by op event (invoke, then its completion), partitioned by key (linearizability is
// compositional), and each key's history is judged in segments, so only the current segment
// of each key is kept.
//
// A key's segment is cut just before an op invoked after every op of the segment completed
// (no op of the key in flight, and the new op's invocation strictly later than every
// completion: equal times count as concurrent). Then every op of the segment precedes every
// later op in real time, so a linearization of the whole key is a linearization of the
// segment followed by one of the rest. What the rest needs to know of the segment is the set
// of states a linearization of the segment can end in: a configuration (the register's
// value, the ops with unknown outcome not applied yet). An info op (a put / cas whose outcome
// is unknown) may take effect at any time after its invocation, or never, so one not applied
// within the segment is carried into the next one, where it may still land (at most once).
//
// The configurations a segment can end in are found exactly, with the whole-history checker
// (./search.ts via checkLinearizable) on the segment plus the carried ops: for every start
// configuration, every choice X of carried-or-new info ops left unapplied, and every value e
// the register can end with (the initial value, a write not followed in real time by an ok
// write, or an info write), the segment without X followed by a synthetic read of e (after
// everything) is linearizable iff some linearization of the segment leaving X unapplied ends
// holding e. A configuration that leaves a superset of ops unapplied with the same value
// dominates (it can do everything the other can) and replaces it.
//
// Verdicts stay exact: the key is a violation iff no start configuration survives, and a
// segment the search could not decide within its step budget makes the key unknown, never ok.
// To keep the work per cut bounded a key is cut only every `segmentOps` ops (doubled per info
// op carried); a key whose segment cannot be cut (too many info ops carried, too many end
// configurations) keeps growing until `maxBufferedOps` ops are buffered over all keys, when
// the largest such key is given up as unknown and its further ops ignored.
//
// Appends make values no single write wrote: a key with an append is never cut (judged whole
// at the end). Stale reads are counted within each segment (with its first start value), so
// reads made stale by a write of an earlier segment are not counted.
//
// Pure and deterministic: budgets are counted in search steps.
import { completeOp, invokedOp, type HistoryFn, type HistoryOp } from '../../../shared/history'
import type { OpEvent } from '../../../shared/trace'
import { checkLinearizable, countStaleReads, type LinResult } from '../linearizability'

export interface SegmentedLinOptions {
  /** Cut a key's segment once it holds at least this many ops (default 512). */
  segmentOps?: number
  /** At most this many info ops carried over a cut (default 6): 2^n choices are tried. */
  maxCarry?: number
  /** At most this many end configurations carried over a cut (default 16). */
  maxConfigs?: number
  /**
   * Ops buffered over all keys before the largest uncuttable key is given up (default 100,000:
   * about 25 MB live; a 1000-key soak with timeouts settles near the cap, so the cap is what
   * a long run's checker holds, and a quarter of 400,000 costs no more search time).
   */
  maxBufferedOps?: number
  /** Search steps each check of a segment may spend (default 20,000,000). */
  stepsPerCheck?: number
  /** What every key holds before it is written (default null: absent). */
  initial?: string | null
}

/** A state a key's history so far can be in: its value, and the info ops not applied yet. */
interface Config {
  value: string | null
  carry: HistoryOp[]
}

interface KeyState {
  key: string
  starts: Config[]
  seg: HistoryOp[]
  /** Ops of the segment invoked and not completed yet. */
  open: number
  /** Latest invocation or completion time in the segment. */
  lastT: number
  appends: boolean
  status: 'open' | 'violation' | 'unknown'
  staleReads: number
  checkedOps: number
}

type Judged = { outcome: 'ok' | 'violation' | 'unknown'; steps: number }

export class SegmentedLinChecker {
  private readonly keys = new Map<string, KeyState>()
  private readonly pending = new Map<string, { op: HistoryOp; ks: KeyState }>()
  private readonly done = new Set<string>()
  private readonly segmentOps: number
  private readonly maxCarry: number
  private readonly maxConfigs: number
  private readonly maxBuffered: number
  private readonly stepsPerCheck: number
  private readonly initial: string | null
  private buffered = 0
  /** Latest event time seen. */
  private now = -Infinity
  private steps = 0
  private violation: LinResult['violation'] | undefined
  private cuts = 0

  constructor(opts: SegmentedLinOptions = {}) {
    this.segmentOps = opts.segmentOps ?? 512
    this.maxCarry = opts.maxCarry ?? 6
    this.maxConfigs = opts.maxConfigs ?? 16
    this.maxBuffered = opts.maxBufferedOps ?? 100_000
    this.stepsPerCheck = opts.stepsPerCheck ?? 20_000_000
    this.initial = opts.initial ?? null
  }

  /** Segments cut so far (over all keys). */
  get segmentsCut(): number {
    return this.cuts
  }

  /** Ops currently kept (every key's current segment and carried info ops). */
  get bufferedOps(): number {
    return this.buffered
  }

  /** Feed one op event, in trace order (other ops than get / put / cas / append are skipped). */
  onOp(e: OpEvent): void {
    if (e.f === 'call') return
    if (e.t > this.now) this.now = e.t
    if (e.phase === 'invoke') return this.invoke(e, e.f)
    const p = this.pending.get(e.opId)
    if (p === undefined) return
    this.pending.delete(e.opId)
    const { op, ks } = p
    this.done.add(e.opId)
    ks.open--
    completeOp(op, e)
    ks.lastT = Math.max(ks.lastT, e.t)
  }

  private invoke(e: OpEvent, f: HistoryFn): void {
    if (this.pending.has(e.opId) || this.done.has(e.opId)) return
    let ks = this.keys.get(e.key)
    if (ks === undefined) {
      ks = {
        key: e.key,
        starts: [{ value: this.initial, carry: [] }],
        seg: [],
        open: 0,
        lastT: -Infinity,
        appends: false,
        status: 'open',
        staleReads: 0,
        checkedOps: 0,
      }
      this.keys.set(e.key, ks)
    }
    if (ks.status !== 'open') return
    if (ks.open === 0 && e.t > ks.lastT && !ks.appends && this.segmentFull(ks)) this.cut(ks)
    if (ks.status !== 'open') return
    const op = invokedOp(e, f)
    if (op.f === 'append') ks.appends = true
    ks.seg.push(op)
    ks.open++
    ks.lastT = Math.max(ks.lastT, e.t)
    this.pending.set(e.opId, { op, ks })
    // Completed ops' ids are only needed to ignore a repeated completion: keep them bounded.
    if (this.done.size > 100_000) this.done.clear()
    if (++this.buffered > this.maxBuffered) this.shed()
  }

  /**
   * Segment length at which `ks` is cut: `segmentOps`, less when many keys share the buffer
   * (each key's share of half of it, at least 8), doubled per info op it would carry.
   */
  private cutAt(ks: KeyState): number {
    let carried = 0
    for (const s of ks.starts) carried = Math.max(carried, s.carry.length)
    return this.baseCut() * 2 ** Math.min(carried, 16)
  }

  /** cutAt without the doubling: `segmentOps`, or each key's share of half the buffer. */
  private baseCut(): number {
    const share = Math.max(8, Math.floor(this.maxBuffered / (2 * this.keys.size)))
    return Math.min(this.segmentOps, share)
  }

  /**
   * Whether the segment of `ks` reached cutAt(ks). Most invocations find it far below the
   * base length, so that is compared first (cutAt is never less).
   */
  private segmentFull(ks: KeyState): boolean {
    const len = ks.seg.length
    return len >= this.baseCut() && len >= this.cutAt(ks)
  }

  /** Judge the segment and carry its end configurations; it stays whole if it cannot be cut. */
  private cut(ks: KeyState): void {
    const ends = this.endConfigs(ks)
    if (ends === 'postpone') return
    this.account(ks)
    if (ends === 'unknown') return this.close(ks, 'unknown')
    if (ends.length === 0) {
      this.describe(ks)
      return this.close(ks, 'violation')
    }
    this.buffered -= ks.seg.length
    for (const s of ks.starts) this.buffered -= s.carry.length
    for (const s of ends) this.buffered += s.carry.length
    ks.starts = ends
    ks.seg = []
    this.cuts++
  }

  private close(ks: KeyState, status: 'violation' | 'unknown'): void {
    ks.status = status
    this.buffered -= ks.seg.length
    for (const s of ks.starts) this.buffered -= s.carry.length
    ks.seg = []
    ks.starts = []
    for (const [id, p] of this.pending) if (p.ks === ks) this.pending.delete(id)
    ks.open = 0
  }

  private account(ks: KeyState): void {
    const first = ks.starts[0]
    ks.staleReads += countStaleReads(first ? [...first.carry, ...ks.seg] : ks.seg, first?.value ?? null)
    for (const o of ks.seg) if (o.type !== 'fail' && !(o.type === 'info' && o.f === 'get')) ks.checkedOps++
  }

  /**
   * Too much buffered: cut every key that can be cut now (nothing in flight, time has moved
   * past its last event: any later op is invoked after it), largest first, down to three
   * quarters of the limit; if that is not enough, the largest key still open is given up
   * (unknown).
   */
  private shed(): void {
    const open = [...this.keys.values()]
      .filter((ks) => ks.status === 'open' && ks.seg.length > 0)
      .sort((a, b) => b.seg.length - a.seg.length)
    for (const ks of open) {
      if (this.buffered <= (this.maxBuffered * 3) / 4) return
      if (ks.open === 0 && this.now > ks.lastT && !ks.appends) this.cut(ks)
    }
    if (this.buffered <= this.maxBuffered) return
    const worst = open.find((ks) => ks.status === 'open')
    if (worst !== undefined) this.close(worst, 'unknown')
  }

  private check(ops: readonly HistoryOp[], initial: string | null): Judged {
    const r = checkLinearizable(ops, { initial, shrink: false, maxSteps: this.stepsPerCheck })
    this.steps += r.steps
    return { outcome: r.verdict, steps: r.steps }
  }

  /**
   * Every configuration the segment can end in, from any start configuration (dominated ones
   * dropped); 'unknown' when a check ran out of budget; 'postpone' when there would be too
   * many to carry (the segment then stays open).
   */
  private endConfigs(ks: KeyState): Config[] | 'unknown' | 'postpone' {
    const out: Config[] = []
    for (const s of ks.starts) {
      const alive = [...s.carry, ...ks.seg.filter(isLiveInfo)]
      if (alive.length > this.maxCarry) return 'postpone'
      const all = [...s.carry, ...ks.seg]
      const whole = this.check(all, s.value)
      if (whole.outcome === 'unknown') return 'unknown'
      if (whole.outcome === 'violation') continue
      const tEnd = lastTime(all) + 1
      // Largest sets of unapplied info ops first, so dominated configurations are skipped.
      const masks = Array.from({ length: 2 ** alive.length }, (_, m) => m).sort(
        (a, b) => popcount(b) - popcount(a) || a - b,
      )
      for (const mask of masks) {
        const left = alive.filter((_, i) => (mask & (1 << i)) !== 0)
        const leftIds = new Set(left.map((o) => o.id))
        const ops = all.filter((o) => !leftIds.has(o.id))
        const values = endValues(ops, s.value)
        if (alive.length === 0 && values.length === 1) {
          // No op of unknown outcome: the segment is linearizable (whole) and every
          // linearization ends holding one of `values`, so it ends holding this one.
          if (!out.some((c) => c.value === values[0])) out.push({ value: values[0], carry: [] })
          if (out.length > this.maxConfigs) return 'postpone'
          continue
        }
        for (const value of values) {
          if (out.some((c) => c.value === value && left.every((o) => c.carry.includes(o)))) continue
          const probe: HistoryOp = {
            id: '\u0000end',
            process: -1,
            f: 'get',
            key: ks.key,
            invoke: tEnd,
            complete: tEnd + 1,
            type: 'ok',
            value,
          }
          const r = this.check([...ops, probe], s.value)
          if (r.outcome === 'unknown') return 'unknown'
          if (r.outcome === 'ok') {
            out.push({ value, carry: left })
            if (out.length > this.maxConfigs) return 'postpone'
          }
        }
      }
    }
    return out
  }

  /** Record the first violation found, described (shrunk) from the segment's first start. */
  private describe(ks: KeyState): void {
    if (this.violation !== undefined) return
    const s = ks.starts[0]
    const r = checkLinearizable([...s.carry, ...ks.seg], {
      initial: s.value,
      maxSteps: this.stepsPerCheck,
    })
    this.steps += r.steps
    this.violation = r.violation
  }

  /**
   * The verdict for everything fed so far (ops still in flight count as info). Does not
   * change what is kept, so it may be called more than once.
   */
  result(): LinResult {
    const failed: string[] = []
    const unknown: string[] = []
    let checkedOps = 0
    let stale = 0
    let first: LinResult['violation'] = this.violation
    const keys = [...this.keys.keys()].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0))
    for (const key of keys) {
      const ks = this.keys.get(key) as KeyState
      checkedOps += ks.checkedOps
      stale += ks.staleReads
      if (ks.status === 'violation') failed.push(key)
      if (ks.status === 'unknown') unknown.push(key)
      if (ks.status !== 'open') continue
      for (const o of ks.seg) if (o.type !== 'fail' && !(o.type === 'info' && o.f === 'get')) checkedOps++
      const s0 = ks.starts[0]
      stale += countStaleReads([...s0.carry, ...ks.seg], s0.value)
      let outcome: Judged['outcome'] = 'violation'
      for (const s of ks.starts) {
        const r = this.check([...s.carry, ...ks.seg], s.value).outcome
        if (r === 'ok') {
          outcome = 'ok'
          break
        }
        if (r === 'unknown') outcome = 'unknown'
      }
      if (outcome === 'unknown') unknown.push(key)
      if (outcome === 'violation') {
        failed.push(key)
        if (first === undefined) {
          const r = checkLinearizable([...s0.carry, ...ks.seg], {
            initial: s0.value,
            maxSteps: this.stepsPerCheck,
          })
          this.steps += r.steps
          first = r.violation
        }
      }
    }
    failed.sort()
    unknown.sort()
    const r: LinResult = {
      verdict: failed.length > 0 ? 'violation' : unknown.length > 0 ? 'unknown' : 'ok',
      mode: 'linearizable',
      keys: this.keys.size,
      checkedOps,
      steps: this.steps,
      elapsedMs: null,
      staleReads: stale,
      failedKeys: failed,
      unknownKeys: unknown,
    }
    if (failed.length > 0 && first !== undefined) r.violation = first
    return r
  }
}

/** An op with unknown outcome that may still take effect (a put, or a cas that changes something). */
function isLiveInfo(o: HistoryOp): boolean {
  if (o.type !== 'info' || o.f === 'get') return false
  return !(o.f === 'cas' && (o.expected ?? null) === o.value)
}

function isOkWrite(o: HistoryOp): boolean {
  return o.type === 'ok' && (o.f === 'put' || (o.f === 'cas' && o.result !== false))
}

/**
 * Every value the register can hold after a linearization of `ops` (a superset): the value
 * of an ok write no ok write follows in real time, of an info write, or the start value when
 * no ok write must happen.
 */
function endValues(ops: readonly HistoryOp[], start: string | null): Array<string | null> {
  let lastInvoke = -Infinity
  for (const o of ops) if (isOkWrite(o)) lastInvoke = Math.max(lastInvoke, o.invoke)
  const out = new Set<string | null>()
  if (lastInvoke === -Infinity) out.add(start)
  for (const o of ops) {
    if (isOkWrite(o) && o.complete >= lastInvoke) out.add(o.value)
    else if (isLiveInfo(o)) out.add(o.value)
  }
  return [...out]
}

function lastTime(ops: readonly HistoryOp[]): number {
  let t = 0
  for (const o of ops) t = Math.max(t, o.invoke, Number.isFinite(o.complete) ? o.complete : -Infinity)
  return t
}

function popcount(m: number): number {
  let n = 0
  for (; m; m &= m - 1) n++
  return n
}
