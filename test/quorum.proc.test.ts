// The quorum store as real node processes over TCP, through the LabService (what the UI and
// the CLI call): 5 nodes, a node cut off and healed well before the end, every check passes.
import { describe, expect, it } from 'vitest'
import { LabService } from '../src/main/lab/service'
import { runToEnd, tempDir } from './proc.helpers'
import { QUORUM_MSG_TYPES } from '../src/core/protocols/quorum'
import { algorithmModule } from '../src/core/protocols/registry'

describe('quorum store in processes mode', () => {
  it('runs 5 real node processes, stores, converges after a partition heals and passes every check', async () => {
    const service = new LabService({ dataDir: tempDir('ql-quorum-proc-').dir })
    try {
      const { run, end, events } = await runToEnd(service, {
        name: 'quorum-proc',
        mode: 'processes',
        algorithm: {
          kind: 'quorum',
          params: {
            replicas: 3,
            readQuorum: 2,
            writeQuorum: 2,
            hintedHandoff: false,
            antiEntropyTicks: 20,
          },
        },
        cluster: { nodes: 5, tickMs: 10 },
        durationMs: 3500,
        workload: { clients: 4, ratePerSec: 150, keys: 5, mix: { read: 0.5, write: 0.5, cas: 0 } },
        faults: [{ kind: 'partition', atMs: 200, forMs: 400, shape: 'isolate', target: 'n2' }],
      })
      expect(end.status).toBe('done')
      expect(end.summary?.ops.ok).toBeGreaterThan(20)
      const checks = end.summary?.checks ?? []
      console.log(
        `quorum processes run: ${JSON.stringify(end.summary?.ops)}, p50 ${end.summary?.latencyMs.p50} ms`,
      )
      expect(checks.map((c) => `${c.name}: ${c.ok} ${c.verdict ?? ''} ${c.details.join(' / ')}`)).toEqual([
        'No acknowledged write lost: true  ',
        'Convergence: true  ',
        'Linearizability: true ok ',
      ])
      expect(end.summary?.verdict).toBe('ok')
      // The store's own counters come through the nodes' telemetry (validated at the socket)
      // to the live view, and into the summary as the run's totals.
      const keys = ['hintedWrites', 'readRepairs', 'antiEntropySyncs']
      const progress = events.filter(
        (e) => e.type === 'run-progress' && e.nodes.some((n) => n.role !== 'down'),
      )
      const last = progress[progress.length - 1]
      expect(last?.type === 'run-progress' && last.nodes.every((n) => n.role === 'down' || n.stats)).toBe(
        true,
      )
      if (last?.type === 'run-progress')
        for (const n of last.nodes) if (n.stats) expect(Object.keys(n.stats).sort()).toEqual([...keys].sort())
      expect(Object.keys(end.summary?.counters ?? {}).sort()).toEqual([...keys].sort())
      const applies = await service.getTrace({ runId: run.runId, kinds: ['apply'], limit: 5 })
      expect(applies.length).toBe(5)
      for (const a of applies)
        if (a.kind === 'apply') expect(a.version).toMatch(/^lww ts=\d+\.n\d vc=\S+ replicas=/)
      const sends = await service.getTrace({ runId: run.runId, kinds: ['send'], limit: 200 })
      const types = [...new Set(sends.map((e) => (e.kind === 'send' ? e.type : '')))]
      // Readable names on the wire: the module's wireTypes (QUORUM_MSG_TYPES).
      expect(algorithmModule('quorum').wireTypes).toEqual(QUORUM_MSG_TYPES)
      expect(types).toEqual(expect.arrayContaining(['Get', 'GetReply', 'Put', 'PutAck']))
    } finally {
      service.close()
    }
  })
})
