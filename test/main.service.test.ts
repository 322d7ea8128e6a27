import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

/** A fresh data folder (never a fixed path: parallel test runs must not share a database). */
const freshDir = (name: string): string => mkdtempSync(join(tmpdir(), `ql-service-${name}-`))
import type { Simulation, SimulationOptions } from '../src/core/sim'
import { LabError, type LabEvent, type RunInfo } from '../src/shared/api'
import type { ExperimentSpec, ExperimentSpecInput } from '../src/shared/spec'
import type { TraceEvent } from '../src/shared/trace'
import { LabService, type CreateSimulation } from '../src/main/lab/service'

const shortSpec: ExperimentSpecInput = {
  name: 'short',
  cluster: { nodes: 3 },
  durationMs: 2000,
  workload: { clients: 2, ratePerSec: 50 },
}

function waitForEnd(service: LabService, runId: string, events?: LabEvent[]): Promise<RunInfo> {
  return new Promise((resolve) => {
    const off = service.on((e) => {
      if (
        (e.type === 'run-progress' && e.runId === runId) ||
        (e.type === 'run-status' && e.run.runId === runId)
      ) {
        events?.push(e)
      }
      if (e.type === 'run-status' && e.run.runId === runId && e.run.status !== 'running') {
        off()
        resolve(e.run)
      }
    })
  })
}

async function labError(p: Promise<unknown>): Promise<LabError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  )
  expect(e).toBeInstanceOf(LabError)
  return e as LabError
}

/** A stand-in simulator: one state event per 10 ms of virtual time; optional CPU cost and failure. */
function fakeSimulation(opts: { burnMsPer100?: number; failAtMs?: number } = {}): CreateSimulation {
  return (spec: ExperimentSpec, simOpts?: SimulationOptions): Simulation => {
    let now = 0
    let stopped = false
    const trace: TraceEvent[] = []
    let windows = 0
    return {
      spec,
      nowMs: () => now,
      done: () => stopped || now >= spec.durationMs,
      runUntil(t: number) {
        const to = Math.min(t, spec.durationMs)
        if (opts.failAtMs !== undefined && to >= opts.failAtMs) throw new Error('simulated explosion')
        if (opts.burnMsPer100) {
          const until = performance.now() + ((to - now) / 100) * opts.burnMsPer100
          while (performance.now() < until) {
            // burn CPU like a busy simulator
          }
        }
        for (let ms = Math.floor(now / 10) * 10 + 10; ms <= to; ms += 10) {
          const e: TraceEvent = {
            kind: 'state',
            t: ms * 1000,
            node: 'n1',
            lc: 0,
            role: 'leader',
            term: 1,
            leader: 'n1',
            commitIndex: 0,
            lastIndex: 0,
          }
          trace.push(e)
          // The lab records what the simulator streams to onTrace.
          simOpts?.onTrace?.(e)
        }
        now = to
      },
      stop: () => void (stopped = true),
      nodes: () => [{ id: 'n1', role: 'leader', term: 1, leader: 'n1', commitIndex: 0, lastIndex: 0 }],
      takeWindows: () => [
        { startMs: windows, endMs: ++windows, ok: 0, fail: 0, info: 0, p50: null, p99: null, messages: 0 },
      ],
      currentWindow: () => null,
      injectFault: () => {
        throw new Error('the fake simulator takes no live faults')
      },
      endFault: () => {},
      trace: () => trace,
      summary: (wallMs: number) => ({
        simulatedMs: now,
        wallMs,
        leaderChanges: 1,
        elections: 1,
        ops: { total: 0, ok: 0, fail: 0, info: 0 },
        latencyMs: { p50: null, p99: null, max: null },
        messages: { sent: 0, delivered: 0, dropped: 0, duplicated: 0 },
        checks: [],
        verdict: 'ok',
      }),
    }
  }
}

describe('LabService with the real simulator', () => {
  it('runs a short spec at speed max to done with a summary, events and a trace', async () => {
    const service = new LabService({ dataDir: freshDir('run') })
    const started = await service.startRun({ spec: shortSpec, speed: 'max' })
    expect(started.status).toBe('running')
    expect(started.spec.cluster.nodes).toBe(3)
    const events: LabEvent[] = []
    const done = await waitForEnd(service, started.runId, events)

    expect(done.status).toBe('done')
    expect(done.error).toBeNull()
    expect(done.progress).toBe(1)
    expect(done.endedAt).not.toBeNull()
    expect(done.summary).not.toBeNull()
    expect(done.summary!.simulatedMs).toBe(2000)
    expect(done.summary!.ops.total).toBeGreaterThan(0)
    expect(done.summary!.checks.length).toBeGreaterThan(0)

    // run-status at start, run-progress (with nodes and windows), run-status at the end.
    expect(events[0]).toMatchObject({ type: 'run-status', run: { status: 'running' } })
    const progress = events.filter((e) => e.type === 'run-progress')
    expect(progress.length).toBeGreaterThan(0)
    const last = progress[progress.length - 1]
    expect(last.type === 'run-progress' && last.nodes.length).toBe(3)
    const windows = progress.flatMap((e) => (e.type === 'run-progress' ? e.windows : []))
    expect(windows.length).toBeGreaterThan(0)
    expect(events[events.length - 1]).toMatchObject({ type: 'run-status', run: { status: 'done' } })

    expect(await service.getRun({ runId: started.runId })).toMatchObject({ status: 'done' })

    const all = await service.getTrace({ runId: started.runId })
    expect(all.length).toBeGreaterThan(0)
    const states = await service.getTrace({
      runId: started.runId,
      kinds: ['state'],
      fromUs: 500_000,
      toUs: 1_500_000,
    })
    expect(states.length).toBeGreaterThan(0)
    for (const e of states) {
      expect(e.kind).toBe('state')
      expect(e.t).toBeGreaterThanOrEqual(500_000)
      expect(e.t).toBeLessThanOrEqual(1_500_000)
    }
    expect(await service.getTrace({ runId: started.runId, limit: 3 })).toHaveLength(3)
  })
})

describe('LabService (stand-in simulator)', () => {
  it('validates specs and refuses unknown runs', async () => {
    const service = new LabService({ createSimulation: fakeSimulation() })
    let e = await labError(service.startRun({ spec: { durationMs: -1 } }))
    expect(e.code).toBe('bad_input')
    expect(e.message).toBe('invalid spec')
    expect(e.fields?.map((f) => f.path)).toContain('durationMs')

    e = await labError(service.startRun({ spec: { mode: 'threads' } }))
    expect(e.code).toBe('bad_input')
    expect(e.fields?.map((f) => f.path)).toContain('mode')

    e = await labError(service.getRun({ runId: 'nope' }))
    expect(e.code).toBe('not_found')
    e = await labError(service.stopRun({ runId: 'nope' }))
    expect(e.code).toBe('not_found')

    const v = await service.validateSpec({ spec: { cluster: { nodes: 0 } } })
    expect(v.ok).toBe(false)
    expect(await service.validateSpec({ spec: {} })).toMatchObject({ ok: true })
    expect((await service.defaultSpec()).algorithm.kind).toBe('raft')
  })

  it('reports app info', async () => {
    const dataDir = freshDir('info')
    const service = new LabService({ bridge: 'browser', dataDir })
    expect(await service.appInfo()).toEqual({
      name: 'quorum-lab',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      bridge: 'browser',
      dataDir,
    })
  })

  it('paces at real time: a long run keeps running until stopped, then has a summary', async () => {
    const service = new LabService({ createSimulation: fakeSimulation() })
    const run = await service.startRun({ spec: { ...shortSpec, durationMs: 3_600_000 } })
    const end = waitForEnd(service, run.runId)
    await new Promise((r) => setTimeout(r, 300))
    const mid = await service.getRun({ runId: run.runId })
    expect(mid.status).toBe('running')
    const stopped = await service.stopRun({ runId: run.runId })
    expect(stopped.status).toBe('stopped')
    expect(stopped.summary).not.toBeNull()
    // Real time: far from the end of an hour-long run.
    expect(stopped.summary!.simulatedMs).toBeLessThan(60_000)
    expect((await end).status).toBe('stopped')
    // Stopping again is harmless.
    expect((await service.stopRun({ runId: run.runId })).status).toBe('stopped')
  })

  it('does not block the event loop while a heavy run goes at max speed', async () => {
    // 100 ms of virtual time costs ~5 ms of CPU: a 60 s run is ~3 s of CPU.
    const service = new LabService({ createSimulation: fakeSimulation({ burnMsPer100: 5 }) })
    const run = await service.startRun({ spec: { ...shortSpec, durationMs: 60_000 }, speed: 'max' })
    let ticks = 0
    const timer = setInterval(() => ticks++, 5)
    await new Promise((r) => setTimeout(r, 400))
    clearInterval(timer)
    expect((await service.getRun({ runId: run.runId })).status).toBe('running')
    // A blocked loop would not have run the interval at all.
    expect(ticks).toBeGreaterThan(3)
    await service.stopRun({ runId: run.runId })
  })

  it('marks a run failed when the simulator throws, and keeps serving', async () => {
    const service = new LabService({ createSimulation: fakeSimulation({ failAtMs: 500 }) })
    const run = await service.startRun({ spec: shortSpec, speed: 'max' })
    const end = await waitForEnd(service, run.runId)
    expect(end.status).toBe('failed')
    expect(end.error).toContain('simulated explosion')

    const broken = new LabService({
      createSimulation: () => {
        throw new Error('no protocol for that')
      },
    })
    const r2 = await broken.startRun({ spec: shortSpec })
    expect(r2.status).toBe('failed')
    expect(r2.error).toContain('no protocol for that')
    expect((await broken.listRuns()).map((r) => r.runId)).toEqual([r2.runId])

    const ok = new LabService({ createSimulation: fakeSimulation() })
    const r3 = await ok.startRun({ spec: shortSpec, speed: 'max' })
    expect((await waitForEnd(ok, r3.runId)).status).toBe('done')
  })

  it('lists runs newest first and filters traces', async () => {
    const service = new LabService({ createSimulation: fakeSimulation() })
    const a = await service.startRun({ spec: { ...shortSpec, name: 'a' }, speed: 'max' })
    await waitForEnd(service, a.runId)
    const b = await service.startRun({ spec: { ...shortSpec, name: 'b' }, speed: 'max' })
    await waitForEnd(service, b.runId)
    expect((await service.listRuns()).map((r) => r.name)).toEqual(['b', 'a'])

    const t = await service.getTrace({ runId: a.runId, fromUs: 100_000, toUs: 200_000 })
    expect(t.map((e) => e.t)).toEqual(Array.from({ length: 11 }, (_, i) => 100_000 + i * 10_000))
    expect(await service.getTrace({ runId: a.runId, kinds: ['op'] })).toEqual([])
    expect(await service.getTrace({ runId: a.runId, limit: 2 })).toHaveLength(2)
    const e = await labError(service.getTrace({ runId: a.runId, kinds: ['bogus' as 'op'] }))
    expect(e.fields?.[0].path).toBe('kinds[0]')
  })

  it('close() stops running runs and refuses new ones', async () => {
    const service = new LabService({ createSimulation: fakeSimulation() })
    const run = await service.startRun({ spec: { ...shortSpec, durationMs: 3_600_000 } })
    await new Promise((r) => setTimeout(r, 20))
    service.close()
    expect((await service.getRun({ runId: run.runId })).status).toBe('stopped')
    expect((await labError(service.startRun({ spec: shortSpec }))).code).toBe('unavailable')
  })
})
