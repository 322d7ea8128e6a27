// The linearizability checker on hand-built histories: every classic anomaly it must
// reject (with the counterexample it must produce), and the look-alikes it must accept.
import { describe, expect, it } from 'vitest'
import { checkLinearizable, countStaleReads, linCheckResult } from '../src/core/check/linearizability'
import { bruteForceCheck } from '../src/core/check/lin/brute'
import type { HistoryOp } from '../src/shared/history'

// Times in seconds (timeUnit 's') to keep the cases readable.
let seq = 0
function op(
  process: number,
  f: HistoryOp['f'],
  invoke: number,
  complete: number | 'info' | 'fail',
  value: string | null,
  extra: Partial<HistoryOp> = {},
): HistoryOp {
  const type = complete === 'info' ? 'info' : complete === 'fail' ? 'fail' : 'ok'
  return {
    id: `o${++seq}`,
    process,
    f,
    key: 'k',
    invoke,
    complete: typeof complete === 'number' ? complete : complete === 'fail' ? invoke + 1 : Infinity,
    type,
    value,
    ...extra,
  }
}
const put = (
  p: number,
  i: number,
  c: number | 'info' | 'fail',
  v: string | null,
  x: Partial<HistoryOp> = {},
) => op(p, 'put', i, c, v, x)
const get = (
  p: number,
  i: number,
  c: number | 'info' | 'fail',
  v: string | null,
  x: Partial<HistoryOp> = {},
) => op(p, 'get', i, c, v, x)
const cas = (
  p: number,
  i: number,
  c: number | 'info' | 'fail',
  expected: string | null,
  v: string | null,
  result?: boolean,
) => op(p, 'cas', i, c, v, { expected, ...(result === undefined ? {} : { result }) })

const check = (h: HistoryOp[], mode: 'linearizable' | 'sequential' = 'linearizable') =>
  checkLinearizable(h, { timeUnit: 's', mode })

/** The verdict, cross-checked against the brute-force reference. */
function verdict(h: HistoryOp[], mode: 'linearizable' | 'sequential' = 'linearizable'): string {
  const r = check(h, mode)
  expect(r.verdict === 'ok').toBe(bruteForceCheck(h, mode))
  if (r.violation) expect(bruteForceCheck(r.violation.ops, mode)).toBe(false)
  return r.verdict
}

describe('violations', () => {
  it('a stale read: the get returns a value overwritten before it began', () => {
    const h = [put(1, 0, 1, 'a'), put(2, 2, 3, 'b'), get(3, 4, 5, 'a')]
    const r = check(h)
    expect(r.verdict).toBe('violation')
    expect(r.staleReads).toBe(1)
    const v = r.violation!
    expect(v.key).toBe('k')
    expect(v.ops.map((o) => o.id)).toEqual(h.map((o) => o.id))
    expect(v.culprit?.id).toBe(h[2].id)
    expect(v.prefix).toEqual([h[0].id, h[1].id])
    expect(v.state).toBe('b')
    expect(v.explanation).toBe(
      'get k by client 3 at 4.000 s returned "a", but the only value k could hold then was "b" ' +
        '(written by client 2 at 2.000 s). "a" (written by client 1 at 0.000 s) had already been ' +
        'overwritten by "b" (put by client 2, done at 3.000 s) before the get began.',
    )
    expect(verdict(h)).toBe('violation')
  })

  it('a lost write: an acknowledged put is not there for a later read', () => {
    const h = [put(1, 0, 1, 'x'), get(2, 2, 3, null)]
    const r = check(h)
    expect(r.verdict).toBe('violation')
    expect(r.violation!.explanation).toContain(
      'returned absent, but the only value k could hold then was "x"',
    )
    expect(r.staleReads).toBe(1)
    expect(verdict(h)).toBe('violation')
  })

  it('a write visible before it was invoked', () => {
    const h = [get(1, 0, 1, 'b'), put(2, 2, 3, 'b')]
    const r = check(h)
    expect(r.verdict).toBe('violation')
    expect(r.violation!.explanation).toBe(
      'get k by client 1 at 0.000 s returned "b", but "b" was only written later: put k = "b" by ' +
        'client 2 was invoked at 2.000 s, after the get returned at 1.000 s.',
    )
    expect(verdict(h)).toBe('violation')
  })

  it('a cas that succeeded although the value was not the expected one', () => {
    const h = [put(1, 0, 1, 'a'), cas(2, 2, 3, 'b', 'c', true)]
    const r = check(h)
    expect(r.verdict).toBe('violation')
    expect(r.violation!.explanation).toBe(
      'cas k "b"→"c" by client 2 at 2.000 s succeeded, so k held "b", a value no operation ever wrote to k.',
    )
    expect(verdict(h)).toBe('violation')
  })

  it('a cas whose compare failed although the value must have equalled expected', () => {
    const h = [put(1, 0, 1, 'a'), cas(2, 2, 3, 'a', 'c', false)]
    const r = check(h)
    expect(r.verdict).toBe('violation')
    expect(r.violation!.culprit?.id).toBe(h[1].id)
    expect(r.violation!.explanation).toBe(
      'cas k "a"→"c" by client 2 at 2.000 s failed its compare (so k did not hold "a"), but k could ' +
        'only hold "a" (written by client 1 at 0.000 s) then.',
    )
    expect(verdict(h)).toBe('violation')
  })

  it('a failed write that a read nevertheless sees', () => {
    const h = [put(1, 0, 'fail', 'b'), get(2, 2, 3, 'b')]
    const r = check(h)
    expect(r.verdict).toBe('violation')
    expect(r.violation!.explanation).toContain(
      'but "b" was only written by put k = "b" by client 1, which failed',
    )
    expect(verdict(h)).toBe('violation')
  })

  it('an unknown write cannot happen, then un-happen', () => {
    const h = [put(1, 0, 1, 'a'), put(2, 2, 'info', 'b'), get(3, 5, 6, 'b'), get(3, 7, 8, 'a')]
    expect(verdict(h)).toBe('violation')
  })

  it('the smallest failing set leaves out the bystanders', () => {
    const h = [
      put(1, 0, 1, 'a'),
      get(4, 0.5, 1.5, 'a'),
      put(2, 2, 3, 'b'),
      get(4, 3.5, 3.6, 'b'),
      put(5, 3.7, 3.8, 'z'),
      get(3, 4, 5, 'z'),
      get(4, 6, 7, 'z'),
      put(1, 8, 9, 'q'),
      get(2, 10, 11, 'a'), // stale: "a" was overwritten long before
      get(3, 12, 13, 'q'),
    ]
    const r = check(h)
    expect(r.verdict).toBe('violation')
    const ids = r.violation!.ops.map((o) => o.id)
    expect(ids).toContain(h[8].id)
    expect(ids).toContain(h[0].id)
    expect(ids.length).toBeLessThanOrEqual(3)
    expect(r.violation!.explanation).toMatch(
      /^get k by client 2 at 10.000 s returned "a", but the only value k could hold then was "q"/,
    )
    expect(r.violation!.shrunk).toBe(true)
    expect(bruteForceCheck(r.violation!.ops)).toBe(false)
    expect(verdict(h)).toBe('violation')
  })
})

describe('look-alikes that are fine', () => {
  it('concurrent writes may take effect in either order', () => {
    for (const seen of ['a', 'b']) {
      const h = [put(1, 0, 10, 'a'), put(2, 1, 9, 'b'), get(3, 11, 12, seen)]
      expect(verdict(h)).toBe('ok')
    }
  })

  it('a read concurrent with a write may see either value', () => {
    for (const seen of [null, 'a']) expect(verdict([put(1, 0, 5, 'a'), get(2, 1, 2, seen)])).toBe('ok')
  })

  it('operations that touch at the same instant count as concurrent', () => {
    expect(verdict([get(1, 0, 2, 'a'), put(2, 2, 3, 'a')])).toBe('ok')
  })

  it('an unknown write that must be assumed to have happened (a later read sees it)', () => {
    const h = [put(1, 0, 1, 'a'), put(2, 2, 'info', 'b'), get(3, 50, 51, 'b')]
    expect(verdict(h)).toBe('ok')
  })

  it('an unknown write that must be assumed NOT to have happened (a later read sees the old value)', () => {
    const h = [put(1, 0, 1, 'a'), put(2, 2, 'info', 'b'), get(3, 50, 51, 'a')]
    expect(verdict(h)).toBe('ok')
  })

  it('an unknown write may land long after it was invoked', () => {
    const h = [put(2, 0, 'info', 'b'), put(1, 5, 6, 'a'), get(3, 7, 8, 'a'), get(3, 9, 10, 'b')]
    expect(verdict(h)).toBe('ok')
  })

  it('an unknown write can explain a failed compare', () => {
    const h = [put(1, 0, 1, 'a'), put(2, 2, 'info', 'x'), cas(3, 5, 6, 'a', 'c', false)]
    expect(verdict(h)).toBe('ok')
  })

  it('an unknown cas takes effect only if its compare matched', () => {
    const base = [put(1, 0, 1, 'a'), cas(2, 2, 'info', 'a', 'b')]
    expect(verdict([...base, get(3, 5, 6, 'b')])).toBe('ok')
    expect(verdict([...base, get(3, 5, 6, 'a')])).toBe('ok')
    expect(verdict([put(1, 0, 1, 'z'), cas(2, 2, 'info', 'a', 'b'), get(3, 5, 6, 'b')])).toBe('violation')
  })

  it('a timed-out read constrains nothing', () => {
    const h = [put(1, 0, 1, 'a'), get(2, 2, 'info', 'garbage'), get(3, 4, 5, 'a')]
    const r = check(h)
    expect(r.verdict).toBe('ok')
    expect(r.checkedOps).toBe(2)
  })

  it('a failed get constrains nothing either', () => {
    expect(verdict([put(1, 0, 1, 'a'), get(2, 2, 'fail', 'zzz')])).toBe('ok')
  })

  it('a failed compare is fine when a concurrent write explains it', () => {
    const h = [put(1, 0, 1, 'a'), put(2, 1.5, 4, 'b'), cas(3, 2, 3, 'a', 'c', false)]
    expect(verdict(h)).toBe('ok')
  })

  it('an empty history, and one of only failures, are ok', () => {
    expect(check([]).verdict).toBe('ok')
    expect(check([put(1, 0, 'fail', 'a')]).verdict).toBe('ok')
  })
})

function hardHistory(): HistoryOp[] {
  const h: HistoryOp[] = []
  for (let i = 0; i < 12; i++) h.push(put(i, i * 0.01, 100, `v${i}`))
  h.push(get(99, 200, 201, 'v0'), get(99, 202, 203, 'v1'))
  return h
}

describe('keys, modes, budget', () => {
  it('checks each key on its own and reports the failing one', () => {
    const a = put(1, 0, 1, 'a', { key: 'k1' })
    const b = get(2, 2, 3, 'a', { key: 'k1' })
    const c = put(1, 0, 1, 'x', { key: 'k2' })
    const d = get(2, 2, 3, 'y', { key: 'k2' })
    const r = check([a, b, c, d])
    expect(r.keys).toBe(2)
    expect(r.verdict).toBe('violation')
    expect(r.failedKeys).toEqual(['k2'])
    expect(r.violation!.key).toBe('k2')
    expect(r.violation!.ops.map((o) => o.id)).toEqual([d.id])
  })

  it('sequential consistency keeps program order but not real time across clients', () => {
    const stale = [put(1, 0, 1, 'a'), put(2, 2, 3, 'b'), get(3, 4, 5, 'a')]
    expect(verdict(stale, 'sequential')).toBe('ok')
    const own = [put(1, 0, 1, 'a'), put(1, 2, 3, 'b'), get(1, 4, 5, 'a')]
    expect(verdict(own, 'sequential')).toBe('violation')
    const r = check(own, 'sequential')
    expect(r.mode).toBe('sequential')
    expect(r.violation!.explanation).toContain("at any point allowed by the clients' own order")
  })

  it('gives up with "unknown" when the step budget runs out', () => {
    // 12 concurrent writes, then reads of two of them one after the other: proving that
    // no order of the writes leaves both last means trying the subsets of the others.
    const h = hardHistory()
    const r = checkLinearizable(h, { maxSteps: 2000 })
    expect(r.verdict).toBe('unknown')
    expect(r.unknownKeys).toEqual(['k'])
    expect(r.violation).toBeUndefined()
    expect(linCheckResult(r).ok).toBe(false)
    expect(linCheckResult(r).details[0]).toMatch(/^unknown/)
    // With enough budget, it is a violation.
    expect(checkLinearizable(h).verdict).toBe('violation')
  })

  it('gives up with "unknown" when the caller-supplied clock passes the budget', () => {
    const h = hardHistory()
    let t = 0
    const r = checkLinearizable(h, { budgetMs: 5, now: () => (t += 1) })
    expect(r.verdict).toBe('unknown')
    expect(r.elapsedMs).toBeGreaterThan(5)
  })

  it('is deterministic', () => {
    const h = [put(1, 0, 1, 'a'), put(2, 2, 3, 'b'), get(3, 4, 5, 'a'), put(2, 'info' as never, 7, 'c')]
    expect(JSON.stringify(check(h))).toBe(JSON.stringify(check(h)))
  })
})

describe('stale reads', () => {
  it('counts reads that missed a write completed before they began, whatever the verdict', () => {
    const h = [
      put(1, 0, 1, 'a'),
      put(2, 2, 3, 'b'),
      get(3, 4, 5, 'a'), // stale
      get(3, 6, 7, null), // stale (the initial value)
      get(4, 2.5, 8, 'a'), // concurrent with the write of b: fine
      put(5, 9, 'info', 'c'),
      get(4, 10, 11, 'c'), // an unknown write may land any time: fine
      get(4, 12, 13, 'nope'), // never written: not counted as stale
    ]
    expect(countStaleReads(h)).toBe(2)
    expect(check(h).staleReads).toBe(2)
  })

  it('is zero for a linearizable history', () => {
    expect(
      check([put(1, 0, 1, 'a'), get(2, 2, 3, 'a'), put(1, 4, 5, 'b'), get(2, 6, 7, 'b')]).staleReads,
    ).toBe(0)
  })
})
