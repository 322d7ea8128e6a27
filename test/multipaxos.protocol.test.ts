// Multi-Paxos on a one-thread simulated network. Section references: Lamport, "Paxos Made
// Simple" (PMS) §2.2-2.3 (phases 1 and 2, acceptors' promises), §3 (the state machine: one
// phase 1 for all instances, phase 2 per command, no-ops for gaps); van Renesse & Altinbuken,
// "Paxos Made Moderately Complex" (PMMC) for leader change by a higher ballot.
import { describe, expect, it } from 'vitest'
import { Cluster, put } from './multipaxos.harness'
import { MAX_AHEAD, ballotRound, fmtBallot } from '../src/core/protocols/multipaxos'

function leaderOf(c: Cluster): string {
  const ls = c.leaders()
  if (ls.length !== 1) throw new Error(`expected one leader, got ${ls.length}`)
  return ls[0].id
}

describe('PMS §3: a stable leader runs phase 1 once, then phase 2 per command', () => {
  it('one Prepare round for many commands; every node applies the same log in order', () => {
    const c = new Cluster(3)
    c.campaign('n1')
    expect(leaderOf(c)).toBe('n1')
    expect(c.count('Prepare')).toBe(2)
    for (let i = 1; i <= 10; i++) c.propose('n1', `c1.${i}`, put('k', `v${i}`))
    c.tick(3)
    expect(c.count('Prepare')).toBe(2) // no new phase 1
    expect(c.count('Accept', 'n1')).toBeGreaterThanOrEqual(20)
    for (const id of c.ids) {
      expect(c.appliedIds(id)).toEqual(Array.from({ length: 10 }, (_, i) => `${i + 1}:c1.${i + 1}`))
      expect(c.node(id).kv.get('k')).toBe('v10')
      expect(c.node(id).status().commitIndex).toBe(10)
    }
    expect(c.repliesFor('c1.3')).toEqual([{ id: 'c1.3', ok: true, f: 'put', value: null }])
  })

  it('batches commands proposed together into Accepts of at most maxBatch', () => {
    const c = new Cluster(3, { params: { maxBatch: 4 } })
    c.campaign('n1')
    const before = c.count('Accept', 'n1')
    // Ten proposals before one ready(): they go out together.
    for (let i = 1; i <= 10; i++) c.node('n1').propose({ id: `c1.${i}`, cmd: put('k', `v${i}`) })
    c.drain('n1')
    c.stabilize()
    const accepts = c.sent.slice().filter((e) => e.msg.type === 'Accept' && e.from === 'n1')
    expect(accepts.length - before).toBe(2 * 3) // 3 Accepts (4+4+2) to each of 2 followers
    const toN2 = accepts.filter((e) => e.to === 'n2')
    expect(toN2.map((e) => (e.msg.type === 'Accept' ? e.msg.entries.length : 0)).slice(-3)).toEqual([4, 4, 2])
    expect(c.node('n1').status().commitIndex).toBe(10)
    c.tick(2) // followers learn the commit point from the next heartbeat
    expect(c.node('n2').status().commitIndex).toBe(10)
  })

  it('a leader timeout elects a leader by itself, and the others follow it', () => {
    const c = new Cluster(5, { seed: 3 })
    c.tickUntil(
      () => c.leaders().length === 1 && c.live().every((n) => n.status().leader === c.leaders()[0].id),
    )
    const l = c.leaders()[0]
    expect(l.status().term).toBeGreaterThanOrEqual(1)
    c.propose(l.id, 'c1.1', put('a', '1'))
    c.tick(2)
    for (const n of c.live()) expect(n.kv.get('a')).toBe('1')
  })

  it('non-leaders answer not_leader with a leader hint', () => {
    const c = new Cluster(3)
    c.campaign('n2')
    c.tick(3)
    c.propose('n3', 'c1.1', put('a', '1'))
    expect(c.repliesFor('c1.1')).toEqual([{ id: 'c1.1', ok: false, error: 'not_leader', leaderHint: 'n2' }])
  })

  it('a single-node cluster decides alone', () => {
    const c = new Cluster(1)
    c.campaign('n1')
    c.propose('n1', 'c1.1', put('a', '1'))
    expect(c.appliedIds('n1')).toEqual(['1:c1.1'])
    expect(c.repliesFor('c1.1')[0]).toMatchObject({ ok: true })
  })
})

describe('PMS §2.2 / PMMC: leader change by phase 1 with a higher ballot', () => {
  it('the new leader re-proposes the value a minority accepted (highest ballot wins)', () => {
    const c = new Cluster(5)
    c.campaign('n1')
    c.propose('n1', 'c1.1', put('a', '1'))
    // c1.2 reaches only n2 (not a majority): not decided.
    c.dropIf = (e) => e.from === 'n1' && e.msg.type === 'Accept' && e.to !== 'n2'
    c.propose('n1', 'c1.2', put('a', '2'))
    expect(c.node('n2').log.entry(2)?.id).toBe('c1.2')
    expect(c.node('n1').status().commitIndex).toBe(1)
    c.crash('n1')
    c.heal()
    const l = c.elect()
    expect(l.id).not.toBe('n1')
    const b = l.inspect().ballot
    expect(ballotRound(b)).toBeGreaterThan(1)
    expect(fmtBallot(b)).toMatch(new RegExp(`\\.${l.id}$`))
    c.tick(3)
    // Slot 2 was re-proposed with its original entry (term of the first proposal kept).
    for (const id of ['n2', 'n3', 'n4', 'n5']) {
      expect(c.appliedIds(id)).toEqual(['1:c1.1', '2:c1.2'])
      expect(c.node(id).kv.get('a')).toBe('2')
    }
    expect(c.agreementViolations()).toEqual([])
  })

  it('fills a gap with a no-op and applies the rest after it', () => {
    const c = new Cluster(3)
    c.campaign('n1')
    c.propose('n1', 'c1.1', put('a', '1'))
    // Slot 2 only on the leader itself, slot 3 on n2 too.
    c.dropIf = (e) => e.from === 'n1' && e.msg.type === 'Accept' && e.msg.slot === 2
    c.propose('n1', 'c1.2', put('a', '2'))
    c.dropIf = (e) => e.from === 'n1' && e.msg.type !== 'Accept'
    c.propose('n1', 'c1.3', put('b', '3'))
    expect(c.node('n2').log.has(2)).toBe(false)
    expect(c.node('n2').log.entry(3)?.id).toBe('c1.3')
    c.crash('n1')
    c.heal()
    c.elect()
    c.tick(3)
    expect(c.appliedIds('n2')).toEqual(['1:c1.1', '2:noop', '3:c1.3'])
    expect(c.appliedIds('n3')).toEqual(['1:c1.1', '2:noop', '3:c1.3'])
    expect(c.node('n3').kv.get('a')).toBe('1')
    expect(c.node('n3').kv.get('b')).toBe('3')
    // The old leader comes back: it learns slot 2 is a no-op, never applies c1.2 there.
    c.restart('n1')
    c.tick(5)
    expect(c.node('n1').status().commitIndex).toBe(3)
    expect(c.agreementViolations()).toEqual([])
  })

  it('a stale leader is refused (Nack) and steps down', () => {
    const c = new Cluster(3)
    c.campaign('n1')
    c.isolate('n1')
    c.campaign('n2')
    expect(c.node('n2').status().role).toBe('leader')
    c.heal()
    c.propose('n1', 'c1.1', put('a', 'stale'))
    expect(c.count('Nack')).toBeGreaterThan(0)
    expect(c.node('n1').status().role).toBe('follower')
    c.tick(3)
    expect(c.node('n2').kv.get('a')).toBe(null)
  })

  it('a leader cut off from a majority steps down after a leader timeout', () => {
    const c = new Cluster(3)
    c.campaign('n1')
    c.isolate('n1')
    c.tick(25, ['n1'])
    expect(c.node('n1').status().role).not.toBe('leader')
  })

  it('a follower that hears a leader ignores a Prepare from a returning node', () => {
    const c = new Cluster(3)
    c.campaign('n1')
    c.tick(2)
    c.campaign('n3')
    expect(c.node('n1').status().role).toBe('leader')
    expect(c.node('n2').status().leader).toBe('n1')
  })
})

describe('PMS §2.3: acceptors persist before they answer; restarts recover', () => {
  it('a Promise goes out only in a ready() whose persist holds the promise', () => {
    const c = new Cluster(3)
    c.campaign('n1')
    const withPromise = c.readies.filter((r) => r.messages.some((m) => m.type === 'Promise'))
    expect(withPromise.length).toBe(2)
    for (const r of withPromise) expect(r.persist.some((p) => p.t === 'promise')).toBe(true)
    const withAccepted = c.readies.filter((r) => r.messages.some((m) => m.type === 'Accepted'))
    c.propose('n1', 'c1.1', put('a', '1'))
    const after = c.readies.filter((r) => r.messages.some((m) => m.type === 'Accepted'))
    expect(after.length).toBeGreaterThan(withAccepted.length)
    for (const r of after.slice(withAccepted.length))
      expect(r.persist.some((p) => p.t === 'accept')).toBe(true)
  })

  it('a restarted acceptor remembers its promise and refuses the lower ballot', () => {
    const c = new Cluster(3)
    c.campaign('n1')
    c.isolate('n1')
    c.campaign('n2') // n3 promises n2's higher ballot
    c.crash('n3')
    c.restart('n3')
    expect(c.node('n3').inspect().promised).toBe(c.node('n2').inspect().ballot)
    c.heal()
    c.cut('n1', 'n2')
    c.propose('n1', 'c1.1', put('a', 'old'))
    expect(c.sent.some((e) => e.from === 'n3' && e.to === 'n1' && e.msg.type === 'Nack')).toBe(true)
    expect(c.node('n3').log.has(1)).toBe(false)
  })

  it('a whole cluster restarted from disk keeps every decided command, in order', () => {
    const c = new Cluster(3)
    c.campaign('n1')
    for (let i = 1; i <= 5; i++) c.propose('n1', `c1.${i}`, put('k', `v${i}`))
    for (const id of c.ids) c.crash(id)
    const seen = c.events.get('n2')!.length
    for (const id of c.ids) c.restart(id)
    // A restarted node re-emits its recovered log for the trace before re-applying it.
    const fresh = c.events.get('n2')!.slice(seen)
    const firstLog = fresh.findIndex((e) => e.type === 'log')
    expect(fresh[firstLog]).toMatchObject({ type: 'log', action: 'append', index: 1 })
    expect(firstLog).toBeLessThan(fresh.findIndex((e) => e.type === 'apply'))
    // The commit point was persisted: each node re-applies its decided prefix on start.
    for (const id of c.ids) expect(c.node(id).status().commitIndex).toBeGreaterThanOrEqual(4)
    c.campaign('n3')
    c.propose('n3', 'c1.6', put('k', 'v6'))
    c.tick(3)
    for (const id of c.ids) {
      expect(c.node(id).kv.get('k')).toBe('v6')
      expect(c.appliedIds(id).slice(-6)).toEqual(Array.from({ length: 6 }, (_, i) => `${i + 1}:c1.${i + 1}`))
    }
    expect(c.agreementViolations()).toEqual([])
  })
})

describe('catch-up and idempotence', () => {
  it('a follower that missed decided slots catches up (CatchUp) and applies them in order', () => {
    const c = new Cluster(3)
    c.campaign('n1')
    c.isolate('n3')
    for (let i = 1; i <= 20; i++) c.propose('n1', `c1.${i}`, put('k', `v${i}`))
    expect(c.node('n3').status().commitIndex).toBe(0)
    c.heal()
    c.tick(6)
    expect(c.count('CatchUp')).toBeGreaterThan(0)
    expect(c.node('n3').status().commitIndex).toBe(20)
    expect(c.appliedIds('n3')).toEqual(Array.from({ length: 20 }, (_, i) => `${i + 1}:c1.${i + 1}`))
  })

  it('lost Accepts are re-sent at the heartbeat', () => {
    const c = new Cluster(3)
    c.campaign('n1')
    c.dropIf = (e) => e.msg.type === 'Accept'
    c.propose('n1', 'c1.1', put('a', '1'))
    expect(c.node('n1').status().commitIndex).toBe(0)
    c.dropIf = null
    c.tick(4)
    expect(c.node('n1').status().commitIndex).toBe(1)
    expect(c.repliesFor('c1.1')).toHaveLength(1)
  })

  it('a retried request is applied once; the retry gets the original result', () => {
    const c = new Cluster(3)
    c.campaign('n1')
    c.propose('n1', 'c1.1', { f: 'cas', key: 'a', expected: null, value: 'x' })
    expect(c.repliesFor('c1.1')).toEqual([{ id: 'c1.1', ok: true, f: 'cas', value: null, result: true }])
    // The same request again (the client did not see the reply): a second slot, no second effect.
    c.propose('n1', 'c1.1', { f: 'cas', key: 'a', expected: null, value: 'x' })
    c.tick(2)
    expect(c.appliedIds('n2')).toEqual(['1:c1.1', '2:c1.1'])
    expect(c.repliesFor('c1.1')[1]).toEqual({ id: 'c1.1', ok: true, f: 'cas', value: null, result: true })
    c.propose('n1', 'c2.1', { f: 'get', key: 'a' })
    expect(c.repliesFor('c2.1')).toEqual([{ id: 'c2.1', ok: true, f: 'get', value: 'x' }])
  })
})

describe('mutant forgetPromise (PMS §2.3: an acceptor must remember its promise across a restart)', () => {
  /** n1 leads in ballot b1 and is cut off; n2 leads in b2 and decides slot 1 with n3; n3 restarts;
   *  the stale n1, still believing it leads, proposes at slot 1 and only n3 can answer it. */
  function staleLeaderAfterRestart(mutations: { forgetPromise?: boolean }): Cluster {
    const c = new Cluster(3, { mutations })
    c.campaign('n1')
    c.isolate('n1')
    c.tick(12, ['n2', 'n3']) // the lease on n1 runs out
    c.campaign('n2')
    expect(c.node('n2').status().role).toBe('leader')
    c.propose('n2', 'c2.1', put('a', 'new'))
    c.tick(2, ['n2', 'n3'])
    expect(c.appliedIds('n3')).toEqual(['1:c2.1'])
    c.crash('n3')
    c.restart('n3')
    c.heal()
    c.cut('n1', 'n2')
    c.propose('n1', 'c1.1', put('a', 'stale'))
    return c
  }

  it('the real acceptor refuses the stale ballot: agreement holds', () => {
    const c = staleLeaderAfterRestart({})
    expect(c.sent.some((e) => e.from === 'n3' && e.msg.type === 'Nack')).toBe(true)
    expect(c.appliedIds('n1')).toEqual([])
    expect(c.agreementViolations()).toEqual([])
  })

  it('the mutant forgets it promised b2, lets the stale leader decide slot 1 again: disagreement', () => {
    const c = staleLeaderAfterRestart({ forgetPromise: true })
    expect(c.appliedIds('n1')).toEqual(['1:c1.1'])
    expect(c.agreementViolations()).toContain('slot 1: 1:c1.1 vs 2:c2.1')
  })
})

describe('robustness', () => {
  it('drops a message naming a slot absurdly far ahead instead of allocating it', () => {
    const c = new Cluster(3)
    c.campaign('n1')
    const n2 = c.node('n2')
    const ballot = c.node('n1').inspect().ballot
    const entry = { term: 1, id: 'c1.1', cmd: put('a', '1') }
    n2.step('n1', { type: 'Accept', ballot, slot: MAX_AHEAD + 10, entries: [entry], commit: 0 })
    n2.step('n1', { type: 'CatchUp', ballot, slot: 2 ** 50, entries: [entry] })
    expect(n2.status().lastIndex).toBe(0)
    expect(n2.ready().messages).toEqual([])
  })
})
