// Maelstrom's node protocol (https://github.com/jepsen-io/maelstrom, doc/protocol.md), as the
// lab speaks it to programs it did not write (issue 14): messages, error codes, and the
// contracts between the pure parts (workloads, their checkers, the services lin-kv / seq-kv /
// lww-kv, all in src/core/maelstrom) and the host that runs the programs (src/main).
import type { CheckResult } from '../../shared/api'
import type { Rng } from '../rng'
import { PROGRAM_WORKLOADS } from '../../shared/spec'

/** A message body: `type`, optional `msg_id`, `in_reply_to` on replies, anything else. */
export interface MaelstromBody {
  type: string
  msg_id?: number
  in_reply_to?: number
  [field: string]: unknown
}

/** One line on a node's stdin or stdout. */
export interface MaelstromMessage {
  src: string
  dest: string
  body: MaelstromBody
}

/** Maelstrom's error codes (doc/protocol.md#errors). */
export const ERROR_CODES = {
  timeout: 0,
  'node-not-found': 1,
  'not-supported': 10,
  'temporarily-unavailable': 11,
  'malformed-request': 12,
  crash: 13,
  abort: 14,
  'key-does-not-exist': 20,
  'key-already-exists': 21,
  'precondition-failed': 22,
  'txn-conflict': 30,
} as const

/** Definite errors: the operation certainly did not happen (a failed op, not an in-doubt one). */
const DEFINITE = new Set<number>([1, 10, 11, 12, 14, 20, 21, 22, 30])

/** True when an error reply with this code means the op did not happen; 0, 13 and >= 1000 are indefinite. */
export function isDefiniteError(code: number): boolean {
  return DEFINITE.has(code)
}

/** The workloads a program can be tested with (spec `workload.kind`: the spec's list). */
export const MAELSTROM_WORKLOADS = PROGRAM_WORKLOADS
export type MaelstromWorkloadKind = (typeof MAELSTROM_WORKLOADS)[number]

/** The services the lab hosts for programs to call by name, as Maelstrom does. */
export const MAELSTROM_SERVICES = ['lin-kv', 'seq-kv', 'lww-kv', 'lin-tso'] as const
export type MaelstromServiceName = (typeof MAELSTROM_SERVICES)[number]

/** A request the lab's client sends to one node (msg_id is added by the host). */
export interface ClientRequest {
  node: string
  body: MaelstromBody
}

/**
 * A set read's elements, compact: those with ids [0, n) except `missing` (ascending), ids
 * given by the run's SetIds in workloads/set-full.ts.
 */
export interface CompactSet {
  n: number
  missing: Int32Array
}

/**
 * One client operation as recorded: the request, and how it ended. `ok` = a reply of the
 * expected type; `fail` = a definite error; `info` = an indefinite error, a timeout or the run
 * ending first (the op may or may not have happened).
 */
export interface MaelstromOp {
  /** Stable id (the trace's opId). */
  id: string
  client: number
  node: string
  request: MaelstromBody
  invokeUs: number
  /** null while in flight / never answered. */
  completeUs: number | null
  outcome: 'ok' | 'fail' | 'info'
  reply?: MaelstromBody
  /** The error code of an error reply. */
  errorCode?: number
  /** True for the requests sent in the final phase (after every fault healed). */
  final?: boolean
  /**
   * A set read, kept compact by its workload's retain hook (workloads/set-full.ts): its
   * reply's set is then dropped.
   */
  set?: CompactSet
}

export interface WorkloadContext {
  nodeIds: readonly string[]
  /** The workload's options from the spec (already validated by its schema). */
  options: Readonly<Record<string, unknown>>
  /**
   * Node-to-node messages sent during the run (every message between two program nodes, not
   * counting client requests, replies or service calls), as the host counted them; absent when
   * the host did not count. Broadcast's messages per op is this over the client operations.
   */
  nodeMessages?: number
}

/** A figure a workload reports about a run (e.g. broadcast's stable latency); null = not measurable. */
export interface WorkloadFigure {
  name: string
  value: number | null
  unit: string
  /** Why the value is null, or how it was computed. */
  note?: string
}

/** What the host needs of a workload: requests to send, a final phase, and the check. */
export interface MaelstromWorkload {
  kind: MaelstromWorkloadKind
  /** Messages to every node after all answered init_ok, before any client request (broadcast: topology). */
  setup(ctx: WorkloadContext): ClientRequest[]
  /** The next request of client `client` (its `opIndex`-th), drawn from `rng`. */
  request(rng: Rng, ctx: WorkloadContext & { client: number; opIndex: number }): ClientRequest
  /** Requests sent once faults healed and the workload stopped (e.g. a read on every node); may be empty. */
  finalRequests(ctx: WorkloadContext): ClientRequest[]
  /** Judge the recorded operations (every checker names what it judged in its details). */
  check(ops: readonly MaelstromOp[], ctx: WorkloadContext): CheckResult[]
  /** Figures about the run beyond pass/fail (broadcast: stable latency, messages per op). */
  figures?(ops: readonly MaelstromOp[], ctx: WorkloadContext): WorkloadFigure[]
  /**
   * Called with each op as it completes (after its event was recorded): a workload may keep
   * less of it from then on (the set workloads keep a read's set compact).
   */
  retain?(op: MaelstromOp): void
}

/**
 * A service node the lab hosts (`lin-kv`, `seq-kv`, `lww-kv`: Maelstrom's KV bodies, read /
 * write / cas with `key`, `value`, `from`, `to`, `create_if_not_exists`; `lin-tso`: `ts`). Returns the reply
 * body (without msg_id; in_reply_to set), or an error body with Maelstrom's codes.
 */
export interface MaelstromService {
  name: MaelstromServiceName
  handle(src: string, body: MaelstromBody, rng: Rng): MaelstromBody
}
