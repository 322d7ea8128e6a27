// Log replication: §5.3 (consistency check, repair with fast backtracking), §5.4.2 (commit
// rule, Figure 8), batching and pipelining, and the persist-before-send contract.
import { describe, expect, it } from 'vitest'
import { Cluster, diskWithLog, type Envelope } from './raft.harness'
import type { RaftMsg, RaftMutations } from '../src/core/protocols/raft/types'
import { MAX_INFLIGHT } from '../src/core/protocols/raft'

type AE = Extract<RaftMsg, { type: 'AppendEntries' }>
type AER = Extract<RaftMsg, { type: 'AppendEntriesResp' }>
const isAE = (e: Envelope): e is Envelope & { msg: AE } => e.msg.type === 'AppendEntries'

describe('log replication (§5.3)', () => {
  it('replicates, commits and applies puts on every node; only the receiving leader replies', () => {
    const c = new Cluster(5, { seed: 2 })
    const l = c.elect()
    for (let i = 1; i <= 30; i++) c.propose(l.id, `c1.${i}`, { f: 'put', key: `k${i % 4}`, value: `v${i}` })
    c.tick(3)
    for (const n of c.live()) {
      expect(c.logOf(n.id)).toEqual(c.logOf(l.id))
      expect(n.status().commitIndex).toBe(31)
      expect(n.kv.entries().sort()).toEqual(l.kv.entries().sort())
    }
    expect(c.replies.filter((r) => r.reply.ok)).toHaveLength(30)
    expect(c.replies.every((r) => r.node === l.id)).toBe(true)
    expect(c.stateMachineViolations()).toEqual([])
  })

  it('persists entries in ready().persist before the messages that announce them', () => {
    const c = new Cluster(3)
    const l = c.elect()
    l.propose({ id: 'c1.1', cmd: { f: 'put', key: 'a', value: '1' } })
    const rd = l.ready()
    expect(rd.persist).toEqual([
      {
        t: 'append',
        index: 2,
        entries: [{ term: l.status().term, id: 'c1.1', cmd: { f: 'put', key: 'a', value: '1' } }],
      },
    ])
    expect(rd.messages.filter((m) => m.msg.type === 'AppendEntries')).toHaveLength(2)
    expect(rd.events).toContainEqual({
      type: 'log',
      action: 'append',
      index: 2,
      entries: [{ term: l.status().term, id: 'c1.1' }],
    })
  })

  it('batches proposals that arrive between ready() calls into one record and one AppendEntries per follower', () => {
    const c = new Cluster(3)
    const l = c.elect()
    for (let i = 1; i <= 10; i++) l.propose({ id: `c1.${i}`, cmd: { f: 'put', key: 'a', value: `${i}` } })
    const rd = l.ready()
    expect(rd.persist).toHaveLength(1)
    expect(rd.persist[0]).toMatchObject({ t: 'append', index: 2 })
    const aes = rd.messages.filter((m) => m.msg.type === 'AppendEntries')
    expect(aes).toHaveLength(2)
    for (const m of aes) expect((m.msg as AE).entries).toHaveLength(10)
  })

  it(`caps AppendEntries at maxBatch and pipelines at most ${MAX_INFLIGHT} in flight, then catches up`, () => {
    const c = new Cluster(3, { params: { maxBatch: 2 } })
    const l = c.elect()
    for (let i = 1; i <= 20; i++) l.propose({ id: `c1.${i}`, cmd: { f: 'put', key: 'a', value: `${i}` } })
    c.drain(l.id)
    const perFollower = new Map<string, AE[]>()
    for (const e of c.queue.filter(isAE)) perFollower.set(e.to, [...(perFollower.get(e.to) ?? []), e.msg])
    for (const msgs of perFollower.values()) {
      expect(msgs).toHaveLength(MAX_INFLIGHT) // sent without waiting for replies
      expect(msgs.map((m) => m.prevIndex)).toEqual([1, 3, 5, 7])
      for (const m of msgs) expect(m.entries).toHaveLength(2)
    }
    c.stabilize()
    for (const n of c.live()) expect(n.status().lastIndex).toBe(21)
    expect(l.status().commitIndex).toBe(21)
  })

  it('falls back to probing when a pipelined message is lost, and repairs', () => {
    const c = new Cluster(3, { params: { maxBatch: 1 } })
    const l = c.elect()
    const f = c.ids.find((id) => id !== l.id)!
    let n = 0
    c.dropIf = (e) => e.to === f && e.msg.type === 'AppendEntries' && e.msg.entries.length > 0 && ++n === 2
    for (let i = 1; i <= 8; i++) l.propose({ id: `c1.${i}`, cmd: { f: 'put', key: 'a', value: `${i}` } })
    c.drain(l.id)
    c.stabilize()
    const rejects = c.sent.filter((e) => e.from === f && e.msg.type === 'AppendEntriesResp' && !e.msg.success)
    expect(rejects.length).toBeGreaterThan(0)
    expect(c.logOf(f)).toEqual(c.logOf(l.id))
  })

  it('repairs a follower whose in-flight tail was lost without any rejection (heartbeat probe)', () => {
    const c = new Cluster(3)
    const l = c.elect()
    const f = c.ids.find((id) => id !== l.id)!
    c.dropIf = (e) => e.to === f && e.msg.type === 'AppendEntries' && e.msg.entries.length > 0
    for (let i = 1; i <= 5; i++) c.propose(l.id, `c1.${i}`, { f: 'put', key: 'a', value: `${i}` })
    expect(c.node(f).status().lastIndex).toBe(1)
    c.dropIf = null
    c.tick(6)
    expect(c.logOf(f)).toEqual(c.logOf(l.id))
  })

  it('repairs (does not livelock on) a follower whose storage lost acknowledged writes', () => {
    const c = new Cluster(3)
    const l = c.elect()
    const f = c.ids.find((id) => id !== l.id)!
    for (let i = 1; i <= 5; i++) c.propose(l.id, `c1.${i}`, { f: 'put', key: 'a', value: `${i}` })
    c.tick(2)
    expect(l.inspect().progress[f].match).toBe(6)
    c.crash(f)
    const disk = c.disks.get(f)!
    while (disk.length && c.ids.length) {
      const last = disk[disk.length - 1]
      if (last.t === 'append' && last.index <= 3) break
      disk.pop() // the last appends never reached the platter
    }
    c.restart(f)
    expect(c.node(f).status().lastIndex).toBe(3)
    c.tick(6)
    expect(c.logOf(f)).toEqual(c.logOf(l.id))
  })

  it('Figure 7: a new leader brings every divergent follower in line with fast backtracking', () => {
    // leader (n1) and followers a..f of Figure 7 (terms of each log entry).
    const logs: Record<string, number[]> = {
      n1: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6],
      n2: [1, 1, 1, 4, 4, 5, 5, 6, 6], // a
      n3: [1, 1, 1, 4], // b
      n4: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], // c
      n5: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], // d
      n6: [1, 1, 1, 4, 4, 4, 4], // e
      n7: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], // f
    }
    const disks = Object.fromEntries(Object.entries(logs).map(([id, t]) => [id, diskWithLog(7, t)]))
    const c = new Cluster(7, { disks })
    c.campaign('n1')
    expect(c.node('n1').status()).toMatchObject({ role: 'leader', term: 8 })
    c.tick(2)
    const want = c.logOf('n1')
    expect(want).toHaveLength(11)
    for (const id of c.ids) expect(c.logOf(id)).toEqual(want)
    // f (n7) conflicts from index 4: term 3 tail -> jump to 7, term 2 -> jump to 4: 2 rejections, not 7.
    const rejectsFromF = c.sent.filter(
      (e) => e.from === 'n7' && e.msg.type === 'AppendEntriesResp' && !e.msg.success,
    )
    expect(rejectsFromF.map((e) => [(e.msg as AER).conflictTerm, (e.msg as AER).conflictIndex])).toEqual([
      [3, 7],
      [2, 4],
    ])
    // b (n3) is short: one rejection with lastIndex+1
    const rejectsFromB = c.sent.filter(
      (e) => e.from === 'n3' && e.msg.type === 'AppendEntriesResp' && !e.msg.success,
    )
    expect(rejectsFromB.map((e) => [(e.msg as AER).conflictTerm, (e.msg as AER).conflictIndex])).toEqual([
      [0, 5],
    ])
    // d (n5) had extra term-7 entries: they were truncated (event + record)
    expect(c.events.get('n5')).toContainEqual({ type: 'log', action: 'truncate', index: 11, entries: [] })
    expect(c.disks.get('n5')).toContainEqual({ t: 'truncate', index: 11 })
    expect(c.stateMachineViolations()).toEqual([])
    for (const id of c.ids) expect(c.node(id).status().commitIndex).toBe(11)
  })
})

describe('commit rule (§5.4.2, Figure 8)', () => {
  function figure8(mutations: RaftMutations = {}) {
    const c = new Cluster(5, {
      params: { maxBatch: 1 },
      mutations,
      disks: {
        n1: diskWithLog(3, [1, 2]),
        n2: diskWithLog(3, [1]),
        n3: diskWithLog(3, [1]),
        n4: diskWithLog(3, [1]),
        n5: diskWithLog(3, [1, 3]),
      },
    })
    // (c) S1 is leader in term 4 with S2, S3; S4, S5 are away.
    c.isolate('n4')
    c.isolate('n5')
    const seen: Record<string, number> = {}
    // the term-4 no-op reaches nobody (after the first probe, which the followers reject)
    c.dropIf = (e) =>
      e.from === 'n1' &&
      isAE(e) &&
      e.msg.entries.some((x) => x.id === 'noop') &&
      (seen[e.to] = (seen[e.to] ?? 0) + 1) > 1
    c.campaign('n1')
    expect(c.node('n1').status()).toMatchObject({ role: 'leader', term: 4 })
    expect(c.logOf('n2')).toEqual(['1:1:x1.1', '2:2:x2.2']) // the term-2 entry is on a majority now
    const committedByOld = c.node('n1').status().commitIndex
    // (d) S1 crashes; S5 (last term 3) can be elected by S2, S3, S4 and overwrites index 2.
    c.crash('n1')
    c.heal()
    for (const id of ['n2', 'n3', 'n4']) c.restart(id)
    c.campaign('n5') // learns term 4
    c.campaign('n5')
    expect(c.node('n5').status().role).toBe('leader')
    c.tick(3, ['n2', 'n3', 'n4', 'n5'])
    return { c, committedByOld }
  }

  it('a leader does not commit a previous-term entry by counting replicas', () => {
    const { c, committedByOld } = figure8()
    expect(committedByOld).toBe(0)
    expect(c.logOf('n2')[1]).toBe('2:3:x2.3') // overwritten: fine, it was never committed
    expect(c.stateMachineViolations()).toEqual([])
  })

  it('mutation commitOldTermByCounting commits it, and the overwrite then breaks state machine safety', () => {
    const { c, committedByOld } = figure8({ commitOldTermByCounting: true })
    expect(committedByOld).toBe(2)
    expect(c.applied('n1').map((a) => a.id)).toEqual(['x1.1', 'x2.2'])
    expect(c.stateMachineViolations().length).toBeGreaterThan(0)
  })

  it('previous-term entries commit once a current-term entry (the no-op) is on a majority', () => {
    const c = new Cluster(3, {
      disks: { n1: diskWithLog(2, [1, 2]), n2: diskWithLog(2, [1]), n3: diskWithLog(2, [1]) },
    })
    c.campaign('n1')
    c.tick(2)
    for (const id of c.ids) {
      expect(c.logOf(id)).toEqual(['1:1:x1.1', '2:2:x2.2', '3:3:noop'])
      expect(c.node(id).status().commitIndex).toBe(3)
    }
  })
})

describe('noTruncateOnConflict mutation (§5.3)', () => {
  function divergent(mutations: RaftMutations = {}) {
    const c = new Cluster(3, {
      mutations,
      disks: { n1: diskWithLog(3, [1, 3]), n2: diskWithLog(3, [1, 3]), n3: diskWithLog(3, [1, 2, 2]) },
    })
    c.campaign('n1')
    c.tick(3)
    return c
  }

  it('honest: the follower truncates its conflicting entries and matches the leader', () => {
    const c = divergent()
    expect(c.logOf('n3')).toEqual(c.logOf('n1'))
    expect(c.stateMachineViolations()).toEqual([])
  })

  it('mutant: the follower keeps them, acks anyway, and applies different entries', () => {
    const c = divergent({ noTruncateOnConflict: true })
    expect(c.logOf('n3')).not.toEqual(c.logOf('n1'))
    expect(c.logOf('n3').slice(0, 3)).toEqual(['1:1:x1.1', '2:2:x2.2', '3:2:x3.2'])
    expect(c.stateMachineViolations().length).toBeGreaterThan(0)
  })
})
