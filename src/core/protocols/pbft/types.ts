// PBFT wire messages, durable records and test-only mutations (Castro & Liskov, OSDI 1999;
// section numbers below refer to that paper).
import type { ClientRequest, NodeId } from '../types'

/** Digest of the null request a new primary uses to fill gaps (§4.4). */
export const NULL_DIGEST = 'null'

/** A prepared certificate as carried in a ViewChange (the paper's P set, §4.4). */
export interface PreparedCert {
  seq: number
  /** View in which the request prepared. */
  view: number
  digest: string
  /** null = the null request. */
  req: ClientRequest | null
}

/** The content of a ViewChange, also carried inside a NewView as its proof. */
export interface ViewChangeBody {
  from: NodeId
  /** The view being moved to. */
  view: number
  /** Sequence number and state digest of the sender's last stable checkpoint (0 / '' = none). */
  stable: number
  stableDigest: string
  prepared: PreparedCert[]
}

/** Serialized replicated state at a checkpoint (state transfer and restart). */
export interface PbftSnapshot {
  /** Key-value pairs, sorted by key. */
  data: Array<[string, string]>
  /** Recently executed request ids with their results, oldest first (deduplication). */
  done: Array<[string, PbftResult]>
}

export interface PbftResult {
  f: 'get' | 'put' | 'cas'
  value: string | null
  result?: boolean
}

/**
 * Messages. Each names its sender in `from` and carries `mac`: HMAC-SHA256 (hex, 16 bytes)
 * of the message with mac = '' under the key of the link from -> to. The receiver checks it
 * with its own key for that link, so a message altered in flight, or claiming another
 * sender, is detected and dropped.
 */
export type PbftMsg =
  /**
   * A backup relays a client request to the other replicas (§4.1); `executed` is the sender's
   * last executed seq, so replicas that already executed the request can resend their votes.
   */
  | { type: 'Request'; from: NodeId; req: ClientRequest; executed: number; mac: string }
  | {
      type: 'PrePrepare'
      from: NodeId
      view: number
      seq: number
      digest: string
      req: ClientRequest | null
      mac: string
    }
  | { type: 'Prepare'; from: NodeId; view: number; seq: number; digest: string; mac: string }
  | { type: 'Commit'; from: NodeId; view: number; seq: number; digest: string; mac: string }
  | { type: 'Checkpoint'; from: NodeId; seq: number; digest: string; mac: string }
  | ({ type: 'ViewChange'; mac: string } & ViewChangeBody)
  /** The new primary's proof: 2f + 1 ViewChanges; every replica derives the same PrePrepares from them. */
  | { type: 'NewView'; from: NodeId; view: number; vcs: ViewChangeBody[]; mac: string }
  /** Ask for the state at a stable checkpoint this replica has not reached (state transfer). */
  | { type: 'FetchState'; from: NodeId; seq: number; mac: string }
  | { type: 'State'; from: NodeId; seq: number; digest: string; snap: PbftSnapshot; mac: string }

export type PbftMsgType = PbftMsg['type']

/** Durable records (written before the messages that depend on them are sent), replayed on restart. */
export type PbftRecord =
  /** The replica moved to view (changing: a view change started; false: the NewView was accepted). */
  | { t: 'view'; view: number; changing: boolean }
  /** This replica accepted (or, as primary, issued) a PrePrepare: seq is bound to digest in view. */
  | { t: 'pp'; view: number; seq: number; digest: string; req: ClientRequest | null }
  /** The request prepared here (sent before this replica's Commit). */
  | { t: 'prepared'; view: number; seq: number; digest: string; req: ClientRequest | null }
  /** Committed-local: safe to execute once every lower seq is executed. */
  | { t: 'commit'; view: number; seq: number; digest: string; req: ClientRequest | null }
  /** The NewView this replica issued as primary (repeated to replicas that missed it, even after a restart). */
  | { t: 'newview'; view: number; vcs: ViewChangeBody[] }
  /** A stable checkpoint with the state at it: everything at or below seq can be forgotten. */
  | { t: 'stable'; seq: number; digest: string; snap: PbftSnapshot }

/** Deliberate bugs, each breaking one rule, for the checkers and fuzzer to catch. */
export interface PbftMutations {
  /** A request counts as prepared with 2f - 1 matching Prepares instead of 2f (§4.2). */
  weakPrepare?: boolean
  /** Execute a committed request at once, without waiting for lower sequence numbers (§4.2). */
  executeOutOfOrder?: boolean
  /** ViewChange messages carry no prepared certificates (the P set of §4.4 is left empty). */
  forgetPrepared?: boolean
}

export interface Outbox {
  to: NodeId
  msg: PbftMsg
}

/** PBFT's message types in wire-code order (validate.ts accepts exactly these). */
export const PBFT_WIRE_TYPES = [
  'Request',
  'PrePrepare',
  'Prepare',
  'Commit',
  'Checkpoint',
  'ViewChange',
  'NewView',
  'FetchState',
  'State',
] as const
