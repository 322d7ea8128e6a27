// The spec fuzzed for a seed: a fault style, the algorithm's params (Raft's timing per style by
// default), a KV workload and a fault schedule, all drawn from the seed. Pure.
import { ExperimentSpecSchema, type ExperimentSpec, type ExperimentSpecInput } from '../../shared/spec'
import { createRng, type Rng } from '../rng'
import type { FuzzModel } from './model'
import { pick, randomFaultSchedule, weighted, type FaultStyle } from './schedule'

export type SpecOptions = Pick<FuzzModel, 'algorithm' | 'params' | 'faults' | 'mix' | 'nodes'> & {
  /** Simulated run length per seed, ms (default 4000). */
  durationMs?: number
  /** Client count and total offered load (default: set by the seed's fault style). */
  clients?: number
  ratePerSec?: number
  /** Fault style for every seed (default: drawn per seed). */
  style?: FaultStyle
}

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
