// Partition shapes: which directed links a partition cuts. Nodes are indices 0..n-1 here
// (node n(i+1)); `cut` holds [from, to] pairs.
import type { Rng } from '../rng'

export type PartitionShape = 'halves' | 'isolate' | 'majorities-ring' | 'bridge' | 'one-way' | 'link'

export interface PartitionPlan {
  cut: Array<[number, number]>
  /** The nodes at the centre of the shape (recorded as the fault's targets). */
  targets: number[]
  detail: string
}

export function shuffle<T>(items: T[], rng: Rng): T[] {
  const a = items.slice()
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i)
    const x = a[i]
    a[i] = a[j]
    a[j] = x
  }
  return a
}

export const nodeName = (i: number): string => `n${i + 1}`
export const groupName = (g: number[]): string =>
  `{${[...g]
    .sort((a, b) => a - b)
    .map(nodeName)
    .join(',')}}`

/** `n1 <-> n2`: one link, both directions (in fault details). */
export const linkName = (a: number, b: number): string => `${nodeName(a)} <-> ${nodeName(b)}`

function cutBetween(a: number[], b: number[], out: Array<[number, number]>): void {
  for (const x of a)
    for (const y of b) {
      out.push([x, y], [y, x])
    }
}

/**
 * Plan a partition of `n` nodes. `target` (already resolved) is used by isolate, one-way and
 * bridge (default: one random node) and, for halves, puts the targets on the smaller side.
 * `link` cuts the one link between target[0] and `peer`, both ways, and draws nothing from
 * `rng` (with no target or peer, or the two equal, it cuts nothing).
 */
export function planPartition(
  shape: PartitionShape,
  n: number,
  rng: Rng,
  target: number[] | null,
  peer: number | null = null,
): PartitionPlan {
  const all = Array.from({ length: n }, (_, i) => i)
  const cut: Array<[number, number]> = []
  const pickOne = (): number[] => (target && target.length > 0 ? target : [rng.int(0, n - 1)])
  switch (shape) {
    case 'halves': {
      let perm = shuffle(all, rng)
      if (target && target.length > 0) perm = [...target, ...perm.filter((x) => !target.includes(x))]
      const small = perm.slice(0, Math.floor(n / 2))
      const big = perm.slice(Math.floor(n / 2))
      cutBetween(small, big, cut)
      return {
        cut,
        targets: small.sort((a, b) => a - b),
        detail: `halves ${groupName(small)} | ${groupName(big)}`,
      }
    }
    case 'isolate': {
      const iso = pickOne()
      for (const t of iso)
        for (const x of all) {
          if (x !== t) cut.push([t, x], [x, t])
        }
      return {
        cut,
        targets: [...iso].sort((a, b) => a - b),
        detail: `isolate ${iso.map(nodeName).join(', ')} from all others`,
      }
    }
    case 'majorities-ring': {
      // Jepsen's majorities ring: the nodes stand in a (shuffled) ring and each talks only to
      // itself and its d nearest neighbours on each side, d = ceil(floor(n/2) / 2), so every
      // node sees a majority and no two nodes see the same one. (For n <= 3 everyone sees
      // everyone: nothing is cut.)
      const ring = shuffle(all, rng)
      const pos = new Array<number>(n)
      ring.forEach((x, i) => (pos[x] = i))
      const d = Math.ceil(Math.floor(n / 2) / 2)
      for (const a of all)
        for (const b of all) {
          if (a === b) continue
          const dist = Math.abs(pos[a] - pos[b])
          if (Math.min(dist, n - dist) > d) cut.push([a, b])
        }
      return {
        cut,
        targets: all,
        detail: `majorities-ring ${ring.map(nodeName).join('-')} (each node sees itself and ${d} neighbour${d === 1 ? '' : 's'} on each side)`,
      }
    }
    case 'bridge': {
      const bridge = pickOne()[0]
      const rest = shuffle(
        all.filter((x) => x !== bridge),
        rng,
      )
      const a = rest.slice(0, Math.floor(rest.length / 2))
      const b = rest.slice(Math.floor(rest.length / 2))
      cutBetween(a, b, cut)
      return {
        cut,
        targets: [bridge],
        detail: `bridge ${nodeName(bridge)} between ${groupName(a)} and ${groupName(b)}`,
      }
    }
    case 'one-way': {
      const src = pickOne()
      for (const t of src)
        for (const x of all) {
          if (x !== t && !src.includes(x)) cut.push([t, x])
        }
      return {
        cut,
        targets: [...src].sort((a, b) => a - b),
        detail: `one-way: ${src.map(nodeName).join(', ')} cannot send to the others (still receives)`,
      }
    }
    case 'link': {
      const a = target && target.length > 0 ? target[0] : null
      if (a === null || peer === null || a === peer || peer < 0 || peer >= n)
        return { cut, targets: a === null ? [] : [a], detail: 'link (no valid peer: nothing cut)' }
      cut.push([a, peer], [peer, a])
      return { cut, targets: [a, peer], detail: `link ${linkName(a, peer)}` }
    }
  }
}
