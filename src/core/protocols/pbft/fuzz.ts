// PBFT's fuzz model (src/core/fuzz): crash-recovery and network faults plus up to f Byzantine
// replicas, short timers and small checkpoint intervals. Pure.
import type { ExperimentSpec, FaultSpec, Target } from '../../../shared/spec'
import type { FuzzModel } from '../../fuzz/model'
import { randomFaultSchedule, type FaultStyle } from '../../fuzz/schedule'
import type { Rng } from '../../rng'

/**
 * Fuzz schedule within PBFT's fault model: the usual crash-recovery and network faults, plus
 * Byzantine faults on at most f distinct replicas (fixed node targets, so no more than f
 * replicas are ever faulty), each equivocating, forging, silent or slow for a while.
 */
export function pbftFaults(rng: Rng, spec: ExperimentSpec, style: FaultStyle): FaultSpec[] {
  const faults = randomFaultSchedule(rng, spec, style)
  const n = spec.cluster.nodes
  const f = Math.floor((n - 1) / 3)
  // Most seeds get f Byzantine replicas; n1 (the first primary) is picked most often.
  const count = rng.chance(0.75) ? f : rng.int(0, f)
  const ids: number[] = []
  while (ids.length < count) {
    const k = rng.chance(0.5) ? 1 : rng.int(1, n)
    if (!ids.includes(k)) ids.push(k)
  }
  const behaviors = ['equivocate', 'equivocate', 'equivocate', 'forge', 'silent', 'slow'] as const
  for (const k of ids) {
    const atMs = rng.int(0, Math.floor(spec.durationMs / 2))
    const forMs = rng.chance(0.5) ? undefined : rng.int(100, spec.durationMs)
    const behavior = behaviors[rng.int(0, behaviors.length - 1)]
    const target = `n${k}` as Target
    faults.push(
      forMs === undefined
        ? { kind: 'byzantine', atMs, target, behavior }
        : { kind: 'byzantine', atMs, forMs, target, behavior },
    )
  }
  return faults
}

/** PBFT params for a fuzz seed: short timers and small checkpoint intervals, so view changes,
 * garbage collection and state transfer all happen within a few simulated seconds. */
export function pbftFuzzParams(rng: Rng): Record<string, unknown> {
  const checkpointInterval = [4, 8, 16][rng.int(0, 2)]
  return {
    viewChangeTicks: rng.int(8, 40),
    checkpointInterval,
    watermarkWindow: checkpointInterval * rng.int(1, 4),
  }
}

/** Fuzz options for PBFT (`quorum-lab fuzz --algorithm pbft`): n = 4, so f = 1. */
export const pbftFuzz: FuzzModel = {
  algorithm: 'pbft',
  nodes: 4,
  params: pbftFuzzParams,
  faults: pbftFaults,
}
