// Multi-Paxos checkpoints and trimming (issue 15, item 2): every checkpointEverySlots applied
// slots a node checkpoints its KV state, trims the slots behind it and replaces its durable
// records with one (Ready.base); a node whose next slot was trimmed elsewhere gets the
// checkpoint in pieces; a long run keeps the slot store bounded.
import { describe, expect, it } from 'vitest'
import { Cluster, put } from './multipaxos.harness'
import { fuzz, fuzzSpec } from '../src/core/fuzz'
import { createSimulation } from '../src/core/sim'
import type { Rng } from '../src/core/rng'
import { multipaxosFuzz } from '../src/core/protocols/multipaxos/fuzz'
import { CHECKPOINT_CHUNK, type MpMsg } from '../src/core/protocols/multipaxos'
import { createMultiPaxosChecker } from '../src/core/check/multipaxos'
import { CHECK_NAMES } from '../src/core/check'
import type { ProtocolEvent } from '../src/core/protocols/types'
import { Trace } from './check.trace'

type CP = Extract<MpMsg, { type: 'Checkpoint' }>
type SnapEv = Extract<ProtocolEvent, { type: 'snapshot' }>
const snapEvents = (c: Cluster, id: string): SnapEv[] =>
  c.events.get(id)!.filter((e): e is SnapEv => e.type === 'snapshot')

function load(c: Cluster, leader: string, n: number, from = 1, keys = 8, size = 20): void {
  for (let i = from; i < from + n; i++)
    c.propose(leader, `c1.${i}`, put(`key-${i % keys}`, `${i}-${'x'.repeat(size)}`))
  c.tick(3)
}

describe('Multi-Paxos checkpoints', () => {
  it('every checkpointEverySlots applied slots each node checkpoints and trims; its durable state is one record', () => {
    const c = new Cluster(3, { params: { checkpointEverySlots: 10 } })
    c.campaign('n1')
    load(c, 'n1', 35)
    for (const n of c.live()) {
      expect(n.inspect().trimmed).toBe(30)
      expect(n.log.lastSlot()).toBe(35)
      expect(n.log.entry(30)).toBeNull()
      expect(n.log.entry(31)).not.toBeNull()
      expect(n.kv.entries().sort()).toEqual(c.node('n1').kv.entries().sort())
      const disk = c.disks.get(n.id)!
      expect(disk[0]).toMatchObject({ t: 'checkpoint', slot: 30 })
      expect(disk.slice(1).every((r) => r.t !== 'checkpoint')).toBe(true)
      expect(snapEvents(c, n.id).map((e) => [e.action, e.index])).toEqual([
        ['take', 10],
        ['take', 20],
        ['take', 30],
      ])
    }
  })

  it('a restarted node recovers from its checkpoint plus what it held after it', () => {
    const c = new Cluster(3, { params: { checkpointEverySlots: 10 } })
    c.campaign('n1')
    load(c, 'n1', 25)
    const kv = c.node('n2').kv.entries().sort()
    c.crash('n2')
    const seen = c.events.get('n2')!.length
    const r = c.restart('n2')
    expect(r.inspect().trimmed).toBe(20)
    expect(r.status().commitIndex).toBe(25)
    expect(r.kv.entries().sort()).toEqual(kv)
    // For the trace: the checkpoint first, then the slots after it, then their applies.
    const fresh = c.events.get('n2')!.slice(seen)
    expect(fresh.find((e) => e.type === 'snapshot')).toEqual({
      type: 'snapshot',
      action: 'restore',
      index: 20,
      term: 1,
    })
    expect(fresh.find((e) => e.type === 'log')).toMatchObject({ index: 21 })
    expect(fresh.filter((e) => e.type === 'apply').map((e) => (e.type === 'apply' ? e.index : 0))).toEqual([
      21, 22, 23, 24, 25,
    ])
    expect(r.kv.apply('c1.3', put('key-3', 'again')).duplicate).toBe(true)
  })

  it('a follower behind the trim point gets the checkpoint in pieces, then goes on', () => {
    const c = new Cluster(3, { params: { checkpointEverySlots: 10 } })
    c.campaign('n1')
    c.crash('n3')
    // Enough state for several pieces.
    load(c, 'n1', 300, 1, 300, 500)
    expect(c.node('n1').inspect().trimmed).toBe(300)
    c.restart('n3')
    c.tick(20)
    const pieces = c.sent.filter(
      (e): e is typeof e & { msg: CP } => e.msg.type === 'Checkpoint' && e.to === 'n3',
    )
    expect(pieces.length).toBeGreaterThanOrEqual(3)
    expect(pieces.every((p) => p.msg.data.length <= CHECKPOINT_CHUNK)).toBe(true)
    expect(
      snapEvents(c, 'n3')
        .filter((e) => e.action === 'install')
        .map((e) => e.index),
    ).toEqual([300])
    expect(c.node('n3').kv.entries().sort()).toEqual(c.node('n1').kv.entries().sort())
    load(c, 'n1', 5, 301)
    expect(c.node('n3').status().commitIndex).toBe(305)
    expect(c.agreementViolations()).toEqual([])
  })

  it('a candidate whose Prepare asks about trimmed slots gets the checkpoint instead of a promise, then leads', () => {
    const c = new Cluster(3, { params: { checkpointEverySlots: 10 } })
    c.campaign('n1')
    c.isolate('n3')
    load(c, 'n1', 25)
    c.heal()
    // n3 (decided prefix 0) stands before anyone caught it up; n1 is gone (n2's lease on it
    // runs out first).
    c.crash('n1')
    c.tick(10, ['n2'])
    expect(c.node('n3').status().commitIndex).toBe(0)
    c.campaign('n3')
    expect(c.count('Checkpoint', 'n2')).toBeGreaterThan(0)
    c.tick(10)
    expect(c.node('n3').status().role).toBe('leader')
    expect(c.node('n3').status().commitIndex).toBeGreaterThanOrEqual(25)
    c.propose('n3', 'c9.1', put('z', '1'))
    c.tick(3)
    expect(c.repliesFor('c9.1')).toEqual([{ id: 'c9.1', ok: true, f: 'put', value: null }])
    expect(c.node('n2').kv.get('key-1')).toBe(c.node('n3').kv.get('key-1'))
    expect(c.agreementViolations()).toEqual([])
  })

  it('a long run keeps the slot store bounded with checkpoints (and not without)', () => {
    for (const every of [50, 0]) {
      const c = new Cluster(3, { params: { checkpointEverySlots: every } })
      c.campaign('n1')
      for (let round = 0; round < 20; round++) load(c, 'n1', 100, round * 100 + 1)
      for (const n of c.live()) {
        const held = n.log.lastSlot() - n.inspect().trimmed
        if (every) expect(held).toBeLessThanOrEqual(every)
        else expect(held).toBe(2000)
      }
    }
  })

  it('the checker follows an installed checkpoint and rejects one that goes back', () => {
    const good = (): Trace =>
      new Trace()
        .append('n1', 1, '1:a', '1:b', '1:c')
        .apply('n1', 1, 1, 'a')
        .apply('n1', 2, 1, 'b')
        .apply('n1', 3, 1, 'c')
        .snapshot('n1', 'take', 2, 1)
        .snapshot('n3', 'install', 2, 1)
        .append('n3', 3, '1:c')
        .apply('n3', 3, 1, 'c')
    const check = (t: Trace) => {
      const k = createMultiPaxosChecker()
      for (const e of t.events) k.onEvent(e)
      return k.results().filter((r) => !r.ok)
    }
    expect(check(good())).toEqual([])
    const back = good().snapshot('n1', 'install', 2, 1)
    expect(check(back).map((r) => r.name)).toEqual([CHECK_NAMES.stateMachineSafety])
  })

  it('simulator fuzzing with checkpoints on (crash-recovery faults, partitions, loss): zero violations, checkpoints installed', () => {
    const params = (rng: Rng) => ({ ...multipaxosFuzz.params(rng), checkpointEverySlots: rng.int(5, 60) })
    const results = fuzz({ seeds: 12, startSeed: 1, ...multipaxosFuzz, params })
    const bad = results.filter((r) => r.violations.length > 0)
    expect(bad.map((r) => `seed=${r.seed}: ${r.violations[0].name}: ${r.violations[0].details[0]}`)).toEqual(
      [],
    )
    const seen = { take: 0, install: 0, restore: 0 }
    for (let seed = 1; seed <= 12; seed++) {
      const sim = createSimulation(fuzzSpec(seed, { ...multipaxosFuzz, params }), {
        keepTrace: false,
        onTrace: (e) => {
          if (e.kind === 'snapshot') seen[e.action]++
        },
      })
      sim.runUntil(sim.spec.durationMs)
    }
    console.log(`multipaxos checkpoint fuzz, 12 seeds: ${JSON.stringify(seen)}`)
    expect(seen.take).toBeGreaterThan(100)
    expect(seen.install).toBeGreaterThan(0)
    expect(seen.restore).toBeGreaterThan(0)
  })
})
