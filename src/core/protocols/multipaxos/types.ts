// Multi-Paxos wire messages, durable records, ballots and test-only mutations.
import type { KvCommand } from '../types'

/**
 * A ballot is one number: `round * BALLOT_NODES + node index` (index in the cluster's node
 * list, 0-based). Ballots are totally ordered and unique per node; the round is what the
 * trace calls the term.
 */
export const BALLOT_NODES = 16

/** Largest piece of a checkpoint one Checkpoint message carries (characters). */
export const CHECKPOINT_CHUNK = 64 * 1024

export function makeBallot(round: number, nodeIndex: number): number {
  return round * BALLOT_NODES + nodeIndex
}

export function ballotRound(b: number): number {
  return Math.floor(b / BALLOT_NODES)
}

/** Readable ballot, e.g. `3.n2` (round 3 of node n2); `0` for "none yet". */
export function fmtBallot(b: number): string {
  return b === 0 ? '0' : `${ballotRound(b)}.n${(b % BALLOT_NODES) + 1}`
}

/**
 * The value of one slot. `term` is the round of the ballot that first proposed it for this
 * slot; a leader that re-proposes it after phase 1 keeps `term`, so the whole entry is the
 * Paxos value and a decided slot has one (term, id) on every node. `id` is the client
 * request id, or 'noop' for a gap filled by a new leader.
 */
export interface MpEntry {
  term: number
  id: string
  /** null for a no-op. */
  cmd: KvCommand | null
}

/** What an acceptor reports about one slot in a Promise. */
export interface PromiseSlot {
  slot: number
  /** Ballot the value was accepted in. */
  ballot: number
  entry: MpEntry
  /** The acceptor knows this value is decided (chosen): the new leader must keep it. */
  decided: boolean
}

/** Messages. The sender is the `from` of `step(from, msg)`. */
export type MpMsg =
  /** Phase 1a: "promise me `ballot` and tell me what you accepted after slot `from`". */
  | { type: 'Prepare'; ballot: number; from: number }
  /** Phase 1b: promised `ballot`; everything accepted at slots > `from`. */
  | { type: 'Promise'; ballot: number; from: number; slots: PromiseSlot[] }
  /** Phase 2a: accept `entries` at slots `slot`, `slot`+1, ...; `commit` = leader's decided prefix. */
  | { type: 'Accept'; ballot: number; slot: number; entries: MpEntry[]; commit: number }
  /** Phase 2b: accepted slots `slot` .. `slot` + `count` - 1 in `ballot`. */
  | { type: 'Accepted'; ballot: number; slot: number; count: number }
  /** Refused `ballot` (a Prepare or Accept) because the acceptor promised the higher `promised`. */
  | { type: 'Nack'; ballot: number; promised: number }
  /** Leader alive; slots <= `commit` are decided. */
  | { type: 'Heartbeat'; ballot: number; commit: number }
  /**
   * Answer to a Heartbeat: the follower's own decided prefix `commit` after hearing the
   * leader's `leaderCommit`; the leader sends CatchUp when the follower could not follow.
   */
  | { type: 'HeartbeatAck'; ballot: number; commit: number; leaderCommit: number }
  /** Decided values for slots `slot`, `slot`+1, ... for a follower that missed them. */
  | { type: 'CatchUp'; ballot: number; slot: number; entries: MpEntry[] }
  /**
   * A piece of the sender's checkpoint, for a node whose next slot the sender trimmed (a
   * follower behind, or a candidate whose Prepare starts before the trim point): the state
   * machine after slot `slot` (whose value has term `term`) serialized as text, characters
   * `offset`.. of it in `data`; `done` on the last piece. `ballot`: the sender's ballot.
   */
  | {
      type: 'Checkpoint'
      ballot: number
      slot: number
      term: number
      offset: number
      data: string
      done: boolean
    }
  /** Answer to a piece: `next` = characters received so far; `done` once it is installed (or not needed). */
  | { type: 'CheckpointAck'; ballot: number; slot: number; next: number; done: boolean }

export type MpMsgType = MpMsg['type']

/** Durable records (written by the host before sending messages), replayed in order on restart. */
export type MpRecord =
  /** The acceptor promised `ballot` (never accept anything lower). */
  | { t: 'promise'; ballot: number }
  /** Highest ballot this node ran phase 1 with (a restarted node never reuses one). */
  | { t: 'ballot'; ballot: number }
  /** Accepted `entries` at slot, slot+1, ... in `ballot`. */
  | { t: 'accept'; ballot: number; slot: number; entries: MpEntry[] }
  /** Learned decided values at slot, slot+1, ... (catch-up or phase 1). */
  | { t: 'learn'; slot: number; entries: MpEntry[] }
  /** Every slot <= index is decided (with the value this node holds). */
  | { t: 'commit'; index: number }
  /**
   * Checkpoint and trim (Ready.base): the node's whole durable state in one record, replacing
   * every earlier one: promise and own ballot, the checkpoint (the serialized KV state after
   * slot `slot`, whose value has `term`), what it holds after it, and its commit point.
   */
  | {
      t: 'checkpoint'
      promised: number
      ownBallot: number
      slot: number
      term: number
      data: string
      accepted: PromiseSlot[]
      commit: number
    }

/** Deliberate bugs, each breaking one rule, for the checkers/fuzzer to catch. Not in the spec. */
export interface MultiPaxosMutations {
  /** A new leader ignores the values reported in phase 1 and fills every open slot with a no-op. */
  skipReproposal?: boolean
  /**
   * The promised ballot never reaches durable storage (neither the promise nor the ballot of
   * what was accepted): after a restart the acceptor accepts any lower ballot again.
   */
  forgetPromise?: boolean
  /** The leader decides a slot on one Accepted fewer than a majority. */
  decideOnMinority?: boolean
  /**
   * A follower takes every value it holds at a slot <= the leader's commit point as decided,
   * even one accepted in an older ballot (which the new leader may have replaced).
   */
  learnAnyBallot?: boolean
}

/**
 * The mutants the 5-node fuzz budget (multipaxosFuzz, seeds 1..20) catches; see
 * test/multipaxos.fuzz.test.ts. forgetPromise is left out: with 5 nodes the leader lease makes
 * its window rare (it survived seeds 1..1000); 3-node fuzzing catches it (seed 91) and a
 * constructed history shows it (test/multipaxos.protocol.test.ts).
 */
export const MULTIPAXOS_MUTANTS: ReadonlyArray<keyof MultiPaxosMutations> = [
  'skipReproposal',
  'decideOnMinority',
  'learnAnyBallot',
]
