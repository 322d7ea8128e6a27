// Append in the checker: a key's value is the string its appends built. Histories from a
// real execution with appends are accepted; on small random histories with appends the
// checker agrees with the brute-force reference in both modes, and the counterexample it
// reports fails on its own (the shrinker's append rule keeps it honest); the explanation
// names the append that is missing, late or out of order.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkLinearizable } from '../src/core/check/linearizability'
import { bruteForceCheck } from '../src/core/check/lin/brute'
import { generateHistory } from '../src/core/check/lin/generate'
import { parseHistoryJsonl, type HistoryOp } from '../src/shared/history'
import { tinyHistoryArb } from './lin.arbitraries'

const SEED = 20261206

function op(
  id: string,
  process: number,
  f: HistoryOp['f'],
  invoke: number,
  complete: number,
  value: string | null,
  more: Partial<HistoryOp> = {},
): HistoryOp {
  return { id, process, f, key: 'k', invoke, complete, type: 'ok', value, ...more }
}

describe('append semantics', () => {
  it('appends concatenate; an absent key counts as ""', () => {
    const h = [
      op('a', 1, 'append', 0, 1, 'x'),
      op('b', 2, 'append', 2, 3, 'y'),
      op('r', 3, 'get', 4, 5, 'xy'),
    ]
    expect(checkLinearizable(h).verdict).toBe('ok')
    // Concurrent appends: either order is fine.
    const c = [
      op('a', 1, 'append', 0, 5, 'x'),
      op('b', 2, 'append', 0, 5, 'y'),
      op('r', 3, 'get', 6, 7, 'yx'),
    ]
    expect(checkLinearizable(c).verdict).toBe('ok')
  })

  it('a put resets the value appends build on', () => {
    const h = [
      op('a', 1, 'append', 0, 1, 'x'),
      op('p', 2, 'put', 2, 3, 'p'),
      op('b', 1, 'append', 4, 5, 'y'),
      op('r', 3, 'get', 6, 7, 'py'),
    ]
    expect(checkLinearizable(h).verdict).toBe('ok')
    const bad = [...h.slice(0, 3), op('r', 3, 'get', 6, 7, 'xy')]
    const r = checkLinearizable(bad, { timeUnit: 'none' })
    expect(r.verdict).toBe('violation')
  })

  it('a missing append is a violation, explained by the append that is missing', () => {
    const h = [
      op('a', 1, 'append', 0, 1, 'x 1 0 y'),
      op('b', 2, 'append', 2, 3, 'x 2 0 y'),
      op('r', 3, 'get', 4, 5, 'x 1 0 y'),
    ]
    const r = checkLinearizable(h, { timeUnit: 'none' })
    expect(r.verdict).toBe('violation')
    expect(r.violation!.culprit!.id).toBe('r')
    expect(r.violation!.ops.map((o) => o.id)).toEqual(['a', 'b', 'r'])
    expect(r.violation!.explanation).toBe(
      'get k by client 3 at t=4 returned "x 1 0 y", which lacks "x 2 0 y", appended by client 2 and done at t=3, ' +
        'before the get began (appends only add to the end, and nothing reset k in between).',
    )
  })

  it('an append seen before it began is a violation, explained as late', () => {
    const h = [op('r', 3, 'get', 0, 1, 'x'), op('a', 1, 'append', 2, 3, 'x')]
    const r = checkLinearizable(h, { timeUnit: 'none' })
    expect(r.verdict).toBe('violation')
    expect(r.violation!.explanation).toBe(
      'get k by client 3 at t=0 returned "x", which includes "x", but that was appended by client 1 only later: ' +
        'invoked at t=2, after the get returned at t=1.',
    )
  })

  it('two appends in an order real time rules out', () => {
    const h = [
      op('a', 1, 'append', 0, 1, 'x'),
      op('b', 2, 'append', 2, 3, 'y'),
      op('r', 3, 'get', 4, 5, 'yx'),
    ]
    const r = checkLinearizable(h, { timeUnit: 'none' })
    expect(r.verdict).toBe('violation')
    expect(r.violation!.explanation).toBe(
      'get k by client 3 at t=4 returned "yx", which has "y" (appended by client 2, invoked at t=2) before "x" ' +
        '(appended by client 1, done at t=1, before the other began).',
    )
  })

  it('a value no writes can make, and a read that does not continue an earlier one', () => {
    const never = checkLinearizable([op('a', 1, 'append', 0, 1, 'x'), op('r', 3, 'get', 2, 3, 'xz')], {
      timeUnit: 'none',
    })
    expect(never.violation!.explanation).toBe(
      'get k by client 3 at t=2 returned "xz", which no sequence of writes to k can produce: it is not nothing ' +
        'or a value written to k, followed by strings its appends added.',
    )
    const h = [
      op('a', 1, 'append', 0, 10, 'x'),
      op('b', 2, 'append', 0, 10, 'y'),
      op('r1', 3, 'get', 1, 2, 'x'),
      op('r2', 4, 'get', 3, 4, 'y'),
    ]
    const r = checkLinearizable(h, { timeUnit: 'none' })
    expect(r.verdict).toBe('violation')
    expect(r.violation!.explanation).toContain('"y" does not begin with "x"')
  })

  it('an append with unknown outcome may or may not have happened (in doubt)', () => {
    const maybe = (complete: number): HistoryOp[] => [
      op('a', 1, 'append', 0, Infinity, 'x', { type: 'info' }),
      op('r1', 3, 'get', 1, 2, ''),
      op('r2', 3, 'get', 3, complete, 'x'),
    ]
    expect(checkLinearizable(maybe(4), { initial: '' }).verdict).toBe('ok')
    const h = [...maybe(4), op('r3', 3, 'get', 5, 6, '')]
    // Once seen, it happened: a later read cannot lose it.
    expect(checkLinearizable(h, { initial: '' }).verdict).toBe('violation')
    expect(checkLinearizable(h, { initial: '', mode: 'sequential' }).verdict).toBe('violation')
    // A failed append never happened.
    const failed = [op('a', 1, 'append', 0, 1, 'x', { type: 'fail' }), op('r', 3, 'get', 2, 3, 'x')]
    expect(checkLinearizable(failed).verdict).toBe('violation')
  })

  it('keys start as the initial value given ("" for Porcupine\'s model)', () => {
    const h = [op('r', 1, 'get', 0, 1, ''), op('a', 1, 'append', 2, 3, 'x'), op('r2', 1, 'get', 4, 5, 'x')]
    expect(checkLinearizable(h, { initial: '' }).verdict).toBe('ok')
    // With absent as the initial value, "" was never there.
    expect(checkLinearizable(h).verdict).toBe('violation')
  })

  it('append is read from JSON lines and rejected without a value', () => {
    const ok = parseHistoryJsonl(
      [
        '{"process": 1, "type": "invoke", "f": "append", "key": "k", "value": "x", "time": 1}',
        '{"process": 1, "type": "ok", "f": "append", "key": "k", "time": 2}',
        '{"process": 2, "type": "invoke", "f": "get", "key": "k", "time": 3}',
        '{"process": 2, "type": "ok", "f": "get", "key": "k", "value": "x", "time": 4}',
      ].join('\n'),
    )
    expect(ok.ok).toBe(true)
    if (ok.ok) expect(checkLinearizable(ok.ops).verdict).toBe('ok')
    const bad = parseHistoryJsonl(
      [
        '{"process": 1, "type": "invoke", "f": "append", "key": "k", "time": 1}',
        '{"process": 2, "type": "invoke", "f": "append", "key": "k", "value": ["x"], "time": 1}',
      ].join('\n'),
    )
    expect(bad).toEqual({
      ok: false,
      errors: [
        'line 1: value: required for an append (the string appended)',
        'line 2: value: must be a string or a number',
      ],
    })
  })

  it('generated append-heavy histories (a real execution) are linearizable', () => {
    for (const seed of [1, 2, 3]) {
      const h = generateHistory({
        ops: 3000,
        clients: 10,
        keys: 5,
        seed,
        mix: { get: 0.3, put: 0.05, cas: 0.05, append: 0.6 },
      })
      expect(h.some((o) => o.f === 'append')).toBe(true)
      expect(checkLinearizable(h).verdict).toBe('ok')
      expect(checkLinearizable(h, { mode: 'sequential' }).verdict).toBe('ok')
    }
  })
})

const tinyAppendArb = tinyHistoryArb({
  fns: ['get', 'append', 'append', 'put', 'get', 'cas'],
  values: ['a', 'b', 'ab', 'ba', 'a', null],
  expected: ['a', 'b', 'ab', null],
})

describe('agreement with the brute-force reference on small random histories with appends', () => {
  for (const [mode, seed, initial] of [
    ['linearizable', SEED, null],
    ['sequential', SEED + 1, null],
    ['linearizable', SEED + 2, ''],
  ] as const) {
    it(`${mode}, initial ${JSON.stringify(initial)}: same verdict; the counterexample fails on its own`, () => {
      let violations = 0
      fc.assert(
        fc.property(tinyAppendArb, (h) => {
          const r = checkLinearizable(h, { mode, initial })
          expect(r.verdict).toBe(bruteForceCheck(h, mode, initial) ? 'ok' : 'violation')
          if (r.violation) {
            violations++
            const v = r.violation
            expect(v.ops.every((o) => o.key === v.key && h.includes(o))).toBe(true)
            expect(bruteForceCheck(v.ops, mode, initial)).toBe(false)
            expect(v.explanation.length).toBeGreaterThan(20)
          }
        }),
        { seed, numRuns: 3000 },
      )
      expect(violations).toBeGreaterThan(300)
    })
  }
})
