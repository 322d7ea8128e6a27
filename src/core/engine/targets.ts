// Fault targets: which nodes a fault names. One meaning for the simulator and for
// processes mode, so a spec breaks the same nodes in both (given the same leader).
import type { Target } from '../../shared/spec'
import type { NodeId } from '../../shared/trace'
import type { Rng } from '../rng'
import { shuffle } from './partition'

/**
 * Node indexes (0-based, sorted for groups) that `target` names. `leader` is the current
 * leader's index or -1 when there is none (then a random node, drawn from `rng`). A node id
 * that is not in the cluster names nobody.
 */
export function resolveTarget(
  target: Target,
  ids: readonly NodeId[],
  rng: Rng,
  leader: () => number,
): number[] {
  const n = ids.length
  const all = Array.from({ length: n }, (_, i) => i)
  switch (target) {
    case 'all':
      return all
    case 'random':
      return [rng.int(0, n - 1)]
    case 'minority':
      return shuffle(all, rng)
        .slice(0, Math.floor((n - 1) / 2))
        .sort((a, b) => a - b)
    case 'majority':
      return shuffle(all, rng)
        .slice(0, Math.floor(n / 2) + 1)
        .sort((a, b) => a - b)
    case 'leader': {
      const l = leader()
      return [l >= 0 ? l : rng.int(0, n - 1)]
    }
    default: {
      const i = ids.indexOf(target)
      return i < 0 ? [] : [i]
    }
  }
}
