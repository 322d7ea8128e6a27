// The state of every directed link, as the run's faults leave it: how many active partitions
// cut it, the active network overlays (delay / drop / duplicate / reorder faults), the nodes
// that are byzantine-silent or slow, and live bandwidth caps. The engine changes it; each run
// mode reads it its own way: the simulator per message (src/core/sim/network.ts), processes
// mode as per-link rules for its proxy (rules()). Pure.
import type { NetworkSpec } from '../../shared/spec'
import { overlayApplies, type OverlayScope } from './overlay'

/** Extra one-way latency of a byzantine 'slow' node's outgoing messages, ms. */
export const SLOW_EXTRA_MS = 50

/** One active network fault on the links its scope names. */
export interface Overlay extends OverlayScope {
  /** The fault's index in the run's fault list. */
  fault: number
  kind: 'delay' | 'drop' | 'duplicate' | 'reorder'
  /** drop / duplicate / reorder probability. */
  p: number
  /** delay: added latency and jitter, ms. */
  latencyMs: number
  jitterMs: number
}

/** What a proxy does to frames on one directed link (from -> to). */
export interface LinkRule {
  /** Partitioned: drop everything (reason 'partition'). */
  cut: boolean
  /** The sender is byzantine-silent: drop everything it sends (reason 'byzantine'). */
  silent: boolean
  /** Drop probability (reason 'loss'). */
  drop: number
  /** Probability a frame is delivered twice. */
  duplicate: number
  /** Probability a frame is held back by a random extra delay (so later frames overtake it). */
  reorder: number
  /** One-way latency added, ms, and uniform jitter +- jitterMs. */
  latencyMs: number
  jitterMs: number
  /** Bandwidth cap, bytes per second (0 = unlimited). */
  bandwidth: number
}

/** A node's byzantine behaviour, while a byzantine fault holds it. */
export type Byzantine = 'silent' | 'equivocate' | 'forge' | 'slow'

export class LinkState {
  /** cut[from * n + to] > 0: the directed link is cut by that many active partitions. */
  readonly cut: Int32Array
  /** Active overlays, in start order (replaced, never mutated: readers may hold the old list). */
  overlays: readonly Overlay[] = []
  /** Per node: its byzantine behaviour, or null. */
  readonly byz: Array<Byzantine | null>
  /** Live bandwidth caps, bytes/s per directed link (0 = none). */
  readonly bandwidth: Float64Array

  constructor(
    readonly n: number,
    readonly base: Pick<NetworkSpec, 'latencyMs' | 'jitterMs' | 'dropProbability' | 'duplicateProbability'>,
  ) {
    this.cut = new Int32Array(n * n)
    this.byz = new Array<Byzantine | null>(n).fill(null)
    this.bandwidth = new Float64Array(n * n)
  }

  addOverlay(o: Overlay): void {
    this.overlays = [...this.overlays, o]
  }

  removeOverlays(fault: number): void {
    this.overlays = this.overlays.filter((o) => o.fault !== fault)
  }

  /**
   * Per directed link (index from * n + to), the rule a proxy applies: independent chances
   * combine (drop p = 1 - prod(1 - p_i), likewise duplicate and reorder), delays and jitters
   * add up, a slow sender adds SLOW_EXTRA_MS, a silent one loses everything it sends.
   */
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
        if (this.byz[a] === 'slow') latencyMs += SLOW_EXTRA_MS
        out.push({
          cut: a !== b && this.cut[a * n + b] > 0,
          silent: this.byz[a] === 'silent',
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
