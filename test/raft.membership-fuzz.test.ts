// Seeded search over random schedules with membership changes, snapshot installs and
// leadership transfers (raft.membership.harness.ts): the real Raft passes a fixed slice of seeds
// in both membership modes, and the same search catches each deliberately broken Raft of
// chapters 4 and 5, printing the seed that reproduces it. Deterministic (fixed seeds).
import { describe, expect, it } from 'vitest'
import { CHECK_NAMES } from '../src/core/check'
import { MEMBERSHIP_CHECK_NAMES } from '../src/core/check/raft'
import type { RaftMutations } from '../src/core/protocols/raft/types'
import { runMembershipFuzz, searchSeeds, TracedCluster } from './raft.membership.harness'

/** Seeds the real Raft must pass in each membership mode. */
const PASS_SEEDS = 30
/** Most seeds the search may take to catch a mutant. */
const BUDGET = 60
const MODES = ['single-server', 'joint'] as const

describe('membership fuzzing: the real Raft', () => {
  for (const membership of MODES) {
    it(`${membership}: seeds 1..${PASS_SEEDS} pass every check, and exercise what they should`, () => {
      const failed: string[] = []
      const total = { configs: 0, joint: 0, installs: 0, snapshots: 0, transfers: 0, applied: 0 }
      for (let seed = 1; seed <= PASS_SEEDS; seed++) {
        const r = runMembershipFuzz({ seed, membership })
        if (r.violations.length)
          failed.push(`seed=${seed}: ${r.violations[0].name}: ${r.violations[0].details[0]}`)
        for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += r.stats[k]
      }
      console.log(`membership fuzz (${membership}), ${PASS_SEEDS} seeds: ${JSON.stringify(total)}`)
      expect(failed).toEqual([])
      expect(total.configs).toBeGreaterThan(PASS_SEEDS * 10)
      expect(total.installs).toBeGreaterThan(PASS_SEEDS)
      expect(total.snapshots).toBeGreaterThan(PASS_SEEDS)
      expect(total.transfers).toBeGreaterThan(PASS_SEEDS)
      if (membership === 'joint') expect(total.joint).toBeGreaterThan(PASS_SEEDS)
      else expect(total.joint).toBe(0)
    })
  }

  it('a seed reproduces its run exactly', () => {
    expect(runMembershipFuzz({ seed: 9 })).toEqual(runMembershipFuzz({ seed: 9 }))
  })
})

/** Each mutant and the checks that may see it first. */
const MUTANTS: Array<[keyof RaftMutations, string[]]> = [
  ['changeBeforeTermCommit', [MEMBERSHIP_CHECK_NAMES.configChanges]],
  ['concurrentConfigChanges', [MEMBERSHIP_CHECK_NAMES.configChanges, CHECK_NAMES.electionSafety]],
  [
    'learnerCountsAsVoter',
    [CHECK_NAMES.electionSafety, CHECK_NAMES.leaderCompleteness, CHECK_NAMES.stateMachineSafety],
  ],
  ['installStaleSnapshot', [CHECK_NAMES.stateMachineSafety]],
]

describe('membership fuzzing catches every broken Raft of chapters 4 and 5', () => {
  for (const [mutation, expected] of MUTANTS) {
    for (const membership of MODES) {
      it(`${mutation} (${membership}) is caught within ${BUDGET} seeds`, () => {
        const lines: string[] = []
        const { caught, tried } = searchSeeds(
          { from: 1, to: BUDGET, membership, mutations: { [mutation]: true } },
          (l) => lines.push(l),
        )
        expect(caught, `${mutation} survived seeds 1..${BUDGET}`).not.toBeNull()
        if (!caught) return
        console.log(
          `membership fuzz: ${mutation} (${membership}) caught after ${tried} seed(s)\n${lines.join('\n')}`,
        )
        expect(lines[0]).toBe(`reproduce with seed=${caught.seed}`)
        expect(caught.violations.some((v) => expected.includes(v.name))).toBe(true)
        // The seed alone gives the same verdict.
        expect(
          runMembershipFuzz({ seed: caught.seed, membership, mutations: { [mutation]: true } }).results,
        ).toEqual(caught.results)
      })
    }
  }
})

describe('§4.1: the single-server counterexample Ongaro published in 2015, replayed', () => {
  /**
   * Voters n1..n4 (n5 a caught-up learner). n1 promotes n5 (C1 = n1..n5) but the entry reaches
   * nobody, and n1 goes down. n2 leads term 2 with n3 and n4, and at once removes n4 (C2 =
   * n1..n3) while n4 and n5 miss its entries; n2 and n3, a majority of C2, commit. n1 returns,
   * and n4 and n5 (a majority of C1 with n1) elect it: it commits C1 over n2's entries.
   * With the fix n2 must first commit its no-op, which needs n4 (a majority of n1..n4), and then
   * n4 never votes for n1.
   */
  function replay(bug: boolean) {
    const c = new TracedCluster(5, {
      seed: 1,
      voters: ['n1', 'n2', 'n3', 'n4'],
      mutations: bug ? { changeBeforeTermCommit: true } : {},
      params: { electionTimeoutTicks: [30, 40] },
      paramsFor: { n1: { electionTimeoutTicks: [10, 10] }, n2: { electionTimeoutTicks: [10, 10] } },
    })
    c.campaign('n1')
    c.tick(3)
    c.admin('n1', { type: 'membership', action: 'add', node: 'n5' })
    c.tick(3)
    c.isolate('n1')
    c.admin('n1', { type: 'membership', action: 'promote', node: 'n5' })
    expect(c.config('n1').voters).toEqual(['n1', 'n2', 'n3', 'n4', 'n5'])
    c.crash('n1')
    c.heal()
    c.isolate('n1')
    c.dropIf = (e) => e.from === 'n2' && (e.to === 'n4' || e.to === 'n5') && e.msg.type === 'AppendEntries'
    c.tickUntil(() => c.node('n2').status().role === 'leader', 200, ['n2', 'n3', 'n4'])
    c.admin('n2', { type: 'membership', action: 'remove', node: 'n4' })
    c.tick(3, ['n2', 'n3'])
    c.dropIf = null
    c.restart('n1')
    c.heal()
    for (const a of ['n2', 'n3']) for (const b of ['n1', 'n4', 'n5']) c.cut(a, b)
    c.tick(40, ['n1', 'n4', 'n5'])
    return { c, failed: c.checker.finalResults().filter((r) => !r.ok) }
  }

  it('with the bug, two leaders commit different entries at the same index; the checks say so', () => {
    const { c, failed } = replay(true)
    expect(c.node('n2').status()).toMatchObject({ role: 'leader', term: 2, commitIndex: 4 })
    expect(c.node('n1').status()).toMatchObject({ role: 'leader', term: 3, commitIndex: 4 })
    expect(c.node('n1').log.entry(3).term).not.toBe(c.node('n2').log.entry(3).term)
    const names = failed.map((r) => r.name)
    expect(names).toContain(CHECK_NAMES.stateMachineSafety)
    expect(names).toContain(CHECK_NAMES.leaderCompleteness)
    expect(names).toContain(MEMBERSHIP_CHECK_NAMES.configChanges)
  })

  it('with the fix, n2 makes no change before its no-op commits, and nothing committed is lost', () => {
    const { c, failed } = replay(false)
    expect(
      c
        .node('n2')
        .log.all()
        .filter((e) => e.conf).length,
    ).toBe(1) // only the add of n5
    expect(failed).toEqual([])
  })
})
