// The History view's logic (src/renderer/src/history-view.ts, issue 13.4): the verdict in
// words, bars and their series, the windows the chart opens on, tooltips and hit-testing.
import { describe, expect, it } from 'vitest'
import type { CheckResult, RunInfo } from '../src/shared/api'
import type { HistoryOp } from '../src/shared/history'
import {
  barNear,
  buildBars,
  cxExtent,
  cxWindow,
  defaultWindow,
  extraDetails,
  failedKeysOf,
  fmtT,
  historySpan,
  tooltipHtml,
  VERDICT_LABELS,
  verdictOf,
} from '../src/renderer/src/history-view'

const op = (o: Partial<HistoryOp> & Pick<HistoryOp, 'id' | 'process' | 'invoke'>): HistoryOp => ({
  f: 'put',
  key: 'k1',
  complete: o.invoke + 1000,
  type: 'ok',
  value: '1',
  ...o,
})

const check = (c: Partial<CheckResult>): CheckResult => ({
  name: 'Linearizability',
  ok: false,
  count: 1,
  details: [],
  ...c,
})
const run = (durationMs: number, simulatedMs = 0): RunInfo =>
  ({ spec: { durationMs }, summary: simulatedMs ? { simulatedMs } : undefined }) as unknown as RunInfo

describe('the verdict', () => {
  it('says not judged as "no verdict", never linearizable', () => {
    expect(VERDICT_LABELS[verdictOf(check({ verdict: 'unknown' }))]).toBe('no verdict')
    expect(VERDICT_LABELS[verdictOf(null)]).toBe('not checked')
    expect(VERDICT_LABELS[verdictOf(check({ ok: true, count: 0 }))]).toBe('linearizable')
    expect(VERDICT_LABELS[verdictOf(check({}))]).toBe('not linearizable')
  })

  it("lists failed keys from the check, or from an older run's details, and only for a violation", () => {
    expect(failedKeysOf(check({ failedKeys: ['a', 'b'] }), 'violation')).toEqual(['a', 'b'])
    const older = check({
      counterexample: { key: 'k1', opIds: [], culpritId: null, prefix: [], state: null, explanation: 'x' },
      details: ['also not linearizable: k2, k3'],
    })
    expect(failedKeysOf(older, 'violation')).toEqual(['k1', 'k2', 'k3'])
    expect(failedKeysOf(older, 'unknown')).toEqual([])
  })

  it('keeps only the details the panel does not say already', () => {
    const c = check({
      counterexample: {
        key: 'k1',
        opIds: [],
        culpritId: null,
        prefix: [],
        state: null,
        explanation: 'read 3 after 4',
      },
      details: ['k1: read 3 after 4', '2 stale reads', 'also not linearizable: k2', 'budget note'],
    })
    expect(extraDetails(c, ['k1', 'k2'])).toEqual(['budget note'])
    expect(extraDetails(c, ['k1'])).toEqual(['also not linearizable: k2', 'budget note'])
  })
})

describe('bars', () => {
  const ops = [
    op({ id: 'a', process: 7, invoke: 0 }),
    op({ id: 'b', process: 3, invoke: 500, key: 'k2' }),
    op({ id: 'c', process: 7, invoke: 2000, type: 'info', complete: Infinity, infoTime: 5000 }),
    op({ id: 'd', process: 3, invoke: 3000, type: 'info', complete: Infinity }),
    op({ id: 'e', process: 3, invoke: 4000, type: 'fail', error: 'refused' }),
  ]
  const cx = { key: 'k1', opIds: ['a', 'c'], culpritId: 'c', prefix: [], state: null, explanation: '' }

  it('one row per client in id order; the counterexample and unknown outcomes drawn one by one', () => {
    const span = historySpan(run(10), ops, null)
    const h = buildBars(ops, cx, span, false)
    expect(h.clients).toEqual([3, 7])
    expect(h.byId.get('a')).toMatchObject({ lane: 1, cx: 1, kind: 'ok' })
    expect(h.byId.get('c')).toMatchObject({ cx: 2, kind: 'info', x1: 0.005, open: false })
    // Never resolved: runs to the chart's end, fading.
    expect(h.byId.get('d')).toMatchObject({ kind: 'info', open: true, x1: span.endS })
    expect(h.layout.special.map((i) => h.bars[i].op.id)).toEqual(['a', 'c', 'd'])
    expect(h.layout.lanes.map((g) => [g.lane, g.kind, g.sameKey])).toEqual([
      [0, 'ok', false],
      [0, 'fail', true], // e is on the counterexample's key
    ])
    expect(h.keyCount).toBe(2)
    expect(h.cxBars.map((b) => b.op.id)).toEqual(['a', 'c'])
  })

  it('a truncated load cuts an unresolved op at the last loaded event instead of inventing its end', () => {
    const span = historySpan(run(10), ops, { first: 0, last: 4500 })
    const d = buildBars(ops, null, span, true).byId.get('d')!
    expect(d).toMatchObject({ kind: 'cut', open: false, x1: 0.0045 })
  })

  it('same-key groups are drawn last (over the others)', () => {
    const h = buildBars(
      [op({ id: 'x', process: 1, invoke: 0 }), op({ id: 'y', process: 1, invoke: 10, key: 'k9' })],
      cx,
      historySpan(run(1), [], null),
      false,
    )
    expect(h.layout.lanes.map((g) => g.sameKey)).toEqual([false, true])
  })

  it('finds the bar under the mouse within the tolerance, nearest first', () => {
    const many = Array.from({ length: 100 }, (_, i) =>
      op({ id: `o${i}`, process: 1, invoke: i * 10_000, complete: i * 10_000 + 2000 }),
    )
    const h = buildBars(many, null, historySpan(run(1), many, null), false)
    const g = h.layout.lanes[0]
    expect(barNear(h.bars, g, 0.5005, 0.0001)?.op.id).toBe('o50')
    expect(barNear(h.bars, g, 0.5025, 0.0001)).toBeUndefined()
    expect(barNear(h.bars, g, 0.5025, 0.001)?.op.id).toBe('o50')
  })
})

describe('windows', () => {
  it('opens on the counterexample with room around it, within the run', () => {
    const bars = buildBars(
      [op({ id: 'a', process: 1, invoke: 1_000_000, complete: 1_010_000 })],
      { key: 'k1', opIds: ['a'], culpritId: 'a', prefix: [], state: null, explanation: '' },
      historySpan(run(5000), [], null),
      false,
    ).cxBars
    const w = cxWindow(cxExtent(bars), 5)!
    expect(w.from).toBeCloseTo(1 - 0.006)
    expect(w.to).toBeCloseTo(1.01 + 0.006)
    expect(defaultWindow(w, { firstS: 0, endS: 5 }, false)).toBe(w)
  })

  it("otherwise a long run's first two seconds from its first op; a short run or a file whole", () => {
    expect(defaultWindow(null, { firstS: 3, endS: 60 }, false)).toEqual({ from: 3, to: 5 })
    expect(defaultWindow(null, { firstS: 0.1, endS: 60 }, false)).toEqual({ from: 0, to: 2 })
    expect(defaultWindow(null, { firstS: 0, endS: 2.2 }, false)).toEqual({ from: 0, to: 2.2 })
    expect(defaultWindow(null, { firstS: 3, endS: 600 }, true)).toEqual({ from: 0, to: 600 })
  })

  it('the chart ends at the latest of the duration, the simulated time and the last event', () => {
    expect(historySpan(run(2000, 2500), [], { first: 1000, last: 1_800_000 }).endS).toBe(2.5)
    expect(historySpan(run(2000), [], { first: 1000, last: 3_000_000 })).toEqual({
      firstS: 0.001,
      lastS: 3,
      endS: 3,
    })
  })
})

describe('words', () => {
  it('escapes what the history says in a tooltip', () => {
    const h = buildBars(
      [
        op({
          id: '<i>',
          process: 1,
          invoke: 0,
          key: '<img src=x onerror=alert(1)>',
          type: 'fail',
          error: '"bad"',
        }),
      ],
      null,
      historySpan(run(1), [], null),
      false,
    )
    const html = tooltipHtml(h.bars[0], '#f00')
    expect(html).not.toContain('<img')
    expect(html).toContain('&#60;img')
    expect(html).toContain('failed: &#34;bad&#34; (not applied)')
    expect(html).toContain('op &#60;i&#62;')
  })

  it('prints run time to the millisecond, microseconds when they matter', () => {
    expect(fmtT(1.5)).toBe('1.500 s')
    expect(fmtT(1.500012)).toBe('1.500012 s')
    expect(fmtT(Infinity)).toBe('never')
  })
})
