// The quorum store's wire messages, durable records, versions and test-only mutations.
import type { NodeId } from '../types'

/** Vector clock: node id -> counter (absent = 0). */
export type VClock = Record<NodeId, number>

/**
 * One stored version of a key. `id` is the client request id of the write that made it.
 * `vc` orders versions causally (siblings mode); `(ts, node)` orders them totally (lww mode).
 * Both come from the coordinator: vc = join of every version it saw + 1 on its own entry,
 * ts = highest ts it saw + 1, node = the coordinator; so a causally newer version always has
 * a higher ts and last-writer-wins never contradicts causality.
 */
export interface Version {
  id: string
  value: string
  vc: VClock
  ts: number
  node: NodeId
}

/**
 * Messages. The sender is the `from` of `step(from, msg)`. `rid` names a coordinator's request
 * phase (`<client request id>:<phase>`) so that replies find their request.
 */
export type QuorumMsg =
  /** Coordinator -> replica: send me your versions of `key` (read, or a write's context query). */
  | { type: 'Get'; rid: string; key: string }
  | { type: 'GetReply'; rid: string; key: string; versions: Version[] }
  /** Coordinator -> preferred replica: store this version. */
  | { type: 'Put'; rid: string; key: string; version: Version }
  | { type: 'PutAck'; rid: string; key: string; id: string }
  /** Coordinator -> replica that answered a read with stale versions: store these. */
  | { type: 'ReadRepair'; rid: string; key: string; versions: Version[] }
  | { type: 'RepairAck'; rid: string; key: string }
  /** Coordinator -> stand-in (sloppy quorum): keep this version for `owner` until it is back. */
  | { type: 'Hint'; rid: string; owner: NodeId; key: string; version: Version }
  | { type: 'HintAck'; rid: string; owner: NodeId; key: string; id: string }
  /** Stand-in -> owner: the version you missed while unreachable. */
  | { type: 'Handoff'; key: string; version: Version }
  | { type: 'HandoffAck'; key: string; id: string }
  /** Anti-entropy: the root hash of the Merkle tree of the keys both nodes replicate. */
  | { type: 'MerkleRoot'; round: number; root: string }
  /** Anti-entropy: roots differ, here are my leaf (key range) hashes. */
  | { type: 'MerkleDiff'; round: number; leaves: string[] }
  /** Anti-entropy: my versions in the ranges that differ (`reply`: send me yours back). */
  | { type: 'SyncKeys'; round: number; buckets: number[]; entries: KeyVersions[]; reply: boolean }

export interface KeyVersions {
  key: string
  versions: Version[]
}

export type QuorumMsgType = QuorumMsg['type']

/** The quorum store's message types in wire-code order (QUORUM_MSG_TYPES is this list). */
export const QUORUM_WIRE_TYPES = [
  'Get',
  'GetReply',
  'Put',
  'PutAck',
  'ReadRepair',
  'RepairAck',
  'Hint',
  'HintAck',
  'Handoff',
  'HandoffAck',
  'MerkleRoot',
  'MerkleDiff',
  'SyncKeys',
] as const

/** Every message type, in a fixed order: the wire codes' order (the one list, above). */
export const QUORUM_MSG_TYPES: readonly QuorumMsgType[] = QUORUM_WIRE_TYPES

// Compile-time: the wire list names every message type (the annotation above: nothing else).
type MissingFromWire = Exclude<QuorumMsgType, (typeof QUORUM_WIRE_TYPES)[number]>
const _everyTypeOnTheWire: [MissingFromWire] extends [never] ? true : MissingFromWire = true

/** Durable records, written before anything they cause is sent; replayed in order on restart. */
export type QuorumRecord =
  /** A version stored as a preferred replica of `key`. */
  | { t: 'store'; key: string; version: Version }
  /** A version kept as a stand-in for `owner` (hinted handoff). */
  | { t: 'hint'; owner: NodeId; key: string; version: Version }
  /** A hint handed over (the owner acknowledged it). */
  | { t: 'unhint'; owner: NodeId; key: string; id: string }
  /** The clock of the last write this node coordinated for `key` (its next write dominates it). */
  | { t: 'coord'; key: string; vc: VClock; ts: number }

/** Deliberate bugs, each breaking one rule, for the checkers / fuzzer to catch. Not in the spec. */
export interface QuorumMutations {
  /** The coordinator acknowledges a put as soon as it sent it, before W replicas stored it. */
  ackBeforeQuorum?: boolean
  /** lww: a replica keeps whichever version arrived last instead of the newest timestamp. */
  lwwArrivalOrder?: boolean
  /** Anti-entropy ignores the first key range whose Merkle hashes differ. */
  antiEntropySkipsRange?: boolean
  /** A stand-in acknowledges a hint without keeping it. */
  dropHints?: boolean
}

export const QUORUM_MUTANTS: ReadonlyArray<keyof QuorumMutations> = [
  'ackBeforeQuorum',
  'lwwArrivalOrder',
  'antiEntropySkipsRange',
  'dropHints',
]
