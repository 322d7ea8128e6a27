// Paxos's fuzz model (src/core/fuzz): its timing drawn per seed and the crash-recovery faults
// of the default schedule. Pure.
import type { FuzzModel } from '../../fuzz/model'
import { randomFaultSchedule } from '../../fuzz/schedule'

/**
 * Fuzz options for Paxos: timing drawn per seed, backoff mostly on (off livelocks, safely).
 * There is no leader to isolate, so the leader-isolation style's seeds get crash-restart
 * storms instead (a restart between a promise and the next phase 2 is where a forgotten
 * promise or acceptance breaks agreement).
 */
export const paxosFuzz: FuzzModel = {
  algorithm: 'paxos',
  faults: (rng, spec, style) =>
    randomFaultSchedule(rng, spec, style === 'leader-isolation' ? 'election-storm' : style),
  params: (rng) => {
    const lo = rng.int(1, 4)
    return {
      retryTicks: rng.int(3, 12),
      backoff: rng.chance(0.85),
      backoffTicks: [lo, lo + rng.int(2, 12)],
    }
  },
  mix: { read: 0.2, write: 0.5, cas: 0.3 },
}
