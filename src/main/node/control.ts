// The control channel between the lab and a node process (the fork IPC channel, 'advanced'
// serialization). Lab -> node messages are validated with these schemas in the node; node ->
// lab messages are checked by the lab (src/main/lab/cluster) before use.
import { z } from 'zod'
import { MAX_JUMP_TICKS } from '../../core/engine/fault-plan'
import type { NodeStatus } from '../../core/protocols/types'
import type { TraceBatch } from './trace-batch'
import { MAX_VC } from '../../shared/wire'
import { NodeIdSchema } from '../../shared/spec'
import type { MaelstromMessage } from '../../core/maelstrom/types'
import { messageProblem } from '../../core/maelstrom/validate'

const nat = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
/** A process.hrtime.bigint() value as a decimal string (bigint does not survive every channel). */
const hrtime = z.string().regex(/^[0-9]{1,30}$/, { error: 'must be a decimal hrtime in ns' })

export const InitMsgSchema = z.strictObject({
  type: z.literal('init'),
  /** This node's index (0 = n1). */
  idx: z.number().int().min(0).max(254),
  n: z.number().int().min(1).max(MAX_VC),
  /** The initial voters are n1..n(voters) (cluster.nodes < cluster.maxNodes); absent: all n. */
  voters: z.number().int().min(1).max(MAX_VC).optional(),
  kind: z.string().min(1).max(64),
  /** Deliberate bugs switched on (the spec's algorithm.mutants). */
  mutants: z.array(z.string().min(1).max(64)).max(16).default([]),
  params: z.unknown(),
  tickMs: z.number().min(1).max(1000),
  fsync: z.boolean(),
  /** fsync off: sync the WAL this often (the kernel's writeback), ms. */
  writebackMs: z.number().min(10).max(600_000).optional(),
  secret: z.string().min(16).max(128),
  proxyPort: z.number().int().min(1).max(65535),
  walPath: z.string().min(1).max(4096),
  /** Run start (shared monotonic clock); null: wait for a 'start' message. */
  t0: hrtime.nullable(),
  /** Which start of any node in this run this is (message ids are startNo * 2^32 + seq). */
  startNo: z
    .number()
    .int()
    .min(0)
    .max(2 ** 21 - 1),
  /** Seed of this incarnation's protocol randomness. */
  seed: nat,
  /** The run's seed (spec.seed): the same for every node (shared secrets, e.g. PBFT's HMAC keys). */
  runSeed: nat,
  /** Clocks to continue from (the lab's last view of this node). */
  lc: nat,
  vc: z.array(nat).max(MAX_VC),
  /** Report send / deliver events (someone is watching the trace). */
  msgEvents: z.boolean(),
  /** A new run: start from an empty log. */
  fresh: z.boolean(),
  /** Restarting after a crash (with fsync off, unsynced WAL writes are discarded). */
  afterCrash: z.boolean(),
  labPid: z.number().int().min(1),
  /** Telemetry batching interval, ms. */
  telemetryMs: z.number().min(1).max(1000).default(20),
})
export type InitMsg = z.infer<typeof InitMsgSchema>

export const LabToNodeSchema = z.discriminatedUnion('type', [
  InitMsgSchema,
  z.strictObject({ type: z.literal('start'), t0: hrtime }),
  /** Tick rate multiplier (1 = normal) and a one-off forward jump of this many ticks. */
  z.strictObject({
    type: z.literal('clock'),
    rate: z.number().gt(0).max(100),
    jumpTicks: z.number().int().min(0).max(MAX_JUMP_TICKS),
  }),
  z.strictObject({ type: z.literal('byz'), behavior: z.enum(['forge', 'equivocate']).nullable() }),
  /** A cluster operation for the protocol (AdminCommand): a membership change or a leadership transfer. */
  z.strictObject({
    type: z.literal('admin'),
    cmd: z.discriminatedUnion('type', [
      z.strictObject({
        type: z.literal('membership'),
        action: z.enum(['add', 'remove', 'promote']),
        node: NodeIdSchema,
      }),
      z.strictObject({ type: z.literal('transfer-leadership'), target: NodeIdSchema }),
    ]),
  }),
  /** Send all buffered telemetry now, then answer 'flushed' with the same seq. */
  z.strictObject({ type: z.literal('flush'), seq: nat }),
  z.strictObject({ type: z.literal('exit') }),
  /** A service's answer to this node's program. */
  z.strictObject({
    type: z.literal('svc'),
    msg: z.custom<MaelstromMessage>((m) => messageProblem(m) === null, {
      error: 'must be a Maelstrom message',
    }),
  }),
])
export type LabToNode = z.infer<typeof LabToNodeSchema>

export interface RecoveryInfo {
  records: number
  bytes: number
  lostUnsyncedBytes: number
  lostUnsyncedRecords: number
  tornReason: string | null
  /** Last log index after recovery (log-based protocols; 0 otherwise). */
  lastIndex: number
}

export type NodeToLab =
  | {
      type: 'ready'
      pid: number
      clientPort: number
      peerPort: number
      recovery: RecoveryInfo
      /** A program's node: the program's own pid (crash and pause signal it too). */
      programPid?: number
    }
  | {
      type: 'tel'
      /** The node's trace events since the previous report (trace-batch.ts). */
      batch: TraceBatch
      /** Messages sent / delivered since the previous report. */
      sent: number
      delivered: number
      /** Connections refused at the hello (no proof of the run's secret) since the previous report. */
      rejected: number
      status: NodeStatus | null
      lc: number
      vc: number[]
      /** Problems since the previous report (bad frames, closed connections), in words. */
      errors: string[]
      /** A program's stderr since the previous report. */
      stderr?: string
    }
  /** A program's message to a service (lin-kv, seq-kv, lww-kv, lin-tso): the lab hosts them. */
  | { type: 'svc'; msg: MaelstromMessage }
  | { type: 'flushed'; seq: number }
  | { type: 'fatal'; error: string }
