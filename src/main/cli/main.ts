// The headless command line. Every run is recorded in the SQLite store of the data folder
// (--data DIR, default ./lab-data):
//   validate SPEC.json                    check a spec
//   run SPEC.json [--seed N] [--mode M]   run it, print the summary and the run id
//   list [--algorithm A] [--status S] [--name TEXT] [--since DATE] [--until DATE]
//   show RUN                              a recorded run's summary, checks and sketches (exit 1: violation)
//   export [RUN] --what ops|trace|metrics|summary|runs [--out FILE.csv]
//   export-run RUN --out FILE.jsonl       the whole run as one shareable file
//   import-run FILE.jsonl
//   rerun RUN                             the recorded spec snapshot again, same seed
//   sweep SPEC.json --param FIELD=V1,V2 [--param ...] --seeds N
//   delete RUN
//   doctor [--compact]                    check the database; salvage a damaged one into a new file
//   explore SPEC.json [--mutant M] [--depth D] [--max-states N] [--strategy bfs|dfs|random] [--seconds S]
// RUN is a run id or a unique prefix of one.
// Exit codes: 0 ok; 1 a safety check found a violation; 2 bad input (unreadable file, not
// JSON, invalid spec or options, unknown run, unusable data folder); 3 the run itself
// failed; 4 the data folder's database is damaged (refused, or found damaged while in
// use: nothing more was written to it); 130 stopped by Ctrl-C.
// Everything printed goes through terminalText: no raw control character reaches the terminal.
import { anchorProgramSpec, programSpec } from './program-command'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import cliProgress from 'cli-progress'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import {
  LabError,
  RUN_STATUSES,
  isLive,
  type CsvKind,
  type RunFilter,
  type RunInfo,
  type RunSummary,
} from '../../shared/api'
import { CSV_KINDS, LabArgSchemas } from '../../shared/api-schemas'
import {
  ALGORITHM_KINDS,
  formatErrors,
  parseSpecJson,
  toFieldErrors,
  type ExperimentSpec,
} from '../../shared/spec'
import { describeLeftovers, endLeftoverChildren } from '../lab/cluster'
import { checkSpec, LabService } from '../lab/service'
import {
  exportCsvFile,
  exportRunFile,
  importRunFile,
  LabStore,
  StoreError,
  writeCsv,
  type CsvRequest,
} from '../store'
import { formatRunsTable, formatSummary, formatSweepTable, type SweepRow } from './format'
import { formatDateTime } from '../../shared/format'
import { combinations, ParamError, parseParam, sweepProgress, type SweepParam } from './sweep'
import { registerCheckCommand } from './check'
import { registerFuzzCommand } from './fuzz'
import { workersArg } from './workers-arg'
import { runTasks, workerCount, type WorkerCount } from '../workers/pool'
import { APP_VERSION } from '../workers/run-task'
import type { SweepRunResult } from '../workers/tasks'
import { registerWorkerCommand } from './worker'
import { registerExploreCommand } from './explore'
import { watchLauncher } from './launcher-watch'
import { registerDoctorCommand } from './doctor'
import { terminalText } from './terminal'

const EXIT_OK = 0
const EXIT_VIOLATION = 1
const EXIT_BAD_INPUT = 2
const EXIT_RUN_FAILED = 3
const EXIT_DAMAGED = 4
const EXIT_INTERRUPTED = 130

const DEFAULT_DATA = 'lab-data'

class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

const out = (s: string): void => void process.stdout.write(terminalText(s) + '\n')
const err = (s: string): void => void process.stderr.write(terminalText(s) + '\n')

/** Every store this invocation opened: one found damaged makes the exit code 4. */
const opened: LabStore[] = []
const damagedStore = (): LabStore | undefined => opened.find((st) => st.damaged !== null)

/** The exit code for a StoreError: 4 for a damaged file, 2 for anything else about the folder. */
const storeExit = (e: StoreError): number => (e.code === 'corrupt' ? EXIT_DAMAGED : EXIT_BAD_INPUT)

async function readSpecText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message
    throw new CliExit(EXIT_BAD_INPUT, `cannot read ${file}: ${why}`)
  }
}

async function readSpecJson(file: string): Promise<unknown> {
  const text = await readSpecText(file)
  try {
    return JSON.parse(text) as unknown
  } catch (e) {
    throw new CliExit(
      EXIT_BAD_INPUT,
      `${file}: invalid spec\n(file): not valid JSON: ${(e as Error).message}`,
    )
  }
}

function parseSeed(v: string): number {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new InvalidArgumentError('must be a non-negative integer')
  return Number(v)
}

function parseSeconds(v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0)
    throw new InvalidArgumentError('must be a number of seconds > 0')
  return Number(v)
}

function parseCount(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 100_000)
    throw new InvalidArgumentError('must be an integer from 1 to 100000')
  return Number(v)
}

function parseSpeed(v: string): number | 'max' {
  if (v === 'max') return 'max'
  const n = Number(v)
  if (!(n > 0) || !Number.isFinite(n))
    throw new InvalidArgumentError('must be "max" or a positive number (run ms per wall ms)')
  return n
}

function exitCodeFor(run: RunInfo): number {
  if (run.status === 'failed' || run.status === 'crashed') return EXIT_RUN_FAILED
  if (run.status === 'stopped') return EXIT_INTERRUPTED
  return violation(run.summary) ? EXIT_VIOLATION : EXIT_OK
}

function violation(s: RunSummary | null): boolean {
  return !!s && (s.verdict === 'violation' || s.checks.some((c) => !c.ok))
}

/** A LabError / StoreError as a CLI exit (bad input unless the error says otherwise). */
function asExit(e: unknown, prefix = ''): never {
  if (e instanceof CliExit) throw e
  if (e instanceof LabError) {
    const detail =
      e.fields && e.fields.length > 0 && e.message === 'invalid spec' ? `\n${formatErrors(e.fields)}` : ''
    // The service reports a damaged store as 'unavailable' with the store's message.
    const code = damagedStore() ? EXIT_DAMAGED : e.code === 'internal' ? EXIT_RUN_FAILED : EXIT_BAD_INPUT
    throw new CliExit(code, `${prefix}${e.message}${detail}`)
  }
  if (e instanceof StoreError) throw new CliExit(storeExit(e), `${prefix}${e.message}`)
  throw e
}

/** End what a crashed lab left running in this data folder (LabService does it when it opens one). */
function endLeftovers(data: string): void {
  for (const r of endLeftoverChildren(resolve(data))) err(`note: ${describeLeftovers(r)}`)
}

function openStore(data: string): LabStore {
  let store: LabStore
  try {
    store = LabStore.openDir(data)
    opened.push(store)
  } catch (e) {
    asExit(e)
  }
  endLeftovers(data)
  return store
}

function openService(data: string): LabService {
  try {
    // Bigger slices than the UI's: nobody waits on this event loop but the recorder.
    const service = new LabService({
      bridge: 'browser',
      dataDir: data,
      sliceBudgetMs: 50,
      onLeftovers: (lines) => lines.forEach((l) => err(`note: ${l}`)),
    })
    opened.push(service.store)
    return service
  } catch (e) {
    asExit(e)
  }
}

function resolveRun(store: LabStore, idOrPrefix: string): string {
  const r = store.resolveRunId(idOrPrefix)
  if (r === null) throw new CliExit(EXIT_BAD_INPUT, `RUN: no run "${idOrPrefix}" in ${store.file}`)
  if ('ambiguous' in r)
    throw new CliExit(EXIT_BAD_INPUT, `RUN: "${idOrPrefix}" matches several runs: ${r.ambiguous.join(', ')}`)
  return r.id
}

/** Validate CLI filter options with the LabApi schema; errors name the option (--since ...). */
function runFilter(o: FilterOptions): RunFilter {
  const raw: Record<string, unknown> = {}
  for (const k of ['algorithm', 'status', 'name', 'since', 'until'] as const)
    if (o[k] !== undefined) raw[k] = o[k]
  if (o.limit !== undefined) raw.limit = o.limit
  if (o.algorithm !== undefined && !(ALGORITHM_KINDS as readonly string[]).includes(o.algorithm))
    throw new CliExit(
      EXIT_BAD_INPUT,
      `--algorithm: unknown algorithm ${JSON.stringify(o.algorithm)} (one of: ${ALGORITHM_KINDS.join(', ')})`,
    )
  const r = LabArgSchemas.listRuns.safeParse(raw, { reportInput: true })
  if (!r.success) {
    const f = toFieldErrors(r.error)[0]
    throw new CliExit(EXIT_BAD_INPUT, `--${f.path}: ${f.message}`)
  }
  return r.data ?? {}
}

// ---------------------------------------------------------------- progress

interface Progress {
  update(fraction: number, label: string): void
  stop(): void
}

/** A cli-progress bar on stderr when it is a terminal; nothing otherwise. */
function progressBar(): Progress {
  if (process.stderr.isTTY !== true) return { update: () => {}, stop: () => {} }
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '[{bar}] {percentage}% | {label}',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  )
  bar.start(1000, 0, { label: '' })
  return {
    update: (fraction, label) => bar.update(Math.round(Math.min(1, Math.max(0, fraction)) * 1000), { label }),
    stop: () => bar.stop(),
  }
}

/** Wait for a run to end; Ctrl-C stops it (twice: quit at once). */
function awaitRun(
  service: LabService,
  run: RunInfo,
  onProgress?: (fraction: number, tMs: number) => void,
): Promise<RunInfo> {
  return new Promise<RunInfo>((resolveRun) => {
    if (!isLive(run.status)) return resolveRun(run)
    let interrupts = 0
    const onSigint = (): void => {
      interrupts++
      if (interrupts > 1) process.exit(EXIT_INTERRUPTED)
      if (process.stderr.isTTY) process.stderr.write('\n')
      err('interrupted: stopping the run (Ctrl-C again to quit at once)')
      void service.stopRun({ runId: run.runId })
    }
    process.on('SIGINT', onSigint)
    process.on('SIGTERM', onSigint)
    const off = service.on((e) => {
      if (e.type === 'run-progress' && e.runId === run.runId) onProgress?.(e.progress, e.tMs)
      else if (e.type === 'run-status' && e.run.runId === run.runId && !isLive(e.run.status)) {
        process.off('SIGINT', onSigint)
        process.off('SIGTERM', onSigint)
        off()
        resolveRun(e.run)
      }
    })
  })
}

function printRun(final: RunInfo, json: boolean | undefined): void {
  if (json) {
    out(
      JSON.stringify(
        {
          runId: final.runId,
          name: final.name,
          algorithm: final.algorithm,
          mode: final.mode,
          seed: final.seed,
          status: final.status,
          error: final.error,
          rerunOf: final.rerunOf ?? null,
          summary: final.summary,
        },
        null,
        2,
      ),
    )
  } else {
    out(formatSummary(final))
    out(`run id:         ${final.runId}`)
  }
  if (final.status === 'failed') err(`run failed: ${final.error ?? 'unknown error'}`)
}

// ---------------------------------------------------------------- commands

async function cmdValidate(file: string): Promise<number> {
  const text = await readSpecText(file)
  let r = parseSpecJson(text)
  if (r.ok) r = checkSpec(r.spec)
  if (!r.ok) {
    err(`${file}: invalid spec`)
    err(formatErrors(r.errors))
    return EXIT_BAD_INPUT
  }
  out('ok')
  return EXIT_OK
}

interface DataOption {
  data: string
}

interface RunOptions extends DataOption {
  seed?: number
  mode?: 'sim' | 'simulation' | 'processes'
  speed: number | 'max'
  json?: boolean
  /** The short form of a program's run (no spec file). */
  program?: string
  workload?: string
  nodes?: number
  seconds?: number
}

/** The spec of `run`: the file (a program's anchored to its folder), or the short form's. */
async function runSpecInput(
  file: string | undefined,
  o: RunOptions,
): Promise<{ raw: unknown; label: string }> {
  const short = o.workload !== undefined || o.nodes !== undefined || o.seconds !== undefined
  if (o.program === undefined) {
    if (short) throw new CliExit(EXIT_BAD_INPUT, '--workload, --nodes and --seconds go with --program')
    if (file === undefined) throw new CliExit(EXIT_BAD_INPUT, 'run: give a spec file, or --program "COMMAND"')
    return { raw: anchorProgramSpec(await readSpecJson(file), file), label: file }
  }
  if (file !== undefined)
    throw new CliExit(EXIT_BAD_INPUT, `run: give a spec file (${file}) or --program, not both`)
  try {
    return { raw: programSpec({ ...o, program: o.program }), label: '--program' }
  } catch (e) {
    throw new CliExit(EXIT_BAD_INPUT, (e as Error).message)
  }
}

async function runToEnd(service: LabService, start: () => Promise<RunInfo>, label: string): Promise<RunInfo> {
  let run: RunInfo
  try {
    run = await start()
  } catch (e) {
    asExit(e, label)
  }
  const bar = progressBar()
  const durS = run.spec.durationMs / 1000
  try {
    return await awaitRun(service, run, (p, tMs) =>
      bar.update(p, `${(tMs / 1000).toFixed(1)}/${durS.toFixed(1)} s`),
    )
  } finally {
    bar.stop()
  }
}

async function cmdRun(file: string | undefined, o: RunOptions): Promise<number> {
  const input = await runSpecInput(file, o)
  let raw = input.raw
  if (
    (o.seed !== undefined || o.mode !== undefined) &&
    typeof raw === 'object' &&
    raw !== null &&
    !Array.isArray(raw)
  ) {
    raw = {
      ...raw,
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.mode !== undefined ? { mode: o.mode === 'sim' ? 'simulation' : o.mode } : {}),
    }
  }
  const service = openService(o.data)
  try {
    const final = await runToEnd(
      service,
      () => service.startRun({ spec: raw, speed: o.speed }),
      `${input.label}: `,
    )
    printRun(final, o.json)
    return exitCodeFor(final)
  } finally {
    service.close()
  }
}

interface RerunOptions extends DataOption {
  speed: number | 'max'
  json?: boolean
}

async function cmdRerun(id: string, o: RerunOptions): Promise<number> {
  const service = openService(o.data)
  try {
    const runId = resolveRun(service.store, id)
    const old = await service.getRun({ runId })
    const final = await runToEnd(service, () => service.rerun({ runId, speed: o.speed }), `rerun ${runId}: `)
    printRun(final, o.json)
    if (!o.json) {
      out(`rerun of:       ${runId} (same spec snapshot, seed ${old.seed})`)
      if (old.appVersion && old.appVersion !== final.appVersion)
        err(
          `note: ${runId} was recorded by version ${old.appVersion}; this is ${final.appVersion}, so traces may differ`,
        )
    }
    return exitCodeFor(final)
  } finally {
    service.close()
  }
}

interface FilterOptions {
  algorithm?: string
  status?: string
  name?: string
  since?: string
  until?: string
  limit?: number
}

async function cmdList(o: FilterOptions & DataOption & { json?: boolean }): Promise<number> {
  const filter = runFilter(o)
  const store = openStore(o.data)
  try {
    const runs = store.listRuns(filter)
    out(o.json ? JSON.stringify(runs, null, 2) : formatRunsTable(runs, Object.keys(filter).length > 0))
    return EXIT_OK
  } finally {
    store.close()
  }
}

async function cmdShow(id: string, o: DataOption & { json?: boolean }): Promise<number> {
  const store = openStore(o.data)
  try {
    const runId = resolveRun(store, id)
    const run = store.getRun(runId) as RunInfo
    const sketches = store.sketchSummary([runId])
    const counts = store.counts(runId)
    // Like run: exit 1 when the recorded checks found a violation.
    const code = violation(run.summary) ? EXIT_VIOLATION : EXIT_OK
    if (o.json) {
      out(JSON.stringify({ run, sketches, rows: counts }, null, 2))
      return code
    }
    out(formatSummary(run))
    out(`run id:         ${run.runId}`)
    out(
      `recorded:       ${formatDateTime(run.startedAt)} .. ${run.endedAt ? formatDateTime(run.endedAt) : '(not ended)'}, app ${run.appVersion ?? '?'}`,
    )
    if (run.rerunOf) out(`rerun of:       ${run.rerunOf}`)
    const l = sketches.latencyMs
    const q = (s: typeof l.all): string =>
      s.count === 0 ? 'none' : `p50 ${s.p50!.toFixed(2)} ms, p99 ${s.p99!.toFixed(2)} ms (${s.count} ops)`
    out(`sketches:       ${sketches.windows} windows; latency ±${sketches.accuracy.latencyRelative * 100}%`)
    out(`  get:          ${q(l.get)}`)
    out(`  put:          ${q(l.put)}`)
    out(`  cas:          ${q(l.cas)}`)
    out(`  distinct:     ~${sketches.distinctKeys} keys, ~${sketches.distinctClients} clients`)
    if (sketches.hotKeys.length)
      out(
        `  hot keys:     ${sketches.hotKeys
          .slice(0, 5)
          .map((k) => `${k.key} (~${k.count})`)
          .join(', ')}`,
      )
    out(
      `stored rows:    ${counts.trace_events} trace events, ${counts.ops} ops, ${counts.faults} fault events, ${counts.metrics} metrics windows, ${counts.sketches} sketches`,
    )
    return code
  } finally {
    store.close()
  }
}

interface ExportOptions extends DataOption, FilterOptions {
  what: CsvKind
  out?: string
}

async function cmdExport(id: string | undefined, o: ExportOptions): Promise<number> {
  const store = openStore(o.data)
  try {
    let req: CsvRequest
    if (o.what === 'runs') req = { what: 'runs', filter: runFilter(o) }
    else {
      if (id === undefined) throw new CliExit(EXIT_BAD_INPUT, `RUN: is required to export ${o.what}`)
      req = { what: o.what, runId: resolveRun(store, id) }
    }
    try {
      if (o.out === undefined || o.out === '-') {
        await writeCsv(store, req, process.stdout).catch((e: unknown) => {
          // The reader went away (e.g. `| head`): not an error.
          if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e
        })
      } else {
        const r = await exportCsvFile(store, req, o.out)
        err(`wrote ${r.rows} rows to ${r.path}`)
      }
    } catch (e) {
      asExit(e, o.out ? '--out: ' : '')
    }
    return EXIT_OK
  } finally {
    store.close()
  }
}

async function cmdExportRun(id: string, o: DataOption & { out: string }): Promise<number> {
  const store = openStore(o.data)
  try {
    const runId = resolveRun(store, id)
    try {
      const r = await exportRunFile(store, runId, o.out)
      err(`wrote ${r.lines} lines to ${r.path}`)
    } catch (e) {
      asExit(e, '--out: ')
    }
    return EXIT_OK
  } finally {
    store.close()
  }
}

async function cmdImportRun(file: string, o: DataOption): Promise<number> {
  const store = openStore(o.data)
  try {
    let r: { runId: string; lines: number }
    try {
      r = importRunFile(store, file)
    } catch (e) {
      asExit(e)
    }
    out(r.runId)
    err(`imported ${r.lines} lines from ${file} into ${store.file}`)
    return EXIT_OK
  } finally {
    store.close()
  }
}

async function cmdDelete(id: string, o: DataOption): Promise<number> {
  const store = openStore(o.data)
  try {
    const runId = resolveRun(store, id)
    try {
      store.deleteRun(runId)
    } catch (e) {
      if (e instanceof RangeError) throw new CliExit(EXIT_BAD_INPUT, e.message)
      asExit(e)
    }
    out(`deleted ${runId}`)
    return EXIT_OK
  } finally {
    store.close()
  }
}

interface SweepOptions extends DataOption {
  param: string[]
  seeds: number
  seedStart?: number
  json?: boolean
  workers: WorkerCount
}

/** One run of a sweep: which combination, which seed, the spec it runs. */
interface SweepJob {
  combo: number
  spec: ExperimentSpec
}

async function cmdSweep(file: string, o: SweepOptions): Promise<number> {
  const raw = await readSpecJson(file)
  let params: SweepParam[]
  let combos: ReturnType<typeof combinations>
  try {
    params = o.param.map(parseParam)
    const seen = new Set<string>()
    for (const p of params) {
      if (seen.has(p.path)) throw new ParamError(`--param: ${p.path} is given twice`)
      seen.add(p.path)
    }
    combos = combinations(raw, params)
  } catch (e) {
    if (e instanceof ParamError) throw new CliExit(EXIT_BAD_INPUT, e.message)
    throw e
  }
  if (!combos.ok) throw new CliExit(EXIT_BAD_INPUT, `${file}: invalid spec\n${formatErrors(combos.errors)}`)
  const base = o.seedStart ?? combos.combos[0].spec.seed
  const total = combos.combos.length * o.seeds
  if (total > 100_000)
    throw new CliExit(EXIT_BAD_INPUT, `--seeds: ${total} runs is too many (at most 100000)`)
  const jobs: SweepJob[] = []
  combos.combos.forEach((c, combo) => {
    for (let k = 0; k < o.seeds; k++) jobs.push({ combo, spec: { ...c.spec, seed: base + k } })
  })
  // Simulated runs spread over worker threads; processes-mode runs use every core themselves.
  let workers = Math.min(workerCount(o.workers), total)
  if (workers > 1 && jobs.some((j) => j.spec.mode === 'processes')) {
    err('note: processes-mode runs use every core themselves: this sweep runs them one at a time')
    workers = 1
  }

  const service = openService(o.data)
  const bar = sweepProgress(process.stderr, total)
  let interrupted = false
  /** The run in progress (one worker), stopped at once by an interrupt (recorded as stopped). */
  let current: string | null = null
  const onSigint = (): void => {
    if (interrupted) process.exit(EXIT_INTERRUPTED)
    interrupted = true
    err('\ninterrupted: stopping the sweep (Ctrl-C again to quit at once)')
    if (current !== null) void service.stopRun({ runId: current })
  }
  process.on('SIGINT', onSigint)
  process.on('SIGTERM', onSigint)
  const finals: Array<SweepRunResult | null> = jobs.map(() => null)
  let done = 0
  const jobDone = (i: number, final: SweepRunResult): void => {
    finals[i] = final
    done++
    const { spec, combo } = jobs[i]
    const c = combos.combos[combo]
    const p99 = final.summary?.latencyMs.p99
    bar.runDone(
      done,
      total,
      `${c.labels.map((v, k) => `${params[k].segments.at(-1) ?? params[k].path}=${v}`).join(' ')} seed ${spec.seed}`,
      `${final.status}, ok ${final.summary?.ops.ok ?? 0}, p99 ${p99 === null || p99 === undefined ? '-' : p99.toFixed(1)} ms`,
    )
  }
  try {
    if (workers > 1) {
      await runTasks(
        jobs.length,
        (i) => ({ kind: 'sweep-run', id: i, version: APP_VERSION, dataDir: o.data, spec: jobs[i].spec }),
        {
          workers,
          shouldStop: () => interrupted,
          onResult: (r) => {
            if (r.kind === 'sweep-run') jobDone(r.id, r.result)
          },
        },
      ).catch((e: unknown) => asExit(e, `${file}: `))
    } else {
      for (let i = 0; i < jobs.length && !interrupted; i++) {
        const { spec, combo } = jobs[i]
        let run: RunInfo
        try {
          run = await service.startRun({ spec, speed: 'max' })
        } catch (e) {
          asExit(e, `${file}: `)
        }
        current = run.runId
        const label = `${done + 1}/${total} ${combos.combos[combo].labels.join(' ')} seed ${spec.seed}`
        const final = await new Promise<RunInfo>((res) => {
          const off = service.on((e) => {
            if (e.type === 'run-progress' && e.runId === run.runId)
              bar.update((done + e.progress) / total, label)
            else if (e.type === 'run-status' && e.run.runId === run.runId && !isLive(e.run.status)) {
              off()
              res(e.run)
            }
          })
          if (interrupted) void service.stopRun({ runId: run.runId })
        })
        current = null
        jobDone(i, { runId: final.runId, status: final.status, summary: final.summary ?? null })
      }
    }
  } finally {
    bar.stop()
    process.off('SIGINT', onSigint)
    process.off('SIGTERM', onSigint)
  }
  // Rows in combination order, whatever order the runs finished in.
  const rows: SweepRow[] = []
  const runIds: string[][] = []
  try {
    combos.combos.forEach((c, combo) => {
      const row: SweepRow = {
        labels: c.labels,
        runs: 0,
        opsOk: 0,
        p50: null,
        p99: null,
        elections: 0,
        violations: 0,
        failed: 0,
      }
      const ids: string[] = []
      jobs.forEach((j, i) => {
        const final = finals[i]
        if (j.combo !== combo || final === null) return
        ids.push(final.runId)
        row.runs++
        if (final.status === 'failed') row.failed++
        if (final.summary) {
          row.opsOk += final.summary.ops.ok
          row.elections += final.summary.elections
          if (violation(final.summary)) row.violations++
        }
      })
      if (ids.length === 0) return // interrupted before this combination ran
      // p50 / p99 over every run of this combination: the runs' stored sketches, merged.
      const merged = service.store.sketchSummary(ids).latencyMs.all
      row.p50 = merged.p50
      row.p99 = merged.p99
      rows.push(row)
      runIds.push(ids)
    })
  } finally {
    service.close()
  }
  const names = params.map((p) => p.path)
  if (o.json) {
    out(
      JSON.stringify(
        rows.map((r, i) => ({
          ...r,
          params: Object.fromEntries(names.map((n, j) => [n, r.labels[j]])),
          runIds: runIds[i],
        })),
        null,
        2,
      ),
    )
  } else {
    out(formatSweepTable(names, rows))
    out(`${done} runs recorded in ${service.store.file}`)
  }
  if (interrupted) return EXIT_INTERRUPTED
  if (rows.some((r) => r.violations > 0)) return EXIT_VIOLATION
  if (rows.some((r) => r.failed > 0)) return EXIT_RUN_FAILED
  return EXIT_OK
}

// ---------------------------------------------------------------- wiring

function dataOption(): Option {
  return new Option('--data <dir>', 'data folder (holds quorum-lab.db)').default(DEFAULT_DATA)
}

function filterOptions(cmd: Command): Command {
  return cmd
    .option('--algorithm <kind>', 'only runs of this algorithm')
    .addOption(new Option('--status <status>', 'only runs with this status').choices(RUN_STATUSES))
    .option('--name <text>', 'only runs whose name contains this (case-insensitive)')
    .option('--since <date>', 'only runs started at or after this ISO date / date-time')
    .option('--until <date>', 'only runs started before this ISO date / date-time')
    .option('--limit <n>', 'at most this many runs (newest first)', parseCount)
}

async function main(argv: string[] = process.argv): Promise<number> {
  const program = new Command()
    .name('quorum-lab')
    .description('Quorum Lab: run, record and check distributed-consensus experiments from the command line')
    .exitOverride()
    .showHelpAfterError()
    // Before the subcommands are added: they copy it.
    .configureOutput({
      writeOut: (s) => void process.stdout.write(terminalText(s)),
      writeErr: (s) => void process.stderr.write(terminalText(s)),
    })

  let result: Promise<number> = Promise.resolve(EXIT_OK)
  program
    .command('validate')
    .description('check an experiment spec; prints "ok" or each bad field as `path: message`')
    .argument('<spec>', 'experiment spec (JSON file)')
    .action((file: string) => {
      result = cmdValidate(file)
    })
  program
    .command('run')
    .description('run an experiment to the end, record it, print its summary and run id')
    .argument('[spec]', 'experiment spec (JSON file); or the short form of a program run, --program')
    .option('--seed <n>', 'override the spec seed', parseSeed)
    .addOption(
      new Option('--mode <mode>', 'override the spec mode').choices(['sim', 'simulation', 'processes']),
    )
    .option('--speed <speed>', '"max" (default) or run ms per wall ms', parseSpeed, 'max' as number | 'max')
    .option('--json', 'print the summary as JSON')
    .option(
      '--program <command>',
      'run this program (Maelstrom node protocol) on every node, e.g. "python3 node.py"',
    )
    .option('--workload <kind>', 'with --program: the Maelstrom workload (default lin-kv)')
    .option('--nodes <n>', 'with --program: how many nodes (default 3)', parseCount)
    .option('--seconds <s>', 'with --program: how long the run lasts (default 10)', parseSeconds)
    .addOption(dataOption())
    .action((file: string | undefined, o: RunOptions) => {
      result = cmdRun(file, o)
    })
  filterOptions(
    program.command('list').description('list recorded runs, newest first').option('--json', 'print JSON'),
  )
    .addOption(dataOption())
    .action((o: FilterOptions & DataOption & { json?: boolean }) => {
      result = cmdList(o)
    })
  program
    .command('show')
    .description("a recorded run's summary, checks, sketches and stored rows")
    .argument('<run>', 'run id (or a unique prefix)')
    .option('--json', 'print JSON')
    .addOption(dataOption())
    .action((id: string, o: DataOption & { json?: boolean }) => {
      result = cmdShow(id, o)
    })
  filterOptions(
    program
      .command('export')
      .description('export a run (ops, trace, metrics, summary) or the runs list as CSV')
      .argument('[run]', 'run id (or a unique prefix); not needed for --what runs')
      .addOption(new Option('--what <what>', 'what to export').choices(CSV_KINDS).makeOptionMandatory())
      .option('--out <file>', 'output file (default: standard output)'),
  )
    .addOption(dataOption())
    .action((id: string | undefined, o: ExportOptions) => {
      result = cmdExport(id, o)
    })
  program
    .command('export-run')
    .description('export a whole run (trace, ops, faults, metrics, sketches) as one JSON-lines file')
    .argument('<run>', 'run id (or a unique prefix)')
    .requiredOption('--out <file>', 'output file (.jsonl)')
    .addOption(dataOption())
    .action((id: string, o: DataOption & { out: string }) => {
      result = cmdExportRun(id, o)
    })
  program
    .command('import-run')
    .description('import a run exported by export-run (all or nothing)')
    .argument('<file>', 'a .jsonl file from export-run')
    .addOption(dataOption())
    .action((file: string, o: DataOption) => {
      result = cmdImportRun(file, o)
    })
  program
    .command('rerun')
    .description("run a recorded run's spec snapshot again with the same seed")
    .argument('<run>', 'run id (or a unique prefix)')
    .option('--speed <speed>', '"max" (default) or run ms per wall ms', parseSpeed, 'max' as number | 'max')
    .option('--json', 'print the summary as JSON')
    .addOption(dataOption())
    .action((id: string, o: RerunOptions) => {
      result = cmdRerun(id, o)
    })
  program
    .command('sweep')
    .description('run every combination of parameter values x seeds (as fast as possible) and tabulate')
    .argument('<spec>', 'experiment spec (JSON file)')
    .option(
      '--param <field=values>',
      'a spec field and comma-separated values, e.g. algorithm.params.heartbeatTicks=2,5,10 (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--seeds <n>', 'seeds per combination (default 1)', parseCount, 1)
    .option('--seed-start <n>', 'first seed (default: the spec seed)', parseSeed)
    .option(
      '--workers <n>',
      'worker threads for simulated runs: a number or "auto" (one per core); each records its runs',
      workersArg,
      'auto' as WorkerCount,
    )
    .option('--json', 'print JSON')
    .addOption(dataOption())
    .action((file: string, o: SweepOptions) => {
      result = cmdSweep(file, o)
    })
  program
    .command('delete')
    .description('delete a recorded run and all its rows')
    .argument('<run>', 'run id (or a unique prefix)')
    .addOption(dataOption())
    .action((id: string, o: DataOption) => {
      result = cmdDelete(id, o)
    })

  registerCheckCommand(program, (r) => (result = r), out, err)
  registerFuzzCommand(
    program,
    {
      out,
      err,
      openService,
      awaitRun: (service, run) => awaitRun(service, run),
      badInput: (message) => {
        throw new CliExit(EXIT_BAD_INPUT, message)
      },
      printSummary: (run) => {
        out(formatSummary(run))
        out(`run id:         ${run.runId}`)
      },
    },
    (r) => (result = r),
    dataOption,
  )
  registerWorkerCommand(
    program,
    {
      out,
      err,
      badInput: (message) => {
        throw new CliExit(EXIT_BAD_INPUT, message)
      },
    },
    (r) => (result = r),
  )
  registerExploreCommand(program, (r) => (result = r), { out, err })

  registerDoctorCommand(program, (r) => (result = r), out, err, dataOption)
  try {
    await program.parseAsync(argv)
    const code = await result
    // Damage found while in use (a read, the recorder): say so if nothing did yet, exit 4.
    if (damagedStore() && code !== EXIT_DAMAGED) {
      if (code === EXIT_OK || code === EXIT_VIOLATION) err(damagedStore()!.damaged!.message)
      return EXIT_DAMAGED
    }
    return code
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are not errors; anything else is a usage error (already printed).
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT_OK : EXIT_BAD_INPUT
    }
    if (e instanceof CliExit) {
      err(e.message)
      return e.code
    }
    if (e instanceof StoreError) {
      err(e.message)
      return storeExit(e)
    }
    // A SQLite error that got past the store's own handling: still a plain message.
    const se = opened.length > 0 ? opened[0].noteError(e) : null
    if (se !== null) {
      err(se.message)
      return storeExit(se)
    }
    err(`internal error: ${e instanceof Error ? e.message : String(e)}`)
    return EXIT_RUN_FAILED
  }
}

// Started through npm: end as on SIGTERM if npm dies (see launcher-watch.ts).
watchLauncher(() => process.kill(process.pid, 'SIGTERM'))
// The reader of our output went away (`| head`): stop quietly, like any Unix tool.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK)
  })

main().then(
  (code) => {
    process.exitCode = code
    // Let stdout drain, then leave even if something still holds the loop.
    setTimeout(() => process.exit(code), 50).unref()
  },
  (e: unknown) => {
    err(`internal error: ${String(e)}`)
    process.exit(EXIT_RUN_FAILED)
  },
)
