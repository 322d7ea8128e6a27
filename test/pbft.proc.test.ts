// PBFT as real node processes over TCP (processes mode, through the LabService): a 4-node
// cluster commits client operations and passes every check, also with a Byzantine
// (equivocating) primary, which the process host applies through the factory's corrupt().
// Counts of operations are kept low: these runs share a busy machine in real time.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { LabEvent, RunInfo } from '../src/shared/api'
import type { FaultSpec } from '../src/shared/spec'
import { LabService } from '../src/main/lab/service'

function waitForEnd(service: LabService, runId: string): Promise<RunInfo> {
  return new Promise((resolve) => {
    const off = service.on((e: LabEvent) => {
      if (e.type === 'run-status' && e.run.runId === runId && e.run.status !== 'running') {
        off()
        resolve(e.run)
      }
    })
  })
}

async function runPbft(name: string, faults: FaultSpec[]): Promise<{ end: RunInfo; service: LabService }> {
  const service = new LabService({ dataDir: mkdtempSync(join(tmpdir(), 'ql-pbft-proc-')) })
  const run = await service.startRun({
    spec: {
      name,
      mode: 'processes',
      algorithm: { kind: 'pbft', params: { viewChangeTicks: 50 } },
      cluster: { nodes: 4, tickMs: 10 },
      durationMs: 2500,
      workload: { clients: 4, ratePerSec: 100, keys: 5 },
      faults,
    },
  })
  return { end: await waitForEnd(service, run.runId), service }
}

describe('PBFT in processes mode', () => {
  it('a 4-node cluster commits operations and passes every check', async () => {
    const { end, service } = await runPbft('pbft-proc', [])
    try {
      expect(end.status).toBe('done')
      expect(end.summary?.ops.ok).toBeGreaterThan(3)
      const failing = end.summary?.checks.filter((c) => !c.ok) ?? []
      expect(failing.map((c) => `${c.name}: ${c.details.join(' / ')}`)).toEqual([])
      expect(end.summary?.checks.map((c) => c.name)).toEqual([
        'Honest replicas agree',
        'No acknowledged write lost',
        'Linearizability',
      ])
      // Delivered messages carry PBFT's readable type names.
      const delivered = await service.getTrace({ runId: end.runId, kinds: ['deliver'], limit: 300 })
      const types = new Set(delivered.map((e) => (e.kind === 'deliver' ? e.type : '')))
      expect(types).toContain('PrePrepare')
      expect(types).toContain('Commit')
    } finally {
      service.close()
    }
  })

  it('with an equivocating primary honest replicas still agree', async () => {
    const { end, service } = await runPbft('pbft-proc-byz', [
      { kind: 'byzantine', atMs: 500, target: 'n1', behavior: 'equivocate' },
    ])
    try {
      expect(end.status).toBe('done')
      const failing = end.summary?.checks.filter((c) => !c.ok) ?? []
      expect(failing.map((c) => `${c.name}: ${c.details.join(' / ')}`)).toEqual([])
      // The fault was applied (how soon the primary is voted out depends on the machine's
      // speed, so that is tested in the simulator: test/pbft.sim.test.ts).
      const faults = await service.getTrace({ runId: end.runId, kinds: ['fault'] })
      expect(
        faults.some((e) => e.kind === 'fault' && e.fault === 'byzantine' && e.targets.includes('n1')),
      ).toBe(true)
      expect(end.summary?.ops.ok).toBeGreaterThan(0)
    } finally {
      service.close()
    }
  })
})
