// Anti-entropy's Merkle tree (Dynamo §4.7): for a pair of nodes, the keys both replicate are
// split into RANGES key ranges by ring position; a leaf is the hash of one range's keys and
// versions, the root the hash of the leaves. Equal roots: nothing to do; otherwise compare the
// leaves and exchange only the ranges that differ.
import type { NodeId } from '../types'
import { hash32, RANGES, type Ring } from './ring'
import type { KeyVersions, Version } from './types'

function versionsText(vs: readonly Version[]): string {
  return vs.map((v) => `${v.id}@${v.ts}.${v.node}`).join(',')
}

/** Keys of `data` that `peer` replicates too, grouped by key range (sorted within a range). */
export function sharedByRange(
  data: ReadonlyMap<string, readonly Version[]>,
  ring: Ring,
  peer: NodeId,
): string[][] {
  const out: string[][] = Array.from({ length: RANGES }, () => [])
  for (const key of data.keys()) if (ring.isReplica(key, peer)) out[ring.range(key)].push(key)
  for (const r of out) r.sort()
  return out
}

/** The leaf hashes (hex) of the tree shared with `peer`. */
export function merkleLeaves(
  data: ReadonlyMap<string, readonly Version[]>,
  ring: Ring,
  peer: NodeId,
): string[] {
  return sharedByRange(data, ring, peer).map((keys) => {
    if (keys.length === 0) return '0'
    let text = ''
    for (const k of keys) text += `${k}=${versionsText(data.get(k) ?? [])};`
    return hash32(text).toString(16)
  })
}

export function merkleRoot(leaves: readonly string[]): string {
  return hash32(leaves.join('|')).toString(16)
}

/** Ranges whose leaves differ (either side may be missing keys). */
export function differingRanges(mine: readonly string[], theirs: readonly string[]): number[] {
  const out: number[] = []
  for (let i = 0; i < RANGES; i++) if (mine[i] !== theirs[i]) out.push(i)
  return out
}

/** This node's versions of the keys shared with `peer` in the given ranges. */
export function entriesIn(
  data: ReadonlyMap<string, readonly Version[]>,
  ring: Ring,
  peer: NodeId,
  ranges: readonly number[],
): KeyVersions[] {
  const want = new Set(ranges)
  const out: KeyVersions[] = []
  const byRange = sharedByRange(data, ring, peer)
  for (let r = 0; r < RANGES; r++) {
    if (!want.has(r)) continue
    for (const key of byRange[r]) out.push({ key, versions: [...(data.get(key) ?? [])] })
  }
  return out
}
