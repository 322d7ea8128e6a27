// Each algorithm declares its own words (ALGORITHM_INFO[kind].vocabulary) and the lab reports
// what they name: the quorum store's nodes count their hinted writes, read repairs and
// anti-entropy syncs (NodeStatus.stats, this incarnation), the run summary totals them from
// the messages sent, and the telemetry check refuses malformed counters.
import { describe, expect, it } from 'vitest'
import { createSimulation } from '../src/core/sim'
import { LabService } from '../src/main/lab/service'
import { checkNodeStatus } from '../src/main/node/validate'
import { ALGORITHMS, ALGORITHM_INFO, ExperimentSpecSchema } from '../src/shared/spec'
import { countOf, nodeFigures, roleName, vocabularyOf } from '../src/shared/vocabulary'
import type { RunInfo } from '../src/shared/api'

const QUORUM_SPEC = ExperimentSpecSchema.parse({
  name: 'quorum-counters',
  algorithm: {
    kind: 'quorum',
    params: { replicas: 3, readQuorum: 1, writeQuorum: 1, antiEntropyTicks: 20, requestTimeoutTicks: 20 },
  },
  cluster: { nodes: 5 },
  durationMs: 4000,
  workload: { clients: 4, ratePerSec: 200, keys: 5, mix: { read: 0.5, write: 0.5, cas: 0 } },
  faults: [{ atMs: 500, forMs: 1500, kind: 'partition', shape: 'halves' }],
})

describe('algorithm vocabularies', () => {
  it('every algorithm has its words; the leaderless ones have no leader', () => {
    for (const kind of ALGORITHMS) expect(ALGORITHM_INFO[kind].vocabulary).toBeDefined()
    const pbft = vocabularyOf('pbft')
    expect([pbft.leader, pbft.term?.label, pbft.leaderChanges]).toEqual(['primary', 'view', 'view changes'])
    expect(roleName(pbft, 'leader')).toBe('primary')
    expect(roleName(pbft, 'follower')).toBe('backup')
    const paxos = vocabularyOf('paxos')
    expect([paxos.leader, paxos.term?.label, roleName(paxos, 'replica')]).toEqual([
      null,
      'ballot',
      'proposer',
    ])
    const quorum = vocabularyOf('quorum')
    expect([quorum.leader, quorum.term, quorum.leaderChanges, quorum.elections]).toEqual([
      null,
      null,
      null,
      null,
    ])
    expect(quorum.counters.map((c) => c.label)).toEqual([
      'hinted writes',
      'read repairs',
      'anti-entropy syncs',
    ])
    // A quorum node shows its stored writes and its counters, no term.
    const figs = nodeFigures(quorum, { term: 0, commitIndex: 9, lastIndex: 9, stats: { readRepairs: 2 } })
    expect(figs.map((f) => [f.label, f.value])).toEqual([
      ['stored', 9],
      ['hinted writes', null],
      ['read repairs', 2],
      ['anti-entropy syncs', null],
    ])
    expect(countOf(1, 'view changes')).toBe('1 view change')
    expect(countOf(3, 'view changes')).toBe('3 view changes')
  })

  it('quorum store nodes count what their vocabulary names', () => {
    const sim = createSimulation(QUORUM_SPEC, { keepTrace: true })
    sim.runUntil(QUORUM_SPEC.durationMs)
    const nodes = sim.nodes()
    const total = (k: string): number => nodes.reduce((s, n) => s + (n.stats?.[k] ?? 0), 0)
    for (const n of nodes)
      expect(Object.keys(n.stats ?? {}).sort()).toEqual(['antiEntropySyncs', 'hintedWrites', 'readRepairs'])
    // With R = W = 1 and a partition, replicas miss writes: repairs and syncs follow.
    expect(total('readRepairs') + total('antiEntropySyncs')).toBeGreaterThan(0)
    // No incarnation restarted: the nodes' counts are the messages of those types sent.
    const sends = (type: string): number =>
      sim.trace().filter((e) => e.kind === 'send' && e.type === type).length
    expect(total('readRepairs')).toBe(sends('ReadRepair'))
    expect(total('antiEntropySyncs')).toBe(sends('MerkleDiff'))
    expect(total('hintedWrites')).toBe(sends('Hint'))
  })

  it('the run summary totals the counters', async () => {
    const service = new LabService({ store: 'memory' })
    try {
      const r = await service.startRun({ spec: QUORUM_SPEC, speed: 'max' })
      const end = await new Promise<RunInfo>((resolve) => {
        const off = service.on((e) => {
          if (e.type === 'run-status' && e.run.runId === r.runId && e.run.status !== 'running') {
            off()
            resolve(e.run)
          }
        })
      })
      const c = end.summary?.counters ?? {}
      expect(Object.keys(c).sort()).toEqual(['antiEntropySyncs', 'hintedWrites', 'readRepairs'])
      const sent = async (type: string): Promise<number> =>
        (await service.getTrace({ runId: r.runId, kinds: ['send'] })).filter(
          (e) => e.kind === 'send' && e.type === type,
        ).length
      expect(c.readRepairs).toBe(await sent('ReadRepair'))
      expect(c.antiEntropySyncs).toBe(await sent('MerkleDiff'))
      // Stored with the run.
      expect((await service.getRun({ runId: r.runId })).summary?.counters).toEqual(c)
      // Leader-based algorithms have no counters of their own.
      expect(vocabularyOf('raft').counters).toEqual([])
    } finally {
      service.close()
    }
  })

  it("the lab checks a node's reported status, counters included", () => {
    const good = { id: 'n1', role: 'replica', term: 0, leader: null, commitIndex: 3, lastIndex: 3 }
    expect(checkNodeStatus(good, 'tel.status')).toBeNull()
    expect(checkNodeStatus({ ...good, stats: { readRepairs: 2 } }, 'tel.status')).toBeNull()
    expect(checkNodeStatus({ ...good, stats: { readRepairs: -1 } }, 'tel.status')).toBe(
      'tel.status.stats.readRepairs: must be a whole number >= 0, got -1',
    )
    expect(checkNodeStatus({ ...good, stats: 'many' }, 'tel.status')).toBe(
      'tel.status.stats: must be an object, got "many"',
    )
    expect(checkNodeStatus({ ...good, role: 'king' }, 'tel.status')).toBe(
      'tel.status.role: not a role, got "king"',
    )
    expect(checkNodeStatus({ ...good, term: 'x' }, 'tel.status')).toMatch(/^tel\.status\.term: /)
    expect(checkNodeStatus(null, 'tel.status')).toBe('tel.status: must be an object, got null')
  })
})
