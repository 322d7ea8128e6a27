// The protocol contract (modelled on etcd's raft library): a synchronous state machine that
// never does I/O and never reads a clock. The host (the simulator, or a real node process)
// feeds it ticks, messages and client requests, then drains `ready()` and MUST persist
// `persist` durably BEFORE sending `messages` (write-ahead), then deliver `replies`, then
// record `events`.
import type { Rng } from '../rng'
import type { NodeId, OpFn, Role } from '../../shared/trace'

export type { NodeId }

export type KvCommand =
  | { f: 'get'; key: string }
  | { f: 'put'; key: string; value: string }
  | { f: 'cas'; key: string; expected: string | null; value: string }

/** A client request; `id` is unique per run (e.g. `c3.17`) and idempotent across retries. */
export interface ClientRequest {
  id: string
  cmd: KvCommand
}

export type ClientReply =
  | { id: string; ok: true; f: OpFn; value: string | null; result?: boolean }
  /** Definitely not applied: this node is not the leader (try `leaderHint`), or it gave up. */
  | { id: string; ok: false; error: 'not_leader' | 'rejected'; leaderHint: NodeId | null }

/** What the trace needs to know, emitted by the protocol as it happens. */
export type ProtocolEvent =
  | { type: 'state'; role: Role; term: number; leader: NodeId | null; commitIndex: number; lastIndex: number }
  | {
      type: 'log'
      action: 'append' | 'truncate'
      index: number
      entries: Array<{ term: number; id: string }>
    }
  /**
   * A command applied (log-based: at `index`, in order). Leaderless stores, which have no
   * single log, number their stored writes per node in `index` and name `key` and `version`.
   */
  | { type: 'apply'; index: number; term: number; id: string; key?: string; version?: string }
  /** The configuration this node now works with, set by the log entry at `index` (0: initial). */
  | { type: 'config'; index: number; voters: NodeId[]; learners: NodeId[]; oldVoters?: NodeId[] }
  /** Log compaction: the state up to `index` (whose entry has `term`) is a snapshot (see SnapshotEvent). */
  | { type: 'snapshot'; action: 'take' | 'install' | 'restore'; index: number; term: number }

export interface Outgoing<Msg> {
  to: NodeId
  msg: Msg
}

export interface Ready<Msg, Rec> {
  /**
   * Log compaction: when set, everything this node persisted before is replaced by this one
   * record (e.g. a snapshot with the state it covers), atomically and durably (a crash while
   * it is written loses nothing: the host keeps the old records until the new one is safe),
   * then `persist` is appended after it. A restarted node recovers from [base, ...later].
   */
  base?: Rec
  /** Records to append to durable storage before anything in `messages` is sent. */
  persist: Rec[]
  messages: Outgoing<Msg>[]
  replies: ClientReply[]
  events: ProtocolEvent[]
}

export interface NodeStatus {
  id: NodeId
  role: Role
  term: number
  leader: NodeId | null
  commitIndex: number
  lastIndex: number
  /** The configuration this node works with (algorithms with membership changes). */
  config?: ClusterConfig
  /**
   * Counters only this algorithm has (e.g. the quorum store's read repairs), cumulative over
   * this incarnation of the node; named and labelled by its vocabulary (its describe.ts).
   */
  stats?: Record<string, number>
}

export interface Protocol<Msg, Rec> {
  readonly id: NodeId
  tick(): void
  step(from: NodeId, msg: Msg): void
  propose(req: ClientRequest): void
  /** A cluster operation (membership, leadership transfer); only for factories with `admin`. */
  admin?(cmd: AdminCommand): void
  /** Drain everything produced since the last call. */
  ready(): Ready<Msg, Rec>
  status(): NodeStatus
}

/**
 * A cluster operation the lab asks of a node (membership changes and leadership transfer, for
 * algorithms that have them: a factory says which through `admin`). Only the node that can
 * act on it (e.g. the leader) does; the others ignore it. What happened shows in the node's
 * events and status.
 */
export type AdminCommand =
  /** Add `node` (as a learner when the algorithm has them), remove it, or promote a learner to voter. */
  | { type: 'membership'; action: 'add' | 'remove' | 'promote'; node: NodeId }
  /** Hand leadership to `target` (Raft thesis 3.10); aborted if it does not catch up in time. */
  | { type: 'transfer-leadership'; target: NodeId }

/** A node's view of the cluster configuration (algorithms with membership changes). */
export interface ClusterConfig {
  voters: NodeId[]
  learners: NodeId[]
  /** During a joint-consensus change (C_old,new): the old voters; `voters` are the new ones. */
  oldVoters?: NodeId[]
}

export interface CreateOptions<Params, Rec> {
  id: NodeId
  /** Every node that may ever be in the cluster (cluster.maxNodes of them), including `id`. */
  nodes: NodeId[]
  /**
   * The initial voters (the first cluster.nodes nodes); default: all of `nodes`. A node not
   * among them starts outside the configuration and waits to be added.
   */
  voters?: NodeId[]
  params: Params
  /** Seeded randomness (election timeouts). */
  rng: Rng
  /** Every record this node persisted before (in order): a restarted node recovers from these only. */
  recovered: Rec[]
  /**
   * The run's seed (spec.seed), the same on every node and every incarnation: for secrets all
   * nodes must share, e.g. PBFT's per-link HMAC keys. Per-node randomness comes from `rng`.
   */
  runSeed: number
}

/** How a host creates and introspects one algorithm. */
export interface ProtocolFactory<Msg, Rec, Params> {
  readonly kind: string
  create(opts: CreateOptions<Params, Rec>): Protocol<Msg, Rec>
  /** Readable message type name for the trace (e.g. `AppendEntries`). */
  messageType(msg: Msg): string
  /** One-line content summary for the trace. */
  describe(msg: Msg): string
  /** Byzantine behaviours (forge / equivocate): rewrite an outgoing message. Optional. */
  corrupt?(msg: Msg, behavior: 'forge' | 'equivocate', to: NodeId, rng: Rng): Msg
  /** The cluster operations this algorithm supports (AdminCommand types); absent: none. */
  admin?: ReadonlyArray<AdminCommand['type']>
  /**
   * Check a message decoded from a socket (processes mode): null when it is a well-formed
   * `Msg`, else a reason naming the offending field (e.g. `message.ballot: must be ...`).
   */
  validate?(msg: unknown): string | null
}
