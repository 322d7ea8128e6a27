// Seeded fuzzing of Raft in the deterministic simulator: for each seed, build a spec with a
// random (but seed-determined) fault schedule within Raft's crash-recovery fault model,
// run it, and check the trace with the invariant checkers. A violation names its seed; the
// same seed and options reproduce the run bit for bit.
//
// Each seed draws a fault style (see FaultStyle), Raft timing, a KV workload and a fault
// schedule. Runs are checked as they go (streaming checker on the simulator's trace hook) and
// end early at the first violation or when a message storm blows the event budget.
//
// Pure: no clocks, no Math.random. Printing goes through `opts.log`.
import type { CheckResult } from '../../shared/api'
import {
  type AlgorithmKind,
  ExperimentSpecSchema,
  type ExperimentSpec,
  type ExperimentSpecInput,
  type FaultSpec,
  type Target,
} from '../../shared/spec'
import { createRng, type Rng } from '../rng'
import { createSimulation, type AnyProtocolFactory } from '../sim'
import { createChecker } from './index'

export type { AnyProtocolFactory }

export interface FuzzOptions {
  /** How many seeds to run. */
  seeds: number
  /** First seed (default 1); seeds are startSeed .. startSeed + seeds - 1. */
  startSeed?: number
  /** Protocol implementation to run instead of the registered one (e.g. a mutant). */
  factory?: AnyProtocolFactory
  /** Cluster size (default 5). */
  nodes?: number
  /** Simulated run length per seed, ms (default 4000). */
  durationMs?: number
  /** Client count and total offered load (default: set by the seed's fault style). */
  clients?: number
  ratePerSec?: number
  /** Fault style for every seed (default: drawn per seed). */
  style?: FaultStyle
  /** Algorithm to fuzz (default raft). */
  algorithm?: AlgorithmKind
  /**
   * The algorithm's params for a seed (drawn from `rng`). Default: Raft's timing drawn per
   * fault style for raft, the schema defaults for any other algorithm.
   */
  params?: (rng: Rng) => Record<string, unknown>
  /**
   * The seed's fault schedule, instead of `randomFaultSchedule(rng, spec, style)` (e.g. to add
   * Byzantine faults within an algorithm's fault model). Must be deterministic in `rng`.
   */
  faults?: (rng: Rng, spec: ExperimentSpec, style: FaultStyle) => FaultSpec[]
  /** Client op mix (default read 0.2, write 0.6, cas 0.2). */
  mix?: { read: number; write: number; cas: number }
  /** End a run as soon as a check fails (default true: the first violation is what matters). */
  stopRunOnViolation?: boolean
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

export type SpecOptions = Pick<
  FuzzOptions,
  'nodes' | 'durationMs' | 'clients' | 'ratePerSec' | 'style' | 'algorithm' | 'params' | 'faults' | 'mix'
>

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(0, items.length - 1)]
}

/** Pick by weight: `[[weight, value], ...]`. */
function weighted<T>(rng: Rng, table: ReadonlyArray<readonly [number, T]>): T {
  let total = 0
  for (const [w] of table) total += w
  let x = rng.next() * total
  for (const [w, v] of table) {
    x -= w
    if (x < 0) return v
  }
  return table[table.length - 1][1]
}

function round(x: number): number {
  return Math.round(x)
}

function nodeTarget(rng: Rng, nodes: number): Target {
  return `n${rng.int(1, nodes)}` as Target
}

/** A target for a process fault: the leader most often, since that is where bugs hide. */
function processTarget(rng: Rng, nodes: number): Target {
  return weighted<() => Target>(rng, [
    [50, () => 'leader'],
    [20, () => 'random'],
    [15, () => nodeTarget(rng, nodes)],
    [10, () => 'minority'],
    [3, () => 'majority'],
    [2, () => 'all'],
  ])()
}

function optionalLinkTarget(rng: Rng, nodes: number): { target?: Target } {
  return weighted<() => { target?: Target }>(rng, [
    [50, () => ({})],
    [30, () => ({ target: 'leader' })],
    [20, () => ({ target: nodeTarget(rng, nodes) })],
  ])()
}

/** Two different nodes (nodes >= 2): the ends of one link. */
function linkEnds(rng: Rng, nodes: number): { target: Target; peer: string } {
  const a = rng.int(1, nodes)
  const b = ((a - 1 + rng.int(1, nodes - 1)) % nodes) + 1
  return { target: `n${a}` as Target, peer: `n${b}` }
}

/** A short-ish window: mostly a few hundred ms, sometimes over a second. */
function windowMs(rng: Rng, durationMs: number): number {
  const ms = weighted(rng, [
    [50, () => rng.int(30, 400)],
    [35, () => rng.int(400, 1200)],
    [15, () => rng.int(1200, 2500)],
  ] as const)()
  return Math.min(ms, durationMs)
}

/** A restart delay: often very quick (restart into the same election), sometimes long. */
function restartMs(rng: Rng): number {
  return weighted(rng, [
    [45, () => rng.int(5, 80)],
    [40, () => rng.int(80, 500)],
    [15, () => rng.int(500, 1500)],
  ] as const)()
}

/**
 * How a seed's faults (and the cluster's timing) are drawn. Each style aims at a class of bugs:
 * - `mixed`: a handful of faults of every kind at random times (broad coverage).
 * - `leader-churn`: every ~40-220 ms something happens to the current leader (crash, isolation,
 *   a minority partition around it, lossy links), so logs diverge and get repaired.
 * - `leader-isolation`: the current leader is cut off every ~20-150 ms, with short election
 *   timeouts and a slowish network: new leaders often lose their first entries' majority and
 *   stale logs win again, which is the history of the Raft paper's Figure 8 (§5.4.2).
 * - `election-storm`: quick crash-restarts of random nodes every few ms while messages are slow
 *   and jittery, so votes race with restarts (a vote that is not durable gets cast twice).
 */
export type FaultStyle = 'mixed' | 'leader-churn' | 'leader-isolation' | 'election-storm'
export const FAULT_STYLES: readonly FaultStyle[] = [
  'mixed',
  'leader-churn',
  'leader-isolation',
  'election-storm',
]

function mixedFault(rng: Rng, nodes: number, d: number, atMs: number): FaultSpec {
  const forMs = windowMs(rng, d)
  const kind = weighted(rng, [
    [34, 'crash'],
    [26, 'partition'],
    [7, 'pause'],
    [7, 'delay'],
    [7, 'drop'],
    [6, 'duplicate'],
    [7, 'reorder'],
    [6, 'clock'],
  ] as const)
  switch (kind) {
    case 'crash':
      return { kind, atMs, target: processTarget(rng, nodes), restartAfterMs: restartMs(rng) }
    case 'partition': {
      const shape = weighted(rng, [
        [35, 'isolate'],
        [20, 'halves'],
        [15, 'majorities-ring'],
        [15, 'bridge'],
        [15, 'one-way'],
        [5, 'link'],
      ] as const)
      if (shape === 'link')
        return nodes < 2
          ? { kind, atMs, forMs, shape: 'isolate' }
          : { kind, atMs, forMs, shape, ...linkEnds(rng, nodes) }
      const f: FaultSpec = { kind, atMs, forMs, shape }
      if (shape !== 'majorities-ring' && !rng.chance(0.3)) {
        f.target = rng.chance(0.6) ? 'leader' : nodeTarget(rng, nodes)
      }
      return f
    }
    case 'pause':
      return { kind, atMs, forMs, target: processTarget(rng, nodes) }
    case 'delay':
      return {
        kind,
        atMs,
        forMs,
        latencyMs: rng.int(2, 80),
        jitterMs: rng.int(0, 60),
        ...optionalLinkTarget(rng, nodes),
      }
    case 'drop':
      return { kind, atMs, forMs, probability: 0.05 + 0.55 * rng.next(), ...optionalLinkTarget(rng, nodes) }
    case 'duplicate':
      return { kind, atMs, forMs, probability: 0.1 + 0.6 * rng.next(), ...optionalLinkTarget(rng, nodes) }
    case 'reorder':
      return { kind, atMs, forMs, probability: 0.1 + 0.8 * rng.next(), ...optionalLinkTarget(rng, nodes) }
    case 'clock': {
      const rate = rng.chance(0.5) ? 1 + rng.next() * 3 : 0.25 + rng.next() * 0.75
      const f: FaultSpec = { kind, atMs, forMs, target: processTarget(rng, nodes), rate }
      if (rng.chance(0.3)) f.jumpMs = rng.int(10, 500)
      return f
    }
  }
}

function leaderFault(rng: Rng, nodes: number, atMs: number): FaultSpec {
  const forMs = rng.int(20, 400)
  return weighted<() => FaultSpec>(rng, [
    [35, () => ({ kind: 'crash', atMs, target: 'leader', restartAfterMs: rng.int(10, 600) })],
    [20, () => ({ kind: 'partition', atMs, forMs, shape: 'isolate', target: 'leader' })],
    [20, () => ({ kind: 'partition', atMs, forMs, shape: 'halves', target: 'leader' })],
    [5, () => ({ kind: 'partition', atMs, forMs, shape: 'one-way', target: 'leader' })],
    [5, () => ({ kind: 'partition', atMs, forMs, shape: 'bridge', target: 'leader' })],
    [10, () => ({ kind: 'drop', atMs, forMs, probability: 0.3 + 0.6 * rng.next(), target: 'leader' })],
    [5, () => ({ kind: 'crash', atMs, target: nodeTarget(rng, nodes), restartAfterMs: rng.int(10, 400) })],
  ])()
}

function stormFault(rng: Rng, nodes: number, atMs: number): FaultSpec {
  if (rng.chance(0.05)) return { kind: 'crash', atMs, target: 'leader', restartAfterMs: rng.int(1, 100) }
  return { kind: 'crash', atMs, target: nodeTarget(rng, nodes), restartAfterMs: rng.int(1, 10) }
}

function isolationFault(rng: Rng, nodes: number, atMs: number): FaultSpec {
  return { kind: 'partition', atMs, forMs: rng.int(20, 400), shape: 'isolate', target: 'leader' }
}

/** Gap between two faults of a steady-stream style, ms. */
const STREAM_GAP: Record<Exclude<FaultStyle, 'mixed'>, readonly [number, number]> = {
  'leader-churn': [40, 220],
  'leader-isolation': [20, 150],
  'election-storm': [5, 30],
}

/**
 * A random fault schedule within Raft's fault model (crash-recovery, lossy / reordering /
 * duplicating / delaying / partitioned network, paused processes, skewed clocks; nothing
 * byzantine). Every fault starts within the run and every crash restarts.
 */
export function randomFaultSchedule(
  rng: Rng,
  spec: ExperimentSpec,
  style: FaultStyle = 'mixed',
): FaultSpec[] {
  const nodes = spec.cluster.nodes
  const d = spec.durationMs
  const faults: FaultSpec[] = []
  // Leave the cluster a moment to elect its first leader, and the end of the run quieter.
  const from = Math.min(150, d / 10)
  const until = Math.max(from, d - Math.min(200, d / 10))
  if (style === 'mixed') {
    const count = rng.int(Math.max(3, round(d / 800)), Math.max(6, round(d / 250)))
    for (let i = 0; i < count; i++)
      faults.push(mixedFault(rng, nodes, d, round(from + rng.next() * (until - from))))
  } else {
    // A steady stream of faults at random gaps, bounded by the run length and the schema's 1000.
    const [lo, hi] = STREAM_GAP[style]
    const next =
      style === 'leader-churn' ? leaderFault : style === 'leader-isolation' ? isolationFault : stormFault
    for (let at = from + rng.int(0, hi); at < until && faults.length < 1000; at += rng.int(lo, hi)) {
      faults.push(next(rng, nodes, round(at)))
    }
  }
  faults.sort((a, b) => a.atMs - b.atMs)
  return faults
}

/** Cluster timing, network and workload per style (the knobs that make each style bite). */
function styleKnobs(
  rng: Rng,
  style: FaultStyle,
): {
  params: {
    electionTimeoutTicks: [number, number]
    heartbeatTicks: number
    preVote: boolean
    maxBatch: number
  }
  tickMs: number
  latencyMs: number
  jitterMs: number
  clients: number
  ratePerSec: number
  timeoutMs: number
} {
  switch (style) {
    case 'leader-isolation': {
      return {
        params: {
          electionTimeoutTicks: [5, 6],
          heartbeatTicks: 2,
          preVote: true,
          maxBatch: pick(rng, [1, 2]),
        },
        tickMs: 10,
        latencyMs: 9 + rng.next() * 4,
        jitterMs: 5,
        clients: 20,
        ratePerSec: 1000,
        timeoutMs: 200,
      }
    }
    case 'election-storm': {
      const lo = rng.int(7, 8)
      const latencyMs = 10 + rng.next() * 5
      return {
        params: {
          electionTimeoutTicks: [lo, lo + 1],
          heartbeatTicks: 2,
          preVote: rng.chance(0.1),
          maxBatch: 64,
        },
        tickMs: 10,
        latencyMs,
        jitterMs: latencyMs,
        clients: 5,
        ratePerSec: 300,
        timeoutMs: 1000,
      }
    }
    default: {
      const lo = rng.int(6, 14)
      const latencyMs = rng.chance(0.3) ? 2 + rng.next() * 15 : 0.5 + rng.next() * 3
      return {
        params: {
          electionTimeoutTicks: [lo, lo + rng.int(2, lo)],
          heartbeatTicks: rng.int(1, Math.min(4, lo - 1)),
          preVote: rng.chance(0.5),
          maxBatch: pick(rng, [1, 1, 2, 4, 64]),
        },
        tickMs: pick(rng, [5, 10]),
        latencyMs,
        jitterMs: rng.next() * Math.min(latencyMs, 10),
        clients: 5,
        ratePerSec: 300,
        timeoutMs: pick(rng, [100, 300, 1000]),
      }
    }
  }
}

/** The style a seed gets when none is forced. */
export function styleForSeed(rng: Rng): FaultStyle {
  return weighted(rng, [
    [3, 'mixed'],
    [2, 'leader-churn'],
    [3, 'leader-isolation'],
    [3, 'election-storm'],
  ] as const)
}

/** The spec fuzzed for `seed`: a fault style, Raft parameters, workload and fault schedule. */
export function fuzzSpec(seed: number, opts: SpecOptions = {}): ExperimentSpec {
  const rng = createRng(seed ^ 0x5eed)
  const drawn = styleForSeed(rng)
  const style = opts.style ?? drawn
  const k = styleKnobs(rng, style)
  const kind = opts.algorithm ?? 'raft'
  const raftParams = { ...k.params, readMode: rng.chance(0.5) ? 'readIndex' : 'log' }
  const params = opts.params ? opts.params(rng) : kind === 'raft' ? raftParams : {}
  const input: ExperimentSpecInput = {
    name: `fuzz-${kind}-${seed}-${style}`,
    algorithm: { kind, params } as ExperimentSpecInput['algorithm'],
    cluster: { nodes: opts.nodes ?? 5, tickMs: k.tickMs },
    mode: 'simulation',
    seed,
    durationMs: opts.durationMs ?? 4000,
    workload: {
      kind: 'kv',
      clients: opts.clients ?? k.clients,
      ratePerSec: opts.ratePerSec ?? k.ratePerSec,
      keys: rng.int(2, 8),
      distribution: 'uniform',
      mix: opts.mix ?? { read: 0.2, write: 0.6, cas: 0.2 },
      timeoutMs: k.timeoutMs,
    },
    network: { latencyMs: k.latencyMs, jitterMs: k.jitterMs },
    faults: [],
  }
  const base = ExperimentSpecSchema.parse(input)
  const faults = opts.faults
    ? opts.faults(rng.fork(), base, style)
    : randomFaultSchedule(rng.fork(), base, style)
  return ExperimentSpecSchema.parse({ ...base, faults })
}

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
