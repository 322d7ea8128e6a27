// The per-key register model the linearizability search runs on: one key's operations,
// with values interned to small integers (0 = the key's initial value: null / absent, or
// "" for Porcupine's key-value model) and each operation reduced to a kind and at most two
// value ids. Appends make new values as the search goes: the `Appender` interns them.
import type { HistoryOp } from '../../../shared/history'

/** ok get: legal iff the register holds `a`. */
export const GET = 0
/** ok put, or ok cas whose compare matched: see `CAS_OK`. */
export const PUT = 1
/** ok cas with result true: legal iff the register holds `a`; then it holds `b`. */
export const CAS_OK = 2
/** ok cas with result false: legal iff the register does NOT hold `a`; no change. */
export const CAS_FAIL = 3
/** ok append: always legal; the register then holds its value followed by `a` (absent counts as ""). */
export const APPEND = 4
/** put with unknown outcome: may take effect (any time after invoke) or never. */
export const INFO_PUT = 5
/** cas with unknown outcome: if it takes effect, the register held `a` and now holds `b`. */
export const INFO_CAS = 6
/** append with unknown outcome: may take effect (any time after invoke) or never. */
export const INFO_APPEND = 7

/** One key's searchable operations, in invocation order. */
export interface KeyHistory {
  key: string
  /** The original operations (index = local op id). */
  ops: HistoryOp[]
  kind: Uint8Array
  /** get: value read; put: value written; cas: expected value. */
  a: Int32Array
  /** cas: new value. */
  b: Int32Array
  invoke: Float64Array
  /** Completion time; Infinity for info ops. */
  complete: Float64Array
  process: Int32Array
  /** Value table shared by every sub-history of the key: id -> value. */
  values: Array<string | null>
  valueIds: Map<string | null, number>
  /** Number of ops that must be linearized (everything but info ops). */
  nOk: number
  /** The key has appends: their results are interned here (shared by every sub-history). */
  appender: Appender | null
}

/** Largest value id an append transition can key on (ids are below 2^26 per key). */
const SUFFIX_SPACE = 1 << 26

/** Characters at the end of a value kept to tell, cheaply, whether it may equal one an op compares with. */
const TAIL = 16

/**
 * The value an append leaves, as a value id: `values[s]` followed by `values[suffix]`,
 * each transition computed once. A value some op compares the register with (a read, a
 * cas's expected value) is interned, so it gets that value's id whichever order of
 * appends made it; any other value gets a fresh id without being hashed (it can only
 * differ from what ops compare with, and the same string reached twice is then just
 * explored twice). Candidates are told by their length and last characters, kept per id.
 */
export class Appender {
  private readonly next = new Map<number, number>()
  /** Per value id made by an append: the value it was appended to (-1: a value from the history). */
  private readonly parents: number[] = []
  private readonly suffixes: number[] = []
  private readonly tails: string[] = []
  /** `${length}:${tail}` of every value some op compares the register with. */
  private readonly compared = new Set<string>()

  constructor(
    private readonly values: Array<string | null>,
    private readonly valueIds: Map<string | null, number>,
  ) {}

  /** Value `id` is one an op compares the register with. */
  compares(id: number): void {
    const v = this.values[id] ?? ''
    this.compared.add(`${v.length}:${this.tail(id)}`)
  }

  private tail(id: number): string {
    let t = this.tails[id]
    if (t === undefined) this.tails[id] = t = (this.values[id] ?? '').slice(-TAIL)
    return t
  }

  /** The value id `s` was appended to, or -1; with `suffixOf`, how it was made. */
  parentOf(id: number): number {
    return this.parents[id] ?? -1
  }

  suffixOf(id: number): number {
    return this.suffixes[id] ?? -1
  }

  step(s: number, suffix: number): number {
    const k = s * SUFFIX_SPACE + suffix
    let t = this.next.get(k)
    if (t === undefined) {
      if (s >= SUFFIX_SPACE || suffix >= SUFFIX_SPACE)
        throw new RangeError('too many distinct values on one key')
      const add = this.values[suffix] ?? ''
      const str = (this.values[s] ?? '') + add
      const tail = (this.tail(s) + add).slice(-TAIL)
      if (this.compared.has(`${str.length}:${tail}`)) t = internValue(this.values, this.valueIds, str)
      else {
        t = this.values.length
        this.values.push(str)
      }
      // values[t] is values[s] followed by the suffix, whichever way t was first reached.
      if (this.parents[t] === undefined) {
        this.parents[t] = s
        this.suffixes[t] = suffix
      }
      this.tails[t] = tail
      this.next.set(k, t)
    }
    return t
  }
}

function internValue(
  values: Array<string | null>,
  ids: Map<string | null, number>,
  v: string | null,
): number {
  let id = ids.get(v)
  if (id === undefined) {
    id = values.length
    values.push(v)
    ids.set(v, id)
  }
  return id
}

export function isOkKind(k: number): boolean {
  return k < INFO_PUT
}

/** Ops that only look at the register (removing them never makes a history fail). */
export function isReadLike(k: number): boolean {
  return k === GET || k === CAS_FAIL
}

/** The value id an op writes, or -1 if it writes nothing or (append) depends on the state. */
export function writtenValue(kh: KeyHistory, i: number): number {
  const k = kh.kind[i]
  if (k === PUT || k === INFO_PUT) return kh.a[i]
  if (k === CAS_OK || k === INFO_CAS) return kh.b[i]
  return -1
}

/** The value id an op requires the register to hold, or -1 (get, cas compare). */
export function observedValue(kh: KeyHistory, i: number): number {
  const k = kh.kind[i]
  return k === GET || k === CAS_OK || k === INFO_CAS ? kh.a[i] : -1
}

/** Apply op kind `k` (not an append: see `stepAny`) to state `s`; -1 if it is not legal there. */
export function stepOp(k: number, a: number, b: number, s: number): number {
  switch (k) {
    case GET:
      return s === a ? s : -1
    case PUT:
    case INFO_PUT:
      return a
    case CAS_OK:
    case INFO_CAS:
      return s === a ? b : -1
    default:
      return s !== a ? s : -1
  }
}

/** `stepOp` for any op kind, appends included (`app`: the key's appender). */
export function stepAny(k: number, a: number, b: number, s: number, app: Appender | null): number {
  return app !== null && (k === APPEND || k === INFO_APPEND) ? app.step(s, a) : stepOp(k, a, b, s)
}

/**
 * Build a key's searchable history from its operations (any order). Dropped: failed ops
 * (definitely not applied), reads with unknown outcome (they constrain nothing), and cas
 * ops with unknown outcome whose new value equals the expected one (no effect either way).
 * `initial` is what the key holds before any write (null = absent).
 */
export function buildKeyHistory(
  key: string,
  all: readonly HistoryOp[],
  initial: string | null = null,
): KeyHistory {
  const ops = all
    .filter((o) => {
      if (o.type === 'fail') return false
      if (o.type === 'info' && o.f === 'get') return false
      if (o.type === 'info' && o.f === 'cas' && (o.expected ?? null) === o.value) return false
      return true
    })
    .map((o, i) => ({ o, i }))
    .sort((x, y) => x.o.invoke - y.o.invoke || x.i - y.i)
    .map((x) => x.o)
  const valueIds = new Map<string | null, number>([[initial, 0]])
  const values: Array<string | null> = [initial]
  const intern = (v: string | null | undefined): number => internValue(values, valueIds, v ?? null)
  const n = ops.length
  const kh: KeyHistory = {
    key,
    ops,
    kind: new Uint8Array(n),
    a: new Int32Array(n),
    b: new Int32Array(n),
    invoke: new Float64Array(n),
    complete: new Float64Array(n),
    process: new Int32Array(n),
    values,
    valueIds,
    nOk: 0,
    appender: ops.some((o) => o.f === 'append') ? new Appender(values, valueIds) : null,
  }
  for (let i = 0; i < n; i++) {
    const o = ops[i]
    if (o.type === 'ok' && o.complete < o.invoke) {
      throw new RangeError(`operation ${o.id} completes (${o.complete}) before it is invoked (${o.invoke})`)
    }
    const info = o.type === 'info'
    kh.invoke[i] = o.invoke
    kh.complete[i] = info ? Infinity : o.complete
    kh.process[i] = o.process
    if (o.f === 'get') {
      kh.kind[i] = GET
      kh.a[i] = intern(o.value)
    } else if (o.f === 'put') {
      kh.kind[i] = info ? INFO_PUT : PUT
      kh.a[i] = intern(o.value)
    } else if (o.f === 'append') {
      kh.kind[i] = info ? INFO_APPEND : APPEND
      kh.a[i] = intern(o.value ?? '')
    } else {
      kh.kind[i] = info ? INFO_CAS : o.result === false ? CAS_FAIL : CAS_OK
      kh.a[i] = intern(o.expected)
      kh.b[i] = intern(o.value)
    }
    if (!info) kh.nOk++
  }
  const app = kh.appender
  if (app) {
    for (let i = 0; i < n; i++) {
      const k = kh.kind[i]
      if (k === GET || k === CAS_OK || k === CAS_FAIL || k === INFO_CAS) app.compares(kh.a[i])
    }
  }
  return kh
}

/** The sub-history made of ops `idx` (ascending local ids); shares the value table. */
export function subHistory(kh: KeyHistory, idx: readonly number[]): KeyHistory {
  const n = idx.length
  const sub: KeyHistory = {
    key: kh.key,
    ops: idx.map((i) => kh.ops[i]),
    kind: new Uint8Array(n),
    a: new Int32Array(n),
    b: new Int32Array(n),
    invoke: new Float64Array(n),
    complete: new Float64Array(n),
    process: new Int32Array(n),
    values: kh.values,
    valueIds: kh.valueIds,
    nOk: 0,
    appender: kh.appender,
  }
  for (let j = 0; j < n; j++) {
    const i = idx[j]
    sub.kind[j] = kh.kind[i]
    sub.a[j] = kh.a[i]
    sub.b[j] = kh.b[i]
    sub.invoke[j] = kh.invoke[i]
    sub.complete[j] = kh.complete[i]
    sub.process[j] = kh.process[i]
    if (isOkKind(kh.kind[i])) sub.nOk++
  }
  return sub
}
