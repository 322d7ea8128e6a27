// The Raft checks with membership changes and snapshots, over hand-built traces: each accepts
// the correct run and rejects the broken one it exists for (thesis chapter 4: elections and
// configuration changes judged per configuration; chapter 5: snapshots).
import { describe, expect, it } from 'vitest'
import { CHECK_NAMES, createChecker, RaftTraceChecker } from '../src/core/check'
import { MEMBERSHIP_CHECK_NAMES } from '../src/core/check/raft'
import type { CheckResult } from '../src/shared/api'
import { Trace } from './check.trace'

/** The checks' verdicts on `t` (final: the trace is complete; else as a live run reads them). */
function check(t: Trace, final = true): CheckResult[] {
  const c = new RaftTraceChecker()
  for (const e of t.events) c.onEvent(e)
  return final ? c.finalResults() : c.results()
}

const result = (rs: CheckResult[], name: string): CheckResult => {
  const r = rs.find((x) => x.name === name)
  if (!r) throw new Error(`no ${name} in ${rs.map((x) => x.name).join(', ')}`)
  return r
}

const V3 = ['n1', 'n2', 'n3']

/** n1 leads term 1 of voters n1..n3 and commits its no-op (index 1); learners n4, n5 exist. */
function base(): Trace {
  const t = new Trace()
  for (const n of ['n1', 'n2', 'n3', 'n4', 'n5']) t.config(n, 0, V3)
  t.state('n2', 'follower', 1).state('n3', 'follower', 1).state('n1', 'leader', 1)
  t.append('n1', 1, '1:noop')
    .append('n2', 1, '1:noop')
    .commitAt('n1', 1)
    .state('n1', 'leader', 1)
    .apply('n1', 1, 1, 'noop')
  return t
}

describe('Raft checks per configuration (thesis chapter 4)', () => {
  it('accepts single-server changes made one at a time after a current-term commit', () => {
    const t = base()
    t.append('n1', 2, '1:config').config('n1', 2, V3, ['n4'])
    t.commitAt('n1', 2)
      .state('n1', 'leader', 1)
      .append('n1', 3, '1:config')
      .config('n1', 3, ['n1', 'n2', 'n3', 'n4'])
    t.commitAt('n1', 3)
      .state('n1', 'leader', 1)
      .append('n1', 4, '1:config')
      .config('n1', 4, ['n1', 'n3', 'n4'])
    const rs = check(t)
    expect(rs.every((r) => r.ok)).toBe(true)
    expect(rs.map((r) => r.name)).toContain(MEMBERSHIP_CHECK_NAMES.configChanges)
  })

  it('rejects two configuration changes that overlap (the second before the first is committed)', () => {
    const t = base()
    t.append('n1', 2, '1:config').config('n1', 2, V3, ['n4'])
    t.append('n1', 3, '1:config').config('n1', 3, ['n1', 'n2', 'n3', 'n4'])
    const r = result(check(t), MEMBERSHIP_CHECK_NAMES.configChanges)
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('while the previous one')
    expect(r.details[0]).toContain('two changes overlap')
  })

  it('rejects a change before the leader committed an entry of its own term (the 2015 bug)', () => {
    const t = base()
    // n2 leads term 2; its commit index (1) still holds term 1.
    t.state('n1', 'follower', 2).state('n3', 'follower', 2).commitAt('n2', 1).state('n2', 'leader', 2)
    t.append('n2', 2, '2:noop').append('n2', 3, '2:config').config('n2', 3, V3, ['n4'])
    const r = result(check(t), MEMBERSHIP_CHECK_NAMES.configChanges)
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('before committing an entry of its own term')
  })

  it("judges a leader's first configuration change in a run that started with every node a voter (no config events before)", () => {
    const t = new Trace()
    t.state('n2', 'follower', 1).state('n3', 'follower', 1).state('n1', 'leader', 1)
    // n1 has committed nothing of term 1 when it appends its first configuration.
    t.append('n1', 1, '1:noop').append('n1', 2, '1:config').config('n1', 2, ['n2', 'n3'])
    const r = result(check(t), MEMBERSHIP_CHECK_NAMES.configChanges)
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('before committing an entry of its own term')
    // The same change once its no-op is committed is fine.
    const ok = new Trace()
    ok.state('n2', 'follower', 1).state('n3', 'follower', 1).state('n1', 'leader', 1)
    ok.append('n1', 1, '1:noop').append('n2', 1, '1:noop').commitAt('n1', 1).state('n1', 'leader', 1)
    ok.append('n1', 2, '1:config').config('n1', 2, ['n2', 'n3'])
    expect(check(ok).every((x) => x.ok)).toBe(true)
  })

  it('rejects two voters changed at once outside joint consensus, and accepts the same change made jointly', () => {
    const bad = base()
    bad.append('n1', 2, '1:config').config('n1', 2, ['n1', 'n2', 'n4'], [])
    const r = result(check(bad), MEMBERSHIP_CHECK_NAMES.configChanges)
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('changes 2 voters at once')
    const good = base()
    good.append('n1', 2, '1:config').config('n1', 2, ['n1', 'n2', 'n4'], [], V3)
    good
      .commitAt('n1', 2)
      .state('n1', 'leader', 1)
      .append('n1', 3, '1:config')
      .config('n1', 3, ['n1', 'n2', 'n4'])
    expect(check(good).every((x) => x.ok)).toBe(true)
    const wrongOld = base()
    wrongOld.append('n1', 2, '1:config').config('n1', 2, ['n1', 'n2', 'n4'], [], ['n1', 'n2'])
    expect(result(check(wrongOld), MEMBERSHIP_CHECK_NAMES.configChanges).details[0]).toContain(
      'not the current voters',
    )
  })

  it('rejects a leader elected without a majority of its voters in its term (e.g. by learners)', () => {
    const t = base()
    // n1 leads term 5 while n2 and n3 never left term 1: only learners could have voted.
    t.state('n4', 'follower', 5).state('n5', 'follower', 5).state('n1', 'leader', 5)
    t.wait(10)
    const r = result(check(t), CHECK_NAMES.electionSafety)
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('only 1 of its voters {n1, n2, n3} had reached term 5')
    // With n2 in term 5 first, the election is fine.
    const ok = base()
    ok.state('n2', 'follower', 5).state('n1', 'leader', 5).wait(10)
    expect(result(check(ok), CHECK_NAMES.electionSafety).ok).toBe(true)
  })

  it('joint consensus: a leader needs a majority of both halves', () => {
    const t = base()
    t.append('n1', 2, '1:config').config('n1', 2, ['n1', 'n4', 'n5'], [], V3)
    // Term 6: n4 and n5 (a majority of the new voters) but none of the old ones besides n1.
    t.state('n1', 'follower', 6)
      .state('n4', 'follower', 6)
      .state('n5', 'follower', 6)
      .state('n1', 'leader', 6)
    t.wait(10)
    const r = result(check(t), CHECK_NAMES.electionSafety)
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('of its old voters {n1, n2, n3}')
  })

  it('rejects a leader that is not a voter of its configuration', () => {
    const t = base()
    t.config('n4', 2, V3, ['n4']).state('n2', 'follower', 3).state('n4', 'leader', 3)
    const r = result(check(t), CHECK_NAMES.electionSafety)
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('is not a voter')
  })

  it('an election is judged once late events can no longer arrive (results) or at the end (finalResults)', () => {
    const t = base()
    t.state('n1', 'leader', 5)
    expect(result(check(t, false), CHECK_NAMES.electionSafety).ok).toBe(true) // not yet judged
    expect(result(check(t, true), CHECK_NAMES.electionSafety).ok).toBe(false)
    t.wait(3000).state('n3', 'follower', 1)
    expect(result(check(t, false), CHECK_NAMES.electionSafety).ok).toBe(false)
    // A voter whose events may have died with it (it crashed right then) is given the benefit of the doubt.
    const crashed = base()
    crashed.state('n2', 'follower', 5).state('n1', 'leader', 5).life('n3', 'crash')
    expect(result(check(crashed), CHECK_NAMES.electionSafety).ok).toBe(true)
  })

  it('runs without configurations report no Configuration Changes check (the classic list)', () => {
    const t = new Trace()
    t.state('n1', 'leader', 1).append('n1', 1, '1:noop').apply('n1', 1, 1, 'noop')
    const names = check(t).map((r) => r.name)
    expect(names).not.toContain(MEMBERSHIP_CHECK_NAMES.configChanges)
    expect(names).toEqual(Object.values(CHECK_NAMES).filter((n) => n !== CHECK_NAMES.linearizability))
    expect(
      createChecker('raft')
        .results()
        .map((r) => r.name),
    ).toEqual(Object.values(CHECK_NAMES))
  })
})

describe('Raft checks with snapshots (thesis chapter 5)', () => {
  /** n1 leads, n1 and n2 apply 1..4, n1 snapshots at 3. */
  function snapped(): Trace {
    const t = new Trace()
    t.state('n2', 'follower', 1).state('n1', 'leader', 1)
    t.append('n1', 1, '1:noop', '1:a', '1:b', '1:c').append('n2', 1, '1:noop', '1:a', '1:b', '1:c')
    for (const n of ['n1', 'n2']) {
      t.apply(n, 1, 1, 'noop').apply(n, 2, 1, 'a').apply(n, 3, 1, 'b').apply(n, 4, 1, 'c')
    }
    t.snapshot('n1', 'take', 3, 1)
    return t
  }

  it('accepts a follower that installs the snapshot and goes on after it', () => {
    const t = snapped()
    t.snapshot('n3', 'install', 3, 1).append('n3', 4, '1:c').apply('n3', 4, 1, 'c')
    expect(check(t).every((r) => r.ok)).toBe(true)
  })

  it('rejects a snapshot installed behind what the node already applied (its state machine goes back)', () => {
    const t = snapped()
    t.snapshot('n2', 'install', 3, 1)
    const r = result(check(t), CHECK_NAMES.stateMachineSafety)
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('n2 installed a snapshot up to index 3')
    expect(r.details[0]).toContain('after it had applied up to index 4: its state machine went back')
    // After a restart the node starts over from its own snapshot: that is no going back.
    const restarted = snapped()
    restarted.life('n2', 'crash').life('n2', 'restart').snapshot('n2', 'restore', 2, 1)
    restarted.apply('n2', 3, 1, 'b').apply('n2', 4, 1, 'c')
    expect(check(restarted).every((x) => x.ok)).toBe(true)
  })

  it('rejects a snapshot whose last entry is not the committed one there', () => {
    const t = snapped()
    t.snapshot('n3', 'install', 3, 2)
    const r = result(check(t), CHECK_NAMES.stateMachineSafety)
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('the entry committed there has term 1')
  })

  it('leader completeness: a leader whose snapshot covers the committed entries is complete', () => {
    const t = snapped()
    t.snapshot('n3', 'install', 4, 1).state('n3', 'leader', 2)
    expect(result(check(t), CHECK_NAMES.leaderCompleteness).ok).toBe(true)
    const missing = snapped()
    missing.snapshot('n3', 'install', 2, 1).state('n3', 'leader', 2)
    expect(result(check(missing), CHECK_NAMES.leaderCompleteness).ok).toBe(false)
  })
})
