// Log compaction and InstallSnapshot (Ongaro's thesis chapter 5; Raft paper §7): a snapshot of
// the KV state every snapshotEveryEntries applied entries, the log dropped behind it and the
// durable state replaced by one record (Ready.base), restart from snapshot plus log tail, and
// a follower too far behind brought up by a chunked InstallSnapshot.
import { describe, expect, it } from 'vitest'
import { Cluster } from './raft.harness'
import { fuzz, fuzzSpec } from '../src/core/fuzz'
import { createSimulation } from '../src/core/sim'
import type { Rng } from '../src/core/rng'
import type { RaftMsg, RaftRecord } from '../src/core/protocols/raft/types'
import type { ProtocolEvent } from '../src/core/protocols/types'

type IS = Extract<RaftMsg, { type: 'InstallSnapshot' }>
type SnapEv = Extract<ProtocolEvent, { type: 'snapshot' }>
const snapEvents = (c: Cluster, id: string): SnapEv[] =>
  c.events.get(id)!.filter((e): e is SnapEv => e.type === 'snapshot')

function loaded(c: Cluster, leader: string, n: number, from = 1, keys = 8): void {
  for (let i = from; i < from + n; i++)
    c.propose(leader, `c1.${i}`, { f: 'put', key: `key-${i % keys}`, value: `value-${i}-${'x'.repeat(20)}` })
  c.tick(3)
}

describe('snapshots and log compaction (thesis chapter 5)', () => {
  it('§5.1: every snapshotEveryEntries applied entries each node snapshots its state and drops the log behind it', () => {
    const c = new Cluster(3, { seed: 1, params: { snapshotEveryEntries: 10 } })
    const l = c.elect()
    loaded(c, l.id, 35)
    for (const n of c.live()) {
      const s = n.inspect()
      expect(s.snapshotIndex).toBeGreaterThanOrEqual(30)
      expect(n.log.all().length).toBeLessThan(10)
      expect(n.status().lastIndex).toBe(36)
      expect(n.kv.entries().sort()).toEqual(l.kv.entries().sort())
      // Durable: one base record (term, vote, snapshot, log tail), then what came after it.
      const disk = c.disks.get(n.id)!
      expect(disk[0]).toMatchObject({ t: 'snapshot', index: s.snapshotIndex, hardTerm: n.status().term })
      expect(disk.slice(1).every((r) => r.t !== 'snapshot')).toBe(true)
      const evs = snapEvents(c, n.id)
      expect(evs.map((e) => e.action)).toEqual(['take', 'take', 'take'])
      expect(evs.map((e) => e.index)).toEqual([10, 20, 30])
    }
  })

  it('§5.1: a restarted node recovers from its snapshot plus the log tail, and answers retried requests as before', () => {
    const c = new Cluster(3, { seed: 2, params: { snapshotEveryEntries: 10 } })
    const l = c.elect()
    loaded(c, l.id, 25)
    const f = c.ids.find((n) => n !== l.id)!
    const before = { kv: c.node(f).kv.entries().sort(), last: c.node(f).status().lastIndex }
    c.crash(f)
    const r = c.restart(f)
    expect(r.inspect().snapshotIndex).toBe(20)
    expect(r.status().commitIndex).toBe(20)
    expect(r.status().lastIndex).toBe(before.last)
    c.tick(3)
    expect(r.kv.entries().sort()).toEqual(before.kv)
    // The dedup table came back with the snapshot: a retry of an applied request is not applied again.
    const res = r.kv.apply('c1.3', { f: 'put', key: 'key-3', value: 'again' })
    expect(res.duplicate).toBe(true)
    expect(c.stateMachineViolations()).toEqual([])
  })

  it('§5.3: a follower too far behind gets the snapshot in pieces, one at a time, then the entries after it', () => {
    const c = new Cluster(3, { seed: 3, params: { snapshotEveryEntries: 10, snapshotChunkBytes: 100 } })
    const l = c.elect()
    const f = c.ids.find((n) => n !== l.id)!
    c.crash(f)
    loaded(c, l.id, 47, 1, 16)
    expect(l.inspect().snapshotIndex).toBe(40)
    c.restart(f)
    c.tick(20)
    const pieces = c.sent.filter(
      (e): e is typeof e & { msg: IS } => e.msg.type === 'InstallSnapshot' && e.to === f,
    )
    expect(pieces.length).toBeGreaterThan(5)
    expect(pieces.every((p) => p.msg.data.length <= 100)).toBe(true)
    expect(pieces.map((p) => p.msg.offset)).toEqual(
      pieces.map((_, k) => pieces.slice(0, k).reduce((n, p) => n + p.msg.data.length, 0)),
    )
    expect(pieces[pieces.length - 1].msg.done).toBe(true)
    const fn = c.node(f)
    expect(
      snapEvents(c, f)
        .filter((e) => e.action === 'install')
        .map((e) => e.index),
    ).toEqual([40])
    expect(fn.kv.entries().sort()).toEqual(l.kv.entries().sort())
    expect(fn.status().lastIndex).toBe(l.status().lastIndex)
    expect(fn.status().commitIndex).toBe(l.status().commitIndex)
    expect(c.disks.get(f)![0]).toMatchObject({ t: 'snapshot', index: 40 })
    // It applies what came after the snapshot, in order.
    const applied = c.applied(f).filter((a) => a.index > 40)
    expect(applied.map((a) => a.index)).toEqual([41, 42, 43, 44, 45, 46, 47, 48])
  })

  it('§5.3: lost pieces are sent again, and the transfer still completes', () => {
    const c = new Cluster(3, { seed: 4, params: { snapshotEveryEntries: 10, snapshotChunkBytes: 64 } })
    const l = c.elect()
    const f = c.ids.find((n) => n !== l.id)!
    c.crash(f)
    loaded(c, l.id, 30, 1, 12)
    c.restart(f)
    let k = 0
    c.dropIf = (e) => e.msg.type === 'InstallSnapshot' && ++k % 3 === 0
    c.tick(60)
    expect(c.node(f).kv.entries().sort()).toEqual(l.kv.entries().sort())
    expect(snapEvents(c, f).some((e) => e.action === 'install')).toBe(true)
  })

  it('§5.3: a stale snapshot (within what the follower committed) is ignored; the installStaleSnapshot mutant rolls the state back', () => {
    for (const mutated of [false, true]) {
      const c = new Cluster(3, {
        seed: 5,
        params: { snapshotEveryEntries: 10 },
        mutations: mutated ? { installStaleSnapshot: true } : {},
      })
      const l = c.elect()
      const f = c.ids.find((n) => n !== l.id)!
      c.crash(f)
      loaded(c, l.id, 15)
      c.restart(f)
      c.tick(10)
      const snap = c.sent.find((e) => e.msg.type === 'InstallSnapshot' && e.to === f)
      expect(snap).toBeDefined()
      loaded(c, l.id, 20, 100)
      const fn = c.node(f)
      const commit = fn.status().commitIndex
      const kv = fn.kv.entries().sort()
      expect(commit).toBeGreaterThan((snap!.msg as IS).index)
      // The old InstallSnapshot again (a duplicate delivered late).
      c.queue.push({ ...snap! })
      c.deliverOne()
      const installs = snapEvents(c, f).filter((e) => e.action === 'install')
      if (!mutated) {
        expect(installs).toHaveLength(1)
        expect(fn.status().commitIndex).toBe(commit)
        expect(fn.kv.entries().sort()).toEqual(kv)
      } else {
        expect(installs).toHaveLength(2)
        expect(fn.status().commitIndex).toBe((snap!.msg as IS).index)
        expect(fn.kv.entries().sort()).not.toEqual(kv)
      }
    }
  })

  it('§5.3: a snapshot whose last entry the follower holds keeps the log after it (only the commit point moves)', () => {
    const c = new Cluster(3, { seed: 6, params: { snapshotEveryEntries: 10 } })
    const l = c.elect()
    const f = c.ids.find((n) => n !== l.id)!
    // f holds every entry but learns no commit point (the leader's commits are held back from it).
    c.dropIf = (e) => e.to === f && e.msg.type === 'AppendEntries' && e.msg.entries.length === 0
    for (let i = 1; i <= 12; i++) c.propose(l.id, `c1.${i}`, { f: 'put', key: 'a', value: `${i}` }, false)
    c.stabilize()
    c.dropIf = null
    const fn = c.node(f)
    const last = fn.status().lastIndex
    const snap = l.inspect().snapshotIndex
    expect(snap).toBeGreaterThanOrEqual(10)
    expect(fn.status().commitIndex).toBeLessThan(snap)
    // Offer the leader's snapshot directly: f keeps its log and commits up to the snapshot.
    const data = JSON.stringify(l.kv.snapshot())
    c.queue.push({
      from: l.id,
      to: f,
      msg: {
        type: 'InstallSnapshot',
        term: l.status().term,
        index: snap,
        snapTerm: l.log.term(snap),
        config: { voters: c.ids, learners: [] },
        configIndex: 0,
        offset: 0,
        data,
        done: true,
      },
    })
    c.deliverOne()
    expect(fn.status().lastIndex).toBe(last)
    expect(fn.status().commitIndex).toBeGreaterThanOrEqual(snap)
    expect(snapEvents(c, f).filter((e) => e.action === 'install')).toEqual([])
  })

  it('off by default: no snapshot, the whole log stays, nothing replaces the durable records', () => {
    const c = new Cluster(3, { seed: 7 })
    const l = c.elect()
    loaded(c, l.id, 30)
    for (const n of c.live()) {
      expect(n.inspect().snapshotIndex).toBe(0)
      expect(n.log.all()).toHaveLength(31)
      expect(c.disks.get(n.id)!.some((r: RaftRecord) => r.t === 'snapshot')).toBe(false)
    }
  })

  it('simulator fuzzing with snapshots on (crash-recovery faults, partitions, loss): zero violations, snapshots installed', () => {
    const params = (rng: Rng) => {
      const lo = rng.int(6, 14)
      return {
        electionTimeoutTicks: [lo, lo + rng.int(2, lo)],
        heartbeatTicks: rng.int(1, Math.min(4, lo - 1)),
        preVote: rng.chance(0.5),
        readMode: rng.chance(0.5) ? 'readIndex' : 'log',
        maxBatch: [1, 2, 4, 64][rng.int(0, 3)],
        snapshotEveryEntries: rng.int(5, 60),
        snapshotChunkBytes: rng.int(64, 2000),
      }
    }
    const results = fuzz({ seeds: 16, startSeed: 1, params })
    const bad = results.filter((r) => r.violations.length > 0)
    expect(bad.map((r) => `seed=${r.seed}: ${r.violations[0].name}: ${r.violations[0].details[0]}`)).toEqual(
      [],
    )
    // What the runs exercised: snapshots taken, installed on followers behind, restored after crashes.
    const seen = { take: 0, install: 0 }
    for (let seed = 1; seed <= 16; seed++) {
      const sim = createSimulation(fuzzSpec(seed, { params }), {
        keepTrace: false,
        onTrace: (e) => {
          if (e.kind === 'snapshot' && e.action !== 'restore') seen[e.action]++
        },
      })
      sim.runUntil(sim.spec.durationMs)
    }
    console.log(`raft snapshot fuzz, 16 seeds: ${JSON.stringify(seen)}`)
    expect(seen.take).toBeGreaterThan(100)
    expect(seen.install).toBeGreaterThan(0)
  })
})
