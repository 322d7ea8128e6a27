// LabService: the engine behind the LabApi. Both bridges (Electron IPC, browser-mode
// WebSocket) and the CLI call it through the same methods. Runs are kept in memory for
// now (a later issue records them in SQLite).
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createSimulation as realCreateSimulation } from '../../core/sim'
import type { Simulation, SimulationOptions } from '../../core/sim'
import {
  LabError,
  type AppInfo,
  type LabCalls,
  type LabEvent,
  type RunId,
  type RunInfo,
  type RunStatus,
  type TraceQuery,
} from '../../shared/api'
import { defaultSpec, parseSpec, type ExperimentSpec, type SpecResult } from '../../shared/spec'
import type { TraceEvent, TraceKind } from '../../shared/trace'
import { driveSimulation, errorMessage, type DriveEnd, type SimDriver, type Speed } from './driver'

export type LabListener = (e: LabEvent) => void

/** What the bridges need: every call plus an event subscription. */
export interface LabBackend extends LabCalls {
  on(listener: LabListener): () => void
}

export type CreateSimulation = (spec: ExperimentSpec, opts?: SimulationOptions) => Simulation

export interface LabServiceOptions {
  /** Which bridge this service is served over (reported by appInfo). Default 'browser'. */
  bridge?: AppInfo['bridge']
  /** Where run data lives (reported by appInfo). Default ./lab-data. */
  dataDir?: string
  /** App version; default read from package.json. */
  version?: string
  /** The simulator factory (tests inject fakes). */
  createSimulation?: CreateSimulation
  /** Wall ms per slice (default 15) and between progress events (default 100). */
  sliceBudgetMs?: number
  progressEveryMs?: number
  /** Keep full traces in memory for this many most recent runs (default 20). */
  keepTraces?: number
}

export const TRACE_KINDS: readonly TraceKind[] = [
  'send',
  'deliver',
  'drop',
  'duplicate',
  'state',
  'log',
  'apply',
  'op',
  'fault',
  'node',
]

/** Default and maximum number of trace events one getTrace call returns. */
export const TRACE_LIMIT_MAX = 1_000_000

interface RunRecord {
  info: RunInfo
  sim: Simulation | null
  driver: SimDriver | null
}

/** Name and version from the nearest package.json above this file (works from src and from out/). */
export function readPackageInfo(): { name: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 8; i++) {
    const p = join(dir, 'package.json')
    if (existsSync(p)) {
      try {
        const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: unknown; version?: unknown }
        if (typeof pkg.name === 'string' && typeof pkg.version === 'string')
          return { name: pkg.name, version: pkg.version }
      } catch {
        // keep walking up
      }
    }
    const up = dirname(dir)
    if (up === dir) break
    dir = up
  }
  return { name: 'quorum-lab', version: '0.0.0' }
}

function newRunId(): RunId {
  const d = new Date()
  const stamp = d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return `run-${stamp}-${randomBytes(3).toString('hex')}`
}

/** Index of the first event with t >= us (events are in time order). */
function lowerBound(events: readonly TraceEvent[], us: number): number {
  let lo = 0
  let hi = events.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (events[mid].t < us) lo = mid + 1
    else hi = mid
  }
  return lo
}

export class LabService implements LabBackend {
  private readonly runs = new Map<RunId, RunRecord>()
  private readonly listeners = new Set<LabListener>()
  private readonly opts: LabServiceOptions
  private readonly create: CreateSimulation
  private readonly pkg: { name: string; version: string }
  private closed = false

  constructor(opts: LabServiceOptions = {}) {
    this.opts = opts
    this.create = opts.createSimulation ?? realCreateSimulation
    const pkg = readPackageInfo()
    this.pkg = { name: pkg.name, version: opts.version ?? pkg.version }
  }

  /** Subscribe to LabEvents; returns an unsubscribe function. */
  on(listener: LabListener): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  private emit(e: LabEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e)
      } catch {
        // One broken listener must not stop the run or the other listeners.
      }
    }
  }

  async appInfo(): Promise<AppInfo> {
    return {
      name: this.pkg.name,
      version: this.pkg.version,
      bridge: this.opts.bridge ?? 'browser',
      dataDir: resolve(this.opts.dataDir ?? 'lab-data'),
    }
  }

  async defaultSpec(): Promise<ExperimentSpec> {
    return defaultSpec()
  }

  async validateSpec(arg: { spec: unknown }): Promise<SpecResult> {
    return parseSpec(arg.spec)
  }

  async startRun(arg: { spec: unknown; speed?: Speed }): Promise<RunInfo> {
    if (this.closed) throw new LabError('unavailable', 'the lab is shutting down')
    const parsed = parseSpec(arg.spec)
    if (!parsed.ok) throw new LabError('bad_input', 'invalid spec', parsed.errors)
    const spec = parsed.spec
    if (spec.mode === 'processes') {
      throw new LabError('unavailable', 'processes mode is not available yet; use mode "simulation"', [
        { path: 'mode', message: 'processes mode is not available yet; use "simulation"' },
      ])
    }
    const speed: Speed = arg.speed ?? 1
    if (speed !== 'max' && !(typeof speed === 'number' && speed > 0 && Number.isFinite(speed))) {
      throw new LabError('bad_input', 'speed: must be a positive number or "max"', [
        { path: 'speed', message: 'must be a positive number or "max"' },
      ])
    }

    const info: RunInfo = {
      runId: newRunId(),
      name: spec.name,
      algorithm: spec.algorithm.kind,
      mode: spec.mode,
      seed: spec.seed,
      status: 'running',
      startedAt: new Date().toISOString(),
      endedAt: null,
      progress: 0,
      spec,
      summary: null,
      error: null,
    }
    const rec: RunRecord = { info, sim: null, driver: null }
    this.runs.set(info.runId, rec)
    this.evictTraces()

    try {
      rec.sim = this.create(spec, { keepTrace: true })
    } catch (e) {
      // The run could not even start: record it as failed (nothing is lost) and say why.
      this.end(rec, {
        status: 'failed',
        wallMs: 0,
        error: `could not start the simulation: ${errorMessage(e)}`,
      })
      return this.snapshot(rec)
    }

    const sim = rec.sim
    // Start on the next turn so the caller receives the RunInfo before any event about it.
    setImmediate(() => {
      if (rec.info.status !== 'running') return
      this.emit({ type: 'run-status', run: this.snapshot(rec) })
      try {
        rec.driver = driveSimulation(sim, {
          speed,
          sliceBudgetMs: this.opts.sliceBudgetMs,
          progressEveryMs: this.opts.progressEveryMs,
          onProgress: (s) => this.progress(rec, s),
          onEnd: (end) => this.end(rec, end),
        })
      } catch (e) {
        this.end(rec, { status: 'failed', wallMs: 0, error: errorMessage(e) })
      }
    })
    return this.snapshot(rec)
  }

  private progress(rec: RunRecord, sim: Simulation): void {
    const tMs = sim.nowMs()
    const progress = Math.min(1, Math.max(0, tMs / rec.info.spec.durationMs))
    rec.info.progress = progress
    this.emit({
      type: 'run-progress',
      runId: rec.info.runId,
      tMs,
      progress,
      nodes: sim.nodes(),
      windows: sim.takeWindows(),
    })
  }

  private end(rec: RunRecord, end: DriveEnd): void {
    const info = rec.info
    if (info.status !== 'running') return
    const status: RunStatus = end.status
    let error = end.status === 'failed' ? end.error : null
    if (rec.sim) {
      try {
        info.progress = end.status === 'done' ? 1 : Math.min(1, rec.sim.nowMs() / info.spec.durationMs)
        info.summary = rec.sim.summary(end.wallMs)
      } catch (e) {
        error = error ?? `could not summarise the run: ${errorMessage(e)}`
        info.summary = null
      }
    }
    info.status = error !== null && status !== 'stopped' ? 'failed' : status
    info.error = error
    info.endedAt = new Date().toISOString()
    rec.driver = null
    this.emit({ type: 'run-status', run: this.snapshot(rec) })
  }

  private snapshot(rec: RunRecord): RunInfo {
    return { ...rec.info }
  }

  private record(runId: RunId): RunRecord {
    const rec = this.runs.get(runId)
    if (!rec)
      throw new LabError('not_found', `no run with id "${runId}"`, [
        { path: 'runId', message: 'no such run' },
      ])
    return rec
  }

  /** Drop the in-memory traces of older finished runs (their RunInfo and summary stay). */
  private evictTraces(): void {
    const keep = this.opts.keepTraces ?? 20
    const withSim = [...this.runs.values()].filter((r) => r.sim !== null)
    let excess = withSim.length - keep
    for (const r of withSim) {
      if (excess <= 0) break
      if (r.info.status === 'running') continue
      r.sim = null
      excess--
    }
  }

  async stopRun(arg: { runId: RunId }): Promise<RunInfo> {
    const rec = this.record(arg.runId)
    if (rec.info.status === 'running') {
      if (rec.driver) rec.driver.stop()
      else {
        // Not started yet (stop arrived in the same turn as startRun).
        try {
          rec.sim?.stop()
        } catch {
          // ignore: we are stopping anyway
        }
        this.end(rec, { status: 'stopped', wallMs: 0 })
      }
    }
    return this.snapshot(rec)
  }

  async getRun(arg: { runId: RunId }): Promise<RunInfo> {
    return this.snapshot(this.record(arg.runId))
  }

  async listRuns(): Promise<RunInfo[]> {
    return [...this.runs.values()].reverse().map((r) => this.snapshot(r))
  }

  /** Trace events with fromUs <= t <= toUs, of the given kinds, at most `limit` (in time order). */
  async getTrace(arg: TraceQuery): Promise<TraceEvent[]> {
    const rec = this.record(arg.runId)
    if (arg.kinds) {
      arg.kinds.forEach((k, i) => {
        if (!TRACE_KINDS.includes(k)) {
          throw new LabError('bad_input', `kinds[${i}]: unknown trace kind "${String(k)}"`, [
            {
              path: `kinds[${i}]`,
              message: `unknown trace kind (expected one of: ${TRACE_KINDS.join(', ')})`,
            },
          ])
        }
      })
    }
    if (!rec.sim) {
      throw new LabError(
        'unavailable',
        `the trace of run "${arg.runId}" is no longer in memory (only the ${this.opts.keepTraces ?? 20} most recent runs keep one)`,
      )
    }
    const events = rec.sim.trace()
    const limit = Math.min(arg.limit ?? TRACE_LIMIT_MAX, TRACE_LIMIT_MAX)
    const kinds = arg.kinds ? new Set<string>(arg.kinds) : null
    const toUs = arg.toUs ?? Infinity
    const out: TraceEvent[] = []
    for (let i = arg.fromUs !== undefined ? lowerBound(events, arg.fromUs) : 0; i < events.length; i++) {
      const e = events[i]
      if (e.t > toUs) break
      if (kinds && !kinds.has(e.kind)) continue
      out.push(e)
      if (out.length >= limit) break
    }
    return out
  }

  /** Stop every running run (used on shutdown). Later startRun calls are refused. */
  close(): void {
    this.closed = true
    for (const rec of this.runs.values()) {
      if (rec.info.status === 'running') {
        void this.stopRun({ runId: rec.info.runId })
      }
    }
    this.listeners.clear()
  }
}
