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
  boundedInt,
  EXPLORE_DEFAULTS,
  ExploreInputError,
  formatOps,
  mutantNames,
  parseOps,
  seconds,
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
} from '../../core/explore'
import { algorithmModule } from '../../core/protocols/registry'
import { formatErrors, parseSpecJson, type ExperimentSpec } from '../../shared/spec'
import { readPackageInfo } from '../lab/service'
import { recordCounterexample } from '../lab/record-trace'
import { LabStore, StoreError } from '../store'

export const EXPLORE_EXIT = { ok: 0, violation: 1, badInput: 2, cut: 3 } as const

export interface ExploreCliOptions {
  mutant?: string
  depth: string
  maxStates: string
  strategy: ExploreOptions['strategy']
  seconds?: string
  crashes: string
  drops: string
  byzantine: string
  ops: string
  attempts: string
  time: ExploreOptions['time']
  rng: ExploreOptions['rng']
  linearizability: boolean
  seed?: string
  record: boolean
  data: string
  json?: boolean
}

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

/** The explorer's options from the command line's (every problem names its option). */
export function exploreOptions(
  spec: ExperimentSpec,
  o: ExploreCliOptions,
): ExploreOptions & { mutants: string[] } {
  const m = algorithmModule(spec.algorithm.kind)
  const mutants = o.mutant === undefined ? [] : mutantNames(m.kind, m.mutants, o.mutant)
  const budget = o.seconds === undefined ? undefined : seconds(o.seconds)
  return {
    spec,
    mutants,
    ...(mutants.length > 0 ? { factory: m.mutant(mutants) } : {}),
    depth: boundedInt('depth', o.depth),
    maxStates: boundedInt('maxStates', o.maxStates),
    strategy: o.strategy,
    crashes: boundedInt('crashes', o.crashes),
    drops: boundedInt('drops', o.drops),
    byzantine: byzantine(m, boundedInt('byzantine', o.byzantine)),
    ops: parseOps(o.ops),
    attempts: boundedInt('attempts', o.attempts),
    time: o.time,
    rng: o.rng,
    linearizability: o.linearizability,
    ...(o.seed === undefined ? {} : { seed: boundedSeed(o.seed) }),
    ...(budget === undefined ? {} : { budgetMs: budget * 1000 }),
  }
}

function byzantine(m: ReturnType<typeof algorithmModule>, n: number): number {
  if (n > 0 && m.factory.corrupt === undefined)
    throw new ExploreInputError('--byzantine', `${m.kind} has no Byzantine behaviours to explore`)
  return n
}

function boundedSeed(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new ExploreInputError('--seed', 'must be a non-negative integer')
  return Number(text)
}

function describe(opts: ExploreOptions & { mutants: string[] }): string {
  const s = opts.spec
  return (
    `explore ${s.algorithm.kind} (${s.cluster.nodes} nodes${opts.mutants.length ? `, mutant ${opts.mutants.join('+')}` : ''}): ` +
    `${opts.strategy}, depth <= ${opts.depth}, states <= ${fmt(opts.maxStates)}, crashes <= ${opts.crashes}, ` +
    `losses <= ${opts.drops}, ${opts.byzantine ? `Byzantine <= ${opts.byzantine}, ` : ''}ops ${formatOps(opts.ops)}, time ${opts.time}, rng ${opts.rng}`
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
  if (!o.json) io.out(describe(opts))
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
  let runId: string | null = null
  const ce = r.counterexample
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
          runId,
        },
        null,
        2,
      ),
    )
  } else {
    for (const l of formatResult(r, opts.depth)) io.out(l)
    if (runId !== null)
      io.out(`recorded as run ${runId}: open it in Replay (or \`quorum-lab show ${runId}\`)`)
  }
  return ce !== null ? EXPLORE_EXIT.violation : r.stop === 'time' ? EXPLORE_EXIT.cut : EXPLORE_EXIT.ok
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
    .option('--seed <n>', 'random walks: their seed (default: the spec seed)')
    .option('--no-record', 'do not record the counterexample as a run')
    .option('--data <dir>', 'data folder (holds quorum-lab.db)', 'lab-data')
    .option('--json', 'print the result as JSON')
    .action((file: string, o: ExploreCliOptions) => done(cmdExplore(file, o, io)))
}
