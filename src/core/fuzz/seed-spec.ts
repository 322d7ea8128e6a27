// One seed of a fuzz campaign as the spec a run records (so a violating seed opens in Replay and
// re-runs event for event), and the command line that reproduces it. Shared by `quorum-lab
// fuzz` and the lab's Fuzz screen. Pure.
import type { AlgorithmKind, ExperimentSpec } from '../../shared/spec'
import { fuzzSpec } from './spec'
import type { FaultStyle } from './schedule'
import { FUZZ_TARGETS } from './targets'

/** What every seed of a campaign shares. */
export interface FuzzCampaignSettings {
  algorithm: string
  durationMs: number
  /** Cluster size (default: the algorithm's fuzz model). */
  nodes?: number
  style?: FaultStyle
  mutants: readonly string[]
}

/** The spec seed `seed` runs with (the mutants named in it). Throws on an unknown algorithm. */
export function fuzzSeedSpec(s: FuzzCampaignSettings, seed: number): ExperimentSpec {
  const target = FUZZ_TARGETS[s.algorithm as AlgorithmKind]
  if (target === undefined) throw new Error(`unknown algorithm "${s.algorithm}"`)
  const spec = fuzzSpec(seed, {
    ...target.options,
    durationMs: s.durationMs,
    nodes: s.nodes ?? target.options.nodes ?? 5,
    ...(s.style ? { style: s.style } : {}),
  })
  return s.mutants.length > 0 ? { ...spec, algorithm: { ...spec.algorithm, mutants: [...s.mutants] } } : spec
}

/** The command that reproduces `seed` of this campaign. */
export function reproduceCommand(s: FuzzCampaignSettings, seed: number): string {
  const parts = [`quorum-lab fuzz --seed ${seed}`]
  if (s.algorithm !== 'raft') parts.push(`--algorithm ${s.algorithm}`)
  if (s.durationMs !== 4000) parts.push(`--duration ${s.durationMs}`)
  if (s.nodes !== undefined) parts.push(`--nodes ${s.nodes}`)
  if (s.style) parts.push(`--style ${s.style}`)
  if (s.mutants.length > 0) parts.push(`--mutant ${s.mutants.join(',')}`)
  return parts.join(' ')
}
