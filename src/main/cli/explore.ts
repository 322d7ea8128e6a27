// `quorum-lab explore SPEC.json`: model-check the spec's algorithm (params, cluster size,
// seed) over every interleaving of message delivery and loss, timers, crashes and restarts
// and client requests, up to a bound (src/core/explore). Prints "no violation within depth D
// (S states, T transitions)" or the shortest counterexample found, step by step, and records
// that counterexample as a run that opens in Replay. Exit 0 nothing found within the bound,
// 1 a counterexample, 2 bad input (naming the option or spec field), 3 cut short by --seconds.
import { readFile } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import { Option, type Command } from 'commander'
import {
  EXPLORE_DEFAULTS,
  ExploreInputError,
  formatOps,
  RNG_MODES,
  STRATEGIES,
  TIME_MODES,
} from '../../core/explore/options'
import {
  explore,
  StateShapeError,
  type ExploreOptions,
  type ExploreProgress,
  type ExploreResult,
  mergeWalkResults,
  type MergedWalks,
} from '../../core/explore'
import { formatErrors, parseSpecJson, type ExperimentSpec } from '../../shared/spec'
import { readPackageInfo } from '../lab/service'
import { exploreOptions, type ExploreCliOptions } from './explore-options'
import { workersArg } from './workers-arg'
import { WorkerPool, workerCount } from '../workers/pool'
import { APP_VERSION } from '../workers/run-task'
import type { ExploreTextOptions } from '../workers/tasks'
import { recordCounterexample } from '../lab/record-trace'
import { LabStore, StoreError } from '../store'

export const EXPLORE_EXIT = { ok: 0, violation: 1, badInput: 2, cut: 3 } as const

interface Io {
  out: (s: string) => void
  err: (s: string) => void
}

const fmt = (n: number): string => n.toLocaleString('en-US')

function rate(r: { states: number; elapsedMs: number | null }): string {
  if (r.elapsedMs === null || r.elapsedMs <= 0) return ''
  return `, ${(r.elapsedMs / 1000).toFixed(1)} s, ${fmt(Math.round(r.states / (r.elapsedMs / 1000)))} states/s`
}

async function readSpec(file: string): Promise<ExperimentSpec> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new ExploreInputError(file, code === 'ENOENT' ? 'no such file' : (e as Error).message)
  }
  const r = parseSpecJson(text)
  if (!r.ok) throw new ExploreInputError(file, `invalid spec\n${formatErrors(r.errors)}`)
  return r.spec
}

function describe(opts: ExploreOptions & { mutants: string[] }): string {
  const s = opts.spec
  return (
    `explore ${s.algorithm.kind} (${s.cluster.nodes} nodes${opts.mutants.length ? `, mutant ${opts.mutants.join('+')}` : ''}): ` +
    `${opts.strategy}, depth <= ${opts.depth}, states <= ${fmt(opts.maxStates)}, crashes <= ${opts.crashes}, ` +
    `losses <= ${opts.drops}, ${opts.byzantine ? `Byzantine <= ${opts.byzantine}, ` : ''}${opts.admin ? `cluster ops <= ${opts.admin}, ` : ''}ops ${formatOps(opts.ops)}, time ${opts.time}, rng ${opts.rng}`
  )
}

/** The result in words (the counterexample step by step). */
export function formatResult(r: ExploreResult, depth: number): string[] {
  const lines: string[] = []
  const ce = r.counterexample
  const counts = `${fmt(r.states)} states, ${fmt(r.transitions)} transitions${rate(r)}`
  if (ce !== null) {
    lines.push(`violation after ${ce.steps.length} steps (${counts})`)
    ce.steps.forEach((s, i) => lines.push(`  ${String(i + 1).padStart(3)}. ${s.text}`))
    for (const v of ce.violations) {
      lines.push(`${v.name}: ${v.count} violation${v.count === 1 ? '' : 's'}`)
      for (const d of v.details) lines.push(`  - ${d}`)
    }
  } else if (r.stop === 'exhausted') lines.push(`no violation within depth ${depth} (${counts})`)
  else if (r.stop === 'max-states')
    lines.push(
      `no violation in the first ${counts} (depth ${r.depth} of ${depth} reached; raise --max-states)`,
    )
  else {
    const by = r.stop === 'time' ? 'by --seconds' : 'by a stop'
    lines.push(`cut short ${by}: no violation in ${counts} (depth ${r.depth} of ${depth} reached)`)
  }
  if (r.linUnknown > 0)
    lines.push(`note: ${r.linUnknown} linearizability check(s) ran out of budget (not counted)`)
  return lines
}

export async function cmdExplore(file: string, o: ExploreCliOptions, io: Io): Promise<number> {
  let opts: ExploreOptions & { mutants: string[] }
  try {
    opts = exploreOptions(await readSpec(file), o)
  } catch (e) {
    if (e instanceof ExploreInputError) {
      io.err(e.message)
      return EXPLORE_EXIT.badInput
    }
    throw e
  }
  let workers =
    o.workers === undefined ? (opts.strategy === 'random' ? workerCount('auto') : 1) : workerCount(o.workers)
  if (workers > 1 && opts.strategy !== 'random') {
    io.err(
      `note: ${opts.strategy} searches one frontier on one thread; --strategy random spreads walk streams over workers`,
    )
    workers = 1
  }
  if (!o.json) io.out(describe(opts) + (workers > 1 ? `, ${workers} walk streams on ${workers} threads` : ''))
  if (workers > 1) return finish(await exploreOnWorkers(opts, o, workers))
  const tty = process.stderr.isTTY === true && !o.json
  const started = performance.now()
  let r: ExploreResult
  try {
    r = explore({
      ...opts,
      now: () => performance.now(),
      ...(tty
        ? {
            onProgress: (p: ExploreProgress) =>
              process.stderr.write(
                `\r  depth ${p.depth}, ${fmt(p.states)} states, ${fmt(p.transitions)} transitions, ` +
                  `${fmt(Math.round(p.states / Math.max(0.001, (performance.now() - started) / 1000)))} states/s   `,
              ),
            progressEvery: 20_000,
          }
        : {}),
    })
  } catch (e) {
    // The explorer cannot take this algorithm's state (e.g. a closure in a field): say so.
    if (!(e instanceof StateShapeError)) throw e
    io.err(`cannot explore ${opts.spec.algorithm.kind}: ${e.message}`)
    return EXPLORE_EXIT.cut
  } finally {
    if (tty) process.stderr.write('\r\x1b[K')
  }
  return finish({ result: r, found: null })

  /** Record and print a result (and which walk stream found it); the exit code. */
  function finish(m: MergedWalks & { seeds?: number[] }): number {
    const r = m.result
    let runId: string | null = null
    const ce = r.counterexample
    const foundSeed = m.found !== null && m.seeds !== undefined ? m.seeds[m.found] : null
    if (ce !== null && o.record) {
      let store: LabStore | null = null
      try {
        store = LabStore.openDir(o.data)
        runId = recordCounterexample(store, {
          spec: opts.spec,
          mutants: opts.mutants,
          strategy: opts.strategy,
          ce,
          appVersion: readPackageInfo().version,
        })
      } catch (e) {
        if (!(e instanceof StoreError)) throw e
        io.err(`could not record the counterexample: ${e.message}`)
      } finally {
        store?.close()
      }
    }
    if (o.json) {
      io.out(
        JSON.stringify(
          {
            stop: r.stop,
            states: r.states,
            transitions: r.transitions,
            depth: r.depth,
            elapsedMs: r.elapsedMs,
            statesPerSec: r.elapsedMs ? Math.round(r.states / (r.elapsedMs / 1000)) : null,
            linUnknown: r.linUnknown,
            counterexample: ce && { steps: ce.steps, violations: ce.violations },
            ...(m.seeds !== undefined ? { streams: m.seeds.length, foundBySeed: foundSeed } : {}),
            runId,
          },
          null,
          2,
        ),
      )
    } else {
      for (const l of formatResult(r, opts.depth)) io.out(l)
      if (foundSeed !== null)
        io.out(
          `found by the walk stream with seed ${foundSeed}: reproduce with --seed ${foundSeed} --workers 1`,
        )
      if (runId !== null)
        io.out(`recorded as run ${runId}: open it in Replay (or \`quorum-lab show ${runId}\`)`)
    }
    return ce !== null ? EXPLORE_EXIT.violation : r.stop === 'time' ? EXPLORE_EXIT.cut : EXPLORE_EXIT.ok
  }
}

/**
 * Random walks spread over `workers` threads: stream k walks with seed (the seed) + k and
 * takes its share of --max-states; the first stream to find a violation stops the others
 * (at their next clock check). The shortest counterexample found is kept.
 */
async function exploreOnWorkers(
  opts: ExploreOptions & { mutants: string[] },
  o: ExploreCliOptions,
  workers: number,
): Promise<MergedWalks & { seeds: number[] }> {
  const base = opts.seed ?? opts.spec.seed
  const seeds = Array.from({ length: workers }, (_, k) => base + k)
  const share = Math.max(1, Math.ceil(opts.maxStates / workers))
  const stop = new SharedArrayBuffer(4)
  const flag = new Int32Array(stop)
  const options: ExploreTextOptions = {
    depth: o.depth,
    maxStates: String(share),
    crashes: o.crashes,
    drops: o.drops,
    byzantine: o.byzantine,
    ...(o.admin !== undefined ? { admin: o.admin } : {}),
    ops: o.ops,
    attempts: o.attempts,
    time: o.time,
    rng: o.rng,
    linearizability: o.linearizability,
    ...(o.mutant !== undefined ? { mutant: o.mutant } : {}),
    ...(o.seconds !== undefined ? { seconds: o.seconds } : {}),
  }
  const pool = new WorkerPool(workers)
  try {
    const results = await Promise.all(
      seeds.map((seed, k) =>
        pool
          .run({
            kind: 'explore-walks',
            id: k,
            version: APP_VERSION,
            spec: opts.spec,
            options,
            seed,
            maxStates: share,
            stop,
          })
          .then((a) => {
            if (a.kind !== 'explore-walks') throw new Error(`walk stream ${k}: unexpected answer ${a.kind}`)
            if (a.result.counterexample !== null) Atomics.store(flag, 0, 1)
            return a.result
          }),
      ),
    )
    return { ...mergeWalkResults(results), seeds }
  } finally {
    await pool.close()
  }
}

/** Adds `explore` to the CLI; `done` receives the command's exit code promise. */
export function registerExploreCommand(program: Command, done: (r: Promise<number>) => void, io: Io): void {
  const d = EXPLORE_DEFAULTS
  program
    .command('explore')
    .description(
      "model-check the spec's algorithm over every interleaving up to a bound; exit 0 none found, 1 counterexample, 3 cut short",
    )
    .argument('<spec>', 'experiment spec (JSON file): algorithm, params, cluster.nodes and seed are used')
    .option('--mutant <names>', "switch on the algorithm's deliberate bug(s), comma-separated")
    .option('--depth <n>', 'longest path, in steps', String(d.depth))
    .option(
      '--max-states <n>',
      'stop after this many distinct states (random: this many steps)',
      String(d.maxStates),
    )
    .addOption(new Option('--strategy <s>', 'search order').choices(STRATEGIES).default(d.strategy))
    .option('--seconds <s>', 'wall-time budget (exit 3 when it cuts the search short)')
    .option('--crashes <n>', 'most node crashes on a path (a crashed node may restart)', String(d.crashes))
    .option('--drops <n>', 'most lost messages on a path', String(d.drops))
    .option(
      '--byzantine <n>',
      'most nodes that turn Byzantine on a path (their messages equivocated or forged)',
      String(d.byzantine),
    )
    .option(
      '--admin <n>',
      'most cluster operations asked of the leader on a path (membership add / remove / promote, leadership transfer)',
      String(d.admin),
    )
    .option(
      '--ops <list>',
      'client ops, comma-separated [CLIENT/]get|put|cas[:KEY[:EXPECTED]] (none: no ops)',
      d.ops,
    )
    .option('--attempts <n>', 'most times one op is sent (after a refusal or a crash)', String(d.attempts))
    .addOption(
      new Option('--time <mode>', 'a timer step: one tick, or ticks until the node acts')
        .choices(TIME_MODES)
        .default(d.time),
    )
    .addOption(
      new Option('--rng <mode>', "the nodes' randomness: lowest draw always, or their seeded rngs")
        .choices(RNG_MODES)
        .default(d.rng),
    )
    .option('--no-linearizability', 'do not check linearizability of the client ops')
    .option(
      '--seed <n>',
      'random walks: their seed (default: the spec seed; stream k of --workers: seed + k)',
    )
    .option(
      '--workers <n>',
      'random walks: streams on this many threads, a number or "auto" (default: one per core); bfs / dfs use one',
      workersArg,
    )
    .option('--no-record', 'do not record the counterexample as a run')
    .option('--data <dir>', 'data folder (holds quorum-lab.db)', 'lab-data')
    .option('--json', 'print the result as JSON')
    .action((file: string, o: ExploreCliOptions) => done(cmdExplore(file, o, io)))
}
