// Seeded fuzzing of single-decree Paxos in the simulator (random crash-recovery and network
// faults): the real implementation survives a fixed slice of seeds with zero violations, and
// the same budget catches every deliberately broken Paxos. The long campaign is `npm run fuzz`.
import { describe, expect, it } from 'vitest'
import { fuzz } from '../src/core/fuzz'
import { PAXOS_CHECK_NAMES } from '../src/core/check/paxos'
import { paxosFuzz } from '../src/core/protocols/paxos/fuzz'
import { createPaxosFactory, PAXOS_MUTANTS } from '../src/core/protocols/paxos'

/** The budget every run below gets: seeds 1..SEEDS, 4 s of simulated time each. */
const SEEDS = 12

describe('fuzzing the real Paxos', () => {
  it(`${SEEDS} seeds: zero violations`, () => {
    const lines: string[] = []
    const t0 = performance.now()
    const results = fuzz({ seeds: SEEDS, startSeed: 1, ...paxosFuzz, log: (l) => lines.push(l) })
    const secs = (performance.now() - t0) / 1000
    console.log(`paxos fuzz: ${SEEDS} seeds in ${secs.toFixed(1)} s (${(SEEDS / secs).toFixed(1)} seeds/s)`)
    if (lines.length) console.log(lines.join('\n'))
    expect(results.filter((r) => r.violations.length > 0).map((r) => r.seed)).toEqual([])
    for (const r of results) {
      expect(r.stop).toBe('end')
      expect(r.results.map((c) => c.name)).toEqual([...Object.values(PAXOS_CHECK_NAMES), 'Linearizability'])
    }
  })
})

describe('the same fuzz budget catches every broken Paxos', () => {
  it.each(PAXOS_MUTANTS.map((m) => [m]))('mutant %s is caught', (mutation) => {
    const results = fuzz({
      seeds: SEEDS,
      startSeed: 1,
      ...paxosFuzz,
      factory: createPaxosFactory({ [mutation]: true }),
      stopOnViolation: true,
    })
    const caught = results.find((r) => r.violations.length > 0)
    console.log(`paxos mutant ${mutation}: caught at seed ${caught?.seed ?? 'never'}`)
    expect(caught).toBeDefined()
    expect(caught?.violations.map((v) => v.name)).toContain(PAXOS_CHECK_NAMES.agreement)
  })
})
