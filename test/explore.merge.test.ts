// Random walk streams merged (explore --workers): counts add up, the shortest counterexample
// is kept and its stream named, and without a find the result says how the streams ended.
import { describe, expect, it } from 'vitest'
import { mergeWalkResults } from '../src/core/explore'
import type { Counterexample, ExploreResult } from '../src/core/explore'

const ce = (steps: number): Counterexample => ({
  steps: Array.from({ length: steps }, (_, i) => ({ action: { k: 'tick', node: 0 }, text: `step ${i}` })),
  checks: [],
  violations: [{ name: 'x', ok: false, count: 1, details: [] }],
  trace: [],
})

const result = (over: Partial<ExploreResult>): ExploreResult => ({
  stop: 'max-states',
  states: 10,
  transitions: 20,
  depth: 5,
  elapsedMs: 100,
  linUnknown: 0,
  foundSteps: null,
  counterexample: null,
  ...over,
})

describe('mergeWalkResults', () => {
  it('keeps the shortest counterexample (the first stream on a tie) and adds the counts', () => {
    const m = mergeWalkResults([
      result({ stop: 'violation', counterexample: ce(6), foundSteps: 9 }),
      result({ stop: 'time', states: 5, transitions: 7, depth: 9, elapsedMs: 300, linUnknown: 2 }),
      result({ stop: 'violation', counterexample: ce(4), foundSteps: 4 }),
      result({ stop: 'violation', counterexample: ce(4), foundSteps: 5 }),
    ])
    expect(m.found).toBe(2)
    expect(m.result.stop).toBe('violation')
    expect(m.result.counterexample?.steps).toHaveLength(4)
    expect(m.result.foundSteps).toBe(4)
    expect(m.result).toMatchObject({ states: 35, transitions: 67, depth: 9, elapsedMs: 300, linUnknown: 2 })
  })

  it('without a find: cut short by time when any stream was, else max-states, never exhausted by mistake', () => {
    expect(mergeWalkResults([result({}), result({ stop: 'time' })]).result.stop).toBe('time')
    expect(mergeWalkResults([result({}), result({})]).result.stop).toBe('max-states')
    const none = mergeWalkResults([result({ stop: 'exhausted' }), result({ stop: 'max-states' })])
    expect(none.result.stop).toBe('max-states')
    expect(none.found).toBeNull()
    expect(none.result.counterexample).toBeNull()
    expect(() => mergeWalkResults([])).toThrow(/no walk streams/)
  })
})
