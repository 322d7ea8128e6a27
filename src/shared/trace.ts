// Trace events: what every run (simulated or real processes) produces, event for event.
// Every event carries run-relative time in microseconds (`t`), the node it happened on
// (or null for lab-level events) and that node's Lamport clock (`lc`, 0 for lab events).
import type { FaultKind } from './spec'
import type { Role } from './role'

export type { Role } from './role'

export type NodeId = string

interface Base {
  t: number
  node: NodeId | null
  lc: number
}

/** A protocol message left `from`; `vc` is the sender's vector clock (index i = node n(i+1)). */
export interface SendEvent extends Base {
  kind: 'send'
  msgId: number
  from: NodeId
  to: NodeId
  type: string
  vc: number[]
  /** One-line readable summary of the message content (for hover in diagrams). */
  summary: string
}
export interface DeliverEvent extends Base {
  kind: 'deliver'
  msgId: number
  from: NodeId
  to: NodeId
  type: string
  vc: number[]
}
export type DropReason = 'partition' | 'loss' | 'down' | 'paused' | 'byzantine'
export interface DropEvent extends Base {
  kind: 'drop'
  msgId: number
  from: NodeId
  to: NodeId
  type: string
  reason: DropReason
}
export interface DuplicateEvent extends Base {
  kind: 'duplicate'
  msgId: number
  from: NodeId
  to: NodeId
  type: string
}
/** A node's externally visible state changed (role, term/view, leader, commit index). */
export interface StateEvent extends Base {
  kind: 'state'
  role: Role
  term: number
  leader: NodeId | null
  commitIndex: number
  lastIndex: number
}
/** Log-based protocols: entries appended at `index..` or the log truncated from `index`. */
export interface LogEvent extends Base {
  kind: 'log'
  action: 'append' | 'truncate'
  index: number
  entries: Array<{ term: number; id: string }>
}
/** A committed entry applied to the node's state machine. */
export interface ApplyEvent extends Base {
  kind: 'apply'
  index: number
  term: number
  id: string
  /** Leaderless stores (no single log): the key this write was stored under on this node ... */
  key?: string
  /** ... and its version (e.g. a vector clock as text), for convergence checks. */
  version?: string
}
/**
 * The cluster configuration a node now works with (algorithms with membership changes): set by
 * the log entry at `index` (0: the initial configuration), in effect from when it is appended.
 * `oldVoters` during joint consensus (C_old,new): a decision then needs a majority of both.
 */
export interface ConfigEvent extends Base {
  kind: 'config'
  index: number
  voters: NodeId[]
  learners: NodeId[]
  oldVoters?: NodeId[]
}
/**
 * Log compaction: the node's state up to log index (or slot) `index`, whose entry has `term`, is
 * now a snapshot. take: it snapshotted its own applied state; install: it replaced its state
 * with a snapshot received from another node; restore: it restarted from its snapshot.
 */
export interface SnapshotEvent extends Base {
  kind: 'snapshot'
  action: 'take' | 'install' | 'restore'
  index: number
  term: number
}
/** KV ops; `call`: a Maelstrom request that is not a KV op (echo, generate, add, broadcast...). */
export type OpFn = 'get' | 'put' | 'cas' | 'call'
export type OpPhase = 'invoke' | 'ok' | 'fail' | 'info'
/** A client operation event: invoke, then exactly one of ok / fail / info (unknown outcome). */
export interface OpEvent extends Base {
  kind: 'op'
  client: number
  opId: string
  phase: OpPhase
  f: OpFn
  /** call: the request's Maelstrom type (echo, generate, ...). */
  key: string
  /**
   * put: value written; cas: new value; get (ok): value read (null = absent); call: the
   * request body (invoke) or the reply body (completion), as JSON.
   */
  value: string | null
  /** cas only: the expected value. */
  expected?: string | null
  /** cas ok only: whether the compare matched and the write happened. */
  result?: boolean
  /** fail / info: why. */
  error?: string
}
export interface FaultEvent extends Base {
  kind: 'fault'
  phase: 'start' | 'end'
  faultId: number
  fault: FaultKind
  targets: NodeId[]
  detail: string
}
/** Process-level life events of a node. */
export interface NodeEvent extends Base {
  kind: 'node'
  action: 'crash' | 'restart' | 'pause' | 'resume'
}

export type TraceEvent =
  | SendEvent
  | DeliverEvent
  | DropEvent
  | DuplicateEvent
  | StateEvent
  | LogEvent
  | ApplyEvent
  | ConfigEvent
  | SnapshotEvent
  | OpEvent
  | FaultEvent
  | NodeEvent

export type TraceKind = TraceEvent['kind']

export function nodeIds(n: number): NodeId[] {
  return Array.from({ length: n }, (_, i) => `n${i + 1}`)
}
