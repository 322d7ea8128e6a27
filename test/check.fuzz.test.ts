// Seeded fuzzing of Raft in the simulator: the real implementation survives a fixed slice of
// seeds with zero violations, and the same budget catches every deliberately broken Raft.
// Seeds are fixed, so this test is deterministic. The long campaign is `npm run fuzz`.
import { describe, expect, it } from 'vitest'
import { CHECK_NAMES } from '../src/core/check'
import { FAULT_STYLES, fuzzOne, fuzz, fuzzSpec, randomFaultSchedule, type FuzzResult } from '../src/core/fuzz'
import { createRaftFactory, type RaftMutations } from '../src/core/protocols'
import { createRng } from '../src/core/rng'
import { ADMIN_FAULT_KINDS, ExperimentSpecSchema, FAULT_KINDS, PARTITION_SHAPES } from '../src/shared/spec'

/** The fuzz budget every run below gets: seeds 1..SEEDS, 4 s of simulated time each. */
const SEEDS = 150

describe('fault schedules', () => {
  it('stay within the crash-recovery model and cover every fault kind and partition shape', () => {
    const kinds = new Set<string>()
    const shapes = new Set<string>()
    const styles = new Set<string>()
    for (let seed = 1; seed <= 200; seed++) {
      const spec = fuzzSpec(seed)
      expect(ExperimentSpecSchema.safeParse(spec).success).toBe(true)
      styles.add(spec.name.replace(/^fuzz-raft-\d+-/, ''))
      for (const f of spec.faults) {
        kinds.add(f.kind)
        if (f.kind === 'partition') shapes.add(f.shape)
        expect(f.kind).not.toBe('byzantine')
        expect(f.atMs).toBeLessThanOrEqual(spec.durationMs)
        if (f.kind === 'crash') expect(f.restartAfterMs).toBeGreaterThan(0)
      }
    }
    // Cluster operations (membership, transfer-leadership) are not faults of the environment:
    // the fuzz schedules leave them out (raft.membership-fuzz.test.ts drives them).
    expect([...kinds].sort()).toEqual(
      FAULT_KINDS.filter((k) => k !== 'byzantine' && !ADMIN_FAULT_KINDS.includes(k)).sort(),
    )
    expect([...shapes].sort()).toEqual([...PARTITION_SHAPES].sort())
    expect([...styles].sort()).toEqual([...FAULT_STYLES].sort())
  })

  it('are a pure function of the rng', () => {
    const spec = fuzzSpec(7)
    for (const style of FAULT_STYLES) {
      const a = randomFaultSchedule(createRng(99), spec, style)
      const b = randomFaultSchedule(createRng(99), spec, style)
      expect(a).toEqual(b)
      expect(a.length).toBeGreaterThan(0)
      expect(a.length).toBeLessThanOrEqual(1000)
    }
    expect(fuzzSpec(7)).toEqual(spec)
    expect(fuzzSpec(8)).not.toEqual(spec)
  })
})

describe('fuzzing the real Raft', () => {
  it(`${SEEDS} seeds: zero violations`, () => {
    const lines: string[] = []
    const t0 = performance.now()
    const results = fuzz({ seeds: SEEDS, startSeed: 1, log: (l) => lines.push(l) })
    const secs = (performance.now() - t0) / 1000
    const events = results.reduce((n, r) => n + r.events, 0)
    console.log(
      `fuzz: ${SEEDS} seeds of real Raft in ${secs.toFixed(1)} s (${(SEEDS / secs).toFixed(0)} seeds/s, ` +
        `${Math.round(events / SEEDS)} events/seed), ${lines.length ? 'VIOLATIONS' : 'no violations'}`,
    )
    if (lines.length) console.log(lines.join('\n'))
    expect(results).toHaveLength(SEEDS)
    expect(results.filter((r) => r.violations.length > 0).map((r) => r.seed)).toEqual([])
    expect(lines).toEqual([])
    for (const r of results) {
      expect(r.stop).toBe('end')
      expect(r.simulatedMs).toBe(r.spec.durationMs)
      expect(r.results.map((c) => c.name)).toEqual(Object.values(CHECK_NAMES))
    }
  })

  it('a seed reproduces its run exactly', () => {
    const a = fuzzOne(42)
    const b = fuzzOne(42)
    expect(a.events).toBe(b.events)
    expect(a.results).toEqual(b.results)
    expect(a.events).toBeGreaterThan(1000)
  })

  it('a run that exceeds the event budget ends cleanly', () => {
    const r = fuzzOne(3, { maxEvents: 500 })
    expect(r.stop).toBe('budget')
    expect(r.events).toBe(500)
    expect(r.simulatedMs).toBeLessThan(r.spec.durationMs)
  })
})

/** Each mutant and the checks that may legitimately be the first to see its bug. */
const MUTANTS: Array<[keyof RaftMutations, string[]]> = [
  [
    'voteWithoutLogCheck',
    [CHECK_NAMES.leaderCompleteness, CHECK_NAMES.stateMachineSafety, CHECK_NAMES.ackedWrites],
  ],
  ['commitOldTermByCounting', [CHECK_NAMES.leaderCompleteness, CHECK_NAMES.stateMachineSafety]],
  [
    'forgetPersistVote',
    [CHECK_NAMES.electionSafety, CHECK_NAMES.leaderCompleteness, CHECK_NAMES.stateMachineSafety],
  ],
  [
    'noTruncateOnConflict',
    [CHECK_NAMES.logMatching, CHECK_NAMES.stateMachineSafety, CHECK_NAMES.leaderCompleteness],
  ],
]

describe('the same fuzz budget catches every broken Raft', () => {
  it.each(MUTANTS)('mutant %s is caught', (mutation, expected) => {
    const factory = createRaftFactory({ [mutation]: true })
    const lines: string[] = []
    const results = fuzz({
      seeds: SEEDS,
      startSeed: 1,
      factory,
      stopOnViolation: true,
      log: (l) => lines.push(l),
    })
    const caught = results.find((r) => r.violations.length > 0) as FuzzResult | undefined
    expect(caught, `${mutation} survived seeds 1..${SEEDS}`).toBeDefined()
    if (!caught) return
    const names = caught.violations.map((v) => v.name)
    console.log(
      `fuzz: mutant ${mutation} caught by seed ${caught.seed} (${caught.spec.name.replace(/^fuzz-raft-\d+-/, '')}, ` +
        `after ${results.length} seed(s)): ${names.join(', ')}\n  ${caught.violations[0].details[0]}`,
    )
    expect(names.some((n) => expected.includes(n))).toBe(true)
    expect(lines[0]).toBe(`reproduce with seed=${caught.seed}`)
    expect(lines.slice(1).join('\n')).toContain(caught.violations[0].details[0])
    // The verdict is the seed's, not the order's: running that seed alone gives the same.
    expect(fuzzOne(caught.seed, { factory }).results).toEqual(caught.results)
  })
})
