// Client histories: pairing a trace's op events, and the JSON-lines format for users'
// own histories (good files parse; bad lines are named by number and field).
import { describe, expect, it } from 'vitest'
import { checkLinearizable } from '../src/core/check/linearizability'
import { historyFromTrace, historyToJsonl, parseHistoryJsonl, type HistoryOp } from '../src/shared/history'
import type { OpEvent, TraceEvent } from '../src/shared/trace'

function ev(
  t: number,
  client: number,
  opId: string,
  phase: OpEvent['phase'],
  f: OpEvent['f'],
  value: string | null,
  extra: Partial<OpEvent> = {},
): OpEvent {
  return { kind: 'op', t, node: null, lc: 0, client, opId, phase, f, key: 'k1', value, ...extra }
}

describe('historyFromTrace', () => {
  it('pairs invocations with completions by opId, in invocation order', () => {
    const events: TraceEvent[] = [
      ev(100, 1, 'a', 'invoke', 'put', 'x'),
      ev(110, 2, 'b', 'invoke', 'get', null),
      { kind: 'node', t: 115, node: 'n1', lc: 3, action: 'crash' },
      ev(120, 2, 'b', 'ok', 'get', 'x'),
      ev(130, 1, 'a', 'ok', 'put', 'x'),
      ev(140, 3, 'c', 'invoke', 'cas', 'y', { expected: 'nope' }),
      ev(150, 3, 'c', 'ok', 'cas', 'y', { expected: 'nope', result: false }),
      ev(160, 4, 'd', 'invoke', 'put', 'z'),
      ev(900, 4, 'd', 'info', 'put', 'z', { error: 'timeout' }),
      ev(170, 5, 'e', 'invoke', 'put', 'w'),
      ev(180, 5, 'e', 'fail', 'put', 'w', { error: 'not leader' }),
      ev(190, 6, 'f', 'invoke', 'get', null), // never completes
      ev(200, 7, 'zz', 'ok', 'get', 'q'), // completion without invocation: ignored
    ]
    const h = historyFromTrace(events)
    expect(h.map((o) => o.id)).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
    expect(h[0]).toEqual({
      id: 'a',
      process: 1,
      f: 'put',
      key: 'k1',
      invoke: 100,
      complete: 130,
      type: 'ok',
      value: 'x',
    })
    expect(h[1]).toMatchObject({ f: 'get', type: 'ok', value: 'x', invoke: 110, complete: 120 })
    expect(h[2]).toMatchObject({ f: 'cas', type: 'ok', expected: 'nope', value: 'y', result: false })
    expect(h[3]).toMatchObject({ type: 'info', complete: Infinity, error: 'timeout' })
    expect(h[4]).toMatchObject({ type: 'fail', complete: 180, error: 'not leader' })
    expect(h[5]).toMatchObject({ type: 'info', complete: Infinity })
    expect(checkLinearizable(h).verdict).toBe('ok')
    // The same trace where the compare "failed" on the value that was certainly there.
    const wrong = historyFromTrace(
      events.map((e) => (e.kind === 'op' && e.opId === 'c' ? { ...e, expected: 'x' } : e)),
    )
    const r = checkLinearizable(wrong)
    expect(r.verdict).toBe('violation')
    expect(r.violation!.explanation).toBe(
      'cas k1 "x"→"y" by client 3 at 0.00014 s failed its compare (so k1 did not hold "x"), but k1 ' +
        'could only hold "x" (written by client 1 at 0.0001 s) then.',
    )
  })

  it('ignores a second completion of the same op', () => {
    const h = historyFromTrace([
      ev(1, 1, 'a', 'invoke', 'get', null),
      ev(2, 1, 'a', 'ok', 'get', null),
      ev(3, 1, 'a', 'ok', 'get', 'other'),
    ])
    expect(h).toHaveLength(1)
    expect(h[0]).toMatchObject({ value: null, complete: 2 })
  })
})

const GOOD = `{"process": 1, "type": "invoke", "f": "put", "key": "k1", "value": "a", "time": 100}
{"process": 2, "type": "invoke", "f": "get", "key": "k1", "time": 105}

{"process": 1, "type": "ok", "f": "put", "key": "k1", "time": 130}
{"process": 2, "type": "ok", "f": "get", "key": "k1", "value": "a", "time": 140}
{"process": 3, "type": "invoke", "f": "cas", "key": "k1", "value": ["a", "b"], "time": 150}
{"process": 3, "type": "ok", "result": true, "time": 170}
{"process": 1, "type": "invoke", "f": "put", "key": "k2", "value": 7, "time": 200}
{"process": 1, "type": "info", "error": "timeout", "time": 900}
{"process": 1, "type": "invoke", "f": "get", "key": "k2", "time": 1000}
{"process": 1, "type": "ok", "value": "7", "time": 1010}
{"process": 4, "type": "invoke", "f": "put", "key": "k1", "value": "c", "time": 1100}
`

describe('parseHistoryJsonl', () => {
  it('parses a good file', () => {
    const r = parseHistoryJsonl(GOOD)
    if (!r.ok) throw new Error(r.errors.join('\n'))
    const byId = Object.fromEntries(r.ops.map((o) => [o.id, o])) as Record<string, HistoryOp>
    expect(r.ops.map((o) => o.id)).toEqual(['L1', 'L2', 'L6', 'L8', 'L10', 'L12'])
    expect(byId.L1).toEqual({
      id: 'L1',
      process: 1,
      f: 'put',
      key: 'k1',
      invoke: 100,
      complete: 130,
      type: 'ok',
      value: 'a',
    })
    expect(byId.L2).toMatchObject({ f: 'get', value: 'a', complete: 140 })
    expect(byId.L6).toMatchObject({ f: 'cas', expected: 'a', value: 'b', result: true, complete: 170 })
    expect(byId.L8).toMatchObject({ type: 'info', value: '7', complete: Infinity, error: 'timeout' })
    expect(byId.L10).toMatchObject({ type: 'ok', value: '7' })
    expect(byId.L12).toMatchObject({ type: 'info', complete: Infinity }) // pending at end of file
    expect(checkLinearizable(r.ops, { timeUnit: 'ms' }).verdict).toBe('ok')
  })

  it('round-trips through historyToJsonl', () => {
    const r = parseHistoryJsonl(GOOD)
    if (!r.ok) throw new Error('bad fixture')
    const again = parseHistoryJsonl(historyToJsonl(r.ops))
    if (!again.ok) throw new Error(again.errors.join('\n'))
    const strip = (ops: HistoryOp[]) => ops.map(({ id: _id, ...rest }) => rest)
    expect(strip(again.ops)).toEqual(strip(r.ops))
  })

  it('names the line and the field of every bad line', () => {
    const bad = [
      '{"process": 1, "type": "invoke", "f": "pt", "key": "k1", "value": "a", "time": 100}',
      '{"process": "x", "type": "inv", "time": "soon"}',
      'not json',
      '{"type": "ok", "time": 1}',
      '{"process": 4, "type": "invoke", "f": "cas", "key": "k", "value": "a", "time": 1}',
      '{"process": 5, "type": "invoke", "f": "get", "key": "k", "time": 10}',
      '{"process": 5, "type": "ok", "f": "get", "key": "k", "time": 5}',
      '{"process": 6, "type": "ok", "f": "get", "key": "k", "time": 5}',
      '{"process": 7, "type": "invoke", "f": "cas", "key": "k", "value": ["a", "b"], "time": 1}',
      '{"process": 7, "type": "ok", "time": 2}',
      '[1, 2]',
      '{"process": 8, "type": "invoke", "f": "put", "key": "k", "time": 1}',
      '{"process": 9, "type": "invoke", "f": "get", "key": "k", "time": 1}',
      '{"process": 9, "type": "invoke", "f": "get", "key": "k", "time": 2}',
      '{"process": 10, "type": "invoke", "f": "get", "time": 2}',
      '{"process": 11, "type": "invoke", "f": "get", "key": "k", "time": 2}',
      '{"process": 11, "type": "ok", "f": "put", "value": "a", "time": 3}',
    ].join('\n')
    const r = parseHistoryJsonl(bad)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.errors).toEqual([
      'line 1: f: must be one of "get", "put", "cas", "append"',
      'line 2: process: must be an integer',
      'line 2: type: must be one of "invoke", "ok", "fail", "info"',
      'line 2: time: must be a finite number',
      expect.stringMatching(/^line 3: not valid JSON/),
      'line 4: process: required',
      'line 5: value: must be [expected, new] for a cas',
      'line 7: time: is before the invoke on line 6 (10)',
      'line 7: value: required for an ok get (null = absent)',
      'line 8: process: process 6 has no pending invoke to complete',
      'line 10: result: required for an ok cas (true = written, false = compare failed)',
      'line 11: must be a JSON object',
      'line 12: value: required for a put (null to delete)',
      'line 14: process: process 9 invoked again while its op from line 13 is pending',
      'line 15: key: required',
      'line 17: f: must match the invoke on line 16 ("get")',
    ])
  })

  it('stops after 50 errors', () => {
    const r = parseHistoryJsonl('x\n'.repeat(200))
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.errors).toHaveLength(51)
      expect(r.errors[50]).toBe('(stopped after 50 errors)')
    }
  })
})
