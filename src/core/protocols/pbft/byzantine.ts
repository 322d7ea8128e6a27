// Byzantine behaviours of a faulty PBFT replica, applied by the host to each of its outgoing
// messages (the replica's own code stays honest). A faulty replica knows only the keys of
// its own links, so:
// - equivocate: it tells different recipients different things and re-MACs each message
//   with its (valid) key for that link. A PrePrepare carries the null request instead of the
//   client's request, and its Prepare / Commit votes name the null digest, for the
//   recipients picked by `altRecipient(to, seq)` (a hash of recipient and seq, so each seq
//   splits the replicas differently, deterministically). Checkpoints name a wrong digest.
// - forge: a message claiming another sender (MAC'd with the only key it has, so it does not
//   verify), or content altered after the MAC was computed. Receivers detect both and drop them.
import { sha256 } from '@noble/hashes/sha256'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils'
import type { Rng } from '../../rng'
import type { NodeId } from '../types'
import { computeMac, linkKey } from './auth'
import { NULL_DIGEST, type PbftMsg } from './types'

function hash(s: string): number {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  // Murmur3's finalizer, so every input bit reaches the low bit.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** Whether an equivocating replica tells `to` the alternative (null) version of `seq`. */
export function altRecipient(to: NodeId, seq: number): boolean {
  return (hash(`${to}#${seq}`) & 1) === 1
}

function otherSender(from: NodeId, to: NodeId): NodeId {
  for (const c of ['n1', 'n2', 'n3']) if (c !== from && c !== to) return c
  return 'n4'
}

export function corruptPbftMsg(
  m: PbftMsg,
  behavior: 'forge' | 'equivocate',
  to: NodeId,
  rng: Rng,
  runSeed: number,
): PbftMsg {
  const own = linkKey(runSeed, m.from, to)
  if (behavior === 'forge') {
    if (rng.chance(0.5)) {
      // Impersonation: claim another sender; the forger can only MAC with its own link key.
      const out = { ...m, from: otherSender(m.from, to) } as PbftMsg
      out.mac = computeMac(own, out)
      return out
    }
    // Corrupted content under the original MAC.
    switch (m.type) {
      case 'PrePrepare':
      case 'Prepare':
      case 'Commit':
      case 'Checkpoint':
      case 'State':
        return { ...m, digest: bytesToHex(sha256(utf8ToBytes(`forged:${m.digest}`))) }
      case 'FetchState':
        return { ...m, seq: m.seq + 1 }
      case 'Request':
        return { ...m, req: { ...m.req, id: `${m.req.id}-forged` } }
      case 'ViewChange':
      case 'NewView':
        return { ...m, view: m.view + 1 }
    }
  }
  let out: PbftMsg = m
  switch (m.type) {
    case 'PrePrepare':
      if (m.req !== null && altRecipient(to, m.seq)) out = { ...m, req: null, digest: NULL_DIGEST }
      break
    case 'Prepare':
    case 'Commit':
      if (altRecipient(to, m.seq)) out = { ...m, digest: NULL_DIGEST }
      break
    case 'Checkpoint':
      if (altRecipient(to, m.seq)) out = { ...m, digest: bytesToHex(sha256(utf8ToBytes(`alt:${m.digest}`))) }
      break
    default:
      break
  }
  if (out === m) return m
  out.mac = computeMac(own, out)
  return out
}
