// The new view's decision (§4.4), a pure function of the 2f + 1 ViewChanges in a NewView:
// the new primary and every backup compute it alike, so a backup checks the primary's
// NewView by recomputing it instead of trusting a list of PrePrepares.
import type { ClientRequest, NodeId } from '../types'
import { requestDigest } from './auth'
import { NULL_DIGEST, type ViewChangeBody } from './types'

export interface NewViewPlan {
  /** min-s: the latest stable checkpoint claimed by any ViewChange, its digest and who claimed it. */
  minS: number
  minDigest: string
  minFrom: NodeId | null
  /** One PrePrepare per seq in (minS, maxS]: the highest-view prepared request, else null. */
  pps: Array<{ seq: number; digest: string; req: ClientRequest | null }>
}

/** Senders sorted, so every replica reads the certificates in the same order. */
export function planNewView(vcs: readonly ViewChangeBody[]): NewViewPlan {
  const sorted = [...vcs].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0))
  let minS = 0
  let minDigest = ''
  let minFrom: NodeId | null = null
  for (const vc of sorted) {
    if (vc.stable > minS) {
      minS = vc.stable
      minDigest = vc.stableDigest
      minFrom = vc.from
    }
  }
  const best = new Map<number, { view: number; digest: string; req: ClientRequest | null }>()
  let maxS = minS
  for (const vc of sorted) {
    for (const c of vc.prepared) {
      if (c.seq <= minS) continue
      // A certificate whose request does not match its digest is ignored.
      if (requestDigest(c.req) !== c.digest) continue
      const b = best.get(c.seq)
      if (!b || c.view > b.view) best.set(c.seq, { view: c.view, digest: c.digest, req: c.req })
      if (c.seq > maxS) maxS = c.seq
    }
  }
  const pps: NewViewPlan['pps'] = []
  for (let s = minS + 1; s <= maxS; s++) {
    const b = best.get(s)
    pps.push(b ? { seq: s, digest: b.digest, req: b.req } : { seq: s, digest: NULL_DIGEST, req: null })
  }
  return { minS, minDigest, minFrom, pps }
}
