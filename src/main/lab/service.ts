// LabService: the engine behind the LabApi. Both bridges (Electron IPC, browser-mode
// WebSocket) and the CLI call it through the same methods. Every run is recorded in the
// SQLite store (src/main/store) as it goes; the in-memory map holds only live runs (and a
// small cache of recently ended ones) in front of the store, and listRuns / getRun /
// getTrace read the store, so old runs are there after a restart.
import { availableParallelism, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Writable } from 'node:stream'
import { createSimulation as realCreateSimulation } from '../../core/sim'
import { newRunId } from './run-id'
import type { Simulation, SimulationOptions } from '../../core/sim'
import type { Run } from '../../core/engine/run'
import { checkSpec } from './check-spec'
import { Campaigns } from './campaigns'
import {
  LabError,
  isLive,
  type AppInfo,
  type CampaignInfo,
  type CampaignOptions,
  type ExploreCampaign,
  type ExploreRequest,
  type FuzzCampaign,
  type FuzzRequest,
  type CheckedHistory,
  type Comparison,
  type InjectedFault,
  type KeyExplanation,
  type ReplayState,
  type RunDiff,
  type TraceInfo,
  type CsvKind,
  type ExportResult,
  type LabCalls,
  type LabEvent,
  type ProgramTails,
  type RunFilter,
  type RunId,
  type RunInfo,
  type RunMetrics,
  type RunStatus,
  type SketchSummary,
  type TraceQuery,
} from '../../shared/api'
import {
  csvDownload,
  exportCsvFile,
  LabStore,
  StoreError,
  type CsvRequest,
  type RecorderOptions,
  type RunRecorder,
} from '../store'
import {
  defaultSpec,
  parseLiveFault,
  clusterSize,
  type ExperimentSpec,
  type FaultSpec,
  type SpecResult,
} from '../../shared/spec'
import type { TraceEvent, TraceKind } from '../../shared/trace'
import { nodeIds } from '../../shared/trace'
import { driveSimulation, errorMessage, type DriveEnd, type SimDriver, type Speed } from './driver'
import { describeLeftovers, endLeftoverChildren, type LeftoverReport } from './cluster'
import { driveProcessRun, startProcessRun } from './processes'
import { diffRuns, replayState, traceInfo } from './replay'
import { compareRuns } from './compare'
import { LiveTracker } from './live'
import { readPackageInfo } from './package-info'
import { checkHistoryForView } from './history-check'
import type { HistoryFormat } from '../../shared/history-formats'
import { checkLinearizable, linCheckResult } from '../../core/check/linearizability'
import { historyFromTrace } from '../../shared/history'
import { summaryCounters, vocabularyOf } from '../../shared/vocabulary'

export type LabListener = (e: LabEvent) => void

/** What the bridges need: every call plus an event subscription. */
export interface LabBackend extends LabCalls {
  on(listener: LabListener): () => void
  /** Browser mode's CSV download: the file name, and a function streaming the CSV (throws LabError first). */
  openCsv?(req: CsvRequest): { filename: string; pipeTo(out: Writable): Promise<number> }
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
  /**
   * The run history. Default: `quorum-lab.db` in dataDir when dataDir is given, else an
   * in-memory database (tests). A store passed in is not closed by close().
   */
  store?: LabStore | 'memory'
  /** Recorder tuning (flush thresholds). */
  recorder?: RecorderOptions
  /** Desktop app: ask where to save an export; resolves null when the user cancels. */
  chooseSavePath?: (suggestedName: string) => Promise<string | null>
  /**
   * Processes left running by a crashed lab were found and ended (when the data folder is
   * opened, and before a processes-mode run starts): one line each, for the user.
   */
  onLeftovers?: (lines: string[]) => void
  /**
   * Processes-mode runs at once; more wait, status `queued`, and start in the order they were
   * submitted. Default: QUORUM_LAB_PROCESS_RUNS if set, else one per core
   * (os.availableParallelism()).
   */
  processRunLimit?: number
}

/** The default limit on processes-mode runs at once: QUORUM_LAB_PROCESS_RUNS, else one per core. */
export function defaultProcessRunLimit(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.QUORUM_LAB_PROCESS_RUNS)
  return env.QUORUM_LAB_PROCESS_RUNS !== undefined && Number.isInteger(v) && v >= 1
    ? v
    : availableParallelism()
}

export const TRACE_KINDS: readonly TraceKind[] = [
  'send',
  'deliver',
  'drop',
  'duplicate',
  'state',
  'log',
  'apply',
  'config',
  'snapshot',
  'op',
  'fault',
  'node',
]

/** Search budget for explainKey (one key, on demand). */
const EXPLAIN_BUDGET_MS = 10_000

/** Default and maximum number of trace events one getTrace call returns. */
export const TRACE_LIMIT_MAX = 1_000_000

interface RunRecord {
  info: RunInfo
  seq: number
  recorder: RunRecorder
  sim: Run | null
  driver: SimDriver | null
  /** Set when recording failed (e.g. disk full): the run ends as failed with this error. */
  recordError: StoreError | null
  ending: boolean
  /** Active faults and sampled messages for the live view (from the trace stream). */
  tracker: LiveTracker
  /** Live-injected fault indexes not ended through endFault yet. */
  liveOpen: Set<number>
  /** Fault indexes ended through endFault (the trace may lag in processes mode). */
  endedEarly: Set<number>
  /** Processes mode: holds one of the limited slots (from launch until its processes are gone). */
  slot: boolean
  /** Processes mode: its processes are starting (a stop then waits for them to be gone). */
  starting: boolean
}

/** How many ended runs getRun serves from memory (e.g. after close()). */
const RECENT_MAX = 50

/** Queued trace events above which the simulation waits for the recorder (see withBackpressure). */
export const RECORD_BACKLOG_MAX = 5_000

/**
 * The simulation, held back while its recorder is behind. The simulator can produce events
 * faster than SQLite takes them (~600k vs ~250k per second on one core); unchecked, the
 * queue would grow without bound on a long run at max speed and the final flush would
 * block the event loop. So while more than RECORD_BACKLOG_MAX events are queued, a
 * runUntil() call writes for a few ms instead of simulating: the driver's slices (and
 * their yields to the event loop) stay as they are, no CPU is spent waiting, and memory
 * stays bounded.
 */
function withBackpressure(sim: Simulation, recorder: RunRecorder, max = RECORD_BACKLOG_MAX): Simulation {
  return {
    get spec() {
      return sim.spec
    },
    nowMs: () => sim.nowMs(),
    done: () => sim.done(),
    injectFault: (f) => sim.injectFault(f),
    endFault: (i) => sim.endFault(i),
    runUntil: (tMs: number, maxEvents?: number) => {
      if (recorder.backlog > max && recorder.failed === null) recorder.drainFor(4)
      else sim.runUntil(tMs, maxEvents)
    },
    stop: () => sim.stop(),
    nodes: () => sim.nodes(),
    takeWindows: () => sim.takeWindows(),
    currentWindow: () => sim.currentWindow(),
    trace: () => sim.trace(),
    summary: (wallMs: number) => sim.summary(wallMs),
  }
}

export { readPackageInfo }
export { checkSpec }

function notFound(runId: RunId, path = 'runId'): LabError {
  return new LabError('not_found', `no run with id "${runId}"`, [{ path, message: 'no such run' }])
}

/** A live fault from the UI, validated (spec.ts parseLiveFault): a LabError naming the field. */
export function parseInjectedFault(input: unknown, nodes: number, algorithm?: string): FaultSpec {
  const r = parseLiveFault(input, nodes, algorithm)
  if (r.ok) return r.fault
  throw new LabError(
    'bad_input',
    `invalid fault: ${r.errors.map((x) => `${x.path}: ${x.message}`).join('; ')}`,
    r.errors,
  )
}

/** A few words for a fault whose start event has not arrived yet (processes mode). */
function describeFault(f: FaultSpec): string {
  const t = 'target' in f && f.target !== undefined ? ` ${f.target}` : ''
  const shape = f.kind === 'partition' ? ` ${f.shape}` : ''
  return `${f.kind}${shape}${t}`
}

export class LabService implements LabBackend {
  /** Live runs (recording now). */
  private readonly live = new Map<RunId, RunRecord>()
  /** Recently ended runs, newest last (served by getRun even after close()). */
  private readonly recent = new Map<RunId, RunInfo>()
  /** Runs whose end could not be written to the file (e.g. it hit a size limit): its row still says running. */
  private readonly endNotRecorded = new Set<RunId>()
  private readonly listeners = new Set<LabListener>()
  private readonly opts: LabServiceOptions
  private readonly create: CreateSimulation
  private readonly pkg: { name: string; version: string }
  /** The run history (SQLite). */
  readonly store: LabStore
  private readonly ownsStore: boolean
  private closed = false
  private readonly leftovers: LeftoverReport[] = []
  private readonly processRunLimit: number
  /** Processes-mode runs holding a slot, and those waiting for one (oldest first). */
  private processSlots = 0
  private readonly queue: RunRecord[] = []
  /** Explorations and fuzz campaigns started from the app (Explore and Fuzz screens). */
  private readonly campaigns: Campaigns

  /** Throws StoreError (naming the file) when the data folder's database is foreign, corrupt or newer. */
  constructor(opts: LabServiceOptions = {}) {
    this.opts = opts
    this.create = opts.createSimulation ?? realCreateSimulation
    const limit = opts.processRunLimit ?? defaultProcessRunLimit()
    if (!(Number.isInteger(limit) && limit >= 1))
      throw new RangeError(`processRunLimit: must be a whole number >= 1, got ${limit}`)
    this.processRunLimit = limit
    const pkg = readPackageInfo()
    this.pkg = { name: pkg.name, version: opts.version ?? pkg.version }
    if (opts.store instanceof LabStore) {
      this.store = opts.store
      this.ownsStore = false
    } else {
      this.store =
        opts.store === 'memory' || opts.dataDir === undefined
          ? LabStore.memory()
          : LabStore.openDir(opts.dataDir)
      this.ownsStore = true
    }
    this.endLeftovers()
    this.campaigns = new Campaigns({
      store: this.store,
      version: this.pkg.version,
      emit: (campaign) => this.emit({ type: 'campaign', campaign }),
      recordRun: (spec) => this.recordRun(spec),
    })
  }

  /** Simulate `spec` as a recorded run (as fast as possible); resolves with its id once it ended. */
  private recordRun(spec: ExperimentSpec): Promise<RunId> {
    return new Promise((resolve, reject) => {
      let runId: RunId | null = null
      const off = this.on((e) => {
        if (e.type === 'run-status' && e.run.runId === runId && !isLive(e.run.status)) {
          off()
          resolve(e.run.runId)
        }
      })
      try {
        const run = this.launch(spec, 'max', null)
        runId = run.runId
        if (!isLive(run.status)) {
          off()
          resolve(run.runId)
        }
      } catch (e) {
        off()
        reject(e instanceof Error ? e : new Error(String(e)))
      }
    })
  }

  async campaignOptions(): Promise<CampaignOptions> {
    return this.campaigns.options()
  }

  async startExplore(arg: ExploreRequest): Promise<ExploreCampaign> {
    this.requireStore()
    return this.campaigns.startExplore(arg)
  }

  async startFuzz(arg: FuzzRequest): Promise<FuzzCampaign> {
    this.requireStore()
    return this.campaigns.startFuzz(arg)
  }

  async stopCampaign(arg: { campaignId: string }): Promise<CampaignInfo> {
    return this.campaigns.stop(arg.campaignId)
  }

  async listCampaigns(): Promise<CampaignInfo[]> {
    return this.campaigns.list()
  }

  /**
   * A store problem as the LabError a bridge sends back (a SQLite error becomes the store's
   * plain message; a damaged file is noted, so nothing more is written to it).
   */
  private storeFailure(e: unknown): LabError {
    if (e instanceof LabError) return e
    const se = this.store.noteError(e)
    if (se !== null) return new LabError('unavailable', se.message)
    if (e instanceof RangeError) return new LabError('bad_input', e.message)
    throw e
  }

  /** Run a read of the store; its errors come back as LabErrors (see storeFailure). */
  private async reading<T>(fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (e) {
      throw this.storeFailure(e)
    }
  }

  /** Runs found `running` at start whose app had died, now marked crashed. */
  get crashedAtStart(): readonly RunId[] {
    return this.store.crashed
  }

  /** Processes of crashed runs found still running (and ended) since this service opened its data folder. */
  get leftoversEnded(): readonly LeftoverReport[] {
    return this.leftovers
  }

  /** End what crashed runs left running in the data folder (see cluster/leftovers.ts), and say so. */
  private endLeftovers(): void {
    if (this.opts.dataDir === undefined) return
    const found = endLeftoverChildren(resolve(this.opts.dataDir))
    if (found.length === 0) return
    this.leftovers.push(...found)
    try {
      this.opts.onLeftovers?.(found.map(describeLeftovers))
    } catch {
      // the report is also in leftoversEnded
    }
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
    return checkSpec(arg.spec)
  }

  async startRun(arg: { spec: unknown; speed?: Speed }): Promise<RunInfo> {
    return this.launch(arg.spec, arg.speed ?? 1, null)
  }

  /**
   * Run a recorded run's spec snapshot again (same seed): a new run linked to the old one, at
   * the speed given, else the speed the old run was recorded at (else real time).
   */
  async rerun(arg: { runId: RunId; speed?: Speed }): Promise<RunInfo> {
    const old = this.lookup(arg.runId)
    return this.launch(old.spec, arg.speed ?? old.speed ?? 1, old.runId)
  }

  private launch(rawSpec: unknown, speed: Speed, rerunOf: RunId | null): RunInfo {
    if (this.closed) throw new LabError('unavailable', 'the lab is shutting down')
    const parsed = checkSpec(rawSpec)
    if (!parsed.ok) throw new LabError('bad_input', 'invalid spec', parsed.errors)
    const spec = parsed.spec
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
      appVersion: this.pkg.version,
      rerunOf,
      speed,
    }
    let seq: number
    try {
      seq = this.store.createRun({
        id: info.runId,
        spec,
        startedAt: info.startedAt,
        appVersion: this.pkg.version,
        rerunOf,
        speed,
      })
    } catch (e) {
      throw this.storeFailure(e)
    }
    const rec: RunRecord = {
      info,
      seq,
      recorder: null as unknown as RunRecorder,
      sim: null,
      driver: null,
      recordError: null,
      ending: false,
      tracker: new LiveTracker(nodeIds(clusterSize(spec.cluster))),
      liveOpen: new Set(),
      endedEarly: new Set(),
      slot: false,
      starting: false,
    }
    rec.recorder = this.store.recorder(seq, {
      ...this.opts.recorder,
      onError: (e) => this.recordingFailed(rec, e),
    })
    this.live.set(info.runId, rec)

    if (spec.mode === 'processes') {
      if (this.processSlots < this.processRunLimit) this.launchProcesses(rec)
      else {
        // Over the limit: wait for a slot (startQueued), stoppable meanwhile.
        info.status = 'queued'
        this.queue.push(rec)
        this.emit({ type: 'run-status', run: this.snapshot(rec) })
      }
      return this.snapshot(rec)
    }

    let created: Simulation
    try {
      const { recorder, tracker } = rec
      created = this.create(spec, {
        keepTrace: false,
        onTrace: (e) => {
          recorder.event(e)
          tracker.onTrace(e)
        },
      })
    } catch (e) {
      // The run could not even start: record it as failed (nothing is lost) and say why.
      this.end(rec, {
        status: 'failed',
        wallMs: 0,
        error: `could not start the simulation: ${errorMessage(e)}`,
      })
      return this.snapshot(rec)
    }
    rec.sim = created

    const sim = withBackpressure(created, rec.recorder)
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

  /**
   * Processes mode: N node processes, the proxy and the clients start asynchronously (about
   * a second); real time drives the run, so there is no pacing and no backpressure.
   */
  private launchProcesses(rec: RunRecord): void {
    const info = rec.info
    info.status = 'running'
    rec.slot = true
    rec.starting = true
    this.processSlots++
    const runDir = join(this.opts.dataDir ? resolve(this.opts.dataDir) : tmpdir(), 'runs', info.runId)
    const { recorder, tracker } = rec
    this.emit({ type: 'run-status', run: this.snapshot(rec) })
    this.endLeftovers()
    const onTrace = (e: TraceEvent): void => {
      recorder.event(e)
      tracker.onTrace(e)
    }
    startProcessRun(info.spec, { dataDir: runDir, keepTrace: false, onTrace }).then(
      (run) => {
        rec.sim = run
        rec.starting = false
        if (info.status !== 'running') {
          // Stopped (or the lab closed) while the processes were starting: take them down;
          // the slot frees once they are gone.
          run.stop()
          void run.whenDone().then(() => this.releaseSlot(rec))
          return
        }
        rec.driver = driveProcessRun(run, {
          progressEveryMs: this.opts.progressEveryMs,
          onProgress: (r) => this.progress(rec, r),
          onEnd: (end) => this.end(rec, end),
        })
      },
      (e: unknown) => {
        rec.starting = false
        this.end(rec, {
          status: 'failed',
          wallMs: 0,
          error: `could not start the processes: ${errorMessage(e)}`,
        })
        this.releaseSlot(rec) // (startProcessRun took its processes down before rejecting)
      },
    )
  }

  /** A processes-mode run's processes are gone: its slot goes to the oldest queued run. */
  private releaseSlot(rec: RunRecord): void {
    if (!rec.slot) return
    rec.slot = false
    this.processSlots--
    while (!this.closed && this.processSlots < this.processRunLimit && this.queue.length > 0) {
      const next = this.queue.shift() as RunRecord
      if (next.info.status === 'queued') this.launchProcesses(next)
    }
  }

  private progress(rec: RunRecord, sim: Run): void {
    const tMs = sim.nowMs()
    const progress = Math.min(1, Math.max(0, tMs / rec.info.spec.durationMs))
    rec.info.progress = progress
    const windows = sim.takeWindows()
    rec.recorder.windows(windows)
    rec.recorder.progress(progress)
    const sample = rec.tracker.takeMessages()
    this.emit({
      type: 'run-progress',
      runId: rec.info.runId,
      tMs,
      progress,
      nodes: sim.nodes(),
      windows,
      current: sim.currentWindow(),
      faults: rec.tracker.faults(),
      messages: sample.messages,
      messagesSent: sample.sent,
      ...programTails(sim),
    })
  }

  /** Recording failed (e.g. the disk is full): stop the run; it ends as failed. */
  private recordingFailed(rec: RunRecord, e: StoreError): void {
    rec.recordError = e
    if (rec.ending || rec.info.status !== 'running') return
    if (rec.driver) rec.driver.stop()
    else {
      try {
        rec.sim?.stop()
      } catch {
        // stopping anyway
      }
      this.end(rec, { status: 'stopped', wallMs: 0 })
    }
  }

  private end(rec: RunRecord, end: DriveEnd): void {
    const info = rec.info
    if ((info.status !== 'running' && info.status !== 'queued') || rec.ending) return
    rec.ending = true
    const status: RunStatus = end.status
    let error = end.status === 'failed' ? end.error : null
    let nodes = undefined as ReturnType<Run['nodes']> | undefined
    if (rec.sim) {
      try {
        info.progress = end.status === 'done' ? 1 : Math.min(1, rec.sim.nowMs() / info.spec.durationMs)
        info.summary = rec.sim.summary(end.wallMs)
        const counters = vocabularyOf(info.algorithm).counters
        if (counters.length > 0)
          info.summary = { ...info.summary, counters: summaryCounters(counters, rec.tracker.sentByType) }
        nodes = rec.sim.nodes()
      } catch (e) {
        error = error ?? `could not summarise the run: ${errorMessage(e)}`
        info.summary = null
      }
    }
    rec.recorder.progress(info.progress)
    rec.recorder.finish()
    if (rec.recordError) error = rec.recordError.message
    info.status = error !== null && (status !== 'stopped' || rec.recordError !== null) ? 'failed' : status
    info.error = error
    info.endedAt = new Date().toISOString()
    try {
      this.store.finishRun(rec.seq, {
        status: info.status as Exclude<RunStatus, 'running' | 'queued'>,
        endedAt: info.endedAt,
        progress: info.progress,
        summary: info.summary,
        error: info.error,
        nodes,
      })
    } catch (e) {
      this.endNotRecorded.add(info.runId)
      // A damaged file that already stopped the recording: its message says it all.
      const sameDamage = rec.recordError?.code === 'corrupt' && this.store.damaged !== null
      if (!sameDamage)
        info.error = `${info.error ? `${info.error}; ` : ''}could not record the end of the run: ${errorMessage(e)}`
    }
    rec.driver = null
    rec.sim = null
    this.live.delete(info.runId)
    this.recent.set(info.runId, { ...info })
    if (this.recent.size > RECENT_MAX) {
      const oldest = this.recent.keys().next().value as RunId
      this.recent.delete(oldest)
      this.endNotRecorded.delete(oldest)
    }
    this.emit({ type: 'run-status', run: this.snapshot(rec) })
    // (A run stopped while its processes start keeps its slot until they are gone.)
    if (!rec.starting) this.releaseSlot(rec)
  }

  private snapshot(rec: RunRecord): RunInfo {
    return { ...rec.info }
  }

  /** A run from memory (live or recent) or the store; throws not_found. */
  private lookup(runId: RunId, path = 'runId'): RunInfo {
    const rec = this.live.get(runId)
    if (rec) return this.snapshot(rec)
    const recent = this.recent.get(runId)
    // Closed, or damaged (a run's end could not be recorded): memory knows best.
    if (recent && (!this.store.isOpen || this.store.damaged !== null || this.endNotRecorded.has(runId)))
      return { ...recent }
    let info: RunInfo | null
    try {
      this.requireStore()
      info = this.store.getRun(runId)
    } catch (e) {
      throw this.storeFailure(e)
    }
    if (!info) throw notFound(runId, path)
    return info
  }

  private requireStore(): void {
    if (!this.store.isOpen) throw new LabError('unavailable', 'the lab is shut down')
  }

  async stopRun(arg: { runId: RunId }): Promise<RunInfo> {
    const rec = this.live.get(arg.runId)
    if (!rec) return this.lookup(arg.runId)
    if (rec.info.status === 'queued') {
      this.queue.splice(this.queue.indexOf(rec), 1)
      this.end(rec, { status: 'stopped', wallMs: 0 })
    } else if (rec.info.status === 'running') {
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

  /** Trace events a live run has queued for its recorder (figures for benchmarks), or null. */
  recorderBacklog(runId: RunId): number | null {
    return this.live.get(runId)?.recorder.backlog ?? null
  }

  async getRun(arg: { runId: RunId }): Promise<RunInfo> {
    return this.lookup(arg.runId)
  }

  async listRuns(filter: RunFilter = {}): Promise<RunInfo[]> {
    this.requireStore()
    let rows: RunInfo[]
    try {
      // A queued run is stored as running (it may start any moment); memory knows which.
      rows = this.store.listRuns(filter.status === 'queued' ? { ...filter, status: 'running' } : filter)
    } catch (e) {
      throw this.storeFailure(e)
    }
    // Live runs: the in-memory state is fresher than the row (progress, queued); so is a run
    // that ended after the file was found damaged or whose end could not be written.
    const damaged = this.store.damaged !== null
    const out = rows.map((r) => {
      const rec = this.live.get(r.runId)
      if (rec) return this.snapshot(rec)
      const recent = damaged || this.endNotRecorded.has(r.runId) ? this.recent.get(r.runId) : undefined
      return recent ? { ...recent } : r
    })
    return filter.status === undefined ? out : out.filter((r) => r.status === filter.status)
  }

  /** Trace events with fromUs <= t <= toUs, of the given kinds, at most `limit` (in time order). */
  async getTrace(arg: TraceQuery): Promise<TraceEvent[]> {
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
    this.lookup(arg.runId)
    this.live.get(arg.runId)?.recorder.flush()
    try {
      return this.store.traceWindow(arg.runId, {
        fromUs: arg.fromUs,
        toUs: arg.toUs,
        kinds: arg.kinds,
        limit: Math.min(arg.limit ?? TRACE_LIMIT_MAX, TRACE_LIMIT_MAX),
      })
    } catch (e) {
      throw this.storeFailure(e)
    }
  }

  async deleteRun(arg: { runId: RunId }): Promise<{ runId: RunId; deleted: boolean }> {
    if (this.live.has(arg.runId))
      throw new LabError(
        'bad_input',
        `run "${arg.runId}" is still running or queued; stop it before deleting it`,
        [{ path: 'runId', message: 'run is still running or queued' }],
      )
    this.requireStore()
    let deleted: boolean
    try {
      deleted = this.store.deleteRun(arg.runId)
    } catch (e) {
      throw this.storeFailure(e)
    }
    if (!deleted) throw notFound(arg.runId)
    this.recent.delete(arg.runId)
    this.endNotRecorded.delete(arg.runId)
    return { runId: arg.runId, deleted }
  }

  async getMetrics(arg: { runIds: RunId[] }): Promise<RunMetrics[]> {
    arg.runIds.forEach((id, i) => this.lookup(id, `runIds[${i}]`))
    try {
      return this.store.metrics(arg.runIds)
    } catch (e) {
      throw this.storeFailure(e)
    }
  }

  async getSketches(arg: { runIds: RunId[]; fromMs?: number; toMs?: number }): Promise<SketchSummary> {
    arg.runIds.forEach((id, i) => {
      this.lookup(id, `runIds[${i}]`)
      this.live.get(id)?.recorder.flush()
    })
    try {
      return this.store.sketchSummary(arg.runIds, arg.fromMs, arg.toMs)
    } catch (e) {
      throw this.storeFailure(e)
    }
  }

  /** A running run that can take live faults; throws naming runId otherwise. */
  private liveRun(runId: RunId): { rec: RunRecord; sim: Run } {
    const rec = this.live.get(runId)
    if (!rec) {
      this.lookup(runId, 'runId')
      throw new LabError('bad_input', `runId: run "${runId}" is not running`, [
        { path: 'runId', message: 'run is not running' },
      ])
    }
    const sim = rec.sim
    if (rec.info.status !== 'running' || rec.ending || sim === null)
      throw new LabError(
        'unavailable',
        `run "${runId}" is not ready for live faults (${rec.info.status === 'queued' ? 'queued' : 'starting or ending'})`,
      )
    return { rec, sim }
  }

  /** Live fault injection into a running run (recorded like a scheduled fault). */
  async injectFault(arg: { runId: RunId; fault: unknown }): Promise<InjectedFault> {
    const { rec, sim } = this.liveRun(arg.runId)
    const fault = parseInjectedFault(
      arg.fault,
      clusterSize(rec.info.spec.cluster),
      rec.info.spec.algorithm.kind,
    )
    let index: number
    try {
      index = sim.injectFault(fault)
    } catch (e) {
      throw new LabError('unavailable', `fault: ${errorMessage(e)}`)
    }
    rec.liveOpen.add(index)
    rec.tracker.markLive(index)
    const atMs = rec.tracker.fault(index)?.startMs ?? sim.nowMs()
    const spec = rec.info.spec
    const faults = spec.faults.slice()
    faults[index] = { ...fault, atMs } as FaultSpec
    this.recordSpec(rec, { ...spec, faults })
    const description = rec.tracker.fault(index)?.description ?? describeFault(fault)
    return { runId: rec.info.runId, index, atMs, description }
  }

  /** End a fault now; the stored spec records when (forMs / restartAfterMs) so a re-run repeats it. */
  async endFault(arg: {
    runId: RunId
    index: number
  }): Promise<{ runId: RunId; index: number; ended: boolean }> {
    const { rec, sim } = this.liveRun(arg.runId)
    const spec = rec.info.spec
    const f = spec.faults[arg.index]
    if (f === undefined)
      throw new LabError('bad_input', `index: run "${arg.runId}" has no fault ${arg.index}`, [
        { path: 'index', message: `no such fault (the run has ${spec.faults.length})` },
      ])
    const wasActive =
      !rec.endedEarly.has(arg.index) &&
      (rec.tracker.fault(arg.index) !== undefined || rec.liveOpen.has(arg.index))
    rec.liveOpen.delete(arg.index)
    if (!wasActive) return { runId: arg.runId, index: arg.index, ended: false }
    try {
      sim.endFault(arg.index)
      rec.endedEarly.add(arg.index)
    } catch (e) {
      throw new LabError('unavailable', `index: ${errorMessage(e)}`)
    }
    const lasted = Math.max(0.001, Math.round((sim.nowMs() - f.atMs) * 1000) / 1000)
    const faults = spec.faults.slice()
    if (f.kind === 'crash') {
      if (f.restartAfterMs === undefined || lasted < f.restartAfterMs)
        faults[arg.index] = { ...f, restartAfterMs: lasted }
    } else if (!('forMs' in f)) {
      // A cluster operation (membership, transfer) has no duration: nothing to record.
    } else if (f.forMs === undefined || lasted < f.forMs) faults[arg.index] = { ...f, forMs: lasted }
    this.recordSpec(rec, { ...spec, faults })
    return { runId: arg.runId, index: arg.index, ended: true }
  }

  /** The run's spec snapshot changed (live faults): keep memory and the store in step. */
  private recordSpec(rec: RunRecord, spec: ExperimentSpec): void {
    rec.info.spec = spec
    try {
      this.store.updateRunSpec(rec.seq, spec)
    } catch (e) {
      throw this.storeFailure(e)
    }
  }

  async getTraceInfo(arg: { runId: RunId }): Promise<TraceInfo> {
    this.lookup(arg.runId, 'runId')
    this.live.get(arg.runId)?.recorder.flush()
    return this.reading(() => traceInfo(this.store, arg.runId))
  }

  async getReplayState(arg: { runId: RunId; atUs: number; logTail?: number }): Promise<ReplayState> {
    this.lookup(arg.runId, 'runId')
    this.live.get(arg.runId)?.recorder.flush()
    return this.reading(() => replayState(this.store, arg.runId, arg.atUs, arg.logTail ?? 20))
  }

  async diffRuns(arg: { a: RunId; b: RunId }): Promise<RunDiff> {
    this.lookup(arg.a, 'a')
    this.lookup(arg.b, 'b')
    return this.reading(() => diffRuns(this.store, arg.a, arg.b))
  }

  async compareRuns(arg: { runIds: RunId[] }): Promise<Comparison> {
    const runs = arg.runIds.map((id, i) => {
      const info = this.lookup(id, `runIds[${i}]`)
      this.live.get(id)?.recorder.flush()
      return info
    })
    return this.reading(() => compareRuns(this.store, runs))
  }

  /** Check a history file's text for the History view (see ./history-check.ts). */
  async checkHistory(arg: {
    text: string
    format?: HistoryFormat | 'auto'
    name: string
  }): Promise<CheckedHistory> {
    return checkHistoryForView(arg)
  }

  /**
   * One key of a recorded run's history checked again, with its counterexample explained (a
   * run's check explains only the first key that failed; the History view opens the others).
   */
  async explainKey(arg: { runId: RunId; key: string }): Promise<KeyExplanation> {
    this.lookup(arg.runId)
    this.live.get(arg.runId)?.recorder.flush()
    let events: TraceEvent[]
    try {
      events = this.store.traceWindow(arg.runId, { kinds: ['op'], limit: TRACE_LIMIT_MAX })
    } catch (e) {
      throw this.storeFailure(e)
    }
    const ops = historyFromTrace(events).filter((op) => op.key === arg.key)
    if (ops.length === 0)
      throw new LabError('not_found', `key: run "${arg.runId}" has no operations on key "${arg.key}"`, [
        { path: 'key', message: 'no operations on this key' },
      ])
    const check = linCheckResult(checkLinearizable(ops, { budgetMs: EXPLAIN_BUDGET_MS }))
    return {
      runId: arg.runId,
      key: arg.key,
      verdict: check.verdict ?? (check.ok ? 'ok' : 'violation'),
      ops: ops.length,
      counterexample: check.counterexample ?? null,
    }
  }

  /** Desktop app: save a CSV where the user chooses (the writing lives in src/main/store). */
  async exportCsv(arg: { what: CsvKind; runId?: RunId; runIds?: RunId[] }): Promise<ExportResult> {
    const choose = this.opts.chooseSavePath
    if (!choose) {
      throw new LabError(
        'unavailable',
        "exportCsv saves through the desktop app's save dialog; in browser mode download /export/RUN/WHAT.csv",
      )
    }
    const req: CsvRequest = {
      ...this.csvRequest(arg.what, arg.runId),
      ...(arg.what === 'runs' && arg.runIds ? { filter: { ids: arg.runIds } } : {}),
    }
    const path = await choose(arg.what === 'runs' ? 'quorum-lab-runs.csv' : `${arg.runId}-${arg.what}.csv`)
    if (path === null) return { saved: false, path: null, rows: 0 }
    if (req.runId) this.live.get(req.runId)?.recorder.flush()
    const r = await this.reading(() => exportCsvFile(this.store, req, path))
    return { saved: true, path: r.path, rows: r.rows }
  }

  private csvRequest(what: CsvKind, runId: RunId | undefined): CsvRequest {
    if (what === 'runs') return { what }
    if (runId === undefined)
      throw new LabError('bad_input', 'runId: is required unless what is "runs"', [
        { path: 'runId', message: 'is required unless what is "runs"' },
      ])
    this.lookup(runId)
    return { what, runId }
  }

  /** Browser mode: a streamed CSV download (throws LabError before anything is sent). */
  openCsv(req: CsvRequest): { filename: string; pipeTo(out: Writable): Promise<number> } {
    const r = this.csvRequest(req.what, req.runId)
    if (r.runId) this.live.get(r.runId)?.recorder.flush()
    let d: ReturnType<typeof csvDownload>
    try {
      d = csvDownload(this.store, { ...r, ...(req.filter ? { filter: req.filter } : {}) })
    } catch (e) {
      throw this.storeFailure(e)
    }
    return { filename: d.filename, pipeTo: (out) => this.reading(() => d.pipeTo(out)) }
  }

  /** Stop every running run (recorded as stopped), then close the store. Later startRun calls are refused. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.campaigns.close()
    for (const rec of [...this.live.values()]) {
      if (rec.info.status === 'running' || rec.info.status === 'queued') {
        void this.stopRun({ runId: rec.info.runId })
      }
    }
    this.listeners.clear()
    if (this.ownsStore) this.store.close()
  }
}

/** Lines of each program node's stderr (and problems) sent with every progress event. */
const PROGRAM_TAIL_LINES = 40

function programTails(run: Run): { program?: ProgramTails } {
  const tails = run.programTails?.(PROGRAM_TAIL_LINES) ?? null
  return tails === null ? {} : { program: tails }
}
