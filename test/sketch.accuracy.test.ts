// Sketches report what they promise: DDSketch quantiles within 1% relative error of the
// exact ones (for one window and for a merged range of windows), HyperLogLog distinct
// counts within a few standard errors, count-min hot keys never under and at most the
// stated bound over the truth; blobs round-trip, merge, and reject garbage.
import { describe, expect, it } from 'vitest'
import * as bloomNs from 'bloom-filters'
import { createRng } from '../src/core/rng'
import {
  Distinct,
  HLL_REGISTERS,
  hllPlacement,
  HotKeys,
  LATENCY_RELATIVE_ACCURACY,
  LatencySketch,
  mergeSketchRows,
  WindowSketcher,
  type SketchRow,
} from '../src/core/sketch'
import type { OpEvent, OpFn } from '../src/shared/trace'

/** Latencies in ms: a log-normal-ish body (1-20 ms) plus a slow tail (50-1000 ms). */
function latencies(n: number, seed: number): number[] {
  const rng = createRng(seed)
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const u = rng.next()
    const base = Math.exp(rng.next() * 3) // 1 .. 20
    out.push(u < 0.97 ? base : 50 + rng.next() * 950)
  }
  return out
}

/** The exact value at DDSketch's rank convention: sorted[floor(q * (n - 1))]. */
function exact(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.floor(q * (s.length - 1))]
}

function expectWithin(actual: number | null, want: number, rel: number): void {
  expect(actual).not.toBeNull()
  expect(Math.abs((actual as number) - want)).toBeLessThanOrEqual(rel * want + 1e-12)
}

describe('latency sketch (DDSketch)', () => {
  it('p50 / p90 / p99 are within the stated 1% relative error of the exact quantiles', () => {
    const values = latencies(20_000, 7)
    const s = LatencySketch.create()
    for (const v of values) s.add(v)
    for (const q of [0.5, 0.9, 0.99]) expectWithin(s.quantile(q), exact(values, q), LATENCY_RELATIVE_ACCURACY)
    expect(s.count).toBe(values.length)
    const st = s.stats()
    expect(st.min).toBe(Math.min(...values))
    expect(st.max).toBe(Math.max(...values))
  })

  it('a range of windows merged from stored blobs keeps the error bound over the whole range', () => {
    const values = latencies(30_000, 11)
    // 30 "windows" of 1,000 ops each, serialized like the store keeps them.
    const blobs: Uint8Array[] = []
    for (let w = 0; w < 30; w++) {
      const s = LatencySketch.create()
      for (const v of values.slice(w * 1000, (w + 1) * 1000)) s.add(v)
      blobs.push(s.encode())
    }
    const merged = LatencySketch.create()
    for (const b of blobs) merged.merge(LatencySketch.decode(b))
    expect(merged.count).toBe(values.length)
    for (const q of [0.5, 0.99]) expectWithin(merged.quantile(q), exact(values, q), LATENCY_RELATIVE_ACCURACY)
    // A sub-range (windows 10..19) against the exact quantile of just those values.
    const part = LatencySketch.create()
    for (const b of blobs.slice(10, 20)) part.merge(LatencySketch.decode(b))
    expectWithin(part.quantile(0.99), exact(values.slice(10_000, 20_000), 0.99), LATENCY_RELATIVE_ACCURACY)
  })

  it('round-trips exactly, is deterministic and compact, and rejects garbage', () => {
    const s = LatencySketch.create()
    for (const v of latencies(5000, 3)) s.add(v)
    const blob = s.encode()
    const again = LatencySketch.decode(blob)
    expect(again.stats()).toEqual(s.stats())
    expect(again.encode()).toEqual(blob)
    const t = LatencySketch.create()
    for (const v of latencies(5000, 3)) t.add(v)
    expect(t.encode()).toEqual(blob)
    expect(blob.length).toBeLessThan(2000)
    expect(() => LatencySketch.decode(blob.subarray(0, blob.length - 3))).toThrow(RangeError)
    expect(() => LatencySketch.decode(new Uint8Array([9, 1, 2]))).toThrow(/version/)
    expect(() => s.add(-1)).toThrow(RangeError)
    expect(LatencySketch.create().quantile(0.5)).toBeNull()
  })
})

describe('distinct counts (HyperLogLog)', () => {
  const sigma = 1.04 / Math.sqrt(1024)

  it("places every element exactly where bloom-filters' HyperLogLog.update() puts it", () => {
    const lib = (bloomNs as unknown as { default?: typeof bloomNs }).default ?? bloomNs
    const hll = new lib.HyperLogLog(HLL_REGISTERS)
    // Registers start at -1 so that even a value-0 update shows where it went.
    hll._registers = new Array<number>(HLL_REGISTERS).fill(-1)
    const rng = createRng(1)
    for (let n = 0; n < 300; n++) {
      const x = n < 100 ? `k${n}` : `${rng.next().toString(36)}:${n}`
      hll.update(x)
      const i = hll._registers.findIndex((v) => v !== -1)
      const value = hll._registers[i]
      hll._registers[i] = -1
      // The library stores the 0-based position of the leftmost 1 bit; we keep rank = that + 1.
      expect(hllPlacement(x), x).toBe(i * 256 + value + 1)
    }
  })

  it('estimates within 3 standard errors from 10 to 50,000 distinct values (repeats do not count)', () => {
    for (const n of [10, 100, 1000, 5000, 50_000]) {
      const d = Distinct.create()
      for (let rep = 0; rep < 3; rep++) for (let i = 0; i < n; i++) d.add(`key-${i}`)
      const est = d.estimate()
      expect(Math.abs(est - n) / n, `n=${n} est=${est}`).toBeLessThanOrEqual(3 * sigma)
    }
    expect(Distinct.create().estimate()).toBe(0)
  })

  it('merging is a union, and survives serialization', () => {
    const a = Distinct.create()
    const b = Distinct.create()
    for (let i = 0; i < 3000; i++) a.add(`k${i}`)
    for (let i = 2000; i < 6000; i++) b.add(`k${i}`)
    const m = Distinct.decode(a.encode())
    m.merge(Distinct.decode(b.encode()))
    expect(Math.abs(m.estimate() - 6000) / 6000).toBeLessThanOrEqual(3 * sigma)
    expect(() => Distinct.decode(new Uint8Array([1, 5, 1]))).toThrow(RangeError)
  })
})

describe('hot keys (count-min sketch)', () => {
  it('finds the heavy hitters; estimates never undercount and overcount by at most the bound', () => {
    const rng = createRng(5)
    const counts = new Map<string, number>()
    for (let i = 0; i < 20_000; i++) {
      // Zipf-like: key j with weight 1/(j+1) over 500 keys.
      let u = rng.next() * 6.79
      let j = 0
      while (j < 499 && (u -= 1 / (j + 1)) > 0) j++
      const k = `k${j}`
      counts.set(k, (counts.get(k) ?? 0) + 1)
    }
    // Two windows, merged.
    const half = new Map<string, number>()
    const rest = new Map<string, number>()
    for (const [k, n] of counts) {
      half.set(k, Math.floor(n / 2))
      rest.set(k, n - Math.floor(n / 2))
    }
    const h = HotKeys.decode(HotKeys.fromCounts(half).encode())
    h.merge(HotKeys.decode(HotKeys.fromCounts(rest).encode()))
    expect(h.sum).toBe(20_000)
    const truth = [...counts.entries()].sort((a, b) => b[1] - a[1])
    const top = h.top(5)
    expect(top.map((t) => t.key)).toEqual(truth.slice(0, 5).map(([k]) => k))
    for (const [k, n] of truth.slice(0, 50)) {
      const est = h.estimate(k)
      expect(est).toBeGreaterThanOrEqual(n)
      expect(est - n).toBeLessThanOrEqual(h.errorBound)
    }
  })
})

describe('per-window sketching of a run', () => {
  function op(t: number, phase: OpEvent['phase'], id: string, f: OpFn, key: string, client: number): OpEvent {
    return { kind: 'op', t, node: null, lc: 0, client, opId: id, phase, f, key, value: null }
  }

  it('puts invokes in their window, latencies in the completion window, and merges back to exact counts', () => {
    const sk = new WindowSketcher(1_000_000)
    const rows: SketchRow[] = []
    const lat: number[] = []
    let n = 0
    for (let w = 0; w < 5; w++) {
      for (let i = 0; i < 200; i++) {
        const t = w * 1_000_000 + i * 4000
        const id = `c${i % 4}.${n++}`
        const f: OpFn = (['get', 'put', 'cas'] as const)[i % 3]
        rows.push(...(sk.push(op(t, 'invoke', id, f, `k${i % 17}`, i % 4)) ?? []))
        const done = t + 1000 + (i % 50) * 100
        lat.push((done - t) / 1000)
        rows.push(...(sk.push(op(done, i % 10 === 0 ? 'fail' : 'ok', id, f, `k${i % 17}`, i % 4)) ?? []))
        if (i % 10 === 0) lat.pop()
      }
    }
    rows.push(...sk.finish())
    expect(new Set(rows.map((r) => r.windowStartMs))).toEqual(new Set([0, 1000, 2000, 3000, 4000]))
    const all = mergeSketchRows(rows)
    expect(all.windows).toBe(5)
    expect(all.latencyMs.all.count).toBe(lat.length)
    expect(all.latencyMs.get.count + all.latencyMs.put.count + all.latencyMs.cas.count).toBe(lat.length)
    expectWithin(all.latencyMs.all.p99, exact(lat, 0.99), LATENCY_RELATIVE_ACCURACY)
    expect(all.distinctKeys).toBe(17)
    expect(all.distinctClients).toBe(4)
    const oneWindow = mergeSketchRows(rows.filter((r) => r.windowStartMs === 2000))
    expect(oneWindow.latencyMs.all.count).toBe(180)
  })

  it('is deterministic: the same events give byte-identical blobs', () => {
    const run = (): SketchRow[] => {
      const sk = new WindowSketcher()
      const out: SketchRow[] = []
      for (let i = 0; i < 500; i++) {
        out.push(...(sk.push(op(i * 10_000, 'invoke', `o${i}`, 'put', `k${i % 9}`, 1)) ?? []))
        out.push(...(sk.push(op(i * 10_000 + 3000, 'ok', `o${i}`, 'put', `k${i % 9}`, 1)) ?? []))
      }
      return [...out, ...sk.finish()]
    }
    expect(run()).toEqual(run())
  })
})
