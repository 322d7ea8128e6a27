// The per-key search: Wing & Gong's algorithm with Lowe's just-in-time linearization and
// memoisation (as in Porcupine), over one key's register history, plus a few reductions
// that keep it exact.
//
// Linearizable mode. Call and return entries of the ok ops sit in a doubly linked list in
// time order (a call before a return at the same instant: equal times count as
// concurrent). From a configuration (linearized set, register state) the candidates are
// the calls before the first remaining return: exactly the ops invoked no later than the
// earliest completion among the unlinearized ok ops (the "deadline"). Linearizing an op
// lifts its call and return out of the list; reaching a return means that op missed its
// deadline: backtrack. Every configuration is memoised, so none is explored twice.
//
// Reductions (each keeps the verdict exact):
// - Reads first: a read (get, failed-compare cas) that can go now is the only child
//   tried: it changes nothing and nothing unlinearized must precede it, so moving it to
//   the front of any valid continuation keeps it valid.
// - Dead values: if some unlinearized ok op must see a value v (a get of v, a cas
//   expecting v), the register does not hold v, and no unlinearized op can write v, the
//   configuration is dead.
// - Ops with unknown outcome (info) need no deadline and may never happen: the search
//   succeeds once every ok op is linearized. They are tried after the ok candidates, and
//   only while they can matter: while an op that reads their value is unlinearized, or
//   just before a failed-compare cas that cannot go (the register holds its expected
//   value; an unknown write landing just before explains the failure). Of the writes
//   that are interchangeable there (no failed cas expects their value), only the
//   latest-invoked one enabled is tried: it leaves the most options for later.
// - Dominance: a configuration that has linearized such an info op "to explain a failed
//   cas" is never better than the same configuration without it (the op could still be
//   used later), so if that one was already explored, this one is skipped.
//
// Appends (a key with any): the register's value is the string the appends built, interned
// as the search reaches it (see `Appender`); every value may matter to a later append, so
// the value canonicalisation and the dead-value rule are off for such a key (it has its
// own dead rule, see ./append-reach.ts, checked for the next ops due), an append with
// unknown outcome stays a candidate while any op that looks at the register can follow it,
// and no info put counts as interchangeable.
//
// Sequential mode. The same search where the only order kept is each process's own
// program order: the candidates are each process's next ok op (tried in order of
// invocation time, which finds a witness fast when one close to real time exists) plus
// the info ops whose process has reached them (an info op does not hold back its
// process's later ops: a timed-out request may still land after them).
import { VisitedSet, zobrist } from './visited'
import { AppendReach } from './append-reach'
import {
  CAS_FAIL,
  CAS_OK,
  GET,
  INFO_APPEND,
  INFO_CAS,
  INFO_PUT,
  PUT,
  isOkKind,
  isReadLike,
  observedValue,
  stepAny,
  stepOp,
  writtenValue,
  type KeyHistory,
} from './model'

export type LinMode = 'linearizable' | 'sequential'

/** Shared work budget: abstract steps, and optionally a caller-supplied clock. */
export class Budget {
  steps = 0
  private stopped = false
  constructor(
    private readonly maxSteps: number,
    private readonly now?: () => number,
    private readonly deadline = Infinity,
  ) {}

  /** Count `n` more steps; true once the budget is exhausted. */
  spend(n: number): boolean {
    this.steps += n
    if (this.stopped) return true
    if (this.steps > this.maxSteps) this.stopped = true
    else if (this.now && this.now() > this.deadline) this.stopped = true
    return this.stopped
  }

  get exhausted(): boolean {
    return this.stopped
  }

  get remainingSteps(): number {
    return Math.max(0, this.maxSteps - this.steps)
  }
}

export interface SearchOptions {
  mode: LinMode
  budget: Budget
  /** Extra cap on this search's own steps. */
  limit?: number
  /**
   * Record, per op, every register state it was tried in (for explanations; small
   * inputs). Turns off the dead-value reduction, so "tried" covers every configuration
   * reachable under real-time (program) order.
   */
  trackTried?: boolean
  /** Record that for this one op only. */
  trackOp?: number
}

export interface SearchResult {
  outcome: 'ok' | 'violation' | 'unknown'
  steps: number
  /** Length of the longest linearizable prefix found. */
  maxDepth: number
  /** That prefix: local op ids in linearization order. */
  prefix: number[]
  /** Register state (value id) after the prefix. */
  stateAtMax: number
  /**
   * The op that could not be placed after the longest prefix (linearizable mode: the op
   * whose deadline was reached, or a read whose value can no longer appear; sequential
   * mode: the first candidate that failed), or -1.
   */
  blocked: number
  /**
   * An op that can no longer take effect after the longest prefix because the value it
   * must see can no longer appear (dead-value rule), or -1: usually the real culprit.
   */
  dead: number
  tried: Array<Set<number> | undefined> | null
}

const CHECK_EVERY = 1024
/** With appends: how many of the next unlinearized ops (by invocation) the append dead rule looks at. */
const APPEND_LOOKAHEAD = 12

export function search(kh: KeyHistory, opts: SearchOptions): SearchResult {
  return opts.mode === 'sequential' ? searchSequential(kh, opts) : searchLinearizable(kh, opts)
}

/**
 * The linearized set (Zobrist hash and compact bitsets) and, per value, how many
 * unlinearized ops still write it and still need to see it (for the dead-value rule).
 */
class LinSet {
  readonly z1: Int32Array
  readonly z2: Int32Array
  readonly bit: Int32Array
  readonly okWords: Uint32Array
  readonly infoWords: Uint32Array
  readonly lastMask: number
  /** Words below `lo` are all ones; words above `hi` are all zeros. */
  lo = 0
  hi = -1
  h1 = 0
  h2 = 0
  readonly linearized: Uint8Array
  private readonly writers: Int32Array
  private readonly readers: Int32Array
  /** Values some unlinearized ok op needs to see and no unlinearized op writes. */
  private deadValues = 0
  private readonly dead = new Set<number>()
  private readonly needers = new Map<number, number[]>()

  private readonly appends: boolean

  constructor(private readonly kh: KeyHistory) {
    this.appends = kh.appender !== null
    const n = kh.kind.length
    this.z1 = new Int32Array(n)
    this.z2 = new Int32Array(n)
    this.bit = new Int32Array(n)
    this.linearized = new Uint8Array(n)
    // One more slot: the canonical "silent" state (see `canonicalValues`).
    this.writers = new Int32Array(kh.values.length + 1)
    this.readers = new Int32Array(kh.values.length + 1)
    let ok = 0
    let info = 0
    for (let i = 0; i < n; i++) {
      this.z1[i] = zobrist(i, 0x2545f491)
      this.z2[i] = zobrist(i, 0x68e31da4)
      this.bit[i] = isOkKind(kh.kind[i]) ? ok++ : info++
      const w = writtenValue(kh, i)
      if (w >= 0) this.writers[w]++
      const r = this.needs(i)
      if (r >= 0) {
        this.readers[r]++
        const l = this.needers.get(r)
        if (l) l.push(i)
        else this.needers.set(r, [i])
      }
    }
    for (let v = 0; v < this.readers.length; v++) if (this.isDeadValue(v)) this.markDead(v, true)
    this.okWords = new Uint32Array(Math.max(1, Math.ceil(ok / 32)))
    this.infoWords = new Uint32Array(Math.ceil(info / 32))
    const rem = ok % 32
    this.lastMask = ok === 0 ? 0 : rem === 0 ? 0xffffffff : ((1 << rem) >>> 0) - 1
  }

  /** The value an ok op must see to be linearized (get, successful cas), or -1. */
  private needs(i: number): number {
    const k = this.kh.kind[i]
    return k === GET || k === CAS_OK ? this.kh.a[i] : -1
  }

  private isDeadValue(v: number): boolean {
    return this.readers[v] > 0 && this.writers[v] === 0
  }

  private markDead(v: number, on: boolean): void {
    if (on) {
      this.deadValues++
      this.dead.add(v)
    } else {
      this.deadValues--
      this.dead.delete(v)
    }
  }

  /** Whether no completion can exist from a configuration with register state `state`. */
  isDead(state: number): boolean {
    // With appends any value may still be built: the rule does not apply (see AppendReach).
    if (this.appends) return false
    return this.deadValues > (this.isDeadValue(state) ? 1 : 0)
  }

  /** An unlinearized op that needs a value that can no longer appear (for reporting). */
  deadReader(state: number): number {
    if (this.appends) return -1
    for (const v of this.dead) {
      if (v === state) continue
      for (const i of this.needers.get(v) ?? []) if (!this.linearized[i]) return i
    }
    return -1
  }

  toggle(i: number): void {
    this.h1 ^= this.z1[i]
    this.h2 ^= this.z2[i]
    const on = (this.linearized[i] ^= 1) === 1
    const wv = writtenValue(this.kh, i)
    if (wv >= 0) {
      const before = this.isDeadValue(wv)
      this.writers[wv] += on ? -1 : 1
      if (before !== this.isDeadValue(wv)) this.markDead(wv, !before)
    }
    const rv = this.needs(i)
    if (rv >= 0) {
      const before = this.isDeadValue(rv)
      this.readers[rv] += on ? -1 : 1
      if (before !== this.isDeadValue(rv)) this.markDead(rv, !before)
    }
    const b = this.bit[i]
    const w = b >>> 5
    const m = (1 << (b & 31)) >>> 0
    if (!isOkKind(this.kh.kind[i])) {
      this.infoWords[w] ^= m
      return
    }
    const words = this.okWords
    words[w] ^= m
    const last = words.length - 1
    if (on) {
      if (w > this.hi) this.hi = w
      if (w === this.lo) {
        while (this.lo <= last && words[this.lo] === (this.lo === last ? this.lastMask : 0xffffffff))
          this.lo++
      }
    } else {
      if (w < this.lo) this.lo = w
      if (w === this.hi) while (this.hi >= 0 && words[this.hi] === 0) this.hi--
    }
  }

  /** Compact exact signature of the linearized set (ok part from `lo`..`hi`, info part whole). */
  signature(out: Uint32Array): number {
    let len = 0
    out[len++] = this.lo
    out[len++] = this.hi
    for (let w = this.lo; w <= this.hi; w++) out[len++] = this.okWords[w]
    const iw = this.infoWords
    for (let w = 0; w < iw.length; w++) out[len++] = iw[w]
    return len
  }
}

/**
 * Memo plus the dominance check for info ops linearized only to explain a failed cas
 * ("spent"). A configuration holding such an op is never better than the same one without
 * it, so if that one was explored, this one is skipped. It can only have been explored
 * before the op was linearized (everything after is in the op's subtree and holds it), so
 * only configurations no bigger than the deepest one reached by then are checked.
 */
class Memo {
  readonly visited = new VisitedSet()
  private readonly spent: Int32Array
  private readonly spentReach: Int32Array
  private nSpent = 0

  constructor(
    n: number,
    private readonly set: LinSet,
    /** Where the info words start in a signature. */
    private readonly infoBase: () => number,
  ) {
    this.spent = new Int32Array(n)
    this.spentReach = new Int32Array(n)
  }

  /** Record the configuration (current set of `size` ops, state s2); false if it need not be explored. */
  enter(s2: number, size: number, sig: Uint32Array, len: number): boolean {
    const set = this.set
    if (this.nSpent > 0) {
      const base = this.infoBase()
      for (let k = this.nSpent - 1; k >= 0 && size - 1 <= this.spentReach[k]; k--) {
        const i = this.spent[k]
        const w = base + (set.bit[i] >>> 5)
        const m = (1 << (set.bit[i] & 31)) >>> 0
        sig[w] ^= m
        const hit = this.visited.has(set.h1 ^ set.z1[i], set.h2 ^ set.z2[i], s2, sig, len)
        sig[w] ^= m
        if (hit) return false
      }
    }
    return this.visited.add(set.h1, set.h2, s2, sig, len)
  }

  /** `op` was just linearized only to explain a failed cas; `reach` = deepest configuration so far. */
  spend(op: number, reach: number): void {
    this.spent[this.nSpent] = op
    this.spentReach[this.nSpent++] = reach
  }

  popped(op: number): void {
    if (this.nSpent > 0 && this.spent[this.nSpent - 1] === op) this.nSpent--
  }
}

function newResult(n: number, opts: SearchOptions): SearchResult {
  let tried: Array<Set<number> | undefined> | null = null
  if (opts.trackTried) tried = Array.from({ length: n }, () => new Set<number>())
  else if (opts.trackOp !== undefined) {
    tried = new Array<Set<number> | undefined>(n)
    tried[opts.trackOp] = new Set<number>()
  }
  return { outcome: 'ok', steps: 0, maxDepth: 0, prefix: [], stateAtMax: 0, blocked: -1, dead: -1, tried }
}

interface InfoRelevance {
  /** Latest completion among ops that read the op's value (or expect it in a cas); -Infinity if none. */
  observed: Float64Array
  /** Some failed cas (expecting another value) completes after the op's invocation. */
  hazard: Uint8Array
  /** A put whose value is the expected value of no failed cas (interchangeable with others like it). */
  token: Uint8Array
}

/** What each info op can still matter to (see the reductions above). */
function infoRelevance(kh: KeyHistory): InfoRelevance {
  const n = kh.kind.length
  const observed = new Float64Array(n).fill(-Infinity)
  const hazard = new Uint8Array(n)
  const token = new Uint8Array(n)
  const maxObs = new Map<number, number>()
  // Latest completion of any op that looks at the register (what an unknown append can matter to).
  let maxLook = -Infinity
  const casFailExpected = new Set<number>()
  // The two latest-completing failed cas ops with different expected values.
  let cf1 = -Infinity
  let cf1v = -1
  let cf2 = -Infinity
  for (let i = 0; i < n; i++) {
    const v = observedValue(kh, i)
    if (v >= 0) maxObs.set(v, Math.max(maxObs.get(v) ?? -Infinity, kh.complete[i]))
    if (v >= 0 || kh.kind[i] === CAS_FAIL) maxLook = Math.max(maxLook, kh.complete[i])
    if (kh.kind[i] === CAS_FAIL) {
      const t = kh.complete[i]
      const e = kh.a[i]
      casFailExpected.add(e)
      if (t > cf1) {
        if (e !== cf1v) cf2 = cf1
        cf1 = t
        cf1v = e
      } else if (e !== cf1v && t > cf2) cf2 = t
    }
  }
  for (let i = 0; i < n; i++) {
    if (isOkKind(kh.kind[i])) continue
    const v = writtenValue(kh, i)
    const inv = kh.invoke[i]
    // With appends what an op wrote shows up in later values: a look at one that carries it counts.
    const obs = kh.appender ? appendObserved(kh, i, maxLook) : (maxObs.get(v) ?? -Infinity)
    if (obs >= inv) observed[i] = obs
    if ((v !== cf1v ? cf1 : cf2) >= inv) hazard[i] = 1
    // Only puts are interchangeable: a cas also needs the register to hold its expected value
    // (and with appends the value put is built on).
    if (kh.kind[i] === INFO_PUT && !kh.appender && !casFailExpected.has(v)) token[i] = 1
  }
  return { observed, hazard, token }
}

/**
 * On a key with appends: the latest completion among ops that look at a value carrying
 * info op i's effect (one beginning with the value it puts, or containing the string it
 * appends), among those that can come after it; -Infinity if none. Looks after `maxLook`
 * cannot exist, so the scan stops early when nothing can.
 */
function appendObserved(kh: KeyHistory, i: number, maxLook: number): number {
  const inv = kh.invoke[i]
  if (maxLook < inv) return -Infinity
  const isAppend = kh.kind[i] === INFO_APPEND
  const w = (isAppend ? kh.values[kh.a[i]] : kh.values[writtenValue(kh, i)]) ?? ''
  if (isAppend && w === '') return -Infinity
  let best = -Infinity
  for (let j = 0; j < kh.kind.length; j++) {
    const t = kh.complete[j]
    if (t < inv || t <= best) continue
    const o = observedValue(kh, j)
    if (o < 0) continue
    const seen = kh.values[o] ?? ''
    if (isAppend ? seen.includes(w) : seen.startsWith(w)) best = t
  }
  return best
}

/** Max over a fixed array, with "first index from `from` whose value is >= d". */
class MaxTree {
  private readonly size: number
  private readonly tree: Float64Array
  readonly length: number

  constructor(values: number[]) {
    this.length = values.length
    let size = 1
    while (size < values.length) size *= 2
    this.size = size
    this.tree = new Float64Array(2 * size).fill(-Infinity)
    values.forEach((v, i) => (this.tree[size + i] = v))
    for (let k = size - 1; k >= 1; k--) this.tree[k] = Math.max(this.tree[2 * k], this.tree[2 * k + 1])
  }

  /** The first index >= from whose value is >= d, or `length` if none. */
  firstAtLeast(from: number, d: number): number {
    const t = this.tree
    if (from >= this.length) return this.length
    let k = from + this.size
    if (t[k] >= d) return from
    for (;;) {
      while (k & 1) k >>= 1
      if (k === 0) return this.length
      k++
      if (t[k] >= d) {
        while (k < this.size) {
          k <<= 1
          if (t[k] < d) k++
        }
        return Math.min(k - this.size, this.length)
      }
    }
  }
}

/**
 * Values no op ever compares the register with (nobody reads them, no cas expects them)
 * are indistinguishable to every op, so they all map to one "silent" state: configurations
 * that differ only in which such value is current are then memoised as one. Returns the
 * ops' value ids mapped that way, and the initial state's.
 */
function canonicalValues(kh: KeyHistory): { a: Int32Array; b: Int32Array; init: number } {
  // Appends build on whatever the register holds: every value is distinguishable.
  if (kh.appender) return { a: kh.a, b: kh.b, init: 0 }
  const SILENT = kh.values.length
  const compared = new Uint8Array(SILENT)
  for (let i = 0; i < kh.kind.length; i++) {
    const k = kh.kind[i]
    if (k === GET || k === CAS_OK || k === CAS_FAIL || k === INFO_CAS) compared[kh.a[i]] = 1
  }
  const c = (v: number): number => (compared[v] ? v : SILENT)
  const a = kh.a.map((v, i) => (kh.kind[i] === PUT || kh.kind[i] === INFO_PUT ? c(v) : v))
  const b = kh.b.map((v, i) => (kh.kind[i] === CAS_OK || kh.kind[i] === INFO_CAS ? c(v) : v))
  return { a, b, init: c(0) }
}

/** The register's (real) value after `prefix`. */
function replay(kh: KeyHistory, prefix: readonly number[]): number {
  let s = 0
  for (const i of prefix) {
    const t = stepAny(kh.kind[i], kh.a[i], kh.b[i], s, kh.appender)
    if (t >= 0) s = t
  }
  return s
}

/** First index in ascending `a` whose value is > x. */
function upperBound(a: Float64Array, x: number): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid] <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}

function searchLinearizable(kh: KeyHistory, opts: SearchOptions): SearchResult {
  const n = kh.kind.length
  const res = newResult(n, opts)
  const tried = res.tried
  if (kh.nOk === 0) return res
  const prune = !tried
  const { kind } = kh
  const { a, b, init } = prune ? canonicalValues(kh) : { a: kh.a, b: kh.b, init: 0 }
  const app = kh.appender
  const { observed: rel, hazard, token } = infoRelevance(kh)

  // Main list: 0 head, 1 tail, then a call and a return entry per ok op, in time order.
  const HEAD = 0
  const TAIL = 1
  const nEnt = 2 + 2 * kh.nOk
  const entOp = new Int32Array(nEnt).fill(-1)
  const entRet = new Uint8Array(nEnt)
  const entTime = new Float64Array(nEnt)
  const next = new Int32Array(nEnt)
  const prev = new Int32Array(nEnt)
  const retOf = new Int32Array(n).fill(-1)
  const main: number[] = []
  let e = 2
  for (let i = 0; i < n; i++) {
    if (!isOkKind(kind[i])) continue
    entOp[e] = i
    entTime[e] = kh.invoke[i]
    main.push(e++)
    entOp[e] = i
    entRet[e] = 1
    entTime[e] = kh.complete[i]
    retOf[i] = e
    main.push(e++)
  }
  main.sort((x, y) => entTime[x] - entTime[y] || entRet[x] - entRet[y] || entOp[x] - entOp[y])
  let p = HEAD
  for (const x of main) {
    next[p] = x
    prev[x] = p
    p = x
  }
  next[p] = TAIL
  prev[TAIL] = p
  next[TAIL] = TAIL
  const unlink = (x: number): void => {
    next[prev[x]] = next[x]
    prev[next[x]] = prev[x]
  }
  const relink = (x: number): void => {
    next[prev[x]] = x
    prev[next[x]] = x
  }

  // Info ops, in invocation order (ops are sorted by invoke): those with readers, and
  // those usable before a stuck failed cas (interchangeable "tokens", and the others).
  const obs: number[] = []
  const nonTok: number[] = []
  const tok: number[] = []
  for (let i = 0; i < n; i++) {
    if (isOkKind(kind[i])) continue
    if (rel[i] > -Infinity) obs.push(i)
    if (hazard[i]) (token[i] ? tok : nonTok).push(i)
  }
  const obsInv = Float64Array.from(obs, (i) => kh.invoke[i])
  // A max-tree over their relevance: the walk jumps straight to the next op still read.
  const relTree = new MaxTree(obs.map((i) => rel[i]))
  const tokInv = Float64Array.from(tok, (i) => kh.invoke[i])
  const nObs = obs.length
  const TOKEN_POS = nObs + nonTok.length

  const set = new LinSet(kh)
  const lin = set.linearized
  const reach = prune && app ? new AppendReach(kh, lin, true) : null
  /** With appends: the first of the next ops due (by invocation) that can no longer see its value, or -1. */
  const appendDead = (s: number): number => {
    if (!reach) return -1
    let seen = 0
    for (let e = next[HEAD]; e !== TAIL && seen < APPEND_LOOKAHEAD; e = next[e]) {
      const i = entOp[e]
      if (entRet[e] === 1 || lin[i]) continue
      seen++
      if (reach.isNeeder(i) && !reach.canSee(s, i)) return i
    }
    return -1
  }
  const memo = new Memo(n, set, () => 2 + Math.max(0, set.hi - set.lo + 1))
  const sig = new Uint32Array(2 + set.okWords.length + set.infoWords.length)
  const stackPos = new Int32Array(n)
  const stackInfo = new Uint8Array(n)
  const stackState = new Int32Array(n)
  const stackDeadline = new Float64Array(n)
  const stackDeadlineOp = new Int32Array(n)
  const stackStuck = new Uint8Array(n)
  const stackToken = new Int32Array(n)
  const prefix = new Int32Array(n)
  let lowWater = 0
  let sp = 0
  let state = init
  let remaining = kh.nOk
  // Phase 0: read candidates; phase 1: write candidates (`entry` walks the main list);
  // phase 2: info ops (`ipos`: observed ones, then the others, then the token).
  let phase = 0
  let entry = next[HEAD]
  let ipos = 0
  let deadline = 0
  let deadlineOp = -1
  // A failed-compare cas candidate cannot step here (the register holds its expected value).
  let stuck = 0
  // The one interchangeable info write worth trying here, or -1.
  let tokenOp = -1
  let local = 0
  const limit = opts.limit ?? Infinity

  if (prune && set.isDead(state)) {
    res.outcome = 'violation'
    res.blocked = res.dead = set.deadReader(state)
    return res
  }

  search: while (remaining > 0) {
    if (++local % CHECK_EVERY === 0) {
      if (opts.budget.spend(CHECK_EVERY) || local > limit) {
        res.outcome = 'unknown'
        break
      }
    }
    let op = -1
    let pos = 0
    if (phase < 2) {
      if (entRet[entry] === 1) {
        // The first remaining return: the end of this phase's candidates.
        if (phase === 0) {
          deadline = entTime[entry]
          deadlineOp = entOp[entry]
          phase = 1
          entry = next[HEAD]
          continue
        }
        phase = 2
        ipos = 0
        tokenOp = -1
        if (stuck) {
          for (let k = upperBound(tokInv, deadline) - 1; k >= 0; k--) {
            const i = tok[k]
            if (!lin[i] && rel[i] < deadline && writtenValue(kh, i) !== state) {
              tokenOp = i
              break
            }
          }
        }
        continue
      }
      op = entOp[entry]
      pos = entry
      entry = next[entry]
      if (isReadLike(kind[op]) !== (phase === 0)) continue
    } else {
      if (ipos < nObs) ipos = relTree.firstAtLeast(ipos, deadline)
      pos = ipos++
      if (pos < nObs) {
        if (obsInv[pos] > deadline) {
          ipos = nObs
          continue
        }
        const i = obs[pos]
        if (lin[i]) continue
        op = i
      } else if (pos < TOKEN_POS) {
        if (!stuck) {
          ipos = TOKEN_POS
          continue
        }
        const i = nonTok[pos - nObs]
        if (kh.invoke[i] > deadline) {
          ipos = TOKEN_POS
          continue
        }
        if (lin[i] || rel[i] >= deadline || writtenValue(kh, i) === state) continue
        op = i
      } else if (pos === TOKEN_POS && tokenOp >= 0) {
        op = tokenOp
      }
    }
    if (op >= 0) {
      if (tried) tried[op]?.add(state)
      const s2 =
        app === null ? stepOp(kind[op], a[op], b[op], state) : stepAny(kind[op], a[op], b[op], state, app)
      if (s2 < 0) {
        if (kind[op] === CAS_FAIL) stuck = 1
        continue
      }
      // An info op that changes nothing is never needed (leaving it out is as good).
      if (phase === 2 && s2 === state) continue
      set.toggle(op)
      // Only a new value can leave an op unable to see its own.
      const stuckOp = reach === null || s2 === state ? -1 : appendDead(s2)
      const isDead = (prune && set.isDead(s2)) || stuckOp >= 0
      if (!isDead && memo.enter(s2, sp + 1, sig, set.signature(sig))) {
        if (phase === 2 && rel[op] < deadline) memo.spend(op, res.maxDepth)
        stackPos[sp] = pos
        stackInfo[sp] = phase === 2 ? 1 : 0
        stackState[sp] = state
        stackDeadline[sp] = deadline
        stackDeadlineOp[sp] = deadlineOp
        stackStuck[sp] = stuck
        stackToken[sp] = tokenOp
        sp++
        stuck = 0
        state = s2
        if (phase < 2) {
          unlink(pos)
          unlink(retOf[op])
          remaining--
        }
        if (sp > res.maxDepth) {
          for (let k = lowWater; k < sp; k++) {
            prefix[k] = stackInfo[k] ? infoOpAt(stackPos[k], stackToken[k]) : entOp[stackPos[k]]
          }
          lowWater = sp
          res.maxDepth = sp
          res.stateAtMax = state
          res.blocked = -1
          res.dead = -1
        }
        phase = 0
        entry = next[HEAD]
        continue
      }
      if (isDead && sp === res.maxDepth && res.dead < 0)
        res.dead = stuckOp >= 0 ? stuckOp : set.deadReader(s2)
      set.toggle(op)
      // A legal read whose configuration need not be explored: this one fails too.
      if (phase !== 0) continue
    } else if (phase < 2 || pos <= TOKEN_POS) {
      continue
    }
    // Dead end: backtrack (past every configuration entered through a read).
    if (sp === res.maxDepth && res.blocked < 0) res.blocked = deadlineOp
    for (;;) {
      if (sp === 0) {
        res.outcome = 'violation'
        break search
      }
      sp--
      if (sp < lowWater) lowWater = sp
      const back = stackPos[sp]
      const info = stackInfo[sp] === 1
      const bop = info ? infoOpAt(back, stackToken[sp]) : entOp[back]
      state = stackState[sp]
      set.toggle(bop)
      memo.popped(bop)
      if (!info) {
        relink(retOf[bop])
        relink(back)
        remaining++
      }
      if (isReadLike(kind[bop])) continue
      deadline = stackDeadline[sp]
      deadlineOp = stackDeadlineOp[sp]
      stuck = stackStuck[sp]
      tokenOp = stackToken[sp]
      if (info) {
        phase = 2
        ipos = back + 1
      } else {
        phase = 1
        entry = next[back]
      }
      break
    }
  }
  opts.budget.spend(local % CHECK_EVERY)
  res.steps = local
  res.prefix = Array.from(prefix.subarray(0, res.maxDepth))
  if (prune) res.stateAtMax = replay(kh, res.prefix)
  return res

  function infoOpAt(pos: number, tokenAt: number): number {
    return pos < nObs ? obs[pos] : pos < TOKEN_POS ? nonTok[pos - nObs] : tokenAt
  }
}

function searchSequential(kh: KeyHistory, opts: SearchOptions): SearchResult {
  const n = kh.kind.length
  const res = newResult(n, opts)
  const tried = res.tried
  if (kh.nOk === 0) return res
  const prune = !tried
  const { kind } = kh
  const { a, b, init } = prune ? canonicalValues(kh) : { a: kh.a, b: kh.b, init: 0 }
  const app = kh.appender

  // Program order per process (ok ops only).
  const procIndex = new Map<number, number>()
  const seqs: number[][] = []
  const okBefore = new Int32Array(n)
  const procOf = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    let p = procIndex.get(kh.process[i])
    if (p === undefined) {
      p = seqs.length
      procIndex.set(kh.process[i], p)
      seqs.push([])
    }
    procOf[i] = p
    okBefore[i] = seqs[p].length
    if (isOkKind(kind[i])) seqs[p].push(i)
  }
  const P = seqs.length
  // Info ops and what they can matter to: ops reading their value that are not before
  // them in program order (checked lazily, latest-completing first), and failed cas ops
  // (tried only where one is stuck, as in the linearizable search).
  const MAX_REL = 64
  const infos: number[] = []
  const relOps: Array<number[] | null> = []
  const infoHazard: number[] = []
  for (let i = 0; i < n; i++) {
    if (isOkKind(kind[i])) continue
    const v = writtenValue(kh, i)
    const list: number[] = []
    let hazard = 0
    for (let j = 0; j < n && list.length <= MAX_REL; j++) {
      // Ok ops before it in its process's program order come before it anyway.
      if (j === i || (procOf[j] === procOf[i] && j < i && isOkKind(kind[j]))) continue
      if (observedValue(kh, j) === v) list.push(j)
      else if (kind[j] === CAS_FAIL && kh.a[j] !== v) hazard = 1
    }
    // With appends, what an unknown write leaves may be built on by later appends: it is
    // always a candidate.
    if (list.length === 0 && !hazard && !kh.appender) continue
    list.sort((x, y) => kh.complete[y] - kh.complete[x])
    infos.push(i)
    relOps.push(list.length > MAX_REL || kh.appender ? null : list)
    infoHazard.push(hazard)
  }

  const set = new LinSet(kh)
  const lin = set.linearized
  const cur = new Int32Array(P)
  const reach = prune && app ? new AppendReach(kh, lin, false) : null
  /** With appends: a process's next ok op that can no longer see its value, or -1. */
  const appendDead = (s: number): number => {
    if (!reach) return -1
    for (let p = 0; p < P; p++) {
      if (cur[p] >= seqs[p].length) continue
      const i = seqs[p][cur[p]]
      if (reach.isNeeder(i) && !reach.canSee(s, i)) return i
    }
    return -1
  }
  const memo = new Memo(n, set, () => P)
  const sig = new Uint32Array(P + set.infoWords.length)
  const signature = (): number => {
    let len = 0
    for (let p = 0; p < P; p++) sig[len++] = cur[p]
    const iw = set.infoWords
    for (let w = 0; w < iw.length; w++) sig[len++] = iw[w]
    return len
  }
  // Processes in order of their next op's invocation (recomputed per configuration; the
  // same configuration always gives the same order, so resuming after a pop is exact).
  const order = new Int32Array(P)
  const nextInvoke = (p: number): number => (cur[p] < seqs[p].length ? kh.invoke[seqs[p][cur[p]]] : Infinity)
  const sortOrder = (): void => {
    for (let p = 0; p < P; p++) order[p] = p
    order.sort((x, y) => nextInvoke(x) - nextInvoke(y) || x - y)
  }
  sortOrder()
  const stackOp = new Int32Array(n)
  const stackState = new Int32Array(n)
  const stackCand = new Int32Array(n)
  const stackStuck = new Uint8Array(n)
  const prefix = new Int32Array(n)
  // Candidates: [0, P) each process's next op if it is a read, [P, 2P) if a write (both
  // in `order`), then the info ops.
  const nCand = 2 * P + infos.length
  let stuck = 0
  let relevantNow = false
  let lowWater = 0
  let sp = 0
  let state = init
  let remaining = kh.nOk
  let cand = 0
  let firstFail = -1
  let local = 0
  const limit = opts.limit ?? Infinity

  if (prune && set.isDead(state)) {
    res.outcome = 'violation'
    res.blocked = res.dead = set.deadReader(state)
    return res
  }

  search: while (remaining > 0) {
    if (++local % CHECK_EVERY === 0) {
      if (opts.budget.spend(CHECK_EVERY) || local > limit) {
        res.outcome = 'unknown'
        break
      }
    }
    if (cand < nCand) {
      let op = -1
      if (cand < 2 * P) {
        const p = order[cand < P ? cand : cand - P]
        if (cur[p] < seqs[p].length) {
          op = seqs[p][cur[p]]
          if (isReadLike(kind[op]) !== cand < P) op = -1
        }
      } else {
        const j = cand - 2 * P
        const i = infos[j]
        if (!lin[i] && cur[procOf[i]] >= okBefore[i]) {
          const list = relOps[j]
          let relevant = list === null
          if (list) {
            for (const r of list) {
              if (!lin[r]) {
                relevant = true
                break
              }
            }
          }
          relevantNow = relevant
          if (relevant || (stuck && infoHazard[j] && writtenValue(kh, i) !== state)) op = i
        }
      }
      cand++
      if (op < 0) continue
      if (tried) tried[op]?.add(state)
      const s2 =
        app === null ? stepOp(kind[op], a[op], b[op], state) : stepAny(kind[op], a[op], b[op], state, app)
      const ok = isOkKind(kind[op])
      if (s2 < 0) {
        if (firstFail === -1 && ok) firstFail = op
        if (kind[op] === CAS_FAIL) stuck = 1
        continue
      }
      if (!ok && s2 === state) continue // an info op that changes nothing is never needed
      set.toggle(op)
      if (ok) cur[procOf[op]]++
      // Only a new value can leave an op unable to see its own.
      const stuckOp = reach === null || s2 === state ? -1 : appendDead(s2)
      const isDead = (prune && set.isDead(s2)) || stuckOp >= 0
      if (!isDead && memo.enter(s2, sp + 1, sig, signature())) {
        if (!ok && !relevantNow) memo.spend(op, res.maxDepth)
        stackOp[sp] = op
        stackState[sp] = state
        stackCand[sp] = cand
        stackStuck[sp] = stuck
        sp++
        stuck = 0
        state = s2
        if (ok) remaining--
        if (sp > res.maxDepth) {
          for (let k = lowWater; k < sp; k++) prefix[k] = stackOp[k]
          lowWater = sp
          res.maxDepth = sp
          res.stateAtMax = state
          res.blocked = -1
          res.dead = -1
        }
        cand = 0
        firstFail = -1
        sortOrder()
        continue
      }
      if (isDead && sp === res.maxDepth && res.dead < 0)
        res.dead = stuckOp >= 0 ? stuckOp : set.deadReader(s2)
      set.toggle(op)
      if (ok) cur[procOf[op]]--
      // A legal read whose configuration need not be explored: this one fails too.
      if (cand > P) continue
      cand = nCand
    }
    // Dead end: backtrack (past every configuration entered through a read).
    if (sp === res.maxDepth && res.blocked < 0 && firstFail >= 0) res.blocked = firstFail
    for (;;) {
      if (sp === 0) {
        res.outcome = 'violation'
        break search
      }
      sp--
      if (sp < lowWater) lowWater = sp
      const op = stackOp[sp]
      state = stackState[sp]
      set.toggle(op)
      memo.popped(op)
      if (isOkKind(kind[op])) {
        cur[procOf[op]]--
        remaining++
      }
      if (isReadLike(kind[op])) continue
      cand = stackCand[sp]
      stuck = stackStuck[sp]
      firstFail = -2
      sortOrder()
      break
    }
  }
  opts.budget.spend(local % CHECK_EVERY)
  res.steps = local
  res.prefix = Array.from(prefix.subarray(0, res.maxDepth))
  if (prune) res.stateAtMax = replay(kh, res.prefix)
  return res
}
