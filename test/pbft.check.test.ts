// PBFT's checks: each is shown a broken trace it must reject, then the fuzzer runs a fixed
// slice of seeds within PBFT's fault model (crash-recovery, network faults, up to f
// Byzantine replicas) with zero violations, and the same budget catches every mutant.
import { describe, expect, it } from 'vitest'
import { createChecker } from '../src/core/check'
import { fuzz, fuzzOne, fuzzSpec, type FuzzResult } from '../src/core/fuzz'
import { PBFT_CHECK_NAMES, createPbftChecker } from '../src/core/check/pbft'
import { pbftFuzz } from '../src/core/protocols/pbft/fuzz'
import { createPbftFactory, PBFT_MUTANTS } from '../src/core/protocols/pbft'
import { ExperimentSpecSchema } from '../src/shared/spec'
import type { TraceEvent } from '../src/shared/trace'

let lc = 0
const apply = (node: string, index: number, id: string, t = index * 1000, term = 0): TraceEvent => ({
  kind: 'apply',
  t,
  node,
  lc: ++lc,
  index,
  term,
  id,
})
const state = (node: string): TraceEvent => ({
  kind: 'state',
  t: 0,
  node,
  lc: ++lc,
  role: 'follower',
  term: 0,
  leader: 'n1',
  commitIndex: 0,
  lastIndex: 0,
})
const byzantine = (targets: string[]): TraceEvent => ({
  kind: 'fault',
  t: 0,
  node: null,
  lc: ++lc,
  phase: 'start',
  faultId: 0,
  fault: 'byzantine',
  targets,
  detail: 'byzantine',
})
const put = (opId: string, node: string): TraceEvent => ({
  kind: 'op',
  t: 9000,
  node,
  lc: ++lc,
  client: 1,
  opId,
  phase: 'ok',
  f: 'put',
  key: 'k',
  value: 'v',
})

function check(events: TraceEvent[]): Record<string, { ok: boolean; details: string[] }> {
  const c = createPbftChecker()
  for (const e of events) c.onEvent(e)
  return Object.fromEntries(c.results().map((r) => [r.name, { ok: r.ok, details: r.details }]))
}

const four = ['n1', 'n2', 'n3', 'n4'].map(state)

describe('Honest replicas agree', () => {
  it('accepts replicas executing the same request at each seq (and a restart replaying)', () => {
    const r = check([
      ...four,
      apply('n1', 1, 'c1.1'),
      apply('n2', 1, 'c1.1'),
      apply('n1', 2, 'null'),
      apply('n2', 2, 'null'),
      { kind: 'node', t: 3000, node: 'n2', lc: ++lc, action: 'restart' },
      apply('n2', 1, 'c1.1'),
      apply('n2', 2, 'null'),
      // A jump forward is a state transfer.
      apply('n3', 2, 'null'),
    ])
    expect(r[PBFT_CHECK_NAMES.agreement].ok).toBe(true)
    expect(r[PBFT_CHECK_NAMES.agreement].details).toEqual([
      "n = 4, Byzantine replicas: none (0 <= f = 1: PBFT's guarantee applies)",
    ])
  })

  it('rejects two honest replicas executing different requests at one seq, naming them', () => {
    const r = check([...four, apply('n3', 5, 'c1.7', 5000, 2), apply('n4', 5, 'null', 6000, 2)])
    expect(r[PBFT_CHECK_NAMES.agreement].ok).toBe(false)
    expect(r[PBFT_CHECK_NAMES.agreement].details[0]).toBe(
      'seq 5: n3 executed "c1.7" (view 2) at t=5ms, but n4 executed "null" (view 2) at t=6ms',
    )
  })

  it('rejects an honest replica executing out of order', () => {
    const r = check([...four, apply('n2', 2, 'a'), apply('n2', 1, 'b')])
    expect(r[PBFT_CHECK_NAMES.agreement].ok).toBe(false)
    expect(r[PBFT_CHECK_NAMES.agreement].details[0]).toContain(
      'n2 executed seq 1 at t=1ms after seq 2 (out of order)',
    )
  })

  it('ignores what a Byzantine replica executes, and reports faulty replicas against f', () => {
    const events = [
      ...four,
      byzantine(['n1']),
      apply('n1', 1, 'evil'),
      apply('n2', 1, 'c1.1'),
      apply('n3', 1, 'c1.1'),
    ]
    const r = check(events)
    expect(r[PBFT_CHECK_NAMES.agreement].ok).toBe(true)
    expect(r[PBFT_CHECK_NAMES.agreement].details.at(-1)).toContain('n1 (1 <= f = 1')
    // Honesty is known only at the end: a fault event after the applies still counts.
    const late = check([...four, apply('n1', 1, 'evil'), apply('n2', 1, 'c1.1'), byzantine(['n1'])])
    expect(late[PBFT_CHECK_NAMES.agreement].ok).toBe(true)
    // Two Byzantine replicas of four is beyond f = 1.
    const two = check([...four, byzantine(['n1', 'n2'])])
    expect(two[PBFT_CHECK_NAMES.agreement].details.at(-1)).toContain(
      'n1, n2 (2 > f = 1: beyond the 3f + 1 bound)',
    )
  })
})

describe('No acknowledged write lost', () => {
  it('rejects a put acknowledged to a client that no replica executed', () => {
    const r = check([...four, apply('n1', 1, 'c1.1'), put('c1.1', 'n1'), put('c1.2', 'n2')])
    expect(r[PBFT_CHECK_NAMES.ackedWrites].ok).toBe(false)
    expect(r[PBFT_CHECK_NAMES.ackedWrites].details).toHaveLength(1)
    expect(r[PBFT_CHECK_NAMES.ackedWrites].details[0]).toContain('c1.2')
  })

  it('is wired into the run checker with linearizability', () => {
    const c = createChecker('pbft')
    for (const e of four) c.onEvent(e)
    expect(c.results().map((r) => r.name)).toEqual([...Object.values(PBFT_CHECK_NAMES), 'Linearizability'])
  })
})

/** The fuzz budget for the real PBFT and every mutant: seeds 1..SEEDS, n = 4 (f = 1). */
const SEEDS = 6

describe('fuzzing PBFT', () => {
  it('draws schedules with at most f Byzantine replicas', () => {
    let byzSeeds = 0
    for (let seed = 1; seed <= 60; seed++) {
      const spec = fuzzSpec(seed, pbftFuzz)
      expect(ExperimentSpecSchema.safeParse(spec).success).toBe(true)
      const targets = new Set(spec.faults.flatMap((f) => (f.kind === 'byzantine' ? [f.target] : [])))
      expect(targets.size).toBeLessThanOrEqual(1)
      if (targets.size > 0) byzSeeds++
    }
    expect(byzSeeds).toBeGreaterThan(30)
  })

  it(`${SEEDS} seeds: zero violations`, () => {
    const lines: string[] = []
    const t0 = performance.now()
    const results = fuzz({ ...pbftFuzz, seeds: SEEDS, log: (l) => lines.push(l) })
    const secs = (performance.now() - t0) / 1000
    console.log(`fuzz: ${SEEDS} seeds of PBFT in ${secs.toFixed(1)} s (${(SEEDS / secs).toFixed(1)} seeds/s)`)
    expect(lines).toEqual([])
    for (const r of results) {
      expect(r.stop).toBe('end')
      expect(r.results.filter((c) => !c.ok)).toEqual([])
    }
  })

  it.each(PBFT_MUTANTS.map((m) => [m]))('mutant %s is caught by the same budget', (mutation) => {
    const factory = createPbftFactory({ [mutation]: true })
    const results = fuzz({ ...pbftFuzz, seeds: SEEDS, factory, stopOnViolation: true })
    const caught = results.find((r) => r.violations.length > 0) as FuzzResult | undefined
    expect(caught, `${mutation} survived seeds 1..${SEEDS}`).toBeDefined()
    if (!caught) return
    console.log(
      `fuzz: PBFT mutant ${mutation} caught by seed ${caught.seed}: ${caught.violations[0].details[0]}`,
    )
    expect(caught.violations.map((v) => v.name)).toContain(PBFT_CHECK_NAMES.agreement)
    expect(fuzzOne(caught.seed, { ...pbftFuzz, factory }).results).toEqual(caught.results)
  })
})
