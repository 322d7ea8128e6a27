// A limit on processes-mode runs at once: with a limit of 1, three runs submitted together
// run one at a time in the order they came; the others wait as `queued` (in the RunInfo the
// caller gets, in run-status events, in listRuns) and one of them is stopped while it waits.
import { afterAll, describe, expect, it } from 'vitest'
import { LabService } from '../src/main/lab/service'
import type { LabEvent } from '../src/shared/api'
import { tempDir, until } from './proc.helpers'

const tmp = tempDir('ql-queue-')
afterAll(() => tmp.cleanup())

const spec = (name: string) => ({
  name,
  mode: 'processes',
  cluster: { nodes: 3 },
  durationMs: 1500,
  workload: { clients: 2, ratePerSec: 50, keys: 3 },
})

describe('processes-mode runs beyond the limit queue', () => {
  it('runs them one at a time in order with a limit of 1; a queued run can be stopped', async () => {
    const service = new LabService({ dataDir: tmp.dir, processRunLimit: 1 })
    const events: Array<{ runId: string; status: string }> = []
    /** Most runs running at once, from the status events. */
    let most = 0
    const running = new Set<string>()
    service.on((e: LabEvent) => {
      if (e.type !== 'run-status') return
      events.push({ runId: e.run.runId, status: e.run.status })
      if (e.run.status === 'running') running.add(e.run.runId)
      else running.delete(e.run.runId)
      most = Math.max(most, running.size)
    })
    try {
      const a = await service.startRun({ spec: spec('first') })
      const b = await service.startRun({ spec: spec('second') })
      const c = await service.startRun({ spec: spec('third') })
      expect([a.status, b.status, c.status]).toEqual(['running', 'queued', 'queued'])
      expect(b.progress).toBe(0)

      // The API says so too: getRun, listRuns, and a status filter.
      expect((await service.getRun({ runId: c.runId })).status).toBe('queued')
      const listed = new Map((await service.listRuns()).map((r) => [r.runId, r.status]))
      expect([listed.get(a.runId), listed.get(b.runId), listed.get(c.runId)]).toEqual([
        'running',
        'queued',
        'queued',
      ])
      expect((await service.listRuns({ status: 'queued' })).map((r) => r.runId).sort()).toEqual(
        [b.runId, c.runId].sort(),
      )
      expect((await service.listRuns({ status: 'running' })).map((r) => r.runId)).toEqual([a.runId])

      // Stopped while queued: it never runs.
      const stopped = await service.stopRun({ runId: c.runId })
      expect(stopped.status).toBe('stopped')
      expect(stopped.summary).toBeNull()

      await until(
        () => events.some((e) => e.runId === b.runId && e.status === 'done'),
        'the second run to end',
        90_000,
      )
      const bEnd = await service.getRun({ runId: b.runId })
      expect(bEnd.status).toBe('done')
      expect(bEnd.summary?.ops.ok).toBeGreaterThan(0)
      expect((await service.getRun({ runId: a.runId })).status).toBe('done')

      // In order: a ran and ended, then b started; c never started.
      const seq = events.map(
        (e) => `${e.runId === a.runId ? 'a' : e.runId === b.runId ? 'b' : 'c'}:${e.status}`,
      )
      expect(seq).toEqual(expect.arrayContaining(['a:done', 'b:running', 'b:done', 'c:stopped']))
      expect(seq.indexOf('a:done')).toBeLessThan(seq.indexOf('b:running'))
      expect(seq).not.toContain('c:running')
      expect(most).toBe(1)
      expect((await service.getRun({ runId: c.runId })).status).toBe('stopped')
    } finally {
      service.close()
    }
  }, 120_000)
})
