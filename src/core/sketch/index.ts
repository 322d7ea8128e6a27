// Sketches: bounded, mergeable summaries of a run's client operations per time window,
// as thin adapters over two libraries:
//   - latency quantiles: DDSketch (@datadog/sketches-js), relative accuracy 1%, one per
//     op type (get / put / cas) over the latency of ok ops completed in the window;
//   - hot keys: a count-min sketch (bloom-filters) plus the window's top candidates;
//   - distinct keys and distinct clients: HyperLogLog (bloom-filters' hashing; see Distinct).
// Every sketch serializes to a compact blob and merges with others of its kind, so p50 /
// p99 / hot keys / distinct counts over any range of windows, of one run or of many, come
// from merging stored blobs (never from the raw ops).
//
// Encoding: our own compact format (varints, zero runs), not DDSketch.toProto(): toProto
// needs protobufjs at run time, which @datadog/sketches-js 2.1 does not declare as a
// dependency, and varint bins are ~4x smaller than protobuf's packed doubles and keep
// min / max (fromProto drops them). bloom-filters' saveAsJSON would store every counter
// as JSON text; ours writes runs of zero counters as two bytes.
//
// Pure: no I/O, no clock, no Math.random. bloom-filters hashes with a constant default
// seed (0x1234567890), so blobs are deterministic and mergeable across runs.
import * as ddNs from '@datadog/sketches-js'
import * as bloomNs from 'bloom-filters'
import * as xxNs from 'xxhashjs'
import type { LatencyStats, SketchSummary } from '../../shared/api'
import type { OpFn, TraceEvent } from '../../shared/trace'
import { ByteReader, ByteWriter } from './bytes'

/** CommonJS interop: under Node's ESM loader the classes live on `default`. */
function cjs<T extends object>(ns: T): T {
  const d = (ns as { default?: unknown }).default
  return d !== null && typeof d === 'object' ? (d as T) : ns
}
const { DDSketch } = cjs(ddNs)
const { CountMinSketch } = cjs(bloomNs)
type DD = InstanceType<typeof DDSketch>
type CMS = InstanceType<typeof CountMinSketch>

/** DDSketch relative accuracy: a reported quantile is within 1% of the exact one. */
export const LATENCY_RELATIVE_ACCURACY = 0.01
/** Count-min sketch shape: width 512, depth 4 (overcount <= e/512 of the total with prob 1 - e^-4). */
export const HOT_WIDTH = 512
export const HOT_DEPTH = 4
/** Candidate keys kept per hot-keys sketch. */
export const HOT_CANDIDATES = 16
/** HyperLogLog registers: standard error 1.04 / sqrt(1024) = 3.25%. */
export const HLL_REGISTERS = 1024

const VERSION = 1

// ---------------------------------------------------------------- latency (DDSketch)

/** Quantiles of latencies in ms. `quantile(q)` uses DDSketch's rank q * (n - 1) (lower). */
export class LatencySketch {
  private constructor(private readonly dd: DD) {}

  static create(): LatencySketch {
    return new LatencySketch(new DDSketch({ relativeAccuracy: LATENCY_RELATIVE_ACCURACY }))
  }

  add(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms))
      throw new RangeError(`latency must be a finite number >= 0 (got ${ms})`)
    this.dd.accept(ms)
  }

  merge(other: LatencySketch): void {
    this.dd.merge(other.dd)
  }

  get count(): number {
    return this.dd.count
  }

  quantile(q: number): number | null {
    if (this.dd.count === 0) return null
    return this.dd.getValueAtQuantile(q)
  }

  stats(): LatencyStats {
    const n = this.dd.count
    return {
      count: n,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      min: n > 0 ? this.dd.min : null,
      max: n > 0 ? this.dd.max : null,
    }
  }

  encode(): Uint8Array {
    const dd = this.dd
    const w = new ByteWriter().u8(VERSION).f64(dd.mapping.relativeAccuracy)
    const s = dd.store
    if (s.count === 0) w.uvar(0)
    else {
      const bins: number[] = []
      for (let k = s.minKey; k <= s.maxKey; k++) {
        const c = s.bins[k - s.offset]
        if (!Number.isInteger(c) || c < 0) throw new RangeError('latency sketch has a non-integer bin')
        bins.push(c)
      }
      w.uvar(bins.length).svar(s.minKey).counters(bins)
    }
    return w.uvar(dd.zeroCount).uvar(dd.count).f64(dd.sum).f64(dd.min).f64(dd.max).bytes()
  }

  static decode(blob: Uint8Array): LatencySketch {
    const r = new ByteReader(blob)
    if (r.u8() !== VERSION) throw new RangeError('unknown latency sketch version')
    const accuracy = r.f64()
    if (!(accuracy > 0 && accuracy < 1)) throw new RangeError('latency sketch has a bad accuracy')
    const dd = new DDSketch({ relativeAccuracy: accuracy })
    const n = r.uvar()
    if (n > 0) {
      const minKey = r.svar()
      const bins = r.counters()
      if (bins.length !== n) throw new RangeError('latency sketch bin count mismatch')
      bins.forEach((c, i) => {
        if (c > 0) dd.store.add(minKey + i, c)
      })
    }
    dd.zeroCount = r.uvar()
    dd.count = r.uvar()
    dd.sum = r.f64()
    dd.min = r.f64()
    dd.max = r.f64()
    if (!r.done) throw new RangeError('latency sketch has trailing bytes')
    if (dd.store.count + dd.zeroCount !== dd.count) throw new RangeError('latency sketch counts disagree')
    return new LatencySketch(dd)
  }
}

// ---------------------------------------------------------------- hot keys (count-min)

export interface KeyCount {
  key: string
  count: number
}

/** A count-min sketch of key frequencies plus the top candidate keys (heavy hitters). */
export class HotKeys {
  private constructor(
    private readonly cms: CMS,
    private total: number,
    private candidates: string[],
  ) {}

  static create(): HotKeys {
    return new HotKeys(new CountMinSketch(HOT_WIDTH, HOT_DEPTH), 0, [])
  }

  /** Add a window's exact per-key counts (one sketch update per distinct key). */
  static fromCounts(counts: ReadonlyMap<string, number>): HotKeys {
    const h = HotKeys.create()
    for (const [key, n] of counts) {
      h.cms.update(key, n)
      h.total += n
    }
    h.candidates = [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, HOT_CANDIDATES)
      .map(([k]) => k)
    return h
  }

  /** Estimated occurrences of `key` (never below the truth; above it by <= e/width * total w.h.p.). */
  estimate(key: string): number {
    return this.cms.count(key)
  }

  get sum(): number {
    return this.total
  }

  /** Upper bound of the overcount with probability 1 - e^-depth. */
  get errorBound(): number {
    return Math.ceil((Math.E / HOT_WIDTH) * this.total)
  }

  merge(other: HotKeys): void {
    this.cms.merge(other.cms)
    this.total += other.total
    const all = [...new Set([...this.candidates, ...other.candidates])]
    this.candidates = this.rank(all)
      .slice(0, HOT_CANDIDATES)
      .map((k) => k.key)
  }

  private rank(keys: string[]): KeyCount[] {
    return keys
      .map((key) => ({ key, count: this.cms.count(key) }))
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1))
  }

  top(k = 10): KeyCount[] {
    return this.rank(this.candidates).slice(0, k)
  }

  encode(): Uint8Array {
    const w = new ByteWriter().u8(VERSION).uvar(this.cms.columns).uvar(this.cms.rows).uvar(this.total)
    for (const row of this.cms._matrix) w.counters(row)
    w.uvar(this.candidates.length)
    for (const k of this.candidates) w.str(k)
    return w.bytes()
  }

  static decode(blob: Uint8Array): HotKeys {
    const r = new ByteReader(blob)
    if (r.u8() !== VERSION) throw new RangeError('unknown hot-keys sketch version')
    const cols = r.uvar()
    const rows = r.uvar()
    if (cols !== HOT_WIDTH || rows !== HOT_DEPTH)
      throw new RangeError('hot-keys sketch has an unexpected shape')
    const total = r.uvar()
    const cms = new CountMinSketch(cols, rows)
    for (let i = 0; i < rows; i++) {
      const row = r.counters()
      if (row.length !== cols) throw new RangeError('hot-keys sketch row length mismatch')
      cms._matrix[i] = row
    }
    cms._allSums = total
    const n = r.uvar()
    if (n > HOT_CANDIDATES * 4) throw new RangeError('hot-keys sketch has too many candidates')
    const candidates: string[] = []
    for (let i = 0; i < n; i++) candidates.push(r.str())
    if (!r.done) throw new RangeError('hot-keys sketch has trailing bytes')
    return new HotKeys(cms, total, candidates)
  }
}

// ---------------------------------------------------------------- distinct (HyperLogLog)

/**
 * bloom-filters' HyperLogLog (3.0.4), as an adapter: elements are placed exactly as its
 * update() places them (xxhash64 with its constant default seed; register = the hash's low
 * log2(m) bits; rank from the leftmost 1 bit of the other bits), but we keep standard
 * registers and the standard estimator, because the library
 *  - stores rank - 1 (an element whose first bit is 1 leaves no trace) and its small-range
 *    correction then counts ~2x too few below ~2.5 * m distinct values (1,024 registers:
 *    8 distinct -> 1, 1,000 -> 504), and
 *  - renders every 64-bit hash as a binary string (~150-250 µs per update).
 * So we hash with xxhashjs (the library's own hash function) and read the 64-bit value's
 * 16-bit limbs: ~7 µs per new element, memoized per element (bounded: cleared at 100,000
 * entries). test/sketch.accuracy.test.ts checks the placement against the library's
 * update() element for element.
 */
const XXH = cjs(xxNs)
/** bloom-filters' default seed (utils.getDefaultSeed()). */
export const BLOOM_FILTERS_SEED = 0x1234567890
const REGISTER_BITS = Math.log2(HLL_REGISTERS)
const MEMO_MAX = 100_000
const memo = new Map<string, number>()

/** Register index * 256 + rank (1-based position of the leftmost 1 bit) of an element. */
export function hllPlacement(x: string): number {
  const hit = memo.get(x)
  if (hit !== undefined) return hit
  const h = XXH.h64(x, BLOOM_FILTERS_SEED) as unknown as {
    _a00: number
    _a16: number
    _a32: number
    _a48: number
  }
  const index = h._a00 & (HLL_REGISTERS - 1)
  const clz16 = (v: number): number => Math.clz32(v & 0xffff) - 16
  const lead =
    h._a48 !== 0
      ? clz16(h._a48)
      : h._a32 !== 0
        ? 16 + clz16(h._a32)
        : h._a16 !== 0
          ? 32 + clz16(h._a16)
          : 48 + clz16(h._a00)
  // The library looks for the leftmost 1 among the top 64 - log2(m) bits only.
  const k = 64 - REGISTER_BITS
  const leftmost = lead < k ? lead : k - 1
  const packed = index * 256 + leftmost + 1
  if (memo.size >= MEMO_MAX) memo.clear()
  memo.set(x, packed)
  return packed
}

/** HyperLogLog alpha_m (Flajolet et al. 2007). */
function alpha(m: number): number {
  if (m === 16) return 0.673
  if (m === 32) return 0.697
  if (m === 64) return 0.709
  return 0.7213 / (1 + 1.079 / m)
}

/** Distinct count estimate (HyperLogLog, standard error 1.04 / sqrt(m)). */
export class Distinct {
  private constructor(private readonly regs: number[]) {}

  static create(): Distinct {
    return new Distinct(new Array<number>(HLL_REGISTERS).fill(0))
  }

  add(x: string): void {
    const packed = hllPlacement(x)
    const i = Math.floor(packed / 256)
    const rank = packed % 256
    if (rank > this.regs[i]) this.regs[i] = rank
  }

  merge(other: Distinct): void {
    const a = this.regs
    const b = other.regs
    if (a.length !== b.length) throw new RangeError('cannot merge HyperLogLogs of different sizes')
    for (let i = 0; i < a.length; i++) if (b[i] > a[i]) a[i] = b[i]
  }

  estimate(): number {
    const m = this.regs.length
    let z = 0
    let zeros = 0
    for (const r of this.regs) {
      z += 2 ** -r
      if (r === 0) zeros++
    }
    const raw = (alpha(m) * m * m) / z
    // Small range: linear counting while some registers are still empty.
    const e = raw <= 2.5 * m && zeros > 0 ? m * Math.log(m / zeros) : raw
    return Math.round(e)
  }

  /** Standard error of the estimate (relative). */
  get relativeError(): number {
    return 1.04 / Math.sqrt(this.regs.length)
  }

  encode(): Uint8Array {
    return new ByteWriter().u8(VERSION).counters(this.regs).bytes()
  }

  static decode(blob: Uint8Array): Distinct {
    const r = new ByteReader(blob)
    if (r.u8() !== VERSION) throw new RangeError('unknown distinct-count sketch version')
    const regs = r.counters()
    if (regs.length !== HLL_REGISTERS || regs.some((v) => v > 65))
      throw new RangeError('distinct-count sketch has bad registers')
    if (!r.done) throw new RangeError('distinct-count sketch has trailing bytes')
    return new Distinct(regs)
  }
}

// ---------------------------------------------------------------- per-window sketching

/** The KV ops whose latencies are sketched per window (Maelstrom `call` ops are not). */
export const OP_FNS: ReadonlyArray<Exclude<OpFn, 'call'>> = ['get', 'put', 'cas']
export const SKETCH_KINDS = ['lat.get', 'lat.put', 'lat.cas', 'hot', 'keys', 'clients'] as const
export type SketchKind = (typeof SKETCH_KINDS)[number]

export interface SketchRow {
  /** Window start, ms of run time. */
  windowStartMs: number
  kind: SketchKind
  blob: Uint8Array
}

interface WindowState {
  index: number
  lat: Map<OpFn, LatencySketch>
  keys: Map<string, number>
  clients: Set<number>
}

/**
 * Folds a run's op events (in time order) into per-window sketches. Invokes count towards
 * hot keys and distinct keys / clients of the window they happen in; an ok completion adds
 * its latency (completion t - invoke t) to its op type's latency sketch in the window it
 * completes in (like MetricsWindow's p50 / p99).
 */
export class WindowSketcher {
  private readonly pending = new Map<string, number>()
  private cur: WindowState | null = null

  constructor(private readonly windowUs = 1_000_000) {
    if (!(windowUs > 0)) throw new RangeError('windowUs must be > 0')
  }

  /** Feed one trace event; returns the rows of any window it closed (or null). */
  push(e: TraceEvent): SketchRow[] | null {
    if (e.kind !== 'op') return null
    const index = Math.floor(e.t / this.windowUs)
    let out: SketchRow[] | null = null
    if (this.cur === null || index !== this.cur.index) {
      if (this.cur !== null && index < this.cur.index) throw new RangeError('op events must be in time order')
      if (this.cur !== null) out = this.close(this.cur)
      this.cur = { index, lat: new Map(), keys: new Map(), clients: new Set() }
    }
    const w = this.cur
    if (e.phase === 'invoke') {
      this.pending.set(e.opId, e.t)
      w.keys.set(e.key, (w.keys.get(e.key) ?? 0) + 1)
      w.clients.add(e.client)
    } else {
      const start = this.pending.get(e.opId)
      this.pending.delete(e.opId)
      if (e.phase === 'ok' && start !== undefined) {
        let s = w.lat.get(e.f)
        if (s === undefined) w.lat.set(e.f, (s = LatencySketch.create()))
        s.add((e.t - start) / 1000)
      }
    }
    return out
  }

  /** Close the last window (call once at the end of the run). */
  finish(): SketchRow[] {
    const out = this.cur === null ? [] : this.close(this.cur)
    this.cur = null
    return out
  }

  private close(w: WindowState): SketchRow[] {
    const windowStartMs = (w.index * this.windowUs) / 1000
    const rows: SketchRow[] = []
    for (const f of OP_FNS) {
      const s = w.lat.get(f)
      if (s) rows.push({ windowStartMs, kind: `lat.${f}`, blob: s.encode() })
    }
    if (w.keys.size > 0) {
      rows.push({ windowStartMs, kind: 'hot', blob: HotKeys.fromCounts(w.keys).encode() })
      const keys = Distinct.create()
      for (const k of w.keys.keys()) keys.add(k)
      rows.push({ windowStartMs, kind: 'keys', blob: keys.encode() })
    }
    if (w.clients.size > 0) {
      const clients = Distinct.create()
      for (const c of w.clients) clients.add(`c${c}`)
      rows.push({ windowStartMs, kind: 'clients', blob: clients.encode() })
    }
    return rows
  }
}

// ---------------------------------------------------------------- merging stored rows

/** Merge stored sketch rows (any windows, any runs) into one summary. */
export function mergeSketchRows(
  rows: Iterable<{ windowStartMs: number; kind: string; blob: Uint8Array }>,
): SketchSummary {
  const lat = new Map<OpFn, LatencySketch>(OP_FNS.map((f) => [f, LatencySketch.create()]))
  const all = LatencySketch.create()
  let hot: HotKeys | null = null
  let keys: Distinct | null = null
  let clients: Distinct | null = null
  const windows = new Set<number>()
  for (const row of rows) {
    windows.add(row.windowStartMs)
    switch (row.kind) {
      case 'lat.get':
      case 'lat.put':
      case 'lat.cas': {
        const s = LatencySketch.decode(row.blob)
        lat.get(row.kind.slice(4) as OpFn)!.merge(s)
        all.merge(s)
        break
      }
      case 'hot': {
        const h = HotKeys.decode(row.blob)
        if (hot) hot.merge(h)
        else hot = h
        break
      }
      case 'keys': {
        const d = Distinct.decode(row.blob)
        if (keys) keys.merge(d)
        else keys = d
        break
      }
      case 'clients': {
        const d = Distinct.decode(row.blob)
        if (clients) clients.merge(d)
        else clients = d
        break
      }
      default:
        throw new RangeError(`unknown sketch kind "${row.kind}"`)
    }
  }
  return {
    windows: windows.size,
    latencyMs: {
      get: lat.get('get')!.stats(),
      put: lat.get('put')!.stats(),
      cas: lat.get('cas')!.stats(),
      all: all.stats(),
    },
    hotKeys: hot ? hot.top(10) : [],
    hotKeysErrorBound: hot ? hot.errorBound : 0,
    distinctKeys: keys ? keys.estimate() : 0,
    distinctClients: clients ? clients.estimate() : 0,
    accuracy: {
      latencyRelative: LATENCY_RELATIVE_ACCURACY,
      distinctRelative: 1.04 / Math.sqrt(HLL_REGISTERS),
    },
  }
}
