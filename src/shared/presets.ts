// Fault-schedule presets for the classic scenarios: pure data builders, so the designer
// and the CLI build the same schedules. Times scale with the run's duration and land on
// a round grid, so a preset reads well on the timeline.
import type { AlgorithmKind, ExperimentSpecInput } from './spec'
import type { z } from 'zod'
import type { FaultSchema } from './spec'

/** A fault as written in a spec (defaults may be left out). */
export type FaultInput = z.input<typeof FaultSchema>

export const PRESET_IDS = [
  'leader-crash',
  'majorities-ring',
  'bridge',
  'flaky-network',
  'clock-skew',
  'byzantine-primary',
] as const
export type PresetId = (typeof PRESET_IDS)[number]

/** What a preset needs from the rest of the spec to mean anything. */
export interface PresetNeeds {
  algorithm?: AlgorithmKind
  minNodes?: number
  /** One line: why. */
  why: string
}

export interface Preset {
  id: PresetId
  name: string
  /** One line: what the schedule does. */
  summary: string
  /** One line: what the user should watch for. */
  watch: string
  needs?: PresetNeeds
  /** The fault schedule for a run of `durationMs`. */
  faults(durationMs: number): FaultInput[]
}

/** A round step of about a hundredth of `durationMs` (1, 2 or 5 times a power of ten, >= 1 ms). */
export function timeGrid(durationMs: number): number {
  const raw = Math.max(1, durationMs / 100)
  const pow = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow
  return 10 * pow
}

/** `fraction` of the run, rounded to the grid (at least one grid step). */
function part(durationMs: number, fraction: number): number {
  const g = timeGrid(durationMs)
  return Math.max(g, Math.round((durationMs * fraction) / g) * g)
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'leader-crash',
    name: 'Leader crash',
    summary: 'Kills the leader a third of the way in and restarts it a quarter of the run later.',
    watch:
      'Watch a new leader get elected within an election timeout, ops stall only meanwhile, and the old leader rejoin as a follower.',
    faults: (d) => [{ kind: 'crash', atMs: part(d, 0.3), target: 'leader', restartAfterMs: part(d, 0.25) }],
  },
  {
    id: 'majorities-ring',
    name: 'Majorities ring',
    summary: 'Each node reaches a majority, but no two nodes see the same majority.',
    watch:
      'Watch leadership flap as nodes that cannot hear the leader start elections; pre-vote and check-quorum calm it down.',
    faults: (d) => [
      { kind: 'partition', atMs: part(d, 0.25), forMs: part(d, 0.4), shape: 'majorities-ring' },
    ],
  },
  {
    id: 'bridge',
    name: 'Bridge',
    summary: 'Two halves that only a single bridge node can reach both of.',
    watch:
      'Watch whether the bridge node ends up leader (it sees everyone) and how many elections it takes to get there.',
    faults: (d) => [{ kind: 'partition', atMs: part(d, 0.25), forMs: part(d, 0.4), shape: 'bridge' }],
  },
  {
    id: 'flaky-network',
    name: 'Flaky network',
    summary: 'Windows of lost, slow and duplicated messages, one after another.',
    watch:
      'Watch retries and client timeouts climb while every check still passes: duplicates must not apply twice.',
    faults: (d) => [
      { kind: 'drop', atMs: part(d, 0.15), forMs: part(d, 0.25), probability: 0.2 },
      { kind: 'delay', atMs: part(d, 0.35), forMs: part(d, 0.3), latencyMs: 40, jitterMs: 20 },
      { kind: 'duplicate', atMs: part(d, 0.6), forMs: part(d, 0.25), probability: 0.2 },
    ],
  },
  {
    id: 'clock-skew',
    name: 'Clock skew',
    summary: "One node's clock runs 3x fast, then the leader's runs at a third of the speed.",
    watch:
      'Watch spurious elections from the fast clock and late heartbeats from the slow leader; safety must never depend on clocks.',
    faults: (d) => [
      { kind: 'clock', atMs: part(d, 0.2), forMs: part(d, 0.3), target: 'n1', rate: 3 },
      { kind: 'clock', atMs: part(d, 0.55), forMs: part(d, 0.3), target: 'leader', rate: 0.33 },
    ],
  },
  {
    id: 'byzantine-primary',
    name: 'Byzantine primary',
    summary: 'The primary sends different proposals to different replicas (equivocation).',
    watch:
      'Watch backups refuse to commit conflicting pre-prepares, vote a view change and move on under a new primary.',
    needs: {
      algorithm: 'pbft',
      minNodes: 4,
      why: 'Only PBFT tolerates a lying node, and it needs n >= 3f + 1 = 4 replicas to survive one (crash-fault protocols like Raft assume nodes never lie).',
    },
    faults: (d) => [
      {
        kind: 'byzantine',
        atMs: part(d, 0.3),
        forMs: part(d, 0.4),
        target: 'leader',
        behavior: 'equivocate',
      },
    ],
  },
]

export function presetById(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id)
}

/** Does `spec` already satisfy what the preset needs? */
export function presetSatisfied(preset: Preset, algorithm: unknown, nodes: unknown): boolean {
  const n = preset.needs
  if (!n) return true
  if (n.algorithm !== undefined && algorithm !== n.algorithm) return false
  if (n.minNodes !== undefined && !(typeof nodes === 'number' && nodes >= n.minNodes)) return false
  return true
}

export interface ApplyPresetOptions {
  /** Replace the fault list (default) or append to it. */
  mode?: 'replace' | 'append'
  /** Also switch algorithm / grow the cluster as the preset needs (default true). */
  adopt?: boolean
}

/**
 * `spec` with the preset's faults in it; with `adopt`, also with the algorithm and cluster
 * size it needs (switching algorithm resets params to that algorithm's defaults).
 */
export function applyPreset(
  spec: ExperimentSpecInput,
  id: PresetId,
  { mode = 'replace', adopt = true }: ApplyPresetOptions = {},
): ExperimentSpecInput {
  const preset = presetById(id)
  if (!preset)
    throw new Error(`unknown preset ${JSON.stringify(id)} (expected one of: ${PRESET_IDS.join(', ')})`)
  const durationMs = typeof spec.durationMs === 'number' && spec.durationMs > 0 ? spec.durationMs : 10_000
  const faults = [...(mode === 'append' ? (spec.faults ?? []) : []), ...preset.faults(durationMs)]
  const out: ExperimentSpecInput = { ...spec, faults }
  const needs = preset.needs
  if (adopt && needs) {
    if (needs.algorithm && spec.algorithm?.kind !== needs.algorithm) out.algorithm = { kind: needs.algorithm }
    const nodes = spec.cluster?.nodes ?? 5
    if (needs.minNodes && nodes < needs.minNodes) out.cluster = { ...spec.cluster, nodes: needs.minNodes }
  }
  return out
}
