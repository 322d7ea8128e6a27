// Consistent hashing: every node owns `virtualNodes` points on a 32-bit ring (xxHash32 of
// `<node>#<i>`); a key (xxHash32 of its name) belongs to the first N distinct nodes clockwise
// from its point (its preference list); the nodes after those, in the same order, are its
// stand-ins for hinted handoff. Pure: the same nodes and parameters give the same ring.
import * as xxNs from 'xxhashjs'
import type { NodeId } from '../types'
import { compareNodes } from './version'

/** CommonJS interop: under Node's ESM loader the functions live on `default`. */
function cjs<T extends object>(ns: T): T {
  const d = (ns as { default?: unknown }).default
  return d !== null && typeof d === 'object' ? (d as T) : ns
}
const XXH = cjs(xxNs)

/** 32-bit hash of a string (xxHash32, seed 0). */
export function hash32(s: string): number {
  return XXH.h32(s, 0).toNumber() >>> 0
}

/** Anti-entropy splits the ring into 2^RANGE_BITS key ranges (the Merkle tree's leaves). */
export const RANGE_BITS = 4
export const RANGES = 1 << RANGE_BITS

export class Ring {
  /** Ring points, ascending by hash (ties by node id). */
  private readonly points: Array<{ h: number; node: NodeId }>
  private readonly order = new Map<string, NodeId[]>()
  private readonly hashes = new Map<string, number>()

  constructor(
    readonly nodes: readonly NodeId[],
    readonly virtualNodes: number,
    readonly replicas: number,
  ) {
    const pts: Array<{ h: number; node: NodeId }> = []
    for (const node of nodes)
      for (let i = 0; i < virtualNodes; i++) pts.push({ h: hash32(`${node}#${i}`), node })
    pts.sort((a, b) => a.h - b.h || compareNodes(a.node, b.node))
    this.points = pts
  }

  keyHash(key: string): number {
    let h = this.hashes.get(key)
    if (h === undefined) {
      h = hash32(key)
      this.hashes.set(key, h)
    }
    return h
  }

  /** The key range (Merkle leaf) a key falls in: the top RANGE_BITS bits of its ring position. */
  range(key: string): number {
    return this.keyHash(key) >>> (32 - RANGE_BITS)
  }

  /** Every node, in clockwise order from the key's point (distinct nodes). */
  walk(key: string): readonly NodeId[] {
    let out = this.order.get(key)
    if (out !== undefined) return out
    const h = this.keyHash(key)
    const pts = this.points
    let lo = 0
    let hi = pts.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (pts[mid].h < h) lo = mid + 1
      else hi = mid
    }
    out = []
    const seen = new Set<NodeId>()
    for (let i = 0; i < pts.length && seen.size < this.nodes.length; i++) {
      const n = pts[(lo + i) % pts.length].node
      if (!seen.has(n)) {
        seen.add(n)
        out.push(n)
      }
    }
    if (this.order.size > 100_000) this.order.clear()
    this.order.set(key, out)
    return out
  }

  /** The key's preference list: the first N distinct nodes clockwise. */
  preferenceList(key: string): readonly NodeId[] {
    return this.walk(key).slice(0, this.replicas)
  }

  /** The nodes after the preference list (stand-ins for hinted handoff), clockwise. */
  standIns(key: string): readonly NodeId[] {
    return this.walk(key).slice(this.replicas)
  }

  isReplica(key: string, node: NodeId): boolean {
    const w = this.walk(key)
    for (let i = 0; i < this.replicas && i < w.length; i++) if (w[i] === node) return true
    return false
  }
}
