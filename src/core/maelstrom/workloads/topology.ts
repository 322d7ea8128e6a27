// The neighbour maps the broadcast workload sends each node in its `topology` message
// (`{"n1": ["n2", ...], ...}`). Every shape is symmetric: if a lists b, b lists a.
// - grid: nodes laid row by row on a roughly square grid (side = ceil(sqrt(n))), each node's
//   neighbours the nodes above, below, left and right of it (Maelstrom's default);
// - line: each node next to the one before and after it;
// - tree: a tree of fan-out `fanout` (node i's parent is node floor((i - 1) / fanout)),
//   neighbours the parent and the children; fan-out 4 is Maelstrom's tree4;
// - total: every node next to every other.
// Pure.

import type { TopologyKind } from './options'

export type Topology = Record<string, string[]>

/** The neighbour map of `kind` over `nodeIds` (in that order). */
export function computeTopology(kind: TopologyKind, nodeIds: readonly string[], fanout = 4): Topology {
  const n = nodeIds.length
  const edges: Array<Set<number>> = nodeIds.map(() => new Set<number>())
  const link = (a: number, b: number): void => {
    if (a === b || a < 0 || b < 0 || a >= n || b >= n) return
    edges[a].add(b)
    edges[b].add(a)
  }
  switch (kind) {
    case 'grid': {
      const side = Math.ceil(Math.sqrt(n))
      for (let idx = 0; idx < n; idx++) {
        const col = idx % side
        if (col + 1 < side) link(idx, idx + 1)
        link(idx, idx + side)
      }
      break
    }
    case 'line':
      for (let i = 0; i + 1 < n; i++) link(i, i + 1)
      break
    case 'tree':
      if (!Number.isInteger(fanout) || fanout < 1)
        throw new RangeError(`tree fan-out ${fanout} must be a whole number >= 1`)
      for (let i = 1; i < n; i++) link(i, Math.floor((i - 1) / fanout))
      break
    case 'total':
      for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) link(a, b)
      break
  }
  const out: Topology = {}
  nodeIds.forEach((id, i) => {
    out[id] = [...edges[i]].sort((a, b) => a - b).map((j) => nodeIds[j])
  })
  return out
}
