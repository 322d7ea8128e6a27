// Client-facing behaviour: leader redirect, the KV state machine (get/put/cas, dedup by
// request id), linearizable reads with ReadIndex (thesis §6.4) and through the log.
import { describe, expect, it } from 'vitest'
import { Cluster } from './raft.harness'
import { KvStore } from '../src/core/protocols/kv'

describe('KvStore', () => {
  it('get / put / cas (null = absent)', () => {
    const kv = new KvStore()
    expect(kv.apply('c1.1', { f: 'get', key: 'a' })).toEqual({ f: 'get', value: null })
    expect(kv.apply('c1.2', { f: 'cas', key: 'a', expected: 'x', value: 'y' })).toEqual({
      f: 'cas',
      value: null,
      result: false,
    })
    expect(kv.apply('c1.3', { f: 'cas', key: 'a', expected: null, value: '1' })).toEqual({
      f: 'cas',
      value: null,
      result: true,
    })
    expect(kv.apply('c1.4', { f: 'put', key: 'a', value: '2' })).toEqual({ f: 'put', value: null })
    expect(kv.apply('c1.5', { f: 'cas', key: 'a', expected: '2', value: '3' })).toEqual({
      f: 'cas',
      value: null,
      result: true,
    })
    expect(kv.apply('c1.6', { f: 'get', key: 'a' })).toEqual({ f: 'get', value: '3' })
    expect(kv.get('a')).toBe('3')
    expect(kv.get('zz')).toBeNull()
  })

  it('applies a retried request id at most once and returns the first result', () => {
    const kv = new KvStore()
    kv.apply('c2.1', { f: 'put', key: 'a', value: 'first' })
    kv.apply('c3.1', { f: 'put', key: 'a', value: 'other' })
    expect(kv.apply('c2.1', { f: 'put', key: 'a', value: 'first' })).toMatchObject({
      f: 'put',
      duplicate: true,
    })
    expect(kv.get('a')).toBe('other')
    expect(kv.apply('c3.2', { f: 'cas', key: 'a', expected: 'other', value: 'z' }).result).toBe(true)
    expect(kv.apply('c3.2', { f: 'cas', key: 'a', expected: 'other', value: 'z' })).toMatchObject({
      result: true,
      duplicate: true,
    })
    expect(kv.get('a')).toBe('z')
    // long-gone ids of a client are not re-applied either
    for (let i = 3; i <= 100; i++) kv.apply(`c3.${i}`, { f: 'put', key: 'b', value: `${i}` })
    expect(kv.apply('c3.5', { f: 'put', key: 'b', value: 'stale' }).duplicate).toBe(true)
    expect(kv.get('b')).toBe('100')
    // ids outside the cN.M pattern are deduplicated too
    kv.apply('weird', { f: 'put', key: 'w', value: '1' })
    kv.apply('w2', { f: 'put', key: 'w', value: '2' })
    expect(kv.apply('weird', { f: 'put', key: 'w', value: '1' }).duplicate).toBe(true)
    expect(kv.get('w')).toBe('2')
  })
})

describe('clients talking to a Raft cluster', () => {
  it('a non-leader answers not_leader at once with a leader hint', () => {
    const c = new Cluster(3)
    const l = c.elect()
    const f = c.ids.find((id) => id !== l.id)!
    c.propose(f, 'c1.1', { f: 'put', key: 'a', value: '1' })
    expect(c.reply('c1.1')).toEqual({ id: 'c1.1', ok: false, error: 'not_leader', leaderHint: l.id })
    // before any leader is known: no hint
    const c2 = new Cluster(3)
    c2.propose('n1', 'c1.1', { f: 'get', key: 'a' })
    expect(c2.reply('c1.1')).toEqual({ id: 'c1.1', ok: false, error: 'not_leader', leaderHint: null })
  })

  it('put, get, cas through the leader', () => {
    const c = new Cluster(3)
    const l = c.elect()
    c.propose(l.id, 'c1.1', { f: 'put', key: 'a', value: '1' })
    c.propose(l.id, 'c1.2', { f: 'cas', key: 'a', expected: '0', value: '2' })
    c.propose(l.id, 'c1.3', { f: 'cas', key: 'a', expected: '1', value: '3' })
    c.propose(l.id, 'c1.4', { f: 'get', key: 'a' })
    c.propose(l.id, 'c1.5', { f: 'cas', key: 'b', expected: null, value: 'n' })
    expect(c.reply('c1.1')).toEqual({ id: 'c1.1', ok: true, f: 'put', value: null })
    expect(c.reply('c1.2')).toEqual({ id: 'c1.2', ok: true, f: 'cas', value: null, result: false })
    expect(c.reply('c1.3')).toEqual({ id: 'c1.3', ok: true, f: 'cas', value: null, result: true })
    expect(c.reply('c1.4')).toEqual({ id: 'c1.4', ok: true, f: 'get', value: '3' })
    expect(c.reply('c1.5')).toEqual({ id: 'c1.5', ok: true, f: 'cas', value: null, result: true })
  })

  it('a retried request is appended once while pending and applied once after', () => {
    const c = new Cluster(3)
    const l = c.elect()
    l.propose({ id: 'c1.1', cmd: { f: 'put', key: 'a', value: '1' } })
    l.propose({ id: 'c1.1', cmd: { f: 'put', key: 'a', value: '1' } })
    c.drain(l.id)
    c.stabilize()
    expect(c.logOf(l.id)).toHaveLength(2)
    c.propose(l.id, 'c2.1', { f: 'put', key: 'a', value: '2' })
    // c1.1 retried after it was applied (e.g. the reply was lost): the log gets it again, the KV does not
    c.propose(l.id, 'c1.1', { f: 'put', key: 'a', value: '1' })
    c.tick(2)
    expect(c.logOf(l.id).filter((e) => e.endsWith(':c1.1'))).toHaveLength(2)
    for (const n of c.live()) expect(n.kv.get('a')).toBe('2')
    expect(c.repliesFor('c1.1')).toEqual([
      { id: 'c1.1', ok: true, f: 'put', value: null },
      { id: 'c1.1', ok: true, f: 'put', value: null },
    ])
  })

  it('a deposed leader leaves pending writes unanswered (they may still commit)', () => {
    const c = new Cluster(3)
    const l = c.elect()
    c.isolate(l.id)
    c.propose(l.id, 'c1.1', { f: 'put', key: 'a', value: '1' })
    c.tick(30)
    expect(l.status().role).not.toBe('leader')
    expect(c.reply('c1.1')).toBeUndefined()
  })
})

describe('ReadIndex reads (thesis §6.4)', () => {
  it('returns the latest committed value, only after a heartbeat round confirms leadership', () => {
    const c = new Cluster(5)
    const l = c.elect()
    c.propose(l.id, 'c1.1', { f: 'put', key: 'a', value: 'v1' })
    const logLen = l.status().lastIndex
    l.propose({ id: 'c1.2', cmd: { f: 'get', key: 'a' } })
    c.drain(l.id)
    expect(c.reply('c1.2')).toBeUndefined() // not before a majority acknowledged the round
    const hb = c.queue.filter((e) => e.from === l.id && e.msg.type === 'AppendEntries')
    expect(hb).toHaveLength(4)
    expect(
      hb.every((e) => e.msg.type === 'AppendEntries' && e.msg.entries.length === 0 && e.msg.ctx > 0),
    ).toBe(true)
    c.stabilize()
    expect(c.reply('c1.2')).toEqual({ id: 'c1.2', ok: true, f: 'get', value: 'v1' })
    expect(l.status().lastIndex).toBe(logLen) // reads do not touch the log
  })

  it('a new leader answers reads only after its no-op commits', () => {
    const c = new Cluster(3)
    c.dropIf = (e) => e.msg.type === 'AppendEntries'
    c.campaign('n1')
    expect(c.node('n1').status().role).toBe('leader')
    c.propose('n1', 'c1.1', { f: 'get', key: 'a' })
    c.tick(1, ['n1'])
    expect(c.reply('c1.1')).toBeUndefined()
    c.dropIf = null
    c.tick(3, ['n1'])
    expect(c.node('n1').status().commitIndex).toBe(1)
    expect(c.reply('c1.1')).toEqual({ id: 'c1.1', ok: true, f: 'get', value: null })
  })

  it('a deposed leader cannot serve a stale read: it rejects the read instead', () => {
    const c = new Cluster(5, { seed: 4 })
    const old = c.elect()
    c.propose(old.id, 'c1.1', { f: 'put', key: 'a', value: 'old' })
    c.tick(2)
    // the old leader is cut off; the majority elects a new leader and writes 'new'
    c.isolate(old.id)
    const rest = c.ids.filter((id) => id !== old.id)
    c.tickUntil(() => c.leaders().some((n) => n.id !== old.id), 500, rest)
    const nl = c.leaders().find((n) => n.id !== old.id)!
    c.propose(nl.id, 'c2.1', { f: 'put', key: 'a', value: 'new' })
    expect(c.reply('c2.1')).toMatchObject({ ok: true })
    // the old leader still believes it leads (it has not ticked) and gets a read
    expect(old.status().role).toBe('leader')
    c.propose(old.id, 'c3.1', { f: 'get', key: 'a' })
    c.tick(3, [old.id])
    expect(c.reply('c3.1')).toBeUndefined() // no majority acknowledged its round
    c.heal()
    c.tick(3)
    expect(old.status().role).toBe('follower')
    expect(c.reply('c3.1')).toMatchObject({ id: 'c3.1', ok: false, error: 'rejected' })
    expect(c.repliesFor('c3.1')).toHaveLength(1)
    c.propose(nl.id, 'c3.2', { f: 'get', key: 'a' })
    expect(c.reply('c3.2')).toEqual({ id: 'c3.2', ok: true, f: 'get', value: 'new' })
  })

  it('single-node cluster answers at once', () => {
    const c = new Cluster(1)
    const l = c.elect()
    c.propose(l.id, 'c1.1', { f: 'put', key: 'a', value: '1' })
    c.propose(l.id, 'c1.2', { f: 'get', key: 'a' })
    expect(c.reply('c1.1')).toMatchObject({ ok: true })
    expect(c.reply('c1.2')).toEqual({ id: 'c1.2', ok: true, f: 'get', value: '1' })
  })
})

describe("readMode 'log'", () => {
  it('reads go through the log like writes and answer from the state machine when applied', () => {
    const c = new Cluster(3, { params: { readMode: 'log' } })
    const l = c.elect()
    c.propose(l.id, 'c1.1', { f: 'put', key: 'a', value: 'x' })
    c.propose(l.id, 'c1.2', { f: 'get', key: 'a' })
    expect(c.logOf(l.id).at(-1)).toBe(`3:${l.status().term}:c1.2`)
    expect(c.reply('c1.2')).toEqual({ id: 'c1.2', ok: true, f: 'get', value: 'x' })
    expect(c.applied(l.id).map((a) => a.id)).toEqual(['noop', 'c1.1', 'c1.2'])
  })
})
