// Leadership transfer (Ongaro's thesis §3.10): the leader stops taking new requests, brings the
// target up to date, sends TimeoutNow; the target stands at once (no pre-vote, and its
// RequestVote sets the voters' leader lease aside); the transfer is given up when the target
// does not take over within the transfer timeout.
import { describe, expect, it } from 'vitest'
import { Cluster } from './raft.harness'

const put = (key: string, value: string) => ({ f: 'put' as const, key, value })

describe('leadership transfer (thesis §3.10)', () => {
  it('§3.10: a caught-up target gets TimeoutNow, stands without pre-vote and leads the next term', () => {
    const c = new Cluster(5, { seed: 1 })
    const l = c.elect()
    c.propose(l.id, 'c1.1', put('a', '1'))
    const target = c.ids.find((n) => n !== l.id)!
    const term = l.status().term
    const sentBefore = c.sent.length
    c.admin(l.id, { type: 'transfer-leadership', target })
    const after = c.sent.slice(sentBefore)
    expect(after.find((e) => e.msg.type === 'TimeoutNow')).toMatchObject({ from: l.id, to: target })
    // The target skipped pre-vote, and the voters granted although they had just heard the leader.
    expect(after.some((e) => e.from === target && e.msg.type === 'PreVote')).toBe(false)
    expect(after.filter((e) => e.msg.type === 'RequestVote' && e.msg.transfer === true).length).toBe(4)
    expect(c.node(target).status()).toMatchObject({ role: 'leader', term: term + 1 })
    expect(l.status()).toMatchObject({ role: 'follower', leader: target })
    c.propose(target, 'c1.2', put('b', '2'))
    c.tick(2)
    expect(c.reply('c1.2')).toMatchObject({ ok: true })
    expect(c.electionViolations()).toEqual([])
  })

  it('§3.10: during a transfer the leader takes no new requests; a target behind is caught up first', () => {
    const c = new Cluster(3, { seed: 2 })
    const l = c.elect()
    const target = c.ids.find((n) => n !== l.id)!
    c.isolate(target)
    for (let i = 1; i <= 10; i++) c.propose(l.id, `c1.${i}`, put('a', `${i}`))
    c.heal()
    c.admin(l.id, { type: 'transfer-leadership', target }, false)
    // Not yet caught up: no TimeoutNow yet, and new requests are turned away to the target.
    expect(c.queue.some((e) => e.msg.type === 'TimeoutNow')).toBe(false)
    expect(l.inspect().leadTransferee).toBe(target)
    c.propose(l.id, 'c9.1', put('z', '1'), false)
    expect(c.reply('c9.1')).toEqual({ id: 'c9.1', ok: false, error: 'not_leader', leaderHint: target })
    c.stabilize()
    c.tick(10)
    expect(c.node(target).status().role).toBe('leader')
    expect(c.node(target).kv.get('a')).toBe('10')
    const tn = c.sent.findIndex((e) => e.msg.type === 'TimeoutNow')
    const lastAppend = c.sent.findLastIndex(
      (e) =>
        e.to === target && e.msg.type === 'AppendEntries' && e.msg.entries.length > 0 && e.msg.term === 1,
    )
    expect(tn).toBeGreaterThan(lastAppend)
  })

  it('§3.10: a transfer whose target does not take over within the timeout is given up, and the leader serves again', () => {
    const c = new Cluster(3, { seed: 3, params: { transferTimeoutTicks: 12 } })
    const l = c.elect()
    const target = c.ids.find((n) => n !== l.id)!
    c.isolate(target)
    c.propose(l.id, 'c1.1', put('a', '1'))
    c.admin(l.id, { type: 'transfer-leadership', target })
    expect(l.inspect().leadTransferee).toBe(target)
    c.tick(
      11,
      c.ids.filter((n) => n !== target),
    )
    expect(l.inspect().leadTransferee).toBe(target)
    c.tick(
      1,
      c.ids.filter((n) => n !== target),
    )
    expect(l.inspect().leadTransferee).toBe(null)
    expect(l.status().role).toBe('leader')
    c.propose(l.id, 'c1.2', put('b', '2'))
    c.tick(
      2,
      c.ids.filter((n) => n !== target),
    )
    expect(c.reply('c1.2')).toMatchObject({ ok: true })
  })

  it('§3.10: only a voter can be the target (a learner or a node outside the configuration is refused); only the leader acts', () => {
    const c = new Cluster(5, { seed: 4, voters: ['n1', 'n2', 'n3'] })
    const l = c.elect()
    c.admin(l.id, { type: 'membership', action: 'add', node: 'n4' })
    c.tick(3)
    c.admin(l.id, { type: 'transfer-leadership', target: 'n4' })
    c.admin(l.id, { type: 'transfer-leadership', target: 'n5' })
    expect(l.inspect().leadTransferee).toBe(null)
    expect(c.sent.some((e) => e.msg.type === 'TimeoutNow')).toBe(false)
    const f = ['n1', 'n2', 'n3'].find((n) => n !== l.id)!
    c.admin(f, { type: 'transfer-leadership', target: f })
    c.admin(f, { type: 'membership', action: 'remove', node: l.id })
    expect(c.node(f).status().role).toBe('follower')
    expect(c.config(f).voters).toContain(l.id)
  })
})
