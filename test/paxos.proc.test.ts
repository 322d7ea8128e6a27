// Paxos in processes mode: real node processes over TCP through the LabService, with a
// crash-restart; every check passes and operations commit.
import { describe, expect, it } from 'vitest'
import { LabService } from '../src/main/lab/service'
import { runToEnd, tempDir } from './proc.helpers'

describe('Paxos in processes mode', () => {
  it('runs 3 real nodes, survives a crash-restart and passes every check', async () => {
    const service = new LabService({ dataDir: tempDir('ql-paxos-proc-').dir })
    try {
      const { run, end } = await runToEnd(service, {
        name: 'paxos-proc',
        algorithm: { kind: 'paxos', params: {} },
        mode: 'processes',
        cluster: { nodes: 3, tickMs: 10 },
        durationMs: 2000,
        workload: { clients: 4, ratePerSec: 200, keys: 6 },
        faults: [{ kind: 'crash', atMs: 900, target: 'n2', restartAfterMs: 300 }],
      })
      expect(end.status).toBe('done')
      expect(end.summary?.ops.ok).toBeGreaterThan(5)
      const failing = end.summary?.checks.filter((c) => !c.ok) ?? []
      expect(failing.map((c) => `${c.name}: ${c.details.join(' / ')}`)).toEqual([])
      expect(end.summary?.checks.map((c) => c.name)).toEqual([
        'Agreement',
        'Validity',
        'Slot order',
        'No acknowledged write lost',
        'Linearizability',
      ])
      const sends = await service.getTrace({ runId: run.runId, kinds: ['send'], limit: 50 })
      // The summary is describe()'s line; the type name comes over the wire (wireTypes).
      const summaries = sends.map((e) => (e.kind === 'send' ? e.summary.split(' ')[0] : ''))
      expect(summaries).toContain('Prepare')
      expect(sends.map((e) => (e.kind === 'send' ? e.type : ''))).toContain('Prepare')
    } finally {
      service.close()
    }
  }, 30_000)
})
