// The quorum store in the deterministic simulator: CAP and PACELC as the checks see them, and
// seeded fuzzing (fixed seeds: deterministic). The long campaign is `npm run fuzz`.
import { describe, expect, it } from 'vitest'
import { fuzz, fuzzOne, type FuzzResult } from '../src/core/fuzz'
import { QUORUM_CHECK_NAMES } from '../src/core/check/quorum'
import { quorumFuzz, quorumFuzzAvailable } from '../src/core/protocols/quorum/fuzz'
import { createQuorumFactory, QUORUM_MUTANTS, type QuorumMutations } from '../src/core/protocols/quorum'
import { createSimulation } from '../src/core/sim'
import type { QuorumParams } from '../src/core/protocols/quorum/describe'
import { ExperimentSpecSchema, type ExperimentSpecInput } from '../src/shared/spec'
import type { RunSummary } from '../src/shared/api'

const MINE: string[] = Object.values(QUORUM_CHECK_NAMES)

function run(
  params: Partial<QuorumParams>,
  faults: ExperimentSpecInput['faults'] = [],
  seed = 1,
): RunSummary {
  const spec = ExperimentSpecSchema.parse({
    seed,
    algorithm: { kind: 'quorum', params: { replicas: 3, antiEntropyTicks: 20, ...params } },
    durationMs: 3000,
    workload: { clients: 6, ratePerSec: 300, keys: 3, mix: { read: 0.5, write: 0.5, cas: 0 } },
    faults,
  })
  const sim = createSimulation(spec, { keepTrace: false })
  sim.runUntil(spec.durationMs)
  return sim.summary(0)
}

function verdicts(s: RunSummary): Record<string, string> {
  return Object.fromEntries(
    s.checks.map((c) => [c.name, c.ok ? (c.verdict ?? 'ok') : (c.verdict ?? 'violation')]),
  )
}

const halves: ExperimentSpecInput['faults'] = [{ kind: 'partition', atMs: 300, forMs: 1000, shape: 'halves' }]

describe('consistency and availability (CAP, PACELC)', () => {
  it('R + W > N (N=3, R=2, W=2), no faults: every check passes, linearizability included', () => {
    const s = run({ readQuorum: 2, writeQuorum: 2 })
    expect(s.ops.ok).toBeGreaterThan(500)
    expect(verdicts(s)).toEqual({ [MINE[0]]: 'ok', [MINE[1]]: 'ok', Linearizability: 'ok' })
    expect(s.verdict).toBe('ok')
  })

  it('R = W = 1 under a partition stays available, and the linearizability check reports stale reads', () => {
    const s = run({ readQuorum: 1, writeQuorum: 1 }, halves)
    expect(s.ops.info + s.ops.fail).toBeLessThanOrEqual(1)
    const lin = s.checks.find((c) => c.name === 'Linearizability')
    expect(lin?.ok).toBe(false)
    expect(lin?.staleReads).toBeGreaterThan(0)
    // Stale, not broken: every acknowledged write survives and replicas converge after the heal.
    expect(s.checks.filter((c) => MINE.includes(c.name)).every((c) => c.ok && c.verdict === undefined)).toBe(
      true,
    )
  })

  it('R + W > N with strict quorums under the same partition stays linearizable, at the cost of timeouts', () => {
    const s = run({ readQuorum: 2, writeQuorum: 2, hintedHandoff: false }, halves)
    expect(verdicts(s)).toEqual({ [MINE[0]]: 'ok', [MINE[1]]: 'ok', Linearizability: 'ok' })
    expect(s.ops.info).toBeGreaterThan(0)
  })

  it('else latency: waiting for more replicas is slower even without faults (simulated time)', () => {
    const fast = run({ readQuorum: 1, writeQuorum: 1 })
    const safe = run({ readQuorum: 3, writeQuorum: 3 })
    expect((safe.latencyMs.p50 as number) > (fast.latencyMs.p50 as number)).toBe(true)
  })
})

/** Fuzz budget for every run below: seeds 1..SEEDS, 4 s of simulated time, faults healed by 2.2 s. */
const SEEDS = 20

function mine(r: FuzzResult): string[] {
  return r.violations
    .filter((v) => MINE.includes(v.name))
    .map((v) => `seed ${r.seed} ${v.name}: ${v.details[0]}`)
}

describe('fuzzing the real quorum store', () => {
  it(`consistent regime (lww, R + W > N, strict quorums), ${SEEDS} seeds: zero violations of every check`, () => {
    const t0 = performance.now()
    const results = fuzz({ ...quorumFuzz, seeds: SEEDS })
    const secs = (performance.now() - t0) / 1000
    console.log(
      `fuzz quorum (consistent): ${SEEDS} seeds in ${secs.toFixed(1)} s (${(SEEDS / secs).toFixed(1)} seeds/s)`,
    )
    expect(
      results.flatMap((r) => r.violations.map((v) => `seed ${r.seed} ${v.name}: ${v.details[0]}`)),
    ).toEqual([])
    for (const r of results) {
      expect(r.stop).toBe('end')
      // Faults heal by mid-run, so convergence is judged on every seed.
      expect(r.results.find((c) => c.name === QUORUM_CHECK_NAMES.convergence)?.verdict).toBeUndefined()
    }
  })

  it(`available regime (any R, W, conflicts, sloppy quorums), ${SEEDS} seeds: zero violations of convergence and acknowledged writes`, () => {
    const t0 = performance.now()
    const results = fuzz({ ...quorumFuzzAvailable, seeds: SEEDS })
    const secs = (performance.now() - t0) / 1000
    const stale = results.filter((r) => r.violations.some((v) => v.name === 'Linearizability')).length
    console.log(
      `fuzz quorum (available): ${SEEDS} seeds in ${secs.toFixed(1)} s (${(SEEDS / secs).toFixed(1)} seeds/s), ` +
        `${stale} with stale reads reported by linearizability`,
    )
    expect(results.flatMap(mine)).toEqual([])
    expect(stale).toBeGreaterThan(0)
  })

  it('a seed reproduces its run exactly', () => {
    const a = fuzzOne(7, quorumFuzzAvailable)
    const b = fuzzOne(7, quorumFuzzAvailable)
    expect(a.events).toBe(b.events)
    expect(a.results).toEqual(b.results)
    expect(a.events).toBeGreaterThan(1000)
  })
})

/** Mutants the fuzz budget catches with this file's own checks (antiEntropySkipsRange: see quorum.protocol.test.ts). */
const CAUGHT: Array<keyof QuorumMutations> = ['ackBeforeQuorum', 'lwwArrivalOrder', 'dropHints']

describe('the same fuzz budget catches broken quorum stores', () => {
  it('every mutant is named', () => {
    expect([...QUORUM_MUTANTS].sort()).toEqual([...CAUGHT, 'antiEntropySkipsRange'].sort())
  })

  it.each(CAUGHT)('mutant %s is caught by convergence or acknowledged writes', (mutation) => {
    const factory = createQuorumFactory({ [mutation]: true })
    let caught: FuzzResult | undefined
    for (let seed = 1; seed <= SEEDS && caught === undefined; seed++) {
      const r = fuzzOne(seed, {
        ...quorumFuzzAvailable,
        factory: factory as never,
        stopRunOnViolation: false,
      })
      if (mine(r).length > 0) caught = r
    }
    expect(caught, `${mutation} survived seeds 1..${SEEDS}`).toBeDefined()
    if (!caught) return
    console.log(`fuzz quorum: mutant ${mutation} caught by seed ${caught.seed}: ${mine(caught)[0]}`)
  })
})
