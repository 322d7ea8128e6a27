// The linearizability check in segments (src/core/check/lin/segments.ts): a key's history is
// cut where nothing of it is in flight and judged segment by segment, carrying the states a
// segment can end in. Broken histories whose violation spans a cut must still be rejected;
// histories that are fine only because of something before the cut (an unknown write that
// lands later) must still be accepted; a segment the search cannot decide is unknown, never
// ok; and on random seeded histories the verdict in segments equals the verdict computed
// whole.
import { describe, expect, it } from 'vitest'
import { checkLinearizable } from '../src/core/check/linearizability'
import { generateHistory } from '../src/core/check/lin/generate'
import { SegmentedLinChecker, type SegmentedLinOptions } from '../src/core/check/lin/segments'
import { createRng } from '../src/core/rng'
import type { HistoryOp } from '../src/shared/history'
import type { OpEvent } from '../src/shared/trace'

/** The trace's op events for a history: invoke and completion, in time order (invokes first at a tie). */
function events(ops: readonly HistoryOp[]): OpEvent[] {
  const out: Array<{ t: number; order: number; e: OpEvent }> = []
  for (const o of ops) {
    const base = {
      kind: 'op' as const,
      node: null,
      lc: 0,
      client: o.process,
      opId: o.id,
      f: o.f as OpEvent['f'],
      key: o.key,
    }
    const inv: OpEvent = { ...base, t: o.invoke, phase: 'invoke', value: o.f === 'get' ? null : o.value }
    if (o.f === 'cas') inv.expected = o.expected ?? null
    out.push({ t: o.invoke, order: 0, e: inv })
    const t = o.type === 'info' ? (o.infoTime ?? o.invoke + 1) : o.complete
    const done: OpEvent = { ...base, t, phase: o.type, value: o.value }
    if (o.f === 'cas' && o.type === 'ok') done.result = o.result ?? true
    out.push({ t, order: 1, e: done })
  }
  return out.sort((a, b) => a.t - b.t || a.order - b.order).map((x) => x.e)
}

function segmented(ops: readonly HistoryOp[], opts: SegmentedLinOptions = {}): SegmentedLinChecker {
  const c = new SegmentedLinChecker({ segmentOps: 1, ...opts })
  for (const e of events(ops)) c.onOp(e)
  return c
}

let n = 0
function op(
  f: 'get' | 'put' | 'cas',
  invoke: number,
  complete: number,
  value: string | null,
  more: Partial<HistoryOp> = {},
): HistoryOp {
  return { id: `o${n++}`, process: n, f, key: 'k', invoke, complete, type: 'ok', value, ...more }
}
const info = (f: 'put' | 'cas', invoke: number, value: string, more: Partial<HistoryOp> = {}): HistoryOp =>
  op(f, invoke, Infinity, value, { type: 'info', infoTime: invoke + 2, ...more })

describe('broken histories split across segment boundaries are rejected', () => {
  it('a stale read after the cut: the value was overwritten in an earlier segment', () => {
    const h = [op('put', 0, 10, 'x'), op('put', 20, 30, 'y'), op('get', 40, 50, 'x')]
    const c = segmented(h)
    const r = c.result()
    expect(c.segmentsCut).toBeGreaterThanOrEqual(2)
    expect(r.verdict).toBe('violation')
    expect(r.failedKeys).toEqual(['k'])
    expect(checkLinearizable(h).verdict).toBe('violation')
  })

  it('a lost write: an acknowledged put in one segment is not there in the next', () => {
    const r = segmented([op('put', 0, 10, 'a'), op('get', 20, 30, null)]).result()
    expect(r.verdict).toBe('violation')
  })

  it('an unknown write cannot land twice: seen, overwritten, then seen again after a cut', () => {
    const h = [info('put', 0, 'v'), op('get', 10, 12, 'v'), op('put', 20, 22, 'w'), op('get', 30, 32, 'v')]
    const c = segmented(h)
    expect(c.segmentsCut).toBeGreaterThanOrEqual(2)
    expect(c.result().verdict).toBe('violation')
    expect(checkLinearizable(h).verdict).toBe('violation')
  })

  it('a cas that succeeded in a later segment although an earlier one left another value', () => {
    const h = [
      op('put', 0, 5, 'a'),
      op('put', 10, 15, 'b'),
      op('cas', 20, 25, 'c', { expected: 'a', result: true }),
    ]
    expect(segmented(h).result().verdict).toBe('violation')
  })

  it('the violation is described (a counterexample from the segment that failed)', () => {
    const r = segmented([op('put', 0, 10, 'x'), op('put', 20, 30, 'y'), op('get', 40, 50, 'x')]).result()
    expect(r.violation?.key).toBe('k')
    expect(r.violation?.explanation).toMatch(/x/)
  })

  it('a violation found at a cut stays a violation when more ops follow', () => {
    const h = [op('put', 0, 10, 'x'), op('get', 20, 30, 'y')]
    for (let i = 0; i < 20; i++) h.push(op('put', 40 + 10 * i, 45 + 10 * i, `z${i}`))
    const c = segmented(h)
    expect(c.result().verdict).toBe('violation')
  })
})

describe('histories that are fine across segment boundaries are accepted', () => {
  it('an unknown write may land segments later', () => {
    const h = [info('put', 0, 'a'), op('get', 10, 12, null), op('get', 20, 22, null), op('get', 30, 32, 'a')]
    const c = segmented(h)
    expect(c.segmentsCut).toBeGreaterThanOrEqual(2)
    expect(c.result().verdict).toBe('ok')
  })

  it('concurrent writes at the end of a segment: the next one may start from either value', () => {
    for (const seen of ['a', 'b']) {
      const h = [op('put', 0, 10, 'a'), op('put', 0, 10, 'b'), op('get', 20, 30, seen)]
      expect(segmented(h).result().verdict).toBe('ok')
    }
  })

  it('an unknown write explains a failed compare in a later segment', () => {
    const h = [
      op('put', 0, 5, 'a'),
      info('put', 10, 'b'),
      op('get', 20, 22, 'a'),
      op('cas', 30, 32, 'c', { expected: 'a', result: false }),
    ]
    expect(segmented(h).result().verdict).toBe('ok')
    expect(checkLinearizable(h).verdict).toBe('ok')
  })

  it('keeps only the current segments: a long history on few keys buffers a bounded number of ops', () => {
    const h = generateHistory({ ops: 20_000, clients: 8, keys: 4, seed: 7, infoRate: 0, failRate: 0.01 })
    const c = new SegmentedLinChecker({ segmentOps: 64 })
    let peak = 0
    for (const e of events(h)) {
      c.onOp(e)
      peak = Math.max(peak, c.bufferedOps)
    }
    expect(c.result().verdict).toBe('ok')
    expect(c.segmentsCut).toBeGreaterThan(100)
    expect(peak).toBeLessThan(2000)
  })
  it('many keys sharing a small buffer are cut sooner, not given up', () => {
    const h = generateHistory({ ops: 20_000, clients: 8, keys: 200, seed: 11, infoRate: 0 })
    const c = new SegmentedLinChecker({ maxBufferedOps: 1000 })
    let peak = 0
    for (const e of events(h)) {
      c.onOp(e)
      peak = Math.max(peak, c.bufferedOps)
    }
    const r = c.result()
    expect(r.verdict).toBe('ok')
    expect(r.unknownKeys).toEqual([])
    expect(peak).toBeLessThanOrEqual(1000)
    expect(r.verdict).toBe(checkLinearizable(h).verdict)
  })
})

describe('a segment that cannot be judged is unknown, never ok', () => {
  it('out of search budget: unknown', () => {
    const h = generateHistory({ ops: 400, clients: 16, keys: 1, seed: 3, latencyUs: [1000, 20_000] })
    const r = segmented(h, { segmentOps: 1_000_000, stepsPerCheck: 10 }).result()
    expect(r.verdict).toBe('unknown')
    expect(r.unknownKeys).toEqual(['k0'])
  })

  it('too much buffered to ever cut: the key is given up as unknown', () => {
    // Every op overlaps the next: the key is never quiescent, so it cannot be cut.
    const h: HistoryOp[] = []
    for (let i = 0; i < 50; i++) h.push(op('put', i * 10, i * 10 + 15, `v${i}`))
    const r = segmented(h, { maxBufferedOps: 20 }).result()
    expect(r.verdict).toBe('unknown')
  })
})

describe('the verdict in segments equals the verdict computed whole', () => {
  /** A random history, broken at random (a read or a cas changed) half the time. */
  function randomHistory(seed: number): HistoryOp[] {
    const rng = createRng(seed)
    const h = generateHistory({
      ops: rng.int(5, 60),
      clients: rng.int(1, 5),
      keys: rng.int(1, 3),
      seed,
      infoRate: rng.chance(0.5) ? 0.15 : 0,
      failRate: 0.05,
      maxGapUs: rng.int(0, 3000),
      latencyUs: [rng.int(0, 200), rng.int(300, 4000)],
    })
    if (rng.chance(0.5) && h.length > 0) {
      const i = rng.int(0, h.length - 1)
      const o = h[i]
      const written = h.filter((w) => w.key === o.key && w.f !== 'get').map((w) => w.value)
      if (o.f === 'get') o.value = written.length ? written[rng.int(0, written.length - 1)] : 'never'
      else if (o.f === 'cas' && o.type === 'ok') o.result = !o.result
      else if (o.f === 'put') o.invoke = Math.max(0, o.invoke - 5000)
      h.sort((p, q) => p.invoke - q.invoke)
    }
    return h
  }

  it('on 400 random seeded histories, cut as often as possible, verdicts and failing keys agree', () => {
    const seen = { ok: 0, violation: 0 }
    let cuts = 0
    for (let seed = 1; seed <= 400; seed++) {
      const h = randomHistory(seed)
      const whole = checkLinearizable(h, { shrink: false })
      const c = segmented(h, { segmentOps: 1 })
      const parts = c.result()
      cuts += c.segmentsCut
      expect({ seed, verdict: parts.verdict, failed: parts.failedKeys }).toEqual({
        seed,
        verdict: whole.verdict,
        failed: whole.failedKeys,
      })
      if (whole.verdict === 'ok' || whole.verdict === 'violation') seen[whole.verdict]++
    }
    // The sample has both answers and really was cut.
    expect(seen.ok).toBeGreaterThan(50)
    expect(seen.violation).toBeGreaterThan(50)
    expect(cuts).toBeGreaterThan(1000)
  })
})
