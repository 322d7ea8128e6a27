// Multi-Paxos as real processes over TCP, through the LabService (what the UI and CLI call):
// the cluster elects a leader, decides client commands, survives a leader crash and restart,
// and the recorded run passes every check.
import { describe, expect, it } from 'vitest'
import { LabService } from '../src/main/lab/service'
import { runToEnd, tempDir } from './proc.helpers'

describe('Multi-Paxos in processes mode', () => {
  it('runs a 3-node cluster as real processes, decides commands and passes every check', async () => {
    const service = new LabService({ dataDir: tempDir('ql-mp-proc-').dir })
    try {
      const { run, end } = await runToEnd(service, {
        name: 'mp-proc',
        algorithm: {
          kind: 'multipaxos',
          params: { leaderTimeoutTicks: [15, 30], heartbeatTicks: 5, maxBatch: 64 },
        },
        mode: 'processes',
        cluster: { nodes: 3, tickMs: 10 },
        durationMs: 2500,
        workload: { clients: 4, ratePerSec: 200, keys: 5 },
        faults: [{ kind: 'crash', atMs: 1200, target: 'leader', restartAfterMs: 400 }],
      })
      expect(end.status).toBe('done')
      expect(end.summary?.ops.ok).toBeGreaterThan(0)
      const names = end.summary?.checks.map((c) => c.name) ?? []
      expect(names).toEqual([
        'Slot Agreement',
        'In-order Apply',
        'State Machine Safety',
        'No acknowledged write lost',
        'Linearizability',
      ])
      const failing = end.summary?.checks.filter((c) => !c.ok) ?? []
      expect(failing.map((c) => `${c.name}: ${c.details.join(' / ')}`)).toEqual([])
      expect(end.summary?.verdict).toBe('ok')
      // Messages travelled, named on the wire by the module's wireTypes.
      const sends = await service.getTrace({ runId: run.runId, kinds: ['send'], limit: 2000 })
      expect(sends.length).toBeGreaterThan(10)
      const types = new Set(sends.map((e) => (e.kind === 'send' ? e.type : '')))
      expect(types).toContain('Prepare')
      expect(types).toContain('Accept')
      const applies = await service.getTrace({ runId: run.runId, kinds: ['apply'], limit: 10 })
      expect(applies.length).toBe(10)
    } finally {
      service.close()
    }
  }, 60_000)

  it('with checkpoints on: a restarted node recovers from its checkpoint and catches up by one; every check passes', async () => {
    const service = new LabService({ dataDir: tempDir('ql-mp-proc-cp-').dir })
    try {
      const { run, end } = await runToEnd(service, {
        name: 'mp-proc-checkpoints',
        algorithm: { kind: 'multipaxos', params: { checkpointEverySlots: 25 } },
        mode: 'processes',
        cluster: { nodes: 3, tickMs: 10 },
        durationMs: 5000,
        workload: { clients: 4, ratePerSec: 300, keys: 20 },
        // The restart starts at 2.2 s: a restarted node's process can take over a second to come
        // up on a loaded machine, and it must still catch up (by a checkpoint) before 5 s.
        faults: [{ kind: 'crash', atMs: 1000, target: 'n3', restartAfterMs: 1200 }],
      })
      expect(end.status).toBe('done')
      const failing = end.summary?.checks.filter((c) => !c.ok) ?? []
      expect(failing.map((c) => `${c.name}: ${c.details.join(' / ')}`)).toEqual([])
      expect(end.summary?.verdict).toBe('ok')
      const snaps = await service.getTrace({ runId: run.runId, kinds: ['snapshot'], limit: 10_000 })
      const byN3 = snaps.filter((e) => e.node === 'n3').map((e) => (e.kind === 'snapshot' ? e.action : ''))
      expect(byN3).toContain('take')
      expect(byN3).toContain('restore')
      expect(byN3).toContain('install')
    } finally {
      service.close()
    }
  }, 60_000)
})
