// From the run's network spec and the active network faults to the proxy's per-link rules.
// Pure. Combination follows the simulator: an overlay with targets applies to every link
// touching one of them (with a peer pair: only the link between the two, both ways); drop and duplicate probabilities combine as independent chances
// (p = 1 - prod(1 - p_i)), latencies and jitters add up, reorder combines like drop; a
// byzantine 'slow' sender adds SLOW_EXTRA_MS to its outgoing links, a 'silent' one loses them.
import { overlayApplies } from '../../../core/sim/overlay'
import type { NetworkSpec } from '../../../shared/spec'
import type { LinkRule } from '../proxy/control'

/** Extra one-way latency of a byzantine 'slow' node, ms (the simulator's SLOW_EXTRA_US). */
export const SLOW_EXTRA_MS = 50

export interface Overlay {
  fault: number
  kind: 'delay' | 'drop' | 'duplicate' | 'reorder'
  /** 1 for target nodes; null = all links. */
  mask: Uint8Array | null
  /** [a, b]: only the link a <-> b (both directions); null or absent = as the mask says. */
  pair?: [number, number] | null
  p: number
  latencyMs: number
  jitterMs: number
}

export class LinkState {
  /** cut[from * n + to] > 0: cut by that many active partitions. */
  readonly cut: Int32Array
  overlays: Overlay[] = []
  /** Per node: number of active byzantine 'silent' / 'slow' faults on it. */
  readonly silent: Int32Array
  readonly slow: Int32Array
  /** Live bandwidth caps, bytes/s per link (0 = none). */
  readonly bandwidth: Float64Array

  constructor(
    readonly n: number,
    readonly base: Pick<NetworkSpec, 'latencyMs' | 'jitterMs' | 'dropProbability' | 'duplicateProbability'>,
  ) {
    this.cut = new Int32Array(n * n)
    this.silent = new Int32Array(n)
    this.slow = new Int32Array(n)
    this.bandwidth = new Float64Array(n * n)
  }

  rules(): LinkRule[] {
    const n = this.n
    const out: LinkRule[] = []
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        let keep = 1 - this.base.dropProbability
        let noDup = 1 - this.base.duplicateProbability
        let noReorder = 1
        let latencyMs = this.base.latencyMs
        let jitterMs = this.base.jitterMs
        for (const o of this.overlays) {
          if (!overlayApplies(o, a, b)) continue
          switch (o.kind) {
            case 'drop':
              keep *= 1 - o.p
              break
            case 'duplicate':
              noDup *= 1 - o.p
              break
            case 'reorder':
              noReorder *= 1 - o.p
              break
            case 'delay':
              latencyMs += o.latencyMs
              jitterMs += o.jitterMs
              break
          }
        }
        if (this.slow[a] > 0) latencyMs += SLOW_EXTRA_MS
        out.push({
          cut: a !== b && this.cut[a * n + b] > 0,
          silent: this.silent[a] > 0,
          drop: clamp01(1 - keep),
          duplicate: clamp01(1 - noDup),
          reorder: clamp01(1 - noReorder),
          latencyMs,
          jitterMs,
          bandwidth: this.bandwidth[a * n + b],
        })
      }
    }
    return out
  }
}

function clamp01(x: number): number {
  return x <= 1e-12 ? 0 : x >= 1 ? 1 : x
}
