// Seeded fuzzing of Multi-Paxos in the simulator: the real implementation survives a fixed
// slice of seeds (random crash-recovery faults, partitions, loss, delay, clock skew) with zero
// violations, and the same budget catches the deliberately broken Multi-Paxos variants.
import { describe, expect, it } from 'vitest'
import { fuzz, fuzzOne, type FuzzResult } from '../src/core/fuzz'
import { MULTIPAXOS_CHECK_NAMES } from '../src/core/check/multipaxos'
import { multipaxosFuzz } from '../src/core/protocols/multipaxos/fuzz'
import { CHECK_NAMES } from '../src/core/check'
import {
  createMultiPaxosFactory,
  MULTIPAXOS_MUTANTS,
  type MultiPaxosMutations,
} from '../src/core/protocols/multipaxos'
import type { AnyProtocolFactory } from '../src/core/sim'
import { MultiPaxosParamsSchema } from '../src/core/protocols/multipaxos/describe'
import { createRng } from '../src/core/rng'

/** The budget every run below gets: seeds 1..SEEDS, 4 s of simulated time each. */
const SEEDS = 20

describe('fuzzing the real Multi-Paxos', () => {
  it('draws valid params for every seed', () => {
    const rng = createRng(5)
    for (let i = 0; i < 200; i++)
      expect(MultiPaxosParamsSchema.safeParse(multipaxosFuzz.params(rng)).success).toBe(true)
  })

  it(`${SEEDS} seeds: zero violations`, () => {
    const lines: string[] = []
    const t0 = performance.now()
    const results = fuzz({ seeds: SEEDS, startSeed: 1, ...multipaxosFuzz, log: (l) => lines.push(l) })
    const secs = (performance.now() - t0) / 1000
    const ok = results.reduce((n, r) => n + r.events, 0)
    console.log(
      `fuzz: ${SEEDS} seeds of Multi-Paxos in ${secs.toFixed(1)} s (${(SEEDS / secs).toFixed(1)} seeds/s, ` +
        `${Math.round(ok / SEEDS)} events/seed), ${lines.length ? 'VIOLATIONS' : 'no violations'}`,
    )
    if (lines.length) console.log(lines.join('\n'))
    expect(results.filter((r) => r.violations.length > 0).map((r) => r.seed)).toEqual([])
    for (const r of results) {
      expect(r.stop).toBe('end')
      expect(r.spec.algorithm.kind).toBe('multipaxos')
      expect(r.results.map((c) => c.name)).toEqual([
        MULTIPAXOS_CHECK_NAMES.slotAgreement,
        MULTIPAXOS_CHECK_NAMES.inOrderApply,
        CHECK_NAMES.stateMachineSafety,
        CHECK_NAMES.ackedWrites,
        CHECK_NAMES.linearizability,
      ])
    }
  })

  it('a seed reproduces its run exactly', () => {
    const a = fuzzOne(4, multipaxosFuzz)
    const b = fuzzOne(4, multipaxosFuzz)
    expect(a.events).toBe(b.events)
    expect(a.results).toEqual(b.results)
    expect(a.events).toBeGreaterThan(1000)
  })
})

/** The checks that may legitimately be the first to see each mutant's bug. */
const EXPECTED: Record<string, string[]> = {
  skipReproposal: [
    MULTIPAXOS_CHECK_NAMES.slotAgreement,
    CHECK_NAMES.stateMachineSafety,
    CHECK_NAMES.ackedWrites,
  ],
  decideOnMinority: [
    MULTIPAXOS_CHECK_NAMES.slotAgreement,
    CHECK_NAMES.stateMachineSafety,
    CHECK_NAMES.ackedWrites,
  ],
  learnAnyBallot: [MULTIPAXOS_CHECK_NAMES.slotAgreement, CHECK_NAMES.stateMachineSafety],
}

describe('the same fuzz budget catches every broken Multi-Paxos', () => {
  it.each(MULTIPAXOS_MUTANTS.map((m) => [m]))('mutant %s is caught', (mutation) => {
    const factory = createMultiPaxosFactory({ [mutation]: true } as MultiPaxosMutations)
    const lines: string[] = []
    const results = fuzz({
      seeds: SEEDS,
      startSeed: 1,
      ...multipaxosFuzz,
      factory: factory as unknown as AnyProtocolFactory,
      stopOnViolation: true,
      log: (l) => lines.push(l),
    })
    const caught = results.find((r) => r.violations.length > 0) as FuzzResult | undefined
    expect(caught, `${mutation} survived seeds 1..${SEEDS}`).toBeDefined()
    if (!caught) return
    const names = caught.violations.map((v) => v.name)
    console.log(
      `fuzz: mutant ${mutation} caught by seed ${caught.seed} (${caught.spec.name}): ${names.join(', ')}\n  ` +
        caught.violations[0].details[0],
    )
    expect(names.some((n) => EXPECTED[mutation].includes(n))).toBe(true)
    expect(lines[0]).toBe(`reproduce with seed=${caught.seed}`)
  })
})

describe('a forgotten promise (mutant forgetPromise) in 3-node clusters', () => {
  // With 5 nodes the leader lease makes its window rare (it survived seeds 1..1000); with 3,
  // a stale leader and one restarted acceptor already form a majority.
  const SEEDS3 = 100

  it(`the real Multi-Paxos: ${SEEDS3} seeds of 3 nodes, zero violations; the mutant is caught`, () => {
    const real = fuzz({ seeds: SEEDS3, startSeed: 1, nodes: 3, ...multipaxosFuzz })
    expect(real.filter((r) => r.violations.length > 0).map((r) => r.seed)).toEqual([])
    const factory = createMultiPaxosFactory({ forgetPromise: true }) as unknown as AnyProtocolFactory
    const results = fuzz({
      seeds: SEEDS3,
      startSeed: 1,
      nodes: 3,
      ...multipaxosFuzz,
      factory,
      stopOnViolation: true,
    })
    const caught = results.find((r) => r.violations.length > 0)
    expect(caught, `forgetPromise survived seeds 1..${SEEDS3} of 3 nodes`).toBeDefined()
    if (!caught) return
    console.log(
      `fuzz: mutant forgetPromise caught by seed ${caught.seed} of 3 nodes (${caught.spec.name}): ` +
        caught.violations.map((v) => v.name).join(', '),
    )
    expect(caught.violations.map((v) => v.name)).toContain(MULTIPAXOS_CHECK_NAMES.slotAgreement)
  })
})
