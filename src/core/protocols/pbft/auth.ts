// Authentication and digests for PBFT, pure (no node:crypto): per-link HMAC-SHA256 keys
// derived from the run's seed, message MACs and request / state digests (SHA-256).
import { hmac, type HMAC } from '@noble/hashes/hmac'
import { sha256 } from '@noble/hashes/sha256'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils'
import type { ClientRequest, NodeId } from '../types'
import { NULL_DIGEST, type PbftMsg, type PbftSnapshot } from './types'

/** MAC length in bytes (truncated HMAC-SHA256, as PBFT truncates its MACs). */
const MAC_BYTES = 16

/**
 * The secret key of the directed link from -> to: SHA-256 of the run seed and the pair.
 * Every honest replica derives only the keys of its own links; a Byzantine node likewise
 * knows only the keys of links it is an end of, so it cannot produce a valid MAC on a
 * message claiming another sender.
 */
export function linkKey(runSeed: number, from: NodeId, to: NodeId): Uint8Array {
  return sha256(utf8ToBytes(`quorum-lab/pbft/link/${runSeed}/${from}->${to}`))
}

/** The bytes a MAC covers: the message with an empty mac field. */
export function macInput(msg: PbftMsg): Uint8Array {
  return utf8ToBytes(JSON.stringify({ ...msg, mac: '' }))
}

/** A keyed HMAC-SHA256 state, cloned per message (saves re-hashing the key each time). */
export type MacKey = HMAC<ReturnType<typeof sha256.create>>

export function macKey(key: Uint8Array): MacKey {
  return hmac.create(sha256, key)
}

export function macOf(key: MacKey, input: Uint8Array): string {
  return bytesToHex(key.clone().update(input).digest().subarray(0, MAC_BYTES))
}

export function computeMac(key: Uint8Array, msg: PbftMsg): string {
  return bytesToHex(hmac(sha256, key, macInput(msg)).subarray(0, MAC_BYTES))
}

/** Constant-time comparison of two hex strings. */
export function macEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let d = 0
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return d === 0
}

/** A client request's digest (hex SHA-256 of its id and command); the null request has NULL_DIGEST. */
export function requestDigest(req: ClientRequest | null): string {
  if (req === null) return NULL_DIGEST
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify([req.id, req.cmd]))))
}

/** The state digest agreed on at a checkpoint. */
export function snapshotDigest(seq: number, snap: PbftSnapshot): string {
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify([seq, snap.data, snap.done]))))
}

/** A short form of a digest for the trace. */
export function shortDigest(d: string): string {
  return d === NULL_DIGEST ? 'null' : d.slice(0, 8)
}
