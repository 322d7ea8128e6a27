// `quorum-lab fuzz`: a seeded fuzz campaign in the deterministic simulator, for any algorithm,
// within its own fault model (src/core/fuzz), over worker threads. Every seed draws a fault
// style, the algorithm's params and a random fault schedule, runs a few seconds of simulated
// time and is checked by the algorithm's safety checks. A violating seed prints "reproduce
// with seed=N" and is recorded as a run in the data folder (same spec, same seed: it opens in
// Replay). With --mutant the algorithm runs with deliberate bugs and the campaign must catch
// them. `npm run fuzz` is an alias.
//
//   quorum-lab fuzz --algorithm raft --seeds 2000 --workers auto   exit 1 on a violation
//   quorum-lab fuzz --seed 1234                                    one seed in full, recorded
//   quorum-lab fuzz --mutant commitOldTermByCounting --seeds 200   exit 0 when it is caught
import { performance } from 'node:perf_hooks'
import cliProgress from 'cli-progress'
import { InvalidArgumentError, Option, type Command } from 'commander'
import {
  FAULT_STYLES,
  FUZZ_TARGETS,
  fuzzSeedSpec,
  reproduceCommand,
  type FaultStyle,
  type FuzzCampaignSettings,
} from '../../core/fuzz'
import type { AlgorithmKind, ExperimentSpec } from '../../shared/spec'
import type { RunInfo } from '../../shared/api'
import type { LabService } from '../lab/service'
import { runTasks, workerCount, type WorkerCount } from '../workers/pool'
import { workersArg } from './workers-arg'
import { APP_VERSION } from '../workers/run-task'
import type { FuzzSeedResult, FuzzSeedTask, TaskResult } from '../workers/tasks'
import { redisUrlProblem } from '../fleet/connection'
import { runFleetTasks } from '../fleet/campaign'
import { createHash } from 'node:crypto'
import { recordCampaign, recordSeed, seedRunId, setSeedRun } from '../store/campaigns'

export const FUZZ_EXIT = { ok: 0, violation: 1, badInput: 2 } as const

export interface FuzzCliOptions {
  algorithm: string
  seeds: number
  start: number
  seed?: number
  duration: number
  nodes?: number
  style?: FaultStyle
  mutant?: string
  first?: boolean
  workers: WorkerCount
  record: boolean
  json?: boolean
  data: string
  /** Run the seeds on a fleet of workers sharing this Redis (see `quorum-lab worker`). */
  redis?: string
  queue?: string
}

export interface FuzzCliContext {
  out(line: string): void
  err(line: string): void
  /** The data folder's lab (recording violating seeds); closed by the caller's `close`. */
  openService(data: string): LabService
  /** Wait for a run to end (Ctrl-C stops it). */
  awaitRun(service: LabService, run: RunInfo): Promise<RunInfo>
  /** A usage error naming the option (exit 2). */
  badInput(message: string): never
  /** A recorded run's summary, as `run` prints it. */
  printSummary(run: RunInfo): void
}

function intArg(min: number, max: number): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min || Number(v) > max)
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`)
    return Number(v)
  }
}

export function registerFuzzCommand(
  program: Command,
  ctx: FuzzCliContext,
  setResult: (r: Promise<number>) => void,
  dataOption: () => Option,
): void {
  program
    .command('fuzz')
    .description(
      'seeded fuzz campaign in the simulator: random faults within the algorithm’s fault model, every seed checked; violating seeds are recorded as runs',
    )
    .option('--algorithm <kind>', 'algorithm to fuzz', 'raft')
    .option('--seeds <n>', 'how many seeds (default 200)', intArg(1, 100_000_000), 200)
    .option('--start <n>', 'first seed (default 1)', intArg(0, Number.MAX_SAFE_INTEGER), 1)
    .option(
      '--seed <n>',
      'one seed in full: every check, recorded as a run',
      intArg(0, Number.MAX_SAFE_INTEGER),
    )
    .option('--duration <ms>', 'simulated ms per seed (default 4000)', intArg(100, 3_600_000), 4000)
    .option('--nodes <n>', "cluster size (default: the algorithm's fuzz model)", intArg(1, 15))
    .addOption(
      new Option('--style <style>', 'fault style for every seed (default: drawn per seed)').choices(
        FAULT_STYLES,
      ),
    )
    .option(
      '--mutant <names>',
      'run with deliberate bugs (comma-separated): exit 0 when the campaign catches them',
    )
    .option('--first', 'stop at the first violating seed')
    .option(
      '--workers <n>',
      'worker threads: a number or "auto" (one per core)',
      workersArg,
      'auto' as WorkerCount,
    )
    .option('--no-record', 'do not record violating seeds as runs')
    .option('--json', 'print the campaign result as JSON')
    .option('--redis <url>', 'run the seeds on fleet workers sharing this Redis (redis://HOST:PORT)')
    .option('--queue <name>', 'the fleet queue (default quorum-lab)')
    .addOption(dataOption())
    .action((o: FuzzCliOptions) => setResult(cmdFuzz(o, ctx)))
}

/**
 * A campaign's id on the fleet: the same for the same seeds and options, so enqueueing it again
 * finds its jobs (and their answers) instead of adding new ones.
 */
function campaignId(first: FuzzSeedTask, seeds: number): string {
  const { id: _id, ...rest } = first
  return `fuzz-${sha(JSON.stringify({ ...rest, seeds }))}`
}

/**
 * What determines a seed's result apart from the seed and the app version (algorithm, mutants,
 * duration, nodes, style): with them, a seed's identity in the database.
 */
function specKey(task: FuzzSeedTask): string {
  const { id: _id, seed: _seed, version: _version, ...rest } = task
  return sha(JSON.stringify(rest))
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16)

/** What every seed of the campaign shares (for its specs and reproduce lines). */
function settingsOf(o: FuzzCliOptions, mutants: string[]): FuzzCampaignSettings {
  return {
    algorithm: o.algorithm,
    durationMs: o.duration,
    ...(o.nodes !== undefined ? { nodes: o.nodes } : {}),
    ...(o.style ? { style: o.style } : {}),
    mutants,
  }
}

interface Campaign {
  algorithm: string
  mutants: string[]
  nodes: number
  seeds: number
  done: number
  violating: FuzzSeedResult[]
  recorded: Array<{ seed: number; runId: string }>
  events: number
  simulatedMs: number
  budgetStops: number
  wallMs: number
  workers: number
  perStyle: Record<string, { seeds: number; bad: number }>
  perCheck: Record<string, number>
}

export async function cmdFuzz(o: FuzzCliOptions, ctx: FuzzCliContext): Promise<number> {
  const target = FUZZ_TARGETS[o.algorithm as AlgorithmKind]
  if (target === undefined)
    ctx.badInput(`--algorithm: must be one of ${Object.keys(FUZZ_TARGETS).join(', ')}, got "${o.algorithm}"`)
  const mutants = o.mutant ? o.mutant.split(',').map((x) => x.trim()) : []
  for (const m of mutants)
    if (!target.mutants.includes(m))
      ctx.badInput(
        `--mutant: unknown ${o.algorithm} mutant "${m}" (known: ${target.mutants.join(', ') || 'none'})`,
      )
  const nodes = o.nodes ?? target.options.nodes ?? 5
  if (o.redis !== undefined) {
    const why = redisUrlProblem(o.redis)
    if (why !== null) ctx.badInput(`--redis: ${why}`)
  }
  const single = o.seed !== undefined
  const seeds = single ? 1 : o.seeds
  const start = single ? (o.seed as number) : o.start
  const task = (i: number): FuzzSeedTask => ({
    kind: 'fuzz-seed',
    id: i,
    version: APP_VERSION,
    seed: start + i,
    algorithm: o.algorithm,
    mutants,
    durationMs: o.duration,
    nodes,
    ...(o.style ? { style: o.style } : {}),
  })
  const settings = settingsOf(o, mutants)
  const specOf = (seed: number): ExperimentSpec => fuzzSeedSpec(settings, seed)

  // Each seed's result goes into the data folder as it arrives (once per spec + seed + version,
  // however often the fleet delivers it); violating seeds are recorded as runs at the end.
  const service = o.record ? ctx.openService(o.data) : null
  const key = specKey(task(0))
  const campaign = campaignId(task(0), seeds)
  try {
    const { id: _id, version: _v, kind: _k, ...options } = task(0)
    service?.store.write('recording a fuzz campaign in', () =>
      recordCampaign(
        service.store.db,
        { id: campaign, kind: 'fuzz', options, seeds, appVersion: APP_VERSION },
        isoNow(),
      ),
    )
    return await fuzzCampaign(o, ctx, {
      service,
      key,
      campaign,
      seeds,
      start,
      single,
      mutants,
      nodes,
      task,
      specOf,
      settings,
    })
  } finally {
    service?.close()
  }
}

interface CampaignSetup {
  service: LabService | null
  key: string
  campaign: string
  seeds: number
  start: number
  single: boolean
  mutants: string[]
  nodes: number
  task(i: number): FuzzSeedTask
  specOf(seed: number): ExperimentSpec
  settings: FuzzCampaignSettings
}

const isoNow = (): string => new Date().toISOString()

async function fuzzCampaign(o: FuzzCliOptions, ctx: FuzzCliContext, setup: CampaignSetup): Promise<number> {
  const { service, key, campaign, seeds, start, single, mutants, nodes, task, specOf, settings } = setup
  const c: Campaign = {
    algorithm: o.algorithm,
    mutants,
    nodes,
    seeds,
    done: 0,
    violating: [],
    recorded: [],
    events: 0,
    simulatedMs: 0,
    budgetStops: 0,
    wallMs: 0,
    workers: o.redis !== undefined ? 0 : single ? 1 : Math.min(workerCount(o.workers), seeds),
    perStyle: {},
    perCheck: {},
  }
  if (!o.json)
    ctx.out(
      `fuzz: ${mutants.length ? `MUTANT ${o.algorithm} {${mutants.join(', ')}}` : o.algorithm}, seeds ${start}..${start + seeds - 1}, ` +
        `${nodes} nodes, ${o.duration} ms simulated each, style ${o.style ?? 'per seed'}, ${o.redis !== undefined ? `fleet at ${o.redis}` : `${c.workers} worker${c.workers === 1 ? '' : 's'}`}`,
    )
  let interrupted = false
  const onSignal = (): void => {
    if (interrupted) process.exit(130)
    interrupted = true
    ctx.err('\ninterrupted: finishing the seeds in progress (Ctrl-C again to quit at once)')
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const bar =
    process.stderr.isTTY === true && !single
      ? new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: '[{bar}] {value}/{total} seeds | {rate} seeds/s | {bad} violating',
            barsize: 30,
            hideCursor: true,
            clearOnComplete: true,
            fps: 5,
          },
          cliProgress.Presets.shades_classic,
        )
      : null
  bar?.start(seeds, 0, { rate: '0.0', bad: 0 })
  const t0 = performance.now()
  let lastLine = t0
  const toRecord: number[] = []
  const shouldStop = (): boolean => interrupted || (o.first === true && c.violating.length > 0)
  try {
    const onResult = (res: TaskResult): void => {
      if (res.kind !== 'fuzz-seed') return // fuzz hands out fuzz seeds only
      const r = res.result
      service?.store.write('recording a fuzz seed in', () =>
        recordSeed(
          service.store.db,
          {
            specKey: key,
            seed: r.seed,
            appVersion: APP_VERSION,
            campaignId: campaign,
            violations: r.violations.length,
            result: r,
          },
          isoNow(),
        ),
      )
      c.done++
      c.events += r.events
      c.simulatedMs += r.simulatedMs
      if (r.stop === 'budget') c.budgetStops++
      const st = (c.perStyle[r.style] ??= { seeds: 0, bad: 0 })
      st.seeds++
      if (r.violations.length > 0) {
        st.bad++
        c.violating.push(r)
        for (const v of r.violations) c.perCheck[v.name] = (c.perCheck[v.name] ?? 0) + 1
        if (!o.json) {
          bar?.stop()
          ctx.out(`reproduce with seed=${r.seed} (${reproduceCommand(settings, r.seed)})`)
          for (const v of r.violations) {
            ctx.out(`  ${v.name}: ${v.count} violation${v.count === 1 ? '' : 's'}`)
            for (const d of v.details) ctx.out(`    - ${d}`)
          }
        }
        toRecord.push(r.seed)
      }
      const now = performance.now()
      const rate = (c.done / ((now - t0) / 1000)).toFixed(1)
      bar?.update(c.done, { rate, bad: c.violating.length })
      if (bar === null && !o.json && !single && (now - lastLine >= 5000 || c.done === seeds)) {
        lastLine = now
        ctx.err(`  ${c.done}/${seeds} seeds, ${rate} seeds/s, ${c.violating.length} violating`)
      }
    }
    if (o.redis !== undefined)
      await runFleetTasks(seeds, task, {
        redis: o.redis,
        queue: o.queue,
        campaign,
        onResult,
        shouldStop,
        log: (line) => ctx.err(line),
      })
    else await runTasks(seeds, task, { workers: single ? 1 : o.workers, shouldStop, onResult })
  } finally {
    bar?.stop()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  c.wallMs = performance.now() - t0

  // Violating seeds (and a single seed) become recorded runs: the same spec and seed, so the
  // run opens in Replay and `rerun` repeats it event for event.
  const seedsToRecord = single ? [start] : toRecord.slice(0, 20)
  if (service !== null && seedsToRecord.length > 0 && !interrupted) {
    for (const seed of seedsToRecord) {
      // A seed recorded by an earlier campaign (same spec, seed and version) is not recorded twice.
      const known = single ? null : seedRunId(service.store.db, key, seed, APP_VERSION)
      if (known !== null) {
        c.recorded.push({ seed, runId: known })
        if (!o.json) ctx.out(`seed ${seed} is recorded as run ${known} already`)
        continue
      }
      const run = await service.startRun({ spec: specOf(seed), speed: 'max' })
      const final = await ctx.awaitRun(service, run)
      c.recorded.push({ seed, runId: final.runId })
      service.store.write('linking a fuzz seed to its run in', () =>
        setSeedRun(service.store.db, key, seed, APP_VERSION, final.runId),
      )
      if (single && !o.json) ctx.printSummary(final)
      if (!o.json)
        ctx.out(`recorded seed ${seed} as run ${final.runId} (${final.summary?.verdict ?? final.status})`)
    }
    if (!single && toRecord.length > seedsToRecord.length && !o.json)
      ctx.out(`(recorded the first ${seedsToRecord.length} of ${toRecord.length} violating seeds)`)
  }

  const secs = c.wallMs / 1000
  if (o.json) ctx.out(JSON.stringify(c, null, 2))
  else {
    ctx.out(
      `\nfuzz done: ${c.done} seeds in ${secs.toFixed(1)} s (${(c.done / secs).toFixed(1)} seeds/s on ${o.redis !== undefined ? 'the fleet' : `${c.workers} worker${c.workers === 1 ? '' : 's'}`}, ` +
        `${(c.simulatedMs / 1000 / secs).toFixed(0)}x real time, ${c.done ? (c.events / c.done).toFixed(0) : 0} events/seed), ` +
        `${c.violating.length} violating seed(s)${c.budgetStops ? `, ${c.budgetStops} run(s) cut at the event budget` : ''}`,
    )
    for (const [st, s] of Object.entries(c.perStyle).sort())
      ctx.out(`  style ${st}: ${s.seeds} seeds, ${s.bad} violating`)
    for (const [name, k] of Object.entries(c.perCheck)) ctx.out(`  ${name}: failed in ${k} seed(s)`)
    if (c.violating.length > 0) ctx.out(`violating seeds: ${c.violating.map((r) => r.seed).join(', ')}`)
    if (mutants.length > 0)
      ctx.out(c.violating.length > 0 ? 'mutant caught' : 'mutant NOT caught: the fuzzer missed this bug')
  }
  if (interrupted) return 130
  if (mutants.length > 0) return c.violating.length > 0 ? FUZZ_EXIT.ok : FUZZ_EXIT.violation
  return c.violating.length > 0 ? FUZZ_EXIT.violation : FUZZ_EXIT.ok
}
