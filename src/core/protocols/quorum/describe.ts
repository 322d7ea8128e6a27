// The Dynamo-style quorum store's parameters and their designer help (the CAP / PACELC
// explanation next to R, W and N lives here), and the cross-field rule that involves the
// cluster size (N <= nodes: specIssues below).
// The light part of the algorithm (../description.ts): no protocol code, read by the designer,
// the screens and shared/spec.ts; ../catalog.ts lists it.
import { z } from 'zod'
import { describeAlgorithm } from '../description'
import type { AlgorithmInfo } from '../../../shared/params/help'
import { intBetween, MAX_TICKS } from '../../../shared/bounds'

export const QuorumParamsSchema = z
  .strictObject({
    /** N: replicas per key (the first N distinct nodes clockwise on the ring). */
    replicas: intBetween(1, 15, 'nodes').default(3),
    /** R: replies a read waits for. */
    readQuorum: intBetween(1, 15, 'replies').default(2),
    /** W: acknowledgements a write waits for. */
    writeQuorum: intBetween(1, 15, 'acks').default(2),
    /** Virtual nodes per node on the consistent-hashing ring. */
    virtualNodes: intBetween(1, 256, 'per node').default(16),
    /** Concurrent versions: last-writer-wins, or return siblings to the client. */
    conflicts: z.enum(['lww', 'siblings']).default('lww'),
    /** A read that saw stale replicas writes the newest version back to them. */
    readRepair: z.boolean().default(true),
    /** When a replica is down, a stand-in node keeps its writes and hands them over later. */
    hintedHandoff: z.boolean().default(true),
    /** Replicas compare Merkle trees with a peer every this many ticks (0 = off). */
    antiEntropyTicks: intBetween(0, MAX_TICKS, 'ticks').default(50),
    /**
     * How long a coordinator works on a request, ticks (it retries unanswered replicas every
     * fifth of it); no quorum by then: no reply (the outcome is unknown, not 'rejected').
     */
    requestTimeoutTicks: intBetween(2, MAX_TICKS, 'ticks').default(50),
  })
  .refine((p) => p.readQuorum <= p.replicas, { error: 'R must be <= N (replicas)', path: ['readQuorum'] })
  .refine((p) => p.writeQuorum <= p.replicas, { error: 'W must be <= N (replicas)', path: ['writeQuorum'] })
export type QuorumParams = z.infer<typeof QuorumParamsSchema>

export const QUORUM_INFO: AlgorithmInfo = {
  label: 'Quorum store',
  summary:
    'Leaderless Dynamo-style store, any node coordinates. With R + W > N every read quorum overlaps every write quorum, so reads are linearizable but each op waits for more replicas (PACELC: consistency costs latency) and stalls when too few are reachable; with R + W <= N, or a sloppy quorum (hinted handoff) in a partition, it stays available and fast but the linearizability check reports stale reads (CAP). cas is always rejected: a leaderless store has no atomic compare-and-set.',
  params: {
    replicas: {
      label: 'N (replicas)',
      help: 'How many nodes hold each key (the first N clockwise on the ring); more survive more failures but cost more messages. Compare R + W with N.',
    },
    readQuorum: {
      label: 'R (read quorum)',
      help: "Replies a read (and a put's version query) waits for. R + W > N: every read overlaps the latest write (consistent, slower); R + W <= N: faster and more available, reads can be stale.",
    },
    writeQuorum: {
      label: 'W (write quorum)',
      help: 'Replicas that must store a put before it is acknowledged. Low W is fast and stays writable in partitions; with R + W <= N a read can miss the latest write.',
    },
    virtualNodes: {
      label: 'Virtual nodes',
      help: 'Ring positions per node; more of them spread keys (and load) more evenly across nodes.',
    },
    conflicts: {
      label: 'Conflicts',
      help: 'lww keeps the newest timestamp and silently drops concurrent writes; siblings keeps them all and a get returns their values sorted and joined by "|" (a value no one wrote, so linearizability flags it).',
    },
    readRepair: {
      label: 'Read repair',
      help: 'A read writes the newest version back to stale replicas; with R + W > N it also waits until W replicas hold what it returns, which makes reads linearizable.',
    },
    hintedHandoff: {
      label: 'Hinted handoff',
      help: 'Sloppy quorum: a stand-in node takes writes for an unreachable replica and hands them over later. More available, but quorums may not overlap (stale reads even with R + W > N).',
    },
    antiEntropyTicks: {
      label: 'Anti-entropy',
      unit: 'ticks',
      help: 'Replicas compare Merkle trees of the key ranges they share this often and copy what differs; 0 turns it off (replicas that missed writes may never catch up).',
    },
    requestTimeoutTicks: {
      label: 'Request timeout',
      unit: 'ticks',
      help: 'A coordinator gives up on a request after this long without R or W replies and does not answer (some replicas may have stored the write, so the outcome is unknown).',
    },
  },
  vocabulary: {
    leader: null,
    term: null,
    commitIndex: {
      label: 'stored',
      short: 'w',
      help: 'Versions (and hints) it has stored since it started.',
    },
    lastIndex: null,
    roles: {},
    leaderChanges: null,
    elections: null,
    counters: [
      {
        key: 'hintedWrites',
        label: 'hinted writes',
        help: 'Writes sent to a stand-in for an unreachable replica (hinted handoff), counted by Hint message.',
        messageType: 'Hint',
      },
      {
        key: 'readRepairs',
        label: 'read repairs',
        help: 'Newer versions sent to stale replicas by reads (read repair), counted by ReadRepair message.',
        messageType: 'ReadRepair',
      },
      {
        key: 'antiEntropySyncs',
        label: 'anti-entropy syncs',
        help: 'Anti-entropy rounds whose Merkle trees differed, so key ranges were exchanged (MerkleDiff).',
        messageType: 'MerkleDiff',
      },
    ],
  },
  /** A request and its reply share a hue (the request dark, 0; the reply light, 1). */
  messageColors: {
    Get: ['blue', 0],
    GetReply: ['blue', 1],
    Put: ['green', 0],
    PutAck: ['green', 1],
    ReadRepair: ['orange', 0],
    RepairAck: ['orange', 1],
    Hint: ['purple', 0],
    HintAck: ['purple', 1],
    Handoff: ['brown', 0],
    HandoffAck: ['brown', 1],
    MerkleRoot: ['cyan', 0],
    MerkleDiff: ['olive', 0],
    SyncKeys: ['pink', 0],
  },
}

export const quorumDescription = describeAlgorithm({
  kind: 'quorum',
  params: QuorumParamsSchema,
  info: QUORUM_INFO,
  specIssues: (spec) =>
    spec.algorithm.params.replicas > spec.cluster.nodes
      ? [
          {
            path: ['algorithm', 'params', 'replicas'],
            message: `must be <= cluster.nodes (${spec.cluster.nodes})`,
          },
        ]
      : [],
})
