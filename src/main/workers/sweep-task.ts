// A sweep run as a task: run one spec as fast as it goes and record it in the lab's database,
// in this thread. Each worker thread keeps one LabService per database (opened at its first
// task, closed with the thread), so a sweep over N threads records N runs at once.
import { isLive } from '../../shared/api'
import { LabService } from '../lab/service'
import type { SweepRunResult, SweepRunTask } from './tasks'

const services = new Map<string, LabService>()

function serviceFor(dataDir: string): LabService {
  let s = services.get(dataDir)
  if (s === undefined) {
    s = new LabService({ bridge: 'browser', dataDir, sliceBudgetMs: 50 })
    services.set(dataDir, s)
  }
  return s
}

/** Run and record one sweep point; rejects (naming the field) when the spec is not valid. */
export async function runSweepRun(t: Pick<SweepRunTask, 'dataDir' | 'spec'>): Promise<SweepRunResult> {
  const service = serviceFor(t.dataDir)
  const started = await service.startRun({ spec: t.spec, speed: 'max' })
  // The run advances in later turns of the event loop: the listener is in place before it ends.
  return new Promise<SweepRunResult>((resolve) => {
    const off = service.on((e) => {
      if (e.type === 'run-status' && e.run.runId === started.runId && !isLive(e.run.status)) {
        off()
        resolve({ runId: e.run.runId, status: e.run.status, summary: e.run.summary ?? null })
      }
    })
  })
}

/** Close every database this thread opened (the pool is shutting down). */
export function closeSweepServices(): void {
  for (const s of services.values()) s.close()
  services.clear()
}
