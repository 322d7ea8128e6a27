// Random fault schedules for fuzzing, within the crash-recovery fault model (crashes that
// restart, partitions of every shape, pauses, lossy / slow / duplicating / reordering links,
// skewed clocks; nothing byzantine). Pure: every draw from the caller's seeded rng.
import { FUZZ_STYLES, type FuzzStyle } from '../../shared/campaign-limits'
import type { ExperimentSpec, FaultSpec, Target } from '../../shared/spec'
import type { Rng } from '../rng'

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(0, items.length - 1)]
}

/** Pick by weight: `[[weight, value], ...]`. */
export function weighted<T>(rng: Rng, table: ReadonlyArray<readonly [number, T]>): T {
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
export type FaultStyle = FuzzStyle
/** The styles, as the LabApi and the Fuzz screen offer them (src/shared/campaign-limits.ts). */
export const FAULT_STYLES: readonly FaultStyle[] = FUZZ_STYLES

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
