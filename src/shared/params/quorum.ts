// The Dynamo-style quorum store's parameters. The quorum protocol owner may refine these.
// Cross-field rules that involve the cluster size (N <= nodes) live in spec.ts.
import { z } from 'zod'
import type { AlgorithmInfo } from './help'

const posInt = () => z.number().int().min(1)

export const QuorumParamsSchema = z
  .strictObject({
    /** N: replicas per key (the first N distinct nodes clockwise on the ring). */
    replicas: posInt().max(15).default(3),
    /** R: replies a read waits for. */
    readQuorum: posInt().max(15).default(2),
    /** W: acknowledgements a write waits for. */
    writeQuorum: posInt().max(15).default(2),
    /** Virtual nodes per node on the consistent-hashing ring. */
    virtualNodes: posInt().max(256).default(16),
    /** Concurrent versions: last-writer-wins, or return siblings to the client. */
    conflicts: z.enum(['lww', 'siblings']).default('lww'),
    /** A read that saw stale replicas writes the newest version back to them. */
    readRepair: z.boolean().default(true),
    /** When a replica is down, a stand-in node keeps its writes and hands them over later. */
    hintedHandoff: z.boolean().default(true),
    /** Replicas compare Merkle trees with a peer every this many ticks (0 = off). */
    antiEntropyTicks: z.number().int().min(0).max(100_000).default(50),
    /** How long a coordinator waits for R or W replies, ticks. */
    requestTimeoutTicks: posInt().max(100_000).default(50),
  })
  .refine((p) => p.readQuorum <= p.replicas, { error: 'R must be <= N (replicas)', path: ['readQuorum'] })
  .refine((p) => p.writeQuorum <= p.replicas, { error: 'W must be <= N (replicas)', path: ['writeQuorum'] })
export type QuorumParams = z.infer<typeof QuorumParamsSchema>

export const QUORUM_INFO: AlgorithmInfo = {
  label: 'Quorum store',
  summary:
    'Leaderless Dynamo-style store: with R + W > N reads see the latest write; with R + W <= N or in a partition it stays available but reads can be stale (CAP, PACELC).',
  params: {
    replicas: {
      label: 'N (replicas)',
      help: 'How many nodes hold each key; more replicas survive more failures but cost more messages.',
    },
    readQuorum: {
      label: 'R (read quorum)',
      help: 'Replies a read waits for; R + W > N makes every read overlap the latest write.',
    },
    writeQuorum: {
      label: 'W (write quorum)',
      help: 'Acks a write waits for; low W is fast and available, but with R + W <= N reads can be stale.',
    },
    virtualNodes: {
      label: 'Virtual nodes',
      help: 'Ring positions per node; more of them spread keys more evenly.',
    },
    conflicts: {
      label: 'Conflicts',
      help: 'lww keeps the newest timestamp and silently drops concurrent writes; siblings returns them all.',
    },
    readRepair: {
      label: 'Read repair',
      help: 'Reads fix stale replicas they see, so replicas converge faster.',
    },
    hintedHandoff: {
      label: 'Hinted handoff',
      help: 'Writes for a down replica go to a stand-in and are handed over when it returns.',
    },
    antiEntropyTicks: {
      label: 'Anti-entropy',
      unit: 'ticks',
      help: 'Replicas compare Merkle trees this often and copy what differs (0 turns it off).',
    },
    requestTimeoutTicks: {
      label: 'Request timeout',
      unit: 'ticks',
      help: 'A coordinator gives up on R or W replies after this long and fails the request.',
    },
  },
}
