// The History view's handling of a checked file (../src/renderer/src/history-file.ts):
// times to µs per unit, unknown completions back to Infinity, a run-shaped summary carrying
// the check, faults in words.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { checkHistoryForView } from '../src/main/lab/history-check'
import { displayOps, faultRows, historyRun, timeNote } from '../src/renderer/src/history-file'

describe('history file for the History view', () => {
  it('Jepsen ns times become µs; an unknown outcome is Infinity again; the check rides on the run', () => {
    const h = checkHistoryForView({
      text: readFileSync('examples/history-jepsen-independent.edn', 'utf8'),
      name: 'h.edn',
    })
    const ops = displayOps(h)
    expect(ops[0]).toMatchObject({ invoke: 1000, complete: 2000 })
    const info = ops.find((o) => o.type === 'info')!
    expect(info.complete).toBe(Infinity)
    expect(info.infoTime).toBe(5000)
    const run = historyRun(h, ops)
    expect(run.summary!.checks).toEqual([h.check])
    expect(run.summary!.verdict).toBe('violation')
    expect(run.summary!.ops).toEqual({ total: 7, ok: 6, fail: 0, info: 1 })
    expect(run.spec.durationMs).toBe(10)
    expect(faultRows(h)).toEqual([
      { f: 'start-partition', when: '0.003 s – 0.0032 s', value: '[:isolated {"n1" #{"n2" "n3"}}]' },
      { f: 'stop-partition', when: '0.007 s – 0.0071 s', value: ':network-healed' },
    ])
    expect(timeNote('ns')).toBeNull()
  })

  it('formats without timestamps: a line is drawn as a second, and the view says so', () => {
    const h = checkHistoryForView({
      text: readFileSync('examples/history-jepsen.log', 'utf8'),
      name: 'j.log',
    })
    const ops = displayOps(h)
    expect(ops[0]).toMatchObject({ invoke: 2e6, complete: 4e6 })
    expect(faultRows(h)[0]).toEqual({
      f: 'start',
      when: 'line 8 – line 9',
      value: expect.stringContaining('Cut off'),
    })
    expect(timeNote('line')).toContain('1 s = 1 line')
  })
})
