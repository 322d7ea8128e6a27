// Raft invariant checks over hand-built traces: every check accepts a correct run and
// rejects the broken run it exists for.
import { describe, expect, it } from 'vitest'
import { checkRun, CHECK_NAMES, createChecker } from '../src/core/check'
import type { CheckResult } from '../src/shared/api'
import type { TraceEvent } from '../src/shared/trace'
import { Trace } from './check.trace'

function byName(results: CheckResult[], name: string): CheckResult {
  const r = results.find((x) => x.name === name)
  if (!r) throw new Error(`no check named ${name} in ${results.map((x) => x.name).join(', ')}`)
  return r
}

/** Only `failing` checks fail; the rest pass. */
function expectOnlyFailing(results: CheckResult[], ...failing: string[]): void {
  for (const r of results) {
    if (failing.includes(r.name)) {
      expect(r.ok, `${r.name} should fail`).toBe(false)
      expect(r.count).toBeGreaterThan(0)
      expect(r.details.length).toBeGreaterThan(0)
    } else {
      expect(r, `${r.name} should pass`).toMatchObject({ ok: true, count: 0, details: [] })
    }
  }
}

const ALL = Object.values(CHECK_NAMES)

/**
 * A correct 3-node run: n1 leads term 1 and commits a and b; n3 gets an extra, uncommitted
 * entry x from n1; n1 crashes; n2 wins term 2 (it has a and b), truncates n3's x and
 * replaces it; n1 restarts and replays its state machine from index 1.
 */
function correctRun(): Trace {
  const tr = new Trace()
  tr.state('n1', 'follower', 0).state('n2', 'follower', 0).state('n3', 'follower', 0)
  tr.state('n1', 'candidate', 1).state('n1', 'leader', 1)
  tr.state('n2', 'follower', 1, 'n1').state('n3', 'follower', 1, 'n1')
  tr.op(1, 'c1.1', 'invoke', 'put', 'k', 'v1').op(2, 'c2.1', 'invoke', 'cas', 'k', 'v2', { expected: 'v1' })
  tr.append('n1', 1, '1:noop1', '1:c1.1').noise()
  tr.append('n2', 1, '1:noop1', '1:c1.1').append('n3', 1, '1:noop1')
  tr.applyAll('n1', 1, '1:noop1', '1:c1.1')
  tr.op(1, 'c1.1', 'ok', 'put', 'k', 'v1', { node: 'n1' })
  tr.state('n1', 'leader', 1) // commit index moved: same leader, not a new election
  tr.append('n1', 3, '1:c2.1').append('n3', 2, '1:c1.1', '1:c2.1')
  tr.applyAll('n2', 1, '1:noop1', '1:c1.1')
  tr.life('n1', 'crash')
  tr.state('n2', 'candidate', 2).state('n2', 'leader', 2)
  tr.state('n3', 'follower', 2, 'n2')
  tr.append('n2', 3, '2:noop2')
  tr.truncate('n3', 3).append('n3', 3, '2:noop2')
  tr.applyAll('n3', 1, '1:noop1', '1:c1.1', '2:noop2')
  tr.applyAll('n2', 3, '2:noop2')
  tr.op(2, 'c2.1', 'info', 'cas', 'k', 'v2', { expected: 'v1', node: 'n1' })
  tr.op(3, 'c3.1', 'invoke', 'cas', 'k', 'zz', { expected: 'nope' })
  tr.append('n2', 4, '2:c3.1').append('n3', 4, '2:c3.1')
  tr.applyAll('n2', 4, '2:c3.1')
  tr.op(3, 'c3.1', 'ok', 'cas', 'k', 'zz', { expected: 'nope', result: false, node: 'n2' })
  tr.op(1, 'c1.2', 'invoke', 'put', 'k', 'v3')
  tr.append('n2', 5, '2:c1.2').append('n3', 5, '2:c1.2')
  tr.applyAll('n2', 5, '2:c1.2')
  tr.op(1, 'c1.2', 'ok', 'put', 'k', 'v3', { node: 'n2' })
  // n1 comes back with its persisted log [noop1, c1.1, c2.1] and replays from index 1.
  tr.life('n1', 'restart').state('n1', 'follower', 2, 'n2')
  tr.truncate('n1', 3).append('n1', 3, '2:noop2', '2:c3.1', '2:c1.2')
  tr.applyAll('n1', 1, '1:noop1', '1:c1.1', '2:noop2', '2:c3.1', '2:c1.2')
  tr.applyAll('n3', 4, '2:c3.1', '2:c1.2')
  return tr
}

describe('checkRun on a correct Raft trace', () => {
  it('passes every check', () => {
    const results = checkRun('raft', correctRun().events)
    expect(results.map((r) => r.name)).toEqual(ALL)
    expectOnlyFailing(results)
  })

  it('is deterministic and does not modify the trace', () => {
    const events = correctRun().events
    const copy = JSON.parse(JSON.stringify(events)) as TraceEvent[]
    expect(checkRun('raft', events)).toEqual(checkRun('raft', events))
    expect(events).toEqual(copy)
  })

  it('streaming and batch checking agree, and results() can be read mid-run', () => {
    const events = correctRun().events
    const c = createChecker('raft')
    events.forEach((e, i) => {
      c.onEvent(e)
      if (i === 10) expect(c.results().every((r) => r.ok)).toBe(true)
    })
    expect(c.results()).toEqual(checkRun('raft', events))
  })

  it('tolerates a restarted node re-emitting its recovered log', () => {
    const tr = correctRun()
    tr.life('n3', 'crash').life('n3', 'restart')
    tr.append('n3', 1, '1:noop1', '1:c1.1', '2:noop2', '2:c3.1', '2:c1.2')
    tr.state('n3', 'follower', 2, 'n2')
    tr.applyAll('n3', 1, '1:noop1', '1:c1.1')
    expectOnlyFailing(checkRun('raft', tr.events))
  })

  it('an empty trace passes', () => {
    expectOnlyFailing(checkRun('raft', []))
  })

  it('an algorithm without its own checker gets only the protocol-independent checks, or none without a log', () => {
    expect(checkRun('zab', [])).toEqual([])
    const names = checkRun('zab', correctRun().events).map((r) => r.name)
    expect(names).toEqual([
      CHECK_NAMES.stateMachineSafety,
      CHECK_NAMES.ackedWrites,
      CHECK_NAMES.linearizability,
    ])
  })
})

describe('Election Safety', () => {
  it('rejects two leaders in one term', () => {
    const tr = new Trace()
    tr.state('n1', 'candidate', 3).state('n2', 'candidate', 3)
    tr.state('n1', 'leader', 3).state('n2', 'leader', 3)
    const r = byName(checkRun('raft', tr.events), CHECK_NAMES.electionSafety)
    expect(r.ok).toBe(false)
    expect(r.count).toBe(1)
    expect(r.details[0]).toContain('term 3')
    expect(r.details[0]).toContain('n1')
    expect(r.details[0]).toContain('n2')
    expect(r.details[0]).toMatch(/t=\d+ms/)
    expectOnlyFailing(checkRun('raft', tr.events), CHECK_NAMES.electionSafety)
  })

  it('accepts one leader per term, a leader re-announcing itself, and a leader again after a crash in a later term', () => {
    const tr = new Trace()
    tr.state('n1', 'leader', 1).state('n1', 'leader', 1).state('n2', 'leader', 2)
    tr.life('n2', 'crash').life('n2', 'restart').state('n2', 'follower', 2).state('n2', 'leader', 3)
    expectOnlyFailing(checkRun('raft', tr.events))
  })

  it('counts each extra leader once and reports the first few', () => {
    const tr = new Trace()
    for (let term = 1; term <= 8; term++) tr.state('n1', 'leader', term).state('n2', 'leader', term)
    tr.state('n2', 'follower', 8).state('n2', 'leader', 8) // the same violation again
    const r = byName(checkRun('raft', tr.events), CHECK_NAMES.electionSafety)
    expect(r.count).toBe(8)
    expect(r.details).toHaveLength(5)
  })
})

describe('Log Matching', () => {
  it('rejects two logs with the same index and term but different entries', () => {
    const tr = new Trace()
    tr.state('n1', 'leader', 1)
    tr.append('n1', 1, '1:a', '1:b').append('n2', 1, '1:a', '1:c')
    const r = byName(checkRun('raft', tr.events), CHECK_NAMES.logMatching)
    expect(r.ok).toBe(false)
    expect(r.count).toBe(1)
    expect(r.details[0]).toContain('index 2 term 1')
    expect(r.details[0]).toContain('"c"')
    expect(r.details[0]).toContain('"b"')
    expectOnlyFailing(checkRun('raft', tr.events), CHECK_NAMES.logMatching)
  })

  it('rejects logs that share an entry but differ before it', () => {
    const tr = new Trace()
    tr.append('n1', 1, '1:a', '2:x').append('n2', 1, '3:z', '2:x')
    const r = byName(checkRun('raft', tr.events), CHECK_NAMES.logMatching)
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('differ before it')
    expect(r.details[0]).toContain('index 1')
  })

  it('rejects a conflict overwritten without truncating the stale suffix', () => {
    // n2 had [1:a, 1:b, 1:c] from the term-1 leader; the term-2 leader n3 has [1:a, 2:d].
    // Overwriting index 2 without truncating leaves 1:c after 2:d: its prefix no longer matches n1's.
    const tr = new Trace()
    tr.append('n1', 1, '1:a', '1:b', '1:c').append('n2', 1, '1:a', '1:b', '1:c')
    tr.append('n3', 1, '1:a', '2:d')
    tr.append('n2', 2, '2:d')
    const r = byName(checkRun('raft', tr.events), CHECK_NAMES.logMatching)
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('n2')
    expect(r.details[0]).toContain('index 3 term 1')
    // With the truncate the same run is fine.
    const ok = new Trace()
    ok.append('n1', 1, '1:a', '1:b', '1:c').append('n2', 1, '1:a', '1:b', '1:c')
    ok.append('n3', 1, '1:a', '2:d')
    ok.truncate('n2', 2).append('n2', 2, '2:d')
    expectOnlyFailing(checkRun('raft', ok.events))
  })

  it('rejects a (index, term) pair reused for another entry after the first was truncated', () => {
    const tr = new Trace()
    tr.append('n1', 1, '1:a', '1:b').truncate('n1', 2).append('n2', 1, '1:a', '1:q')
    expect(byName(checkRun('raft', tr.events), CHECK_NAMES.logMatching).ok).toBe(false)
  })

  it('rejects an append that leaves a gap in the log', () => {
    const tr = new Trace()
    tr.append('n1', 1, '1:a').append('n1', 3, '1:c')
    const r = byName(checkRun('raft', tr.events), CHECK_NAMES.logMatching)
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('gap')
  })

  it('checks 100k log events quickly and accepts a long correct history', () => {
    const tr = new Trace()
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5']
    let term = 1
    let index = 0
    for (let batch = 0; batch < 20_000; batch++) {
      if (batch % 1000 === 0) term++
      index++
      for (const n of nodes) tr.append(n, index, `${term}:e${index}`)
    }
    expect(tr.events.length).toBe(100_000)
    expectOnlyFailing(checkRun('raft', tr.events))
    // Now break one follower deep in the history.
    tr.append('n4', index, `${term}:other`)
    const r = byName(checkRun('raft', tr.events), CHECK_NAMES.logMatching)
    expect(r.count).toBe(1)
    expect(r.details[0]).toContain(`index ${index}`)
  })
})

describe('Leader Completeness', () => {
  it('rejects a new leader missing a committed entry', () => {
    const tr = new Trace()
    tr.state('n1', 'leader', 1).state('n2', 'follower', 1, 'n1').state('n3', 'follower', 1, 'n1')
    tr.append('n1', 1, '1:a').append('n2', 1, '1:a')
    tr.apply('n1', 1, 1, 'a')
    // n3 never got `a` but becomes leader of term 2 (e.g. voters skipped the log check).
    tr.state('n3', 'candidate', 2).state('n3', 'leader', 2)
    const results = checkRun('raft', tr.events)
    const r = byName(results, CHECK_NAMES.leaderCompleteness)
    expect(r.ok).toBe(false)
    expect(r.count).toBe(1)
    expect(r.details[0]).toContain('n3 became leader of term 2')
    expect(r.details[0]).toContain('index 1 term 1 id "a"')
    expect(r.details[0]).toContain('applied by n1')
    expectOnlyFailing(results, CHECK_NAMES.leaderCompleteness)
  })

  it('rejects a new leader whose log has another entry at a committed index', () => {
    const tr = new Trace()
    tr.state('n1', 'leader', 2).append('n1', 1, '1:a', '2:b').append('n2', 1, '1:a', '2:b')
    tr.applyAll('n2', 1, '1:a', '2:b')
    tr.append('n3', 1, '1:a', '1:z').state('n3', 'leader', 3)
    const r = byName(checkRun('raft', tr.events), CHECK_NAMES.leaderCompleteness)
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('index 2 term 2 id "b"')
    expect(r.details[0]).toContain('it has index 2 term 1 id "z" there')
  })

  it('accepts a leader that has every committed entry', () => {
    const tr = new Trace()
    tr.state('n1', 'leader', 1).append('n1', 1, '1:a').append('n2', 1, '1:a').apply('n1', 1, 1, 'a')
    tr.state('n2', 'leader', 2)
    expectOnlyFailing(checkRun('raft', tr.events))
  })

  it('does not demand entries committed in a later term from a late leader of an earlier term', () => {
    // n1 leads term 3 and commits `a`; a term-2 election whose votes were delayed completes
    // afterwards. Leader Completeness only binds leaders of terms above the commit term.
    const tr = new Trace()
    tr.state('n1', 'leader', 3).state('n2', 'follower', 3, 'n1')
    tr.append('n1', 1, '3:a').append('n2', 1, '3:a').apply('n2', 1, 3, 'a')
    tr.state('n3', 'leader', 2)
    expectOnlyFailing(checkRun('raft', tr.events))
  })
})

describe('State Machine Safety', () => {
  it('rejects two nodes applying different entries at one index', () => {
    const tr = new Trace()
    tr.append('n1', 1, '1:a').append('n2', 1, '1:b')
    tr.apply('n1', 1, 1, 'a').apply('n2', 1, 1, 'b')
    const results = checkRun('raft', tr.events)
    const r = byName(results, CHECK_NAMES.stateMachineSafety)
    expect(r.ok).toBe(false)
    expect(r.count).toBe(1)
    expect(r.details[0]).toContain('index 1')
    expect(r.details[0]).toContain('n2 applied term 1 id "b"')
    expect(r.details[0]).toContain('n1 applied term 1 id "a"')
  })

  it('rejects different terms applied at one index', () => {
    const tr = new Trace()
    tr.append('n1', 1, '1:a').append('n2', 1, '2:a')
    tr.apply('n1', 1, 1, 'a').apply('n2', 1, 2, 'a')
    expect(byName(checkRun('raft', tr.events), CHECK_NAMES.stateMachineSafety).ok).toBe(false)
  })

  it('rejects a node applying with a gap or out of order', () => {
    const tr = new Trace()
    tr.append('n1', 1, '1:a', '1:b', '1:c')
    tr.apply('n1', 1, 1, 'a').apply('n1', 3, 1, 'c')
    const r = byName(checkRun('raft', tr.events), CHECK_NAMES.stateMachineSafety)
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('skipped index 2')

    const back = new Trace()
    back.append('n1', 1, '1:a', '1:b').apply('n1', 1, 1, 'a').apply('n1', 2, 1, 'b').apply('n1', 1, 1, 'a')
    expect(byName(checkRun('raft', back.events), CHECK_NAMES.stateMachineSafety).details[0]).toContain(
      'out of order',
    )
  })

  it('accepts a restarted node replaying from index 1', () => {
    const tr = new Trace()
    tr.append('n1', 1, '1:a', '1:b').applyAll('n1', 1, '1:a', '1:b')
    tr.life('n1', 'crash').life('n1', 'restart').applyAll('n1', 1, '1:a', '1:b')
    expectOnlyFailing(checkRun('raft', tr.events))
  })

  it('rejects a node applying an entry that is not in its log', () => {
    const tr = new Trace()
    tr.append('n1', 1, '1:a').apply('n1', 1, 1, 'zzz')
    const r = byName(checkRun('raft', tr.events), CHECK_NAMES.stateMachineSafety)
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('its log has term 1 id "a"')
  })
})

describe('No acknowledged write lost', () => {
  it('rejects an acknowledged put that no node applied', () => {
    const tr = new Trace()
    tr.op(1, 'c1.1', 'invoke', 'put', 'x', '1').op(1, 'c1.1', 'ok', 'put', 'x', '1', { node: 'n2' })
    const results = checkRun('raft', tr.events)
    const r = byName(results, CHECK_NAMES.ackedWrites)
    expect(r).toMatchObject({ ok: false, count: 1 })
    expect(r.details[0]).toContain('c1.1')
    expect(r.details[0]).toContain('n2')
    expectOnlyFailing(results, CHECK_NAMES.ackedWrites)
  })

  it('rejects an acknowledged successful cas that no node applied', () => {
    const tr = new Trace()
    tr.op(2, 'c2.7', 'ok', 'cas', 'x', '2', { expected: '1', result: true })
    expect(byName(checkRun('raft', tr.events), CHECK_NAMES.ackedWrites).ok).toBe(false)
  })

  it('ignores reads, failed / unknown writes and cas that did not match', () => {
    const tr = new Trace()
    tr.op(1, 'c1.1', 'ok', 'get', 'x', null)
    tr.op(1, 'c1.2', 'fail', 'put', 'x', '1')
    tr.op(1, 'c1.3', 'info', 'put', 'x', '1')
    tr.op(1, 'c1.4', 'ok', 'cas', 'x', '2', { expected: '9', result: false })
    expectOnlyFailing(checkRun('raft', tr.events))
  })

  it('accepts an acknowledged write applied by one node only', () => {
    const tr = new Trace()
    tr.append('n3', 1, '4:c1.1').apply('n3', 1, 4, 'c1.1').op(1, 'c1.1', 'ok', 'put', 'x', '1')
    expectOnlyFailing(checkRun('raft', tr.events))
  })
})
