// Live fault injection through the LabService (what the UI calls), in simulation and in
// processes mode: a crash injected on the leader takes it down, the cluster goes on
// serving, the fault shows in progress events and is recorded in the run's spec and trace;
// bad input is refused naming the field.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LabError, type LabEvent, type RunInfo } from '../src/shared/api'
import { LabService } from '../src/main/lab/service'

type Progress = Extract<LabEvent, { type: 'run-progress' }>

/** Resolves with the first progress event of the run that satisfies `ok`. */
function nextProgress(service: LabService, runId: string, ok: (e: Progress) => boolean): Promise<Progress> {
  return new Promise((resolve) => {
    const off = service.on((e) => {
      if (e.type === 'run-progress' && e.runId === runId && ok(e)) {
        off()
        resolve(e)
      }
    })
  })
}

function collect(service: LabService, runId: string): { events: Progress[]; end: Promise<RunInfo> } {
  const events: Progress[] = []
  const end = new Promise<RunInfo>((resolve) => {
    const off = service.on((e) => {
      if (e.type === 'run-progress' && e.runId === runId) events.push(e)
      if (e.type === 'run-status' && e.run.runId === runId && e.run.status !== 'running') {
        off()
        resolve(e.run)
      }
    })
  })
  return { events, end }
}

async function rejects(p: Promise<unknown>): Promise<LabError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(LabError)
    return e as LabError
  }
  throw new Error('expected a LabError')
}

const leaderOf = (e: Progress): string | undefined => e.nodes.find((n) => n.role === 'leader')?.id

async function crashTheLeader(service: LabService, run: RunInfo): Promise<void> {
  const { events, end } = collect(service, run.runId)
  const before = await nextProgress(service, run.runId, (e) => leaderOf(e) !== undefined && e.tMs > 300)
  const old = leaderOf(before)!

  // Bad input is refused, naming the field.
  const bad = await rejects(service.injectFault({ runId: run.runId, fault: { kind: 'crash', target: 'n9' } }))
  expect(bad.code).toBe('bad_input')
  expect(bad.fields?.map((f) => f.path)).toEqual(['fault.target'])
  const bad2 = await rejects(service.injectFault({ runId: run.runId, fault: { kind: 'crash', taget: 'n1' } }))
  expect(bad2.code).toBe('bad_input')
  expect(bad2.fields?.map((f) => f.path)).toEqual(expect.arrayContaining(['fault.target']))
  const bad3 = await rejects(service.injectFault({ runId: run.runId, fault: 'crash' }))
  expect(bad3.fields?.[0].path).toBe('fault')
  const bad4 = await rejects(
    service.injectFault({
      runId: run.runId,
      fault: { kind: 'partition', shape: 'link', target: 'n1', peer: 'n9' },
    }),
  )
  expect(bad4.fields?.map((f) => f.path)).toEqual(['fault.peer'])

  const injected = await service.injectFault({ runId: run.runId, fault: { kind: 'crash', target: old } })
  expect(injected.index).toBe(0)
  expect(injected.atMs).toBeGreaterThan(0)
  expect(injected.description).toContain('crash')
  const down = await nextProgress(
    service,
    run.runId,
    (e) => e.nodes.find((n) => n.id === old)?.role === 'down' && (e.faults ?? []).some((f) => f.index === 0),
  )
  expect(down.faults?.find((f) => f.index === 0)).toMatchObject({ kind: 'crash', targets: [old], live: true })
  // The spec snapshot shows it (what a re-run replays).
  const info = await service.getRun({ runId: run.runId })
  expect(info.spec.faults).toHaveLength(1)
  expect(info.spec.faults[0]).toMatchObject({ kind: 'crash', target: old, atMs: injected.atMs })

  // A new leader; ops committed after the crash.
  const after = await nextProgress(service, run.runId, (e) => {
    const l = leaderOf(e)
    return l !== undefined && l !== old
  })
  expect(leaderOf(after)).not.toBe(old)

  const ended = await service.endFault({ runId: run.runId, index: 0 })
  expect(ended).toEqual({ runId: run.runId, index: 0, ended: true })
  const again = await service.endFault({ runId: run.runId, index: 0 })
  expect(again.ended).toBe(false)
  const noSuch = await rejects(service.endFault({ runId: run.runId, index: 5 }))
  expect(noSuch.fields?.[0].path).toBe('index')
  const restarted = await service.getRun({ runId: run.runId })
  expect(
    restarted.spec.faults[0].kind === 'crash' && restarted.spec.faults[0].restartAfterMs,
  ).toBeGreaterThan(0)

  const final = await end
  expect(final.status).toBe('done')
  const okAfter = events
    .flatMap((e) => e.windows)
    .filter((w) => w.startMs > injected.atMs)
    .reduce((s, w) => s + w.ok, 0)
  expect(okAfter).toBeGreaterThan(0)
  // Every progress event carries a bounded message sample and the open window.
  expect(events.every((e) => (e.messages ?? []).length <= 50)).toBe(true)
  expect(events.some((e) => (e.messages ?? []).length > 0 && (e.messagesSent ?? 0) > 0)).toBe(true)
  expect(events.some((e) => e.current && e.current.messages > 0)).toBe(true)
  const faults = await service.getTrace({ runId: run.runId, kinds: ['fault'] })
  expect(faults.map((e) => (e.kind === 'fault' ? [e.faultId, e.phase] : []))).toEqual([
    [0, 'start'],
    [0, 'end'],
  ])
  const [m] = await service.getMetrics({ runIds: [run.runId] })
  expect(m.windows.some((w) => w.byType !== undefined && Object.keys(w.byType).length > 0)).toBe(true)
  // A finished run takes no more faults.
  const over = await rejects(
    service.injectFault({ runId: run.runId, fault: { kind: 'crash', target: 'n1' } }),
  )
  expect(over.fields?.[0].path).toBe('runId')
}

describe('live fault injection through the service', () => {
  it('simulation: crash the leader live, a new one is elected, recorded in spec and trace', async () => {
    const service = new LabService()
    try {
      const run = await service.startRun({
        spec: {
          name: 'live-svc-sim',
          durationMs: 3000,
          cluster: { nodes: 3, tickMs: 10 },
          workload: { clients: 3, ratePerSec: 100, keys: 4 },
        },
        speed: 1,
      })
      await crashTheLeader(service, run)
      // The re-run replays the live crash from the spec.
      const rerun = await service.rerun({ runId: run.runId, speed: 'max' })
      expect(rerun.spec.faults).toHaveLength(1)
    } finally {
      service.close()
    }
  }, 30_000)

  it('processes: crash the leader of a real 3-node cluster live', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ql-live-proc-'))
    const service = new LabService({ dataDir })
    try {
      const run = await service.startRun({
        spec: {
          name: 'live-svc-proc',
          mode: 'processes',
          durationMs: 3500,
          cluster: { nodes: 3, tickMs: 10 },
          workload: { clients: 3, ratePerSec: 100, keys: 4 },
        },
      })
      await crashTheLeader(service, run)
    } finally {
      service.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 60_000)
})
