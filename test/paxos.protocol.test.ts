// Single-decree Paxos on a one-thread simulated network. Sections refer to Lamport,
// "Paxos Made Simple" (2001).
import { describe, expect, it } from 'vitest'
import { Cluster, put } from './paxos.harness'
import { ballotRound } from '../src/core/protocols/paxos'

describe('§2.2 choosing a value', () => {
  it('any node proposes: phase 1 then phase 2 choose the value; every node learns and applies it', () => {
    const c = new Cluster(5)
    c.propose('n3', 'c1.1', put('k', 'v1'))
    c.deliverAll()
    expect(c.reply('c1.1')).toEqual({ id: 'c1.1', ok: true, f: 'put', value: null })
    const types = c.sent.map((e) => e.msg.type)
    expect(types.indexOf('Prepare')).toBeLessThan(types.indexOf('Accept'))
    expect(types).toContain('Decided')
    for (const id of c.ids) {
      expect(c.applied(id, 'k')).toEqual(['c1.1'])
      expect(c.node(id).store('k')?.get('k')).toBe('v1')
    }
    // Never a leader redirect.
    expect(c.replies.every((r) => r.reply.ok)).toBe(true)
  })

  it('acceptors persist the promise and the accepted value before replying', () => {
    const c = new Cluster(3)
    c.propose('n1', 'c1.1', put('k', 'v'))
    c.deliverAll()
    const disk = c.disks.get('n2') ?? []
    expect(disk.map((r) => r.t)).toEqual(['promise', 'accept', 'learn'])
    // Each reply left in the same ready() batch as the record that justifies it.
    const promiseIdx = c.sent.findIndex((e) => e.from === 'n2' && e.msg.type === 'Promise')
    const acceptedIdx = c.sent.findIndex((e) => e.from === 'n2' && e.msg.type === 'Accepted')
    expect(promiseIdx).toBeGreaterThanOrEqual(0)
    expect(acceptedIdx).toBeGreaterThan(promiseIdx)
  })

  it('P2c: a proposer adopts the highest-ballot accepted value reported in phase 1', () => {
    const c = new Cluster(3)
    // n1's value is accepted by n1 and n2, but nobody learns it was chosen.
    c.dropIf = (e) => e.msg.type === 'Accepted' || (e.msg.type === 'Accept' && e.to === 'n3')
    c.propose('n1', 'c1.1', put('k', 'a'))
    c.deliverAll()
    expect(c.reply('c1.1')).toBeUndefined()
    c.crash('n1')
    c.dropIf = null
    // n3 proposes its own command in the same instance: phase 1 reports c1.1 accepted by n2.
    c.propose('n3', 'c2.1', put('k', 'b'))
    c.deliverAll()
    expect(c.applied('n3', 'k')).toEqual(['c1.1', 'c2.1'])
    expect(c.applied('n2', 'k')).toEqual(['c1.1', 'c2.1'])
    expect(c.reply('c2.1')?.ok).toBe(true)
  })

  it('P1a: an acceptor refuses (Nack) a ballot lower than its promise, and the proposer retries higher', () => {
    const c = new Cluster(3)
    // n1 completes phase 1 (its own promise and n2's), but its Accepts are held back.
    c.propose('n1', 'c1.1', put('k', 'a'))
    for (let i = 0; i < 3; i++) c.deliverOne()
    const held = c.queue.splice(0).filter((e) => e.msg.type === 'Accept')
    expect(held).toHaveLength(2)
    // n2 pre-empts with a higher ballot: n1 and n3 promise it.
    c.propose('n2', 'c2.1', put('k', 'b'))
    c.deliverOne()
    c.deliverOne()
    // Now n1's Accepts arrive: both n2 and n3 promised a higher ballot and refuse.
    c.queue.unshift(...held)
    c.deliverAll()
    const nacks = c.sent.filter((e) => e.msg.type === 'Nack')
    expect(nacks.map((e) => e.from).sort()).toEqual(['n2', 'n3'])
    c.run(30)
    // Both commands end up chosen, once each, in some order, identically everywhere.
    const log = c.applied('n1', 'k')
    expect([...log].sort()).toEqual(['c1.1', 'c2.1'])
    for (const id of c.ids) expect(c.applied(id, 'k')).toEqual(log)
    expect(c.reply('c1.1')?.ok).toBe(true)
    expect(c.reply('c2.1')?.ok).toBe(true)
  })

  it('ballots are unique per node and grow past any ballot seen', () => {
    const c = new Cluster(3)
    c.propose('n1', 'c1.1', put('k', 'a'))
    c.deliverAll()
    c.propose('n2', 'c2.1', put('k', 'b'))
    c.deliverAll()
    const prepares = c.sent
      .filter((e) => e.msg.type === 'Prepare')
      .map((e) => (e.msg as { ballot: number }).ballot)
    const distinct = new Set(prepares.map((b) => b))
    expect(distinct.size).toBe(2)
    const [b1, b2] = [...distinct]
    expect(b2).toBeGreaterThan(b1)
    expect(ballotRound(b2)).toBeGreaterThan(ballotRound(b1))
  })
})

describe('§2.3 learning and the KV store on top', () => {
  it('a node that missed a decision catches up when it next runs that instance', () => {
    const c = new Cluster(3)
    c.dropIf = (e) => e.to === 'n3'
    c.propose('n1', 'c1.1', put('k', 'a'))
    c.deliverAll()
    c.dropIf = null
    expect(c.applied('n3', 'k')).toEqual([])
    c.propose('n3', 'c3.1', { f: 'get', key: 'k' })
    c.deliverAll()
    expect(c.applied('n3', 'k')).toEqual(['c1.1', 'c3.1'])
    expect(c.reply('c3.1')).toEqual({ id: 'c3.1', ok: true, f: 'get', value: 'a' })
  })

  it('a gap (a later slot learned first) is closed before applying, in slot order', () => {
    const c = new Cluster(3)
    c.dropIf = (e) => e.to === 'n3' && e.msg.type === 'Decided' && e.msg.slot === 1
    c.propose('n1', 'c1.1', put('k', 'a'))
    c.deliverAll()
    c.propose('n1', 'c1.2', put('k', 'b'))
    c.deliverAll()
    c.dropIf = null
    // n3 learned slot 2 only; its no-op proposal for slot 1 learns slot 1's value (after a retry:
    // the first answer was dropped too).
    expect(c.applied('n3', 'k')).toEqual([])
    c.run(15)
    expect(c.applied('n3', 'k')).toEqual(['c1.1', 'c1.2'])
    expect(c.node('n3').store('k')?.get('k')).toBe('b')
  })

  it('a retried request id is applied once (idempotent by id)', () => {
    const c = new Cluster(3)
    c.propose('n1', 'c1.1', { f: 'cas', key: 'k', expected: null, value: 'x' })
    c.deliverAll()
    // The same request again at another node: chosen again, not applied again, same answer.
    c.propose('n2', 'c1.1', { f: 'cas', key: 'k', expected: null, value: 'x' })
    c.deliverAll()
    const answers = c.replies.filter((r) => r.reply.id === 'c1.1').map((r) => r.reply)
    expect(answers).toEqual([
      { id: 'c1.1', ok: true, f: 'cas', value: null, result: true },
      { id: 'c1.1', ok: true, f: 'cas', value: null, result: true },
    ])
    expect(c.node('n3').store('k')?.applied).toBe(2)
    expect(c.node('n3').store('k')?.get('k')).toBe('x')
  })

  it('a restarted node recovers its promises, accepted values and learned values', () => {
    const c = new Cluster(3)
    c.propose('n1', 'c1.1', put('k', 'a'))
    c.deliverAll()
    c.crash('n2')
    c.restart('n2')
    expect(c.applied('n2', 'k')).toEqual(['c1.1'])
    expect(c.events.get('n2')?.filter((e) => e.type === 'apply')).toHaveLength(2)
    // An acceptance that was not learned yet survives the restart too.
    c.dropIf = (e) => e.msg.type === 'Accepted' || e.msg.type === 'Decided'
    c.propose('n1', 'c1.2', put('k', 'b'))
    c.deliverAll()
    c.crash('n2')
    c.crash('n1')
    c.restart('n2')
    c.dropIf = null
    c.propose('n3', 'c3.1', put('k', 'c'))
    c.deliverAll()
    expect(c.applied('n3', 'k')).toEqual(['c1.1', 'c1.2', 'c3.1'])
  })
})

describe('dueling proposers (FLP) and randomized backoff', () => {
  /** Three nodes propose on one key at once, every tick; count ballots and chosen values. */
  function duel(backoff: boolean): { chosen: number; ballots: number; preempted: number } {
    const c = new Cluster(3, { backoff, retryTicks: 4, backoffTicks: [1, 6] })
    let seq = 0
    for (let t = 0; t < 200; t++) {
      for (const id of c.ids) {
        seq++
        if (t % 20 === 0) c.propose(id, `c${id.slice(1)}.${seq}`, put('k', `v${seq}`))
      }
      c.tick()
      // Round-robin interleaving: one message from the head of the queue per step, 6 per tick.
      for (let k = 0; k < 6; k++) c.deliverOne()
    }
    let ballots = 0
    let preempted = 0
    for (const id of c.ids) {
      ballots += c.node(id).stats.ballots
      preempted += c.node(id).stats.preempted
    }
    return { chosen: c.applied('n1', 'k').length, ballots, preempted }
  }

  it('without backoff, proposers keep pre-empting each other and (almost) nothing is chosen', () => {
    const r = duel(false)
    expect(r.preempted).toBeGreaterThan(100)
    expect(r.ballots).toBeGreaterThan(100)
    expect(r.chosen).toBeLessThanOrEqual(2)
  })

  it('with randomized backoff the same scenario completes', () => {
    const r = duel(true)
    expect(r.chosen).toBeGreaterThanOrEqual(25)
  })

  it('is deterministic', () => {
    expect(duel(true)).toEqual(duel(true))
    expect(duel(false)).toEqual(duel(false))
  })
})
