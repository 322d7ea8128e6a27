// Processes mode through the LabService (what the UI and the CLI call): a spec with
// mode "processes" starts real node processes, streams progress, records the run in the
// store and ends with the same summary and checks as a simulated run.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LabService } from '../src/main/lab/service'
import { runToEnd, tempDir } from './proc.helpers'

describe('LabService in processes mode', () => {
  it('runs a 3-node Raft cluster as real processes, records it and checks it', async () => {
    const dataDir = tempDir('ql-proc-svc-').dir
    const service = new LabService({ dataDir })
    try {
      const { run, end, events } = await runToEnd(service, {
        name: 'proc-svc',
        mode: 'processes',
        cluster: { nodes: 3, tickMs: 10 },
        // A crash early enough that the restarted process is up before the end even on a busy
        // machine (the fault's end is recorded once the new process reports ready).
        durationMs: 4500,
        workload: { clients: 4, ratePerSec: 200, keys: 5 },
        faults: [{ kind: 'crash', atMs: 1000, target: 'leader', restartAfterMs: 300 }],
      })
      expect(run.mode).toBe('processes')
      expect(end.status).toBe('done')
      expect(end.summary?.ops.ok).toBeGreaterThan(0)
      const failing = end.summary?.checks.filter((c) => !c.ok) ?? []
      expect(failing.map((c) => `${c.name}: ${c.details.join(' / ')}`)).toEqual([])
      expect(end.summary?.verdict).toBe('ok')
      expect(end.summary?.checks.map((c) => c.name)).toContain('Linearizability')
      // Live progress reached the UI with node states.
      const progress = events.filter((e) => e.type === 'run-progress')
      expect(progress.length).toBeGreaterThan(3)
      expect(
        progress.some((e) => e.type === 'run-progress' && e.nodes.some((n) => n.role === 'leader')),
      ).toBe(true)
      // Recorded: readable from the store after the run, with the crash as fault events.
      const listed = await service.listRuns()
      expect(listed.map((r) => r.runId)).toContain(run.runId)
      const faults = await service.getTrace({ runId: run.runId, kinds: ['fault'] })
      expect(faults.map((e) => (e.kind === 'fault' ? e.phase : ''))).toEqual(['start', 'end'])
      const sends = await service.getTrace({ runId: run.runId, kinds: ['send'], limit: 10 })
      expect(sends.length).toBe(10)
      // Every child process is gone, so the run folder no longer lists any (see cluster/ledger.ts).
      expect(existsSync(join(dataDir, 'runs', run.runId, 'n1.wal'))).toBe(true)
      expect(existsSync(join(dataDir, 'runs', run.runId, 'children.json'))).toBe(false)
    } finally {
      service.close()
    }
  })
})
