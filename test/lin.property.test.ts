// Property tests (fast-check, fixed seeds): histories produced by a real linearizable
// execution are always accepted; one read changed to a value never written is always
// rejected; and on small random histories the checker agrees with a brute-force
// reference in both modes, with a shrunk counterexample that really fails.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkLinearizable } from '../src/core/check/linearizability'
import { bruteForceCheck } from '../src/core/check/lin/brute'
import { createRng } from '../src/core/rng'
import type { HistoryOp } from '../src/shared/history'
import { tinyHistoryArb } from './lin.arbitraries'

const SEED = 20240611

interface Step {
  client: number
  f: 'get' | 'put' | 'cas'
  key: number
  gap: number
  dur: number
  /** Where inside its interval the op takes effect (0..1). */
  at: number
  outcome: 'ok' | 'info-applied' | 'info-lost' | 'fail'
  /** cas: expect the value last written to the key (true) or some other one. */
  casCurrent: boolean
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  client: fc.integer({ min: 0, max: 4 }),
  f: fc.constantFrom('get', 'put', 'cas'),
  key: fc.integer({ min: 0, max: 2 }),
  gap: fc.integer({ min: 0, max: 5 }),
  dur: fc.integer({ min: 0, max: 12 }),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  outcome: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'info-applied', 'info-lost', 'fail'),
  casCurrent: fc.boolean(),
})

/** Run the steps against a real register: each op takes effect at one instant in its interval. */
function execute(steps: Step[]): HistoryOp[] {
  const free = [0, 0, 0, 0, 0]
  const written = new Map<string, string | null>()
  const planned: Array<{ op: HistoryOp; at: number; applies: boolean }> = []
  steps.forEach((s, i) => {
    const invoke = free[s.client] + s.gap
    const complete = invoke + s.dur
    free[s.client] = complete + 1
    const key = `k${s.key}`
    const op: HistoryOp = {
      id: `op${i}`,
      process: s.client,
      f: s.f,
      key,
      invoke,
      complete,
      type: 'ok',
      value: null,
    }
    if (s.f !== 'get') op.value = `v${i}`
    if (s.f === 'cas') op.expected = s.casCurrent ? (written.get(key) ?? null) : `v${Math.max(0, i - 3)}`
    if (s.f !== 'get') written.set(key, op.value)
    let applies = true
    if (s.outcome === 'fail') {
      op.type = 'fail'
      applies = false
    } else if (s.outcome !== 'ok') {
      op.type = 'info'
      op.complete = Infinity
      applies = s.outcome === 'info-applied'
    }
    planned.push({ op, at: invoke + s.at * s.dur, applies })
  })
  const reg = new Map<string, string | null>()
  for (const { op } of planned.filter((p) => p.applies).sort((p, q) => p.at - q.at)) {
    const cur = reg.get(op.key) ?? null
    if (op.f === 'get') op.value = cur
    else if (op.f === 'put') reg.set(op.key, op.value)
    else {
      const match = cur === (op.expected ?? null)
      if (op.type === 'ok') op.result = match
      if (match) reg.set(op.key, op.value)
    }
  }
  return planned.map((p) => p.op)
}

describe('histories from a real linearizable execution', () => {
  it('are always linearizable (and sequentially consistent), with no stale reads', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 120 }), (steps) => {
        const h = execute(steps)
        expect(checkLinearizable(h).verdict).toBe('ok')
        expect(checkLinearizable(h, { mode: 'sequential' }).verdict).toBe('ok')
        expect(checkLinearizable(h).staleReads).toBe(0)
      }),
      { seed: SEED, numRuns: 300 },
    )
  })

  it('become violations when one read returns a value never written', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 120 }), fc.nat(), (steps, pick) => {
        const h = execute(steps)
        const reads = h.filter((o) => o.f === 'get' && o.type === 'ok')
        fc.pre(reads.length > 0)
        const bad = reads[pick % reads.length]
        bad.value = 'never-written'
        const r = checkLinearizable(h)
        expect(r.verdict).toBe('violation')
        expect(r.failedKeys).toEqual([bad.key])
        expect(r.violation!.ops.map((o) => o.id)).toEqual([bad.id])
        expect(r.violation!.explanation).toContain('"never-written", a value no operation ever wrote')
        expect(checkLinearizable(h, { mode: 'sequential' }).verdict).toBe('violation')
      }),
      { seed: SEED + 1, numRuns: 300 },
    )
  })
})

// Small random histories: mostly not linearizable, sometimes so by a hair.
const tinyArb = tinyHistoryArb({
  fns: ['get', 'put', 'cas', 'put', 'get'],
  values: ['a', 'b', 'c', null],
  expected: ['a', 'b', null],
})

/** The same, but each process runs one op at a time (as real clients do). */
const tinySequentialArb: fc.Arbitrary<HistoryOp[]> = tinyArb.map((h) => {
  const free = new Map<number, number>()
  return h.map((o) => {
    const start = Math.max(o.invoke, (free.get(o.process) ?? -1) + 1)
    const dur = Number.isFinite(o.complete) ? o.complete - o.invoke : 0
    const op = { ...o, invoke: start, complete: Number.isFinite(o.complete) ? start + dur : Infinity }
    free.set(o.process, Number.isFinite(op.complete) ? op.complete : start)
    return op
  })
})

describe('agreement with the brute-force reference on small random histories', () => {
  for (const [mode, arb, seed] of [
    ['linearizable', tinyArb, SEED + 2],
    ['sequential', tinyArb, SEED + 3],
    ['linearizable', tinySequentialArb, SEED + 4],
    ['sequential', tinySequentialArb, SEED + 5],
  ] as const) {
    const what = arb === tinyArb ? 'any intervals' : 'one op at a time per client'
    it(`${mode}, ${what}: same verdict; the counterexample fails on its own and lies within the key`, () => {
      let violations = 0
      fc.assert(
        fc.property(arb, (h) => {
          const r = checkLinearizable(h, { mode })
          const expected = bruteForceCheck(h, mode)
          expect(r.verdict).toBe(expected ? 'ok' : 'violation')
          if (r.violation) {
            violations++
            const v = r.violation
            expect(v.ops.length).toBeGreaterThan(0)
            expect(v.ops.every((o) => o.key === v.key && h.includes(o))).toBe(true)
            expect(bruteForceCheck(v.ops, mode)).toBe(false)
            // Minimal for single removals of reads (always a sound removal).
            for (const o of v.ops) {
              if (o.f !== 'get' && !(o.f === 'cas' && o.result === false)) continue
              if (v.ops.length > 1)
                expect(
                  bruteForceCheck(
                    v.ops.filter((p) => p !== o),
                    mode,
                  ),
                ).toBe(true)
            }
            expect(v.explanation.length).toBeGreaterThan(20)
          }
        }),
        { seed, numRuns: 3000 },
      )
      expect(violations).toBeGreaterThan(300)
    })
  }
})

// Rare shapes need volume: many seeded random histories, heavier on unknown outcomes and
// cas than the fast-check ones (this is how the two regressions below were found).
describe('bulk agreement with the brute-force reference (seeded)', () => {
  it('agrees on 15 000 random histories of up to 10 ops, in both modes', () => {
    const rng = createRng(12345)
    const vals = ['a', 'b', 'c', null]
    const fns = ['get', 'put', 'cas', 'put', 'get', 'cas'] as const
    let mismatches = 0
    let violations = 0
    for (let it = 0; it < 15_000; it++) {
      const h: HistoryOp[] = []
      const n = rng.int(1, 10)
      for (let i = 0; i < n; i++) {
        const f = fns[rng.int(0, 5)]
        const u = rng.next()
        const type = u < 0.65 ? 'ok' : u < 0.9 ? 'info' : 'fail'
        const invoke = rng.int(0, 25)
        const op: HistoryOp = {
          id: `t${i}`,
          process: rng.int(0, 3),
          f,
          key: 'k',
          invoke,
          complete: type === 'info' ? Infinity : invoke + rng.int(0, 10),
          type,
          value: vals[rng.int(0, 3)],
        }
        if (f === 'cas') op.expected = vals[rng.int(0, 3)]
        if (f === 'cas' && type === 'ok') op.result = rng.chance(0.5)
        h.push(op)
      }
      for (const mode of ['linearizable', 'sequential'] as const) {
        const r = checkLinearizable(h, { mode })
        if (r.verdict === 'violation') violations++
        const wrong =
          (r.verdict === 'ok') !== bruteForceCheck(h, mode) ||
          (r.violation !== undefined && bruteForceCheck(r.violation.ops, mode))
        if (wrong && mismatches++ === 0) expect.fail(`${mode}: ${JSON.stringify(h)}`)
      }
    }
    expect(mismatches).toBe(0)
    expect(violations).toBeGreaterThan(10_000)
  })
})

describe('regressions', () => {
  const op = (o: Partial<HistoryOp> & Pick<HistoryOp, 'id' | 'f' | 'type'>): HistoryOp => ({
    process: 0,
    key: 'k',
    invoke: 0,
    complete: Infinity,
    value: null,
    ...o,
  })

  it('an unknown cas is not interchangeable with an unknown put to explain a failed compare', () => {
    // Only the put can explain the failed cas; the later-invoked unknown cas cannot step.
    const h = [
      op({
        id: 'a',
        f: 'cas',
        type: 'ok',
        invoke: 2,
        complete: 10,
        expected: null,
        value: 'b',
        result: false,
      }),
      op({ id: 'b', f: 'put', type: 'info', process: 2, invoke: 5, value: 'c' }),
      op({ id: 'c', f: 'cas', type: 'info', process: 2, invoke: 6, expected: 'b', value: 'c' }),
    ]
    expect(bruteForceCheck(h)).toBe(true)
    expect(checkLinearizable(h).verdict).toBe('ok')
  })

  it('sequential mode: an unknown op is not held to its process order when it reads an unknown write', () => {
    // p1's unknown cas a→b (invoked first) can only go after p1's later unknown cas
    // null→a, which itself comes after p1's put null.
    const h = [
      op({ id: 't0', f: 'put', type: 'ok', process: 1, invoke: 8, complete: 18, value: null }),
      op({
        id: 't1',
        f: 'cas',
        type: 'ok',
        process: 0,
        invoke: 23,
        complete: 28,
        expected: 'c',
        value: null,
        result: true,
      }),
      op({ id: 't2', f: 'get', type: 'ok', process: 3, invoke: 5, complete: 6, value: 'b' }),
      op({ id: 't3', f: 'cas', type: 'info', process: 1, invoke: 14, expected: null, value: 'a' }),
      op({ id: 't4', f: 'put', type: 'ok', process: 3, invoke: 15, complete: 18, value: 'c' }),
      op({
        id: 't6',
        f: 'cas',
        type: 'ok',
        process: 0,
        invoke: 7,
        complete: 16,
        expected: 'b',
        value: 'b',
        result: true,
      }),
      op({ id: 't7', f: 'cas', type: 'info', process: 1, invoke: 1, expected: 'a', value: 'b' }),
    ]
    expect(bruteForceCheck(h, 'sequential')).toBe(true)
    expect(checkLinearizable(h, { mode: 'sequential' }).verdict).toBe('ok')
  })
})
