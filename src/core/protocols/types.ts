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

export interface Outgoing<Msg> {
  to: NodeId
  msg: Msg
}

export interface Ready<Msg, Rec> {
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
  /**
   * Counters only this algorithm has (e.g. the quorum store's read repairs), cumulative over
   * this incarnation of the node; named and labelled by its vocabulary (src/shared/params).
   */
  stats?: Record<string, number>
}

export interface Protocol<Msg, Rec> {
  readonly id: NodeId
  tick(): void
  step(from: NodeId, msg: Msg): void
  propose(req: ClientRequest): void
  /** Drain everything produced since the last call. */
  ready(): Ready<Msg, Rec>
  status(): NodeStatus
}

export interface CreateOptions<Params, Rec> {
  id: NodeId
  /** All node ids in the cluster, including `id`. */
  nodes: NodeId[]
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
  /**
   * Check a message decoded from a socket (processes mode): null when it is a well-formed
   * `Msg`, else a reason naming the offending field (e.g. `message.ballot: must be ...`).
   */
  validate?(msg: unknown): string | null
}
