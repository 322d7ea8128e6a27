// Shrinking a violation to a small set of operations that still cannot be linearized.
//
// Only removals that keep the witness honest are tried: if the smaller set fails, the
// larger one fails too, so the final set is a real counterexample of the original
// history (not an artefact of removing the write that explained a read):
// - reads (ok gets, failed-compare cas) can always go: dropping an op that changes
//   nothing from a valid order leaves a valid order;
// - a write can go when no remaining op observes the value it wrote (reads it, or
//   expects it in a cas) and no remaining failed-compare cas could fall inside its
//   effect (each one finished before the write began; sequential mode: precedes it in
//   the same client's program order). Dropping it from a valid order then leaves a
//   valid order too.
//   With appends on the key a write's effect lives on in what later appends build, so the
//   rule reads: no remaining op observes a value that begins with what a put / cas wrote,
//   or that contains what an append added (the register only grows by appends until the
//   next write, so an op in between always sees those characters).
// Within that, cheap guesses go first: ready-made witnesses (e.g. a stale read with the
// write it missed and the write of the value it saw), then cuts in time around the op the
// search got stuck on; then a ddmin-style pass removes chunks of halving size, then
// single ops, for as long as the step allowance lasts. Every accepted removal is
// re-verified by search, so whatever is left when the allowance runs out still fails.
import {
  APPEND,
  CAS_FAIL,
  CAS_OK,
  GET,
  INFO_APPEND,
  INFO_PUT,
  PUT,
  isReadLike,
  observedValue,
  subHistory,
  writtenValue,
  type KeyHistory,
} from './model'
import { Budget, search, type LinMode } from './search'

export interface ShrinkResult {
  /** Local ids (ascending) of the remaining, still failing, ops. */
  idx: number[]
  /** False if the allowance ran out before the set was minimal. */
  complete: boolean
  steps: number
}

export function shrinkViolation(
  kh: KeyHistory,
  mode: LinMode,
  budget: Budget,
  /** The op the search got stuck on (local id), to cut around first; -1 if none. */
  focus = -1,
  /** Small sets of ops (local ids) likely to fail on their own, tried first. */
  seeds: readonly (readonly number[])[] = [],
): ShrinkResult {
  const n = kh.kind.length
  let S = Array.from({ length: n }, (_, i) => i)
  let steps = 0
  let complete = true
  const mark = new Uint8Array(n)

  const precedes = (c: number, w: number): boolean =>
    mode === 'sequential' ? kh.process[c] === kh.process[w] && c < w : kh.complete[c] < kh.invoke[w]
  const touches = kh.appender ? appendTouches(kh) : null

  /**
   * The ops of chunk C that can soundly be removed from S together: its reads, then, to a
   * fixpoint, its writes whose value no op left observes (so a chain of cas ops in the
   * chunk goes in one step), provided every failed cas left precedes them.
   */
  const removable = (C: readonly number[]): number[] => {
    for (const x of C) mark[x] = 1
    // How many remaining ops observe each value (reads in C are removed first).
    const observers = new Map<number, number>()
    const casFails: number[] = []
    for (const x of S) {
      const inChunk = mark[x] === 1
      if (inChunk && isReadLike(kh.kind[x])) continue
      const v = observedValue(kh, x)
      if (v >= 0) observers.set(v, (observers.get(v) ?? 0) + 1)
      if (!inChunk && kh.kind[x] === CAS_FAIL) casFails.push(x)
    }
    const out: number[] = []
    let writes: number[] = []
    for (const x of C) {
      mark[x] = 0
      if (isReadLike(kh.kind[x])) out.push(x)
      else if (casFails.every((c) => precedes(c, x))) writes.push(x)
    }
    for (let changed = true; changed;) {
      changed = false
      const keep: number[] = []
      for (const x of writes) {
        const v = writtenValue(kh, x)
        const own = observedValue(kh, x) === v ? 1 : 0
        const seen = touches
          ? touches(x).some((t) => (observers.get(t) ?? 0) - (observedValue(kh, x) === t ? 1 : 0) > 0)
          : (observers.get(v) ?? 0) - own > 0
        if (seen) {
          keep.push(x)
          continue
        }
        out.push(x)
        changed = true
        const o = observedValue(kh, x)
        if (o >= 0) observers.set(o, (observers.get(o) ?? 0) - 1)
      }
      writes = keep
    }
    return out
  }

  const fails = (idx: number[]): boolean => {
    if (budget.exhausted) {
      complete = false
      return false
    }
    const r = search(subHistory(kh, idx), { mode, budget })
    steps += r.steps
    if (r.outcome === 'unknown') complete = false
    return r.outcome === 'violation'
  }

  const without = (R: readonly number[]): number[] => {
    for (const x of R) mark[x] = 1
    const out = S.filter((x) => mark[x] === 0)
    for (const x of R) mark[x] = 0
    return out
  }

  const tryRemove = (C: readonly number[]): boolean => {
    const R = removable(C)
    if (R.length === 0) return false
    const next = without(R)
    if (!fails(next)) return false
    S = next
    return true
  }

  for (const seed of seeds) {
    if (budget.exhausted) break
    const keep = new Set(seed)
    if (tryRemove(S.filter((x) => !keep.has(x)))) {
      focus = seed[0]
      break
    }
  }

  if (focus >= 0) {
    // The failure is usually local in time: drop what began after the stuck op
    // finished, then what finished before it began, keeping a window that doubles until
    // the rest still fails.
    const from = kh.invoke[focus]
    const to = Number.isFinite(kh.complete[focus]) ? kh.complete[focus] : from
    tryRemove(S.filter((x) => kh.invoke[x] > to))
    const unit = Math.max(to - from, 1e-9)
    // Keep only the stuck op and the plain puts around it, in a window that doubles
    // until that (with whatever those ops need, e.g. the writes they read) still fails.
    // Puts observe nothing, so they pin no other op.
    let kept = -1
    for (let w = 0; w < 1e6 && !budget.exhausted; w = w === 0 ? 1 : w * 2) {
      const keep = (x: number): boolean =>
        x === focus ||
        ((kh.kind[x] === PUT || kh.kind[x] === INFO_PUT) &&
          kh.complete[x] >= from - w * unit &&
          kh.invoke[x] <= to)
      const K = S.filter(keep)
      if (K.length === kept) {
        if (K.length === S.filter((x) => kh.kind[x] === PUT || kh.kind[x] === INFO_PUT).length + 1) break
        continue
      }
      kept = K.length
      if (tryRemove(S.filter((x) => !keep(x)))) break
    }
    let last = -1
    for (let w = 0; w < 1e6 && !budget.exhausted; w = w === 0 ? 1 : w * 2) {
      const C = S.filter((x) => kh.complete[x] < from - w * unit)
      if (C.length === 0) break
      if (C.length === last) continue
      last = C.length
      if (tryRemove(C)) break
    }
    // Often the stuck op fails against the writes alone: drop every other read (which
    // also frees the writes they observed).
    tryRemove(S.filter((x) => x !== focus && isReadLike(kh.kind[x])))
  }

  let chunk = Math.max(1, Math.ceil(S.length / 2))
  for (let round = 0; round < 64 && !budget.exhausted; round++) {
    let changed = false
    // Later ops first: the failure usually sits early in what is left.
    for (let end = S.length; end > 0 && !budget.exhausted;) {
      const start = Math.max(0, end - chunk)
      const C = S.slice(start, end)
      if (tryRemove(C)) changed = true
      end = Math.min(start, S.length)
    }
    if (chunk === 1 && !changed) break
    if (!changed || chunk > 1) chunk = Math.max(1, Math.ceil(chunk / 2))
  }
  if (budget.exhausted) complete = false
  return { idx: S, complete, steps }
}

/**
 * For a key with appends: the value ids observed by some op (read, or expected by a cas)
 * that carry op x's effect: those beginning with the value a put / cas wrote (absent
 * counts as ""), or containing the string an append added. Computed once per op.
 */
function appendTouches(kh: KeyHistory): (x: number) => number[] {
  const observed = new Set<number>()
  for (let i = 0; i < kh.kind.length; i++) {
    const v = observedValue(kh, i)
    if (v >= 0) observed.add(v)
  }
  const ids = [...observed]
  const memo = new Map<number, number[]>()
  return (x) => {
    let out = memo.get(x)
    if (out) return out
    const k = kh.kind[x]
    const isAppend = k === APPEND || k === INFO_APPEND
    const w = (isAppend ? kh.values[kh.a[x]] : kh.values[writtenValue(kh, x)]) ?? ''
    out = ids.filter((id) => {
      const s = kh.values[id] ?? ''
      return isAppend ? w !== '' && s.includes(w) : s.startsWith(w)
    })
    memo.set(x, out)
    return out
  }
}

/**
 * Definitely stale reads, each with the ops that prove it: [the get, a write completed
 * before the get began, every write of the value read]. Each write of the value read
 * finished before that write began, so the get cannot be placed after the write and
 * still see the value. (At most `max` of them, in invocation order.)
 */
export function staleWitnesses(kh: KeyHistory, max = 20): number[][] {
  const n = kh.kind.length
  const writersOf = new Map<number, number[]>()
  const okWrites: number[] = []
  for (let i = 0; i < n; i++) {
    const v = writtenValue(kh, i)
    if (v < 0) continue
    const l = writersOf.get(v)
    if (l) l.push(i)
    else writersOf.set(v, [i])
    if (kh.kind[i] === PUT || kh.kind[i] === CAS_OK) okWrites.push(i)
  }
  okWrites.sort((x, y) => kh.complete[x] - kh.complete[y])
  // Running argmax of invocation time over writes ordered by completion.
  const best = new Int32Array(okWrites.length)
  okWrites.forEach(
    (w, k) => (best[k] = k > 0 && kh.invoke[okWrites[best[k - 1]]] >= kh.invoke[w] ? best[k - 1] : k),
  )
  const out: number[][] = []
  for (let x = 0; x < n && out.length < max; x++) {
    if (kh.kind[x] !== GET) continue
    const v = kh.a[x]
    const writers = writersOf.get(v) ?? []
    if (v !== 0 && writers.length === 0) continue
    let lastV = -Infinity
    for (const w of writers) lastV = Math.max(lastV, kh.complete[w])
    let lo = 0
    let hi = okWrites.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (kh.complete[okWrites[mid]] < kh.invoke[x]) lo = mid + 1
      else hi = mid
    }
    if (lo === 0) continue
    const w = okWrites[best[lo - 1]]
    if (kh.invoke[w] > lastV) out.push([x, w, ...writers])
  }
  return out
}
