// Multi-Paxos's fuzz model (src/core/fuzz). Pure.
import type { FuzzModel } from '../../fuzz/model'
import type { Rng } from '../../rng'

/** Fuzz options for Multi-Paxos: timing drawn per seed, crash-recovery faults (the default schedule). */
export const multipaxosFuzz: FuzzModel & { params: (rng: Rng) => Record<string, unknown> } = {
  algorithm: 'multipaxos',
  params: (rng) => {
    const lo = rng.int(5, 12)
    const hi = lo + rng.int(1, lo)
    const batches = [1, 1, 2, 4, 64]
    return {
      leaderTimeoutTicks: [lo, hi],
      heartbeatTicks: rng.int(1, Math.min(3, lo - 1)),
      maxBatch: batches[rng.int(0, batches.length - 1)],
    }
  },
}
