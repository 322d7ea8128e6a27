// The Compare screen's chart options and ranking (pure): each run's faults on a lane of its
// own above the time charts (not shading overlaid on the plot, where three runs' bands blend
// into one patchwork), axis units in the labels with the end labels kept inside, and the best
// value never given to a run whose checks found a violation.
import { describe, expect, it } from 'vitest'
import { THROUGHPUT, bestCells, timeOption } from '../src/renderer/src/compare-charts'
import type { CompareRun } from '../src/shared/api'
import { ExperimentSpecSchema } from '../src/shared/spec'

function run(i: number, faults: Array<[number, number]>, verdict: 'ok' | 'violation' = 'ok'): CompareRun {
  const spec = ExperimentSpecSchema.parse({ name: `run-${i}`, durationMs: 8000 })
  return {
    run: {
      runId: `r${i}`,
      name: spec.name,
      algorithm: 'raft',
      mode: 'simulation',
      seed: i,
      status: 'done',
      startedAt: '2026-12-06T21:00:00.000Z',
      endedAt: '2026-12-06T21:00:10.000Z',
      progress: 1,
      spec,
      summary: null,
      error: null,
    },
    windows: [1, 2, 3].map((s) => ({
      startMs: (s - 1) * 1000,
      endMs: s * 1000,
      ok: 100,
      fail: 0,
      info: 0,
      p50: 1,
      p99: 2,
      messages: 500,
    })),
    latencyCdf: [],
    unavailability: [],
    unavailableMinMs: 50,
    elections: null,
    faults: faults.map(([a, b]) => ({ startMs: a, endMs: b, label: `fault ${a}` })),
    headline: {
      opsPerSec: 100,
      p50: 1,
      p99: 2,
      unavailableMs: 0,
      messagesPerOp: 5,
      verdict,
      firstCommitMs: 10,
    },
  }
}

describe('compare charts', () => {
  const runs = [
    run(0, [[1000, 3000]]),
    run(1, [[2000, 4000]]),
    run(2, [
      [1500, 5000],
      [6000, 7000],
    ]),
  ]

  it("draws each run's faults on its own lane above the plot, none shaded over it", () => {
    const o = timeOption(runs, THROUGHPUT, false)
    const series = o.series as Array<{
      type: string
      markArea?: unknown
      data?: unknown[]
      yAxisIndex?: number
    }>
    expect(series.filter((s) => s.type === 'line').every((s) => s.markArea === undefined)).toBe(true)
    const lanes = series.find((s) => s.type === 'custom') as {
      data: Array<{ value: number[] }>
      yAxisIndex: number
    }
    expect(lanes.yAxisIndex).toBe(0)
    // One bar per fault, on its run's lane (y = the run's index), from its start to its end (s).
    expect(lanes.data.map((d) => d.value)).toEqual([
      [1, 3, 0],
      [2, 4, 1],
      [1.5, 5, 2],
      [6, 7, 2],
    ])
    // The lanes' grid sits above the plot's.
    const [laneGrid, plotGrid] = o.grid as Array<{
      top: number
      height?: number
      left: number
      right: number
    }>
    expect(laneGrid.top + (laneGrid.height ?? 0)).toBeLessThanOrEqual(plotGrid.top)
    // Lined up with the plot: the same time at the same x.
    expect([laneGrid.left, laneGrid.right]).toEqual([plotGrid.left, plotGrid.right])
    expect(laneGrid.height).toBe(3 * 7)
  })

  it('puts the unit in the axis labels and keeps the end labels inside', () => {
    const o = timeOption(runs, THROUGHPUT, false)
    const x = (
      o.xAxis as Array<{
        name?: string
        axisLabel?: { formatter: (v: number) => string; alignMaxLabel?: string }
      }>
    )[1]
    expect(x.name).toBeUndefined()
    expect(x.axisLabel?.formatter(8)).toBe('8 s')
    expect(x.axisLabel?.alignMaxLabel).toBe('right')
  })

  it('never gives the best value to a run with a violation', () => {
    // Run 1 has the highest throughput but its checks found a violation.
    expect([...bestCells([97, 282, 75], 'higher', [true, false, true])]).toEqual([0])
    expect([...bestCells([5.75, 2.29, 4.01], 'lower', [true, false, true])]).toEqual([2])
    // Ties among the eligible are all best; all equal: none.
    expect([...bestCells([1, 1, 2], 'lower', [true, true, true])]).toEqual([0, 1])
    expect([...bestCells([3, 3], 'lower', [true, true])]).toEqual([])
    // No eligible run: no star.
    expect([...bestCells([1, 2], 'lower', [false, false])]).toEqual([])
  })
})
