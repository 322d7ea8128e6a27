// Seeded fuzzing in the deterministic simulator: for each seed, build a spec with a random
// (but seed-determined) fault schedule within the algorithm's fault model, run it, and check
// the trace with the invariant checkers. A violation names its seed; the same seed and
// options reproduce the run bit for bit. Runs are checked as they go (streaming checker on the
// simulator's trace hook) and end early at the first violation or when a message storm blows
// the event budget. Pure: no clocks, no Math.random. Printing goes through `opts.log`.
import type { CheckResult } from '../../shared/api'
import type { ExperimentSpec } from '../../shared/spec'
import { createChecker } from '../check'
import { createSimulation, type AnyProtocolFactory } from '../sim'
import type { FuzzModel } from './model'
import { fuzzSpec, type SpecOptions } from './spec'

export type { AnyProtocolFactory }

export interface FuzzOptions extends SpecOptions, Pick<FuzzModel, 'stopRunOnViolation'> {
  /** How many seeds to run. */
  seeds: number
  /** First seed (default 1); seeds are startSeed .. startSeed + seeds - 1. */
  startSeed?: number
  /** Protocol implementation to run instead of the registered one (e.g. a mutant). */
  factory?: AnyProtocolFactory
  /** End a run after this many trace events (message storms in broken protocols); default 1M. */
  maxEvents?: number
  /** Virtual ms simulated between two looks at the checks (default 50). */
  sliceMs?: number
  /** Stop after the first seed with a violation (default false). */
  stopOnViolation?: boolean
  /** Output lines (`reproduce with seed=N` and details). Default: nothing is printed. */
  log?: (line: string) => void
  /** Called after every seed (progress). */
  onSeed?: (r: FuzzResult) => void
  /** Text appended to the `reproduce with seed=N` line (e.g. the command to run). */
  reproduceHint?: (seed: number) => string
}

export interface FuzzResult {
  seed: number
  spec: ExperimentSpec
  results: CheckResult[]
  /** The failing checks (empty when the run is safe). */
  violations: CheckResult[]
  /** Trace events the run produced (message events included). */
  events: number
  /** Virtual time the run reached, ms. */
  simulatedMs: number
  /** Why the run ended: its full duration, a violation (early stop) or the event budget. */
  stop: 'end' | 'violation' | 'budget'
}

/** Default per-seed trace-event budget: far above a healthy run (~20-60k events). */
export const DEFAULT_MAX_EVENTS = 1_000_000

/** Thrown from the trace hook to end a run that blew its event budget. */
class BudgetExceeded extends Error {}

/** Run one seed and check it. */
export function fuzzOne(seed: number, opts: Omit<FuzzOptions, 'seeds' | 'startSeed'> = {}): FuzzResult {
  const spec = fuzzSpec(seed, opts)
  const checker = createChecker(spec.algorithm.kind)
  const maxEvents = opts.maxEvents ?? DEFAULT_MAX_EVENTS
  const sliceMs = opts.sliceMs ?? 50
  let events = 0
  const sim = createSimulation(spec, {
    keepTrace: false,
    onTrace: (e) => {
      if (++events > maxEvents) throw new BudgetExceeded()
      checker.onEvent(e)
    },
    ...(opts.factory ? { factory: opts.factory } : {}),
  })
  let stop: FuzzResult['stop'] = 'end'
  try {
    for (let t = sliceMs; ; t += sliceMs) {
      sim.runUntil(Math.min(t, spec.durationMs))
      if (sim.done() || t >= spec.durationMs) break
      // Between slices only the protocol's own checks (linearizability needs the whole history
      // and runs once at the end).
      if (opts.stopRunOnViolation !== false && checker.invariantResults().some((r) => !r.ok)) {
        stop = 'violation'
        break
      }
    }
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e
    stop = 'budget'
  }
  const results = checker.results()
  return {
    seed,
    spec,
    results,
    violations: results.filter((r) => !r.ok),
    events: Math.min(events, maxEvents),
    simulatedMs: sim.nowMs(),
    stop,
  }
}

/** The lines printed for a violating seed. */
export function describeViolation(r: FuzzResult, hint = ''): string[] {
  const lines = [`reproduce with seed=${r.seed}${hint ? ` ${hint}` : ''}`]
  for (const v of r.violations) {
    lines.push(`  ${v.name}: ${v.count} violation${v.count === 1 ? '' : 's'}`)
    for (const d of v.details) lines.push(`    - ${d}`)
  }
  return lines
}

/** Run seeds startSeed .. startSeed + seeds - 1 and return each seed's verdicts (any algorithm). */
export function fuzz(opts: FuzzOptions): FuzzResult[] {
  const start = opts.startSeed ?? 1
  const out: FuzzResult[] = []
  for (let i = 0; i < opts.seeds; i++) {
    const r = fuzzOne(start + i, opts)
    out.push(r)
    opts.onSeed?.(r)
    if (r.violations.length > 0) {
      if (opts.log) for (const line of describeViolation(r, opts.reproduceHint?.(r.seed))) opts.log(line)
      if (opts.stopOnViolation) break
    }
  }
  return out
}
