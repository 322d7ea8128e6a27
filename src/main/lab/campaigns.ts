// The campaigns the app starts (Explore and Fuzz screens): an exploration driven in slices
// between turns of the lab's event loop (advance(n), then setImmediate, so runs, requests and
// other campaigns keep going), and fuzz campaigns over the worker threads. Progress, findings
// and the end go out as `campaign` events; a counterexample and violating seeds are recorded
// as runs that open in Replay. Every request is checked first, each problem naming its field.
import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'
import {
  LabError,
  type CampaignInfo,
  type CampaignOptions,
  type CampaignViolation,
  type ExploreCampaign,
  type ExploreRequest,
  type FuzzCampaign,
  type FuzzRequest,
  type RunId,
} from '../../shared/api'
import {
  EXPLORE_LIMITS,
  EXPLORE_UI_DEFAULTS,
  FUZZ_LIMITS,
  FUZZ_STYLES,
  FUZZ_RECORD_MAX,
  FUZZ_UI_DEFAULTS,
} from '../../shared/campaign-limits'
import type { FieldError, ExperimentSpec } from '../../shared/spec'
import {
  startExplore,
  StateShapeError,
  type ExploreResult,
  type ExploreSession,
  type ExploreOptions,
} from '../../core/explore'
import { EXPLORE_DEFAULTS, ExploreInputError, parseOps } from '../../core/explore/options'
import { EXPLORE_EXAMPLES } from '../../core/explore/examples'
import { FUZZ_TARGETS, fuzzSeedSpec, reproduceCommand, type FuzzCampaignSettings } from '../../core/fuzz'
import { ALGORITHM_MODULES, findAlgorithm } from '../../core/protocols/registry'
import type { AlgorithmKind } from '../../shared/spec'
import type { LabStore } from '../store'
import { runTasks, workerCount } from '../workers/pool'
import type { FuzzSeedTask, TaskResult } from '../workers/tasks'
import { checkSpec } from './check-spec'
import { recordCounterexample } from './record-trace'
import { newRunId } from './run-id'

/** What the campaigns need from the lab. */
export interface CampaignHost {
  store: LabStore
  version: string
  emit(c: CampaignInfo): void
  /** Simulate a spec as a recorded run (as fast as possible); resolves with its id when it has ended. */
  recordRun(spec: ExperimentSpec): Promise<RunId>
}

/** Wall ms between progress events of one campaign. */
const PROGRESS_MS = 250
/** Wall ms an exploration slice aims at (the event loop's other work waits this long at most). */
const SLICE_MS = 20
/** Ended campaigns kept for listCampaigns. */
const KEEP_ENDED = 10
/** Violating seeds listed one by one (the count goes on). */
const FINDINGS_MAX = 200

function badInput(fields: FieldError[], what: string): LabError {
  return new LabError(
    'bad_input',
    `${what}: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`,
    fields,
  )
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/** The mutant names, each one of the algorithm's (fields `mutants[i]`). */
function checkMutants(kind: string, known: readonly string[], names: readonly string[]): FieldError[] {
  return names.flatMap((n, i) =>
    known.includes(n)
      ? []
      : [
          {
            path: `mutants[${i}]`,
            message: `${kind} has no mutant "${n}" (known: ${known.length ? known.join(', ') : 'none'})`,
          },
        ],
  )
}

interface ExploreEntry {
  info: ExploreCampaign
  session: ExploreSession
  spec: ExperimentSpec
}

interface FuzzEntry {
  info: FuzzCampaign
  stopRequested: boolean
}

export class Campaigns {
  private readonly entries = new Map<string, ExploreEntry | FuzzEntry>()
  private recording: Promise<void> = Promise.resolve()
  private closed = false

  constructor(private readonly host: CampaignHost) {}

  options(): CampaignOptions {
    return {
      algorithms: ALGORITHM_MODULES.map((m) => ({
        kind: m.kind,
        mutants: [...m.mutants],
        fuzzNodes: m.fuzz.nodes ?? 5,
      })),
      explore: {
        examples: EXPLORE_EXAMPLES.map((e) => structuredClone(e)),
        defaults: { ...EXPLORE_UI_DEFAULTS },
        bounds: {
          depth: [...EXPLORE_LIMITS.depth],
          maxStates: [...EXPLORE_LIMITS.maxStates],
          seconds: [...EXPLORE_LIMITS.seconds],
        },
      },
      fuzz: {
        defaults: { ...FUZZ_UI_DEFAULTS },
        bounds: {
          seeds: [...FUZZ_LIMITS.seeds],
          workers: [...FUZZ_LIMITS.workers],
          durationMs: [...FUZZ_LIMITS.durationMs],
          nodes: [...FUZZ_LIMITS.nodes],
        },
        styles: [...FUZZ_STYLES],
        cores: availableParallelism(),
      },
    }
  }

  list(): CampaignInfo[] {
    return [...this.entries.values()].reverse().map((e) => structuredClone(e.info))
  }

  private running(kind: CampaignInfo['kind']): boolean {
    return [...this.entries.values()].some((e) => e.info.kind === kind && e.info.status === 'running')
  }

  private add(entry: ExploreEntry | FuzzEntry): void {
    this.entries.set(entry.info.campaignId, entry)
    const ended = [...this.entries.values()].filter((e) => e.info.status !== 'running')
    for (const e of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED)))
      this.entries.delete(e.info.campaignId)
  }

  private emit(info: CampaignInfo): void {
    this.host.emit(structuredClone(info))
  }

  // ---------------------------------------------------------------- explore

  /** The explorer's options from a request; throws LabError('bad_input') naming each bad field. */
  private exploreOptions(req: ExploreRequest): { opts: ExploreOptions; mutants: string[]; seconds: number } {
    const parsed = checkSpec(req.spec)
    if (!parsed.ok)
      throw badInput(
        parsed.errors.map((f) => ({ ...f, path: f.path === '(spec)' ? 'spec' : `spec.${f.path}` })),
        'invalid spec',
      )
    const spec = parsed.spec
    const m = findAlgorithm(spec.algorithm.kind)
    if (m === undefined)
      throw badInput([{ path: 'spec.algorithm.kind', message: 'unknown algorithm' }], 'invalid spec')
    const mutants = req.mutants ?? []
    const problems = checkMutants(m.kind, m.mutants, mutants)
    let ops: ExploreOptions['ops'] = []
    try {
      ops = parseOps(req.ops ?? EXPLORE_DEFAULTS.ops)
    } catch (e) {
      if (!(e instanceof ExploreInputError)) throw e
      problems.push({ path: 'ops', message: e.why })
    }
    if ((req.admin ?? 0) > 0 && (m.factory.admin ?? []).length === 0)
      problems.push({ path: 'admin', message: `${m.kind} has no cluster operations to explore` })
    if (problems.length > 0) throw badInput(problems, 'invalid exploration')
    const seconds = req.seconds ?? EXPLORE_UI_DEFAULTS.seconds
    return {
      mutants,
      seconds,
      opts: {
        spec,
        ...(mutants.length > 0 ? { factory: m.mutant(mutants) } : {}),
        depth: req.depth ?? EXPLORE_UI_DEFAULTS.depth,
        maxStates: req.maxStates ?? EXPLORE_UI_DEFAULTS.maxStates,
        strategy: req.strategy ?? EXPLORE_UI_DEFAULTS.strategy,
        crashes: req.crashes ?? EXPLORE_DEFAULTS.crashes,
        drops: req.drops ?? EXPLORE_DEFAULTS.drops,
        byzantine: 0,
        admin: req.admin ?? 0,
        ops,
        attempts: EXPLORE_DEFAULTS.attempts,
        time: EXPLORE_DEFAULTS.time,
        rng: EXPLORE_DEFAULTS.rng,
        linearizability: true,
        now: () => performance.now(),
        budgetMs: seconds * 1000,
      },
    }
  }

  startExplore(req: ExploreRequest): ExploreCampaign {
    if (this.closed) throw new LabError('unavailable', 'the lab is shutting down')
    const { opts, mutants, seconds } = this.exploreOptions(req)
    if (this.running('explore'))
      throw new LabError('unavailable', 'an exploration is already running: stop it first')
    const s = opts.spec
    const info: ExploreCampaign = {
      kind: 'explore',
      campaignId: `explore-${newRunId()}`,
      status: 'running',
      startedAt: new Date().toISOString(),
      title:
        `${s.algorithm.kind}, ${s.cluster.nodes} nodes${mutants.length ? `, mutant ${mutants.join('+')}` : ''}: ` +
        `${opts.strategy}, depth <= ${opts.depth}, states <= ${opts.maxStates.toLocaleString('en-US')}, ${seconds} s`,
      algorithm: s.algorithm.kind,
      mutants,
      strategy: opts.strategy,
      depth: opts.depth,
      maxStates: opts.maxStates,
      seconds,
      states: 0,
      transitions: 0,
      depthReached: 0,
      elapsedMs: 0,
      stop: null,
      counterexample: null,
      linUnknown: 0,
      error: null,
    }
    let session: ExploreSession
    try {
      session = startExplore(opts)
    } catch (e) {
      if (e instanceof StateShapeError)
        throw new LabError('bad_input', `cannot explore ${s.algorithm.kind}: ${e.message}`)
      throw e
    }
    const entry: ExploreEntry = { info, session, spec: s }
    this.add(entry)
    this.emit(info)
    this.driveExplore(entry)
    return structuredClone(info)
  }

  /** Advance the search a slice per event-loop turn (sized to about SLICE_MS) until it ends. */
  private driveExplore(entry: ExploreEntry): void {
    const started = performance.now()
    let slice = 200
    let lastEmit = started
    const turn = (): void => {
      if (entry.info.status !== 'running') return
      const t0 = performance.now()
      let r: ExploreResult | null
      try {
        r = entry.session.advance(slice)
      } catch (e) {
        entry.info.status = 'failed'
        entry.info.error = `the exploration failed: ${errorText(e)}`
        entry.info.elapsedMs = performance.now() - started
        this.emit(entry.info)
        return
      }
      const dt = performance.now() - t0
      if (dt < SLICE_MS / 2) slice = Math.min(slice * 2, 1_000_000)
      else if (dt > SLICE_MS * 2) slice = Math.max(1, Math.floor(slice / 2))
      if (r !== null) {
        this.endExplore(entry, r, 'done')
        return
      }
      const now = performance.now()
      if (now - lastEmit >= PROGRESS_MS) {
        lastEmit = now
        this.progressOf(entry)
        this.emit(entry.info)
      }
      setImmediate(turn)
    }
    setImmediate(turn)
  }

  private progressOf(entry: ExploreEntry): void {
    const p = entry.session.progress()
    entry.info.states = p.states
    entry.info.transitions = p.transitions
    entry.info.depthReached = p.depth
    entry.info.elapsedMs = p.elapsedMs ?? 0
  }

  private endExplore(entry: ExploreEntry, r: ExploreResult, status: 'done' | 'stopped'): void {
    const info = entry.info
    info.status = status
    info.stop = r.stop
    info.states = r.states
    info.transitions = r.transitions
    info.depthReached = r.depth
    info.elapsedMs = r.elapsedMs ?? info.elapsedMs
    info.linUnknown = r.linUnknown
    const ce = r.counterexample
    if (ce !== null) {
      info.counterexample = {
        steps: ce.steps.map((s) => s.text),
        violations: ce.violations.map(violation),
        runId: null,
      }
      try {
        info.counterexample.runId = recordCounterexample(this.host.store, {
          spec: entry.spec,
          mutants: info.mutants,
          strategy: info.strategy,
          ce,
          appVersion: this.host.version,
        })
      } catch (e) {
        info.error = `could not record the counterexample: ${errorText(e)}`
      }
    }
    this.emit(info)
  }

  // ---------------------------------------------------------------- fuzz

  startFuzz(req: FuzzRequest): FuzzCampaign {
    if (this.closed) throw new LabError('unavailable', 'the lab is shutting down')
    const target = FUZZ_TARGETS[req.algorithm as AlgorithmKind]
    if (target === undefined)
      throw badInput(
        [{ path: 'algorithm', message: `must be one of ${Object.keys(FUZZ_TARGETS).join(', ')}` }],
        'invalid fuzz campaign',
      )
    const mutants = req.mutants ?? []
    const problems = checkMutants(req.algorithm, target.mutants, mutants)
    if (problems.length > 0) throw badInput(problems, 'invalid fuzz campaign')
    if (this.running('fuzz'))
      throw new LabError('unavailable', 'a fuzz campaign is already running: stop it first')
    const settings: FuzzCampaignSettings = {
      algorithm: req.algorithm,
      durationMs: req.durationMs ?? FUZZ_UI_DEFAULTS.durationMs,
      mutants,
      ...(req.nodes !== undefined ? { nodes: req.nodes } : {}),
      ...(req.style !== undefined ? { style: req.style } : {}),
    }
    const nodes = req.nodes ?? target.options.nodes ?? 5
    const start = req.start ?? 1
    const workers = Math.min(workerCount(req.workers ?? 'auto'), req.seeds)
    const info: FuzzCampaign = {
      kind: 'fuzz',
      campaignId: `fuzz-${newRunId()}`,
      status: 'running',
      startedAt: new Date().toISOString(),
      title:
        `${req.algorithm}${mutants.length ? ` with mutant ${mutants.join('+')}` : ''}: seeds ${start}..${start + req.seeds - 1}, ` +
        `${nodes} nodes, ${settings.durationMs} ms simulated each, style ${req.style ?? 'per seed'}, ${workers} worker${workers === 1 ? '' : 's'}`,
      algorithm: req.algorithm,
      mutants,
      seeds: req.seeds,
      start,
      workers,
      nodes,
      style: req.style ?? null,
      durationMs: settings.durationMs,
      done: 0,
      elapsedMs: 0,
      findings: [],
      violating: 0,
      error: null,
    }
    const entry: FuzzEntry = { info, stopRequested: false }
    this.add(entry)
    this.emit(info)
    void this.driveFuzz(entry, settings)
    return structuredClone(info)
  }

  private async driveFuzz(entry: FuzzEntry, settings: FuzzCampaignSettings): Promise<void> {
    const info = entry.info
    const t0 = performance.now()
    let lastEmit = t0
    const task = (i: number): FuzzSeedTask => ({
      kind: 'fuzz-seed',
      id: i,
      version: this.host.version,
      seed: info.start + i,
      algorithm: info.algorithm,
      mutants: info.mutants,
      durationMs: info.durationMs,
      nodes: info.nodes,
      ...(info.style !== null ? { style: info.style } : {}),
    })
    const onResult = (res: TaskResult): void => {
      if (res.kind !== 'fuzz-seed') return // fuzz hands out fuzz seeds only
      const r = res.result
      info.done++
      info.elapsedMs = performance.now() - t0
      if (r.violations.length > 0) {
        info.violating++
        if (info.findings.length < FINDINGS_MAX) {
          const record = info.findings.length < FUZZ_RECORD_MAX
          const finding = {
            seed: r.seed,
            style: r.style,
            violations: r.violations.map(violation),
            reproduce: reproduceCommand(settings, r.seed),
            runId: null,
            recording: record ? ('waiting' as const) : ('not-recorded' as const),
          }
          info.findings.push(finding)
          if (record) this.recordSeed(info, info.findings.length - 1, fuzzSeedSpec(settings, r.seed))
        }
        lastEmit = performance.now()
        this.emit(info)
      } else if (performance.now() - lastEmit >= PROGRESS_MS) {
        lastEmit = performance.now()
        this.emit(info)
      }
    }
    try {
      await runTasks(info.seeds, task, {
        workers: info.workers,
        onResult,
        shouldStop: () => entry.stopRequested || this.closed,
      })
      info.status = entry.stopRequested || this.closed ? 'stopped' : 'done'
    } catch (e) {
      info.status = 'failed'
      info.error = `the campaign failed: ${errorText(e)}`
    }
    info.elapsedMs = performance.now() - t0
    this.emit(info)
  }

  /** Record a violating seed as a run, one after the other (each a simulated run of its own). */
  private recordSeed(info: FuzzCampaign, index: number, spec: ExperimentSpec): void {
    this.recording = this.recording.then(async () => {
      const f = info.findings[index]
      if (this.closed) {
        f.recording = 'not-recorded'
        return
      }
      try {
        f.runId = await this.host.recordRun(spec)
        f.recording = 'recorded'
      } catch {
        f.recording = 'failed'
      }
      this.emit(info)
    })
  }

  // ---------------------------------------------------------------- both

  stop(campaignId: string): CampaignInfo {
    const entry = this.entries.get(campaignId)
    if (entry === undefined)
      throw new LabError('not_found', `no campaign with id "${campaignId}"`, [
        { path: 'campaignId', message: 'no such campaign' },
      ])
    if (entry.info.status === 'running') {
      if (entry.info.kind === 'explore') {
        const e = entry as ExploreEntry
        this.endExplore(e, e.session.stop(), 'stopped')
      } else (entry as FuzzEntry).stopRequested = true
    }
    return structuredClone(entry.info)
  }

  /** Stop everything (the lab is closing). */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const e of this.entries.values())
      if (e.info.status === 'running') {
        if (e.info.kind === 'explore') {
          e.info.status = 'stopped'
          e.info.stop = 'stopped'
        } else (e as FuzzEntry).stopRequested = true
      }
  }
}

function violation(v: { name: string; count: number; details: string[] }): CampaignViolation {
  return { name: v.name, count: v.count, details: v.details.slice(0, 5) }
}
