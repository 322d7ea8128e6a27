// Cluster membership changes (Ongaro's thesis, chapter 4): single-server changes (§4.1) with
// the fix for the bug published in 2015, learners that catch up before promotion (§4.2.1), a
// removed leader stepping down (§4.2.2), nodes outside the configuration that do not disrupt
// it (§4.2.3), and joint consensus (§4.3, as etcd's ConfChangeV2).
import { describe, expect, it } from 'vitest'
import { Cluster } from './raft.harness'
import type { RaftMsg, RaftRecord } from '../src/core/protocols/raft/types'
import type { ProtocolEvent } from '../src/core/protocols/types'

const put = (key: string, value: string) => ({ f: 'put' as const, key, value })
type ConfigEv = Extract<ProtocolEvent, { type: 'config' }>
const configEvents = (c: Cluster, id: string): ConfigEv[] =>
  c.events.get(id)!.filter((e): e is ConfigEv => e.type === 'config')

/** A 5-node cluster whose voters are n1..n3 (n4, n5 start outside), with a leader. */
function threeOfFive(seed = 1, membership: 'single-server' | 'joint' = 'single-server') {
  const c = new Cluster(5, { seed, voters: ['n1', 'n2', 'n3'], params: { membership } })
  const l = c.elect()
  return { c, l }
}

describe('membership changes (thesis chapter 4)', () => {
  it('§4.2.3: nodes outside the configuration never stand for election, and the voters trace their configuration', () => {
    const c = new Cluster(5, { seed: 3, voters: ['n1', 'n2', 'n3'] })
    c.tick(200)
    const leaders = new Set(
      c.live().flatMap((n) => c.events.get(n.id)!.filter((e) => e.type === 'state' && e.role !== 'follower')),
    )
    expect(leaders.size).toBeGreaterThan(0)
    for (const id of ['n4', 'n5']) {
      expect(c.events.get(id)!.some((e) => e.type === 'state' && e.role !== 'follower')).toBe(false)
      expect(c.sent.some((e) => e.from === id)).toBe(false)
    }
    for (const id of c.ids)
      expect(configEvents(c, id)[0]).toEqual({
        type: 'config',
        index: 0,
        voters: ['n1', 'n2', 'n3'],
        learners: [],
      })
    expect(c.node('n1').status().config).toEqual({ voters: ['n1', 'n2', 'n3'], learners: [] })
  })

  it('§4.2.1: an added node is a learner: it gets the log but its vote and its acknowledgement do not count', () => {
    const { c, l } = threeOfFive(2)
    for (let i = 1; i <= 5; i++) c.propose(l.id, `c1.${i}`, put('a', `${i}`))
    c.admin(l.id, { type: 'membership', action: 'add', node: 'n4' })
    c.tick(5)
    expect(c.config(l.id)).toEqual({ voters: ['n1', 'n2', 'n3'], learners: ['n4'] })
    expect(c.config('n4')).toEqual({ voters: ['n1', 'n2', 'n3'], learners: ['n4'] })
    expect(c.node('n4').kv.get('a')).toBe('5')
    expect(c.node('n4').status().commitIndex).toBe(l.status().commitIndex)
    // Its acknowledgement does not count: with two voters cut off the leader cannot commit.
    const others = ['n1', 'n2', 'n3'].filter((n) => n !== l.id)
    for (const o of others) c.cut(l.id, o)
    const before = l.status().commitIndex
    c.propose(l.id, 'c1.99', put('b', 'x'))
    c.tick(3)
    expect(c.node('n4').status().lastIndex).toBe(l.status().lastIndex)
    expect(l.status().commitIndex).toBe(before)
    // A learner never stands, however long it hears nothing.
    c.isolate('n4')
    c.tick(100, ['n4'])
    expect(c.node('n4').status().role).toBe('follower')
  })

  it('§4.1: single-server changes one at a time: add + promote, then remove; each waits for the previous to commit', () => {
    const { c, l } = threeOfFive(4)
    // Three commands at once: each waits for the previous configuration to commit.
    l.admin({ type: 'membership', action: 'add', node: 'n4' })
    l.admin({ type: 'membership', action: 'promote', node: 'n4' })
    l.admin({ type: 'membership', action: 'remove', node: 'n1' === l.id ? 'n2' : 'n1' })
    c.drain(l.id)
    const confEntries = l.log.all().filter((e) => e.conf)
    expect(confEntries).toHaveLength(1) // only the add went out
    expect(l.inspect().adminQueue).toBe(2)
    c.stabilize()
    c.tick(10)
    const removed = 'n1' === l.id ? 'n2' : 'n1'
    const final = { voters: ['n1', 'n2', 'n3', 'n4'].filter((n) => n !== removed), learners: [] }
    expect(c.config(l.id)).toEqual(final)
    // (The removed voter may never hear of its removal: the leader stops replicating to it
    // as soon as the entry is appended.)
    for (const n of final.voters) expect(c.config(n)).toEqual(final)
    // Every configuration the leader appended differs from the one before by one voter at most,
    // and was appended only after the one before it was committed.
    const evs = configEvents(c, l.id)
    expect(evs.map((e) => e.voters.length)).toEqual([3, 3, 4, 3])
    // The cluster still works in the new configuration, with the removed voter gone.
    c.crash(removed)
    c.propose(l.id, 'c2.1', put('z', '1'))
    c.tick(3)
    expect(c.reply('c2.1')).toMatchObject({ ok: true })
  })

  it('§4.1: the 2015 fix: a new leader starts no configuration change before it commits an entry of its own term', () => {
    for (const mutated of [false, true]) {
      const c = new Cluster(5, {
        seed: 6,
        voters: ['n1', 'n2', 'n3'],
        mutations: mutated ? { changeBeforeTermCommit: true } : {},
      })
      const l = c.elect()
      // A new leader whose answers are all held back: its no-op cannot commit.
      c.crash(l.id)
      c.dropIf = (e) => e.msg.type === 'AppendEntriesResp'
      c.tickUntil(() => c.leaders().length > 0, 500)
      const l2 = c.leaders()[0]
      l2.propose({ id: 'c1.1', cmd: put('a', '1') })
      c.drain(l2.id)
      c.stabilize()
      expect(l2.log.term(l2.status().commitIndex)).not.toBe(l2.status().term)
      c.admin(l2.id, { type: 'membership', action: 'add', node: 'n4' })
      const appended = l2.log.all().some((e) => e.conf !== undefined)
      expect(appended).toBe(mutated)
      // Once its no-op commits, the change goes ahead.
      c.dropIf = null
      c.tick(5)
      expect(c.config(l2.id).learners).toEqual(['n4'])
    }
  })

  it('§4.2.2: a removed leader keeps leading until the configuration without it commits, then steps down for good', () => {
    const { c, l } = threeOfFive(8)
    c.propose(l.id, 'c1.1', put('a', '1'))
    c.admin(l.id, { type: 'membership', action: 'remove', node: l.id })
    c.tick(2)
    expect(l.status().role).toBe('follower')
    expect(c.config(l.id).voters).not.toContain(l.id)
    const next = c.elect()
    expect(next.id).not.toBe(l.id)
    c.propose(next.id, 'c1.2', put('b', '2'))
    c.tick(3)
    expect(c.reply('c1.2')).toMatchObject({ ok: true })
    // The removed node never stands again, however long it hears nothing.
    c.isolate(l.id)
    c.tick(100, [l.id])
    expect(l.status().role).toBe('follower')
    expect(c.stateMachineViolations()).toEqual([])
  })

  it('§4.1: a configuration is in effect on append, not on commit, and truncating its entry reverts it', () => {
    const conf = { voters: ['n1', 'n2', 'n3'], learners: ['n4'] }
    const noop = (term: number) => ({ term, id: 'noop', cmd: null })
    const other: RaftRecord[] = [
      { t: 'hard', term: 2, votedFor: null },
      { t: 'append', index: 1, entries: [noop(1), noop(2)] },
    ]
    const c = new Cluster(5, {
      seed: 10,
      voters: ['n1', 'n2', 'n3'],
      disks: {
        n1: other,
        n3: other,
        // n2 holds a configuration entry nobody committed.
        n2: [
          { t: 'hard', term: 1, votedFor: null },
          { t: 'append', index: 1, entries: [noop(1), { term: 1, id: 'config', cmd: null, conf }] },
        ],
      },
    })
    expect(c.config('n2')).toEqual(conf)
    expect(c.node('n2').status().commitIndex).toBe(0)
    expect(c.config('n1')).toEqual({ voters: ['n1', 'n2', 'n3'], learners: [] })
    // A leader without that entry overwrites it: n2 goes back to the configuration before.
    c.campaign('n1')
    c.tick(5)
    expect(c.node('n1').status().role).toBe('leader')
    expect(c.config('n2')).toEqual({ voters: ['n1', 'n2', 'n3'], learners: [] })
    expect(configEvents(c, 'n2').map((e) => [e.index, e.learners.join(',')])).toEqual([
      [2, 'n4'],
      [0, ''],
    ])
  })

  it('§4.3: joint consensus: a promotion and a removal together go through C_old,new, which needs both majorities, then C_new', () => {
    const { c, l } = threeOfFive(12, 'joint')
    c.admin(l.id, { type: 'membership', action: 'add', node: 'n4' })
    c.tick(5)
    const gone = ['n1', 'n2', 'n3'].find((n) => n !== l.id)!
    l.admin({ type: 'membership', action: 'promote', node: 'n4' })
    l.admin({ type: 'membership', action: 'remove', node: gone })
    c.drain(l.id)
    expect(c.config(l.id)).toEqual({
      voters: ['n1', 'n2', 'n3', 'n4'].filter((n) => n !== gone),
      learners: [],
      oldVoters: ['n1', 'n2', 'n3'],
    })
    c.stabilize()
    c.tick(3)
    const final = { voters: ['n1', 'n2', 'n3', 'n4'].filter((n) => n !== gone), learners: [] }
    expect(c.config(l.id)).toEqual(final)
    const evs = configEvents(c, l.id).map((e) => (e.oldVoters ? 'joint' : e.voters.join(',')))
    expect(evs).toEqual(['n1,n2,n3', 'n1,n2,n3', 'joint', final.voters.join(',')])

    // During a joint configuration a decision needs a majority of the old voters too.
    const { c: d, l: dl } = threeOfFive(14, 'joint')
    d.admin(dl.id, { type: 'membership', action: 'add', node: 'n4' })
    d.admin(dl.id, { type: 'membership', action: 'add', node: 'n5' })
    d.tick(5)
    const olds = ['n1', 'n2', 'n3'].filter((n) => n !== dl.id)
    // Cut the other two old voters: the new half (leader, n4, n5) is a majority of C_new but
    // the old half has only the leader.
    for (const o of olds) d.cut(dl.id, o)
    dl.admin({ type: 'membership', action: 'promote', node: 'n4' })
    dl.admin({ type: 'membership', action: 'promote', node: 'n5' })
    dl.admin({ type: 'membership', action: 'remove', node: olds[0] })
    dl.admin({ type: 'membership', action: 'remove', node: olds[1] })
    d.drain(dl.id)
    d.stabilize()
    expect(d.config(dl.id).oldVoters).toEqual(['n1', 'n2', 'n3'])
    const at = dl.status().lastIndex
    d.tick(3, [dl.id, 'n4', 'n5'])
    expect(dl.status().commitIndex).toBeLessThan(at)
    d.heal()
    d.tick(5)
    expect(d.config(dl.id)).toEqual({ voters: [dl.id, 'n4', 'n5'].sort(), learners: [] })
  })

  it('§4.2.1: a promotion waits until its learner has caught up', () => {
    const { c, l } = threeOfFive(16)
    for (let i = 1; i <= 20; i++) c.propose(l.id, `c1.${i}`, put('a', `${i}`))
    c.isolate('n4')
    c.admin(l.id, { type: 'membership', action: 'add', node: 'n4' })
    c.admin(l.id, { type: 'membership', action: 'promote', node: 'n4' })
    c.tick(
      10,
      c.ids.filter((n) => n !== 'n4'),
    )
    expect(c.config(l.id)).toEqual({ voters: ['n1', 'n2', 'n3'], learners: ['n4'] })
    c.heal()
    c.tick(10)
    expect(c.config(l.id)).toEqual({ voters: ['n1', 'n2', 'n3', 'n4'], learners: [] })
    const msgs: RaftMsg[] = c.sent.filter((e) => e.to === 'n4').map((e) => e.msg)
    expect(msgs.some((m) => m.type === 'AppendEntries' && m.entries.length > 0)).toBe(true)
  })
})
