// What an algorithm tells the fuzzer: how to draw its params and its fault schedule for a seed
// (within its fault model), the client mix that exercises it, and how it is checked. Each
// algorithm's module provides one (src/core/protocols/<alg>/fuzz.ts). Pure.
import type { AlgorithmKind, ExperimentSpec, FaultSpec } from '../../shared/spec'
import type { Rng } from '../rng'
import type { FaultStyle } from './schedule'

export interface FuzzModel {
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
  /** Cluster size (default 5). */
  nodes?: number
}
