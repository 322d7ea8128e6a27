// Network overlays (delay / drop / duplicate / reorder faults): which links one touches.
// Shared by the simulator (src/core/sim) and processes mode's proxy link rules
// (LinkState.rules(), src/core/engine/links.ts). Pure.

/** Where an overlay applies. */
export interface OverlayScope {
  /** 1 for target nodes; null = all links. */
  mask: Uint8Array | null
  /** [a, b]: only the link a <-> b (both directions); null (or absent) = as the mask says. */
  pair?: readonly [number, number] | null
}

/**
 * The scope of an overlay fault over `n` nodes: `targets` are its resolved targets (null: no
 * target, every link), `peer` the index of its peer node (-1: not in the cluster) or null for
 * none. A peer narrows the overlay to the one link target <-> peer (both directions); a peer
 * outside the cluster matches no link rather than all of them. `targets` in the result are the
 * nodes the fault event names.
 */
export function overlayScope(
  n: number,
  targets: readonly number[] | null,
  peer: number | null,
): { mask: Uint8Array | null; pair: [number, number] | null; targets: number[] } {
  let mask: Uint8Array | null = null
  if (targets !== null) {
    mask = new Uint8Array(n)
    for (const x of targets) mask[x] = 1
  }
  const pair: [number, number] | null =
    peer === null ? null : [targets !== null && targets.length > 0 ? targets[0] : -1, peer]
  return { mask, pair, targets: pair !== null ? pair.filter((x) => x >= 0) : [...(targets ?? [])] }
}

/** Whether an overlay applies to the directed link from -> to. */
export function overlayApplies(o: OverlayScope, from: number, to: number): boolean {
  if (o.mask !== null && o.mask[from] === 0 && o.mask[to] === 0) return false
  const pair = o.pair
  if (pair !== null && pair !== undefined)
    return (from === pair[0] && to === pair[1]) || (from === pair[1] && to === pair[0])
  return true
}
