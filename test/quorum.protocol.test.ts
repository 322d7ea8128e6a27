// The quorum store's protocol on a one-thread simulated network (test/quorum.harness.ts).
// Section numbers refer to the Dynamo paper (DeCandia et al., SOSP 2007).
import { describe, expect, it } from 'vitest'
import { QCluster, qparams } from './quorum.harness'
import { quorumFactory } from '../src/core/protocols/quorum'
import type { NodeId } from '../src/core/protocols/types'

/** A key's preference list and stand-ins on this cluster's ring. */
function placement(c: QCluster, key: string): { pref: NodeId[]; stand: NodeId[] } {
  const ring = c.node('n1').ring
  return { pref: [...ring.preferenceList(key)], stand: [...ring.standIns(key)] }
}

describe('§4.5 quorums: R replies per read, W acknowledgements per write', () => {
  it('a put is acknowledged once W preferred replicas stored it; a get returns it', () => {
    const c = new QCluster(5, qparams({ replicas: 3, readQuorum: 2, writeQuorum: 2, hintedHandoff: false }))
    const { pref, stand } = placement(c, 'k')
    // Coordinated by a node that is not a replica: it forwards to the preference list.
    expect(c.put(stand[0], 'c1.1', 'k', 'v1')).toEqual({ id: 'c1.1', ok: true, f: 'put', value: null })
    for (const n of pref) expect(c.holds(n, 'k')).toEqual(['c1.1'])
    for (const n of stand) expect(c.node(n).data.has('k')).toBe(false)
    expect(c.get(stand[1], 'c2.1', 'k')).toEqual({ id: 'c2.1', ok: true, f: 'get', value: 'v1' })
    expect(c.get(pref[0], 'c2.2', 'nothing')).toEqual({ id: 'c2.2', ok: true, f: 'get', value: null })
    // Every node coordinates; none redirects.
    expect(c.replies.some((r) => !r.reply.ok)).toBe(false)
  })

  it('W = 2 of N = 3 succeeds with one replica unreachable; the missing one is not needed', () => {
    const c = new QCluster(5, qparams({ replicas: 3, readQuorum: 2, writeQuorum: 2, hintedHandoff: false }))
    const { pref } = placement(c, 'k')
    c.cut(pref[0], pref[2])
    expect(c.put(pref[0], 'c1.1', 'k')?.ok).toBe(true)
    expect(c.holds(pref[2], 'k')).toEqual([])
  })

  it('a strict quorum that cannot be reached never answers (outcome unknown), and never says rejected', () => {
    const c = new QCluster(5, qparams({ replicas: 3, readQuorum: 2, writeQuorum: 3, hintedHandoff: false }))
    const { pref } = placement(c, 'k')
    c.cut(pref[0], pref[2])
    expect(c.put(pref[0], 'c1.1', 'k')).toBeUndefined()
    c.tick(60) // past requestTimeoutTicks: the coordinator gives up silently
    expect(c.reply('c1.1')).toBeUndefined()
    // ... yet two replicas stored it: 'rejected' (definitely not applied) would have been a lie.
    expect(c.holds(pref[0], 'k')).toEqual(['c1.1'])
    expect(c.holds(pref[1], 'k')).toEqual(['c1.1'])
    // A read needs R = 2 replies: with the coordinator cut from both other replicas it waits too.
    c.cut(pref[0], pref[1])
    expect(c.get(pref[0], 'c2.1', 'k')).toBeUndefined()
  })

  it('cas is rejected: a leaderless store has no atomic compare-and-set', () => {
    const c = new QCluster(3, qparams())
    expect(c.request('n1', 'c1.1', { f: 'cas', key: 'k', expected: null, value: 'x' })).toEqual({
      id: 'c1.1',
      ok: false,
      error: 'rejected',
      leaderHint: null,
    })
    expect(c.sent).toEqual([])
  })

  it('a later put supersedes an earlier one on every replica (its version is stamped above what it read)', () => {
    const c = new QCluster(5, qparams({ replicas: 3, readQuorum: 2, writeQuorum: 2 }))
    const { pref } = placement(c, 'k')
    c.put('n1', 'c1.1', 'k', 'a')
    c.put('n2', 'c1.2', 'k', 'b')
    c.put('n3', 'c1.3', 'k', 'c')
    for (const n of pref) expect(c.holds(n, 'k')).toEqual(['c1.3'])
    expect(c.get('n4', 'c2.1', 'k')?.ok && c.reply('c2.1')).toMatchObject({ value: 'c' })
  })
})

describe('§4.4 versions: last-writer-wins or siblings', () => {
  function concurrentPuts(c: QCluster): void {
    // Both coordinators read the (empty) key before either write lands: the writes are concurrent.
    c.node('n1').propose({ id: 'c1.1', cmd: { f: 'put', key: 'k', value: 'x' } })
    c.drain('n1')
    c.node('n2').propose({ id: 'c2.1', cmd: { f: 'put', key: 'k', value: 'y' } })
    c.drain('n2')
    c.stabilize()
    expect(c.reply('c1.1')?.ok).toBe(true)
    expect(c.reply('c2.1')?.ok).toBe(true)
  }

  it('siblings: a get returns every concurrent value, sorted and joined by "|"; the next put merges them', () => {
    const c = new QCluster(3, qparams({ replicas: 3, readQuorum: 2, writeQuorum: 2, conflicts: 'siblings' }))
    concurrentPuts(c)
    expect(c.holds('n3', 'k')).toEqual(['c1.1', 'c2.1'])
    expect(c.get('n3', 'c3.1', 'k')).toMatchObject({ ok: true, value: 'x|y' })
    c.put('n3', 'c3.2', 'k', 'z')
    expect(c.holds('n1', 'k')).toEqual(['c3.2'])
    expect(c.get('n1', 'c3.3', 'k')).toMatchObject({ ok: true, value: 'z' })
  })

  it('lww: concurrent writes resolve to one value, the same on every replica', () => {
    const c = new QCluster(3, qparams({ replicas: 3, readQuorum: 2, writeQuorum: 2, conflicts: 'lww' }))
    concurrentPuts(c)
    // Same timestamp (both read nothing): the higher coordinator id wins the tie.
    for (const n of c.ids) expect(c.holds(n, 'k')).toEqual(['c2.1'])
    expect(c.get('n1', 'c3.1', 'k')).toMatchObject({ ok: true, value: 'y' })
  })
})

describe('§4.6 sloppy quorum and hinted handoff', () => {
  it('a stand-in keeps the write for a crashed replica, counts toward W, and hands it over on restart', () => {
    const c = new QCluster(5, qparams({ replicas: 3, readQuorum: 1, writeQuorum: 3, hintedHandoff: true }))
    const { pref, stand } = placement(c, 'k')
    c.crash(pref[2])
    expect(c.put(pref[0], 'c1.1', 'k')).toBeUndefined() // only two preferred replicas so far
    c.tick(10) // a retry period: the missing replica gets a stand-in
    expect(c.reply('c1.1')?.ok).toBe(true)
    expect(c.types()).toContain('Hint')
    const holder = c.node(stand[0])
    expect([...holder.hints.values()].map((h) => [h.owner, h.key, h.version.id])).toEqual([
      [pref[2], 'k', 'c1.1'],
    ])
    expect(holder.data.has('k')).toBe(false) // a hint is not served as a replica's own data
    // The hint survives the stand-in's own crash (it was persisted before the ack).
    c.crash(stand[0])
    c.restart(stand[0])
    expect(c.node(stand[0]).hints.size).toBe(1)
    c.restart(pref[2])
    c.tick(12)
    expect(c.types()).toContain('Handoff')
    expect(c.holds(pref[2], 'k')).toEqual(['c1.1'])
    expect(c.node(stand[0]).hints.size).toBe(0)
  })

  it('without hinted handoff the quorum is strict: the same write waits and gets no answer', () => {
    const c = new QCluster(5, qparams({ replicas: 3, readQuorum: 1, writeQuorum: 3, hintedHandoff: false }))
    const { pref } = placement(c, 'k')
    c.crash(pref[2])
    c.put(pref[0], 'c1.1', 'k')
    c.tick(60)
    expect(c.reply('c1.1')).toBeUndefined()
    expect(c.types()).not.toContain('Hint')
  })
})

describe('§4.7 anti-entropy with Merkle trees, and read repair', () => {
  function missedWrites(mutations = {}): { c: QCluster; lagging: NodeId; keys: string[] } {
    const c = new QCluster(
      3,
      qparams({
        replicas: 3,
        readQuorum: 2,
        writeQuorum: 2,
        readRepair: false,
        hintedHandoff: false,
        antiEntropyTicks: 10,
      }),
      mutations,
    )
    c.isolate('n3')
    const keys = ['a', 'b', 'c', 'd', 'e', 'f']
    keys.forEach((k, i) => expect(c.put('n1', `c1.${i + 1}`, k)?.ok).toBe(true))
    c.tick(60) // past the coordinator's retries
    for (const k of keys) expect(c.holds('n3', k)).toEqual([])
    c.heal()
    return { c, lagging: 'n3', keys }
  }

  it('a replica that missed writes (read repair off) catches up by comparing Merkle trees', () => {
    const { c, lagging, keys } = missedWrites()
    c.tick(25)
    keys.forEach((k, i) => expect(c.holds(lagging, k)).toEqual([`c1.${i + 1}`]))
    expect(c.types()).toEqual(expect.arrayContaining(['MerkleRoot', 'MerkleDiff', 'SyncKeys']))
    // In sync: later rounds stop at the root.
    const before = c.sent.length
    c.tick(25)
    expect(c.sent.slice(before).map((e) => e.msg.type)).toEqual(
      expect.not.arrayContaining(['MerkleDiff', 'SyncKeys']),
    )
  })

  it('mutant antiEntropySkipsRange leaves a differing key range unrepaired', () => {
    const { c, lagging, keys } = missedWrites({ antiEntropySkipsRange: true })
    c.tick(100)
    expect(keys.filter((k) => c.holds(lagging, k).length === 0).length).toBeGreaterThan(0)
  })

  it('read repair writes the newest version back to a stale replica (anti-entropy off)', () => {
    const c = new QCluster(3, qparams({ replicas: 3, readQuorum: 2, writeQuorum: 2, readRepair: true }))
    c.isolate('n3')
    c.put('n1', 'c1.1', 'k')
    c.tick(60)
    c.heal()
    expect(c.holds('n3', 'k')).toEqual([])
    expect(c.get('n3', 'c2.1', 'k')).toMatchObject({ ok: true, value: 'c1.1' })
    expect(c.types()).toContain('ReadRepair')
    expect(c.holds('n3', 'k')).toEqual(['c1.1'])
  })
})

describe('durability and the trace', () => {
  it('a restarted replica recovers its versions; apply indexes continue without gaps', () => {
    const c = new QCluster(3, qparams({ replicas: 3, readQuorum: 2, writeQuorum: 3 }))
    c.put('n1', 'c1.1', 'a')
    c.put('n1', 'c1.2', 'b')
    c.crash('n2')
    c.restart('n2')
    expect(c.holds('n2', 'a')).toEqual(['c1.1'])
    expect(c.node('n2').status()).toMatchObject({ role: 'replica', term: 0, leader: null, commitIndex: 2 })
    c.put('n3', 'c1.3', 'a')
    const applies = c.applies('n2')
    expect(applies.map((e) => [e.index, e.id, e.key])).toEqual([
      [1, 'c1.1', 'a'],
      [2, 'c1.2', 'b'],
      [3, 'c1.3', 'a'],
    ])
    expect(applies[0].term).toBe(0)
    expect(applies[0].version).toMatch(/^lww ts=1\.n1 vc=n1:1 replicas=n\d,n\d,n\d w=3$/)
  })

  it('readable message names and summaries', () => {
    const c = new QCluster(3, qparams())
    c.put('n1', 'c1.1', 'k', 'v')
    const types = new Set(c.sent.map((e) => quorumFactory.messageType(e.msg)))
    expect([...types].sort()).toEqual(['Get', 'GetReply', 'Put', 'PutAck'])
    const put = c.sent.find((e) => e.msg.type === 'Put')
    expect(put && quorumFactory.describe(put.msg)).toMatch(/^Put k c1\.1@1\.n1$/)
  })
})

describe('validate(): messages from sockets', () => {
  const validate = quorumFactory.validate as (m: unknown) => string | null
  const version = { id: 'c1.1', value: 'v', vc: { n1: 1 }, ts: 1, node: 'n1' }

  it('accepts every well-formed message a node sends', () => {
    const c = new QCluster(5, qparams({ antiEntropyTicks: 5, hintedHandoff: true, writeQuorum: 3 }))
    c.crash('n5')
    for (let i = 0; i < 10; i++) c.put(`n${(i % 4) + 1}`, `c1.${i}`, `k${i}`)
    c.tick(20)
    c.restart('n5')
    c.tick(20)
    expect(new Set(c.types()).size).toBeGreaterThanOrEqual(10)
    for (const e of c.sent) expect(validate(e.msg)).toBeNull()
  })

  it.each([
    [null, 'message: must be an object'],
    [{ type: 'Nope' }, 'message.type: must be one of'],
    [{ type: 'Get', rid: 5, key: 'k' }, 'message.rid: must be a string'],
    [{ type: 'Put', rid: 'r', key: 'k', version: { ...version, ts: -1 } }, 'message.version.ts:'],
    [
      { type: 'Put', rid: 'r', key: 'k', version: { ...version, vc: { x: 1 } } },
      'message.version.vc: "x" is not a node id',
    ],
    [{ type: 'Put', rid: 'r', key: 'k', version: { ...version, node: 'zz' } }, 'message.version.node:'],
    [
      { type: 'GetReply', rid: 'r', key: 'k', versions: [version, 3] },
      'message.versions[1]: must be an object',
    ],
    [{ type: 'Hint', rid: 'r', owner: 'x', key: 'k', version }, 'message.owner:'],
    [{ type: 'MerkleDiff', round: 1, leaves: ['a'] }, 'message.leaves: must be an array of 16'],
    [{ type: 'SyncKeys', round: 1, buckets: [99], entries: [], reply: true }, 'message.buckets[0]:'],
    [
      { type: 'SyncKeys', round: 1, buckets: [1], entries: [{ key: 'k' }], reply: false },
      'message.entries[0].versions:',
    ],
    [{ type: 'SyncKeys', round: 1, buckets: [1], entries: [], reply: 'yes' }, 'message.reply:'],
  ])('rejects %j', (msg, reason) => {
    expect(validate(msg)).toContain(reason)
  })
})
