// The quorum store's fuzz models (src/core/fuzz): faults that all heal by mid-run, so that
// convergence is owed in the quiet rest; the consistent regime (every check must hold) and the
// available one (stale reads expected). Pure.
import type { ExperimentSpec, FaultSpec, Target } from '../../../shared/spec'
import type { FuzzModel } from '../../fuzz/model'
import type { FaultStyle } from '../../fuzz/schedule'
import type { Rng } from '../../rng'

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(0, xs.length - 1)]
}

/**
 * Parameters for the consistent regime: lww, R + W > N, read repair on (reads write back: ABD),
 * strict quorums (no hinted handoff), anti-entropy on. Every check, linearizability included,
 * must pass here under any fault.
 */
function consistentParams(rng: Rng): Record<string, unknown> {
  const replicas = rng.int(2, 4)
  const readQuorum = rng.int(1, replicas)
  return {
    replicas,
    readQuorum,
    writeQuorum: rng.int(replicas - readQuorum + 1, replicas),
    virtualNodes: pick(rng, [1, 4, 16]),
    conflicts: 'lww',
    readRepair: true,
    hintedHandoff: false,
    antiEntropyTicks: rng.int(5, 40),
    requestTimeoutTicks: rng.int(10, 60),
  }
}

/**
 * Parameters for any regime: R + W above or below N, both conflict modes, read repair and
 * hinted handoff on or off. Reads may be stale here (linearizability reports it, honestly);
 * convergence and acknowledged writes must still hold. Anti-entropy is always on (some repair
 * must run for convergence to be owed; its period fits CONVERGENCE_QUIET_MS at 10 ms ticks).
 */
function anyParams(rng: Rng): Record<string, unknown> {
  const replicas = rng.int(2, 4)
  return {
    replicas,
    readQuorum: rng.int(1, replicas),
    writeQuorum: rng.int(1, replicas),
    virtualNodes: pick(rng, [1, 4, 16]),
    conflicts: rng.chance(0.5) ? 'lww' : 'siblings',
    readRepair: rng.chance(0.6),
    hintedHandoff: rng.chance(0.6),
    antiEntropyTicks: rng.int(5, 40),
    requestTimeoutTicks: rng.int(10, 60),
  }
}

/**
 * Faults within the crash-recovery model (crashes that restart, partitions of every shape,
 * pauses, lossy / slow / duplicating / reordering links, skewed clocks), all over by 55% of the
 * run so that the rest is a healed quiet period in which convergence is owed.
 */
function fuzzFaults(rng: Rng, spec: ExperimentSpec, _style: FaultStyle): FaultSpec[] {
  const d = spec.durationMs
  const from = Math.round(d * 0.05)
  const healBy = Math.round(d * 0.55)
  const nodes = spec.cluster.nodes
  const target = (): Target => (rng.chance(0.7) ? (`n${rng.int(1, nodes)}` as Target) : 'random')
  const out: FaultSpec[] = []
  const count = rng.int(2, 7)
  for (let i = 0; i < count; i++) {
    const atMs = rng.int(from, healBy - 20)
    const forMs = rng.int(10, Math.max(11, Math.min(healBy - atMs, 1200)))
    const kind = pick(rng, [
      'crash',
      'crash',
      'partition',
      'partition',
      'partition',
      'pause',
      'drop',
      'delay',
      'duplicate',
      'reorder',
      'clock',
    ] as const)
    switch (kind) {
      case 'crash':
        out.push({ kind, atMs, target: target(), restartAfterMs: forMs })
        break
      case 'partition':
        out.push({
          kind,
          atMs,
          forMs,
          shape: pick(rng, ['halves', 'isolate', 'majorities-ring', 'bridge', 'one-way'] as const),
        })
        break
      case 'pause':
        out.push({ kind, atMs, forMs, target: target() })
        break
      case 'drop':
      case 'duplicate':
      case 'reorder':
        out.push({ kind, atMs, forMs, probability: 0.1 + 0.7 * rng.next() })
        break
      case 'delay':
        out.push({ kind, atMs, forMs, latencyMs: rng.int(2, 60), jitterMs: rng.int(0, 30) })
        break
      case 'clock':
        out.push({ kind, atMs, forMs, target: target(), rate: rng.chance(0.5) ? 2 : 0.5 })
        break
    }
  }
  out.sort((a, b) => a.atMs - b.atMs)
  return out
}

/**
 * Fuzz options for the quorum store (`fuzz({ ...quorumFuzz, seeds })`): the consistent regime,
 * where every check (linearizability included) must hold.
 */
export const quorumFuzz: FuzzModel = {
  algorithm: 'quorum',
  params: consistentParams,
  faults: fuzzFaults,
  mix: { read: 0.4, write: 0.5, cas: 0.1 },
  /**
   * Check once at the end of each run: convergence is only judged at the end anyway, and
   * re-running linearizability on the growing history every slice costs more than the run.
   */
  stopRunOnViolation: false,
}

/**
 * The available regime (any R, W, conflict mode, sloppy quorums): stale reads are expected, so
 * only this file's checks (convergence, no acknowledged write lost) must hold.
 */
export const quorumFuzzAvailable: FuzzModel = { ...quorumFuzz, params: anyParams }
