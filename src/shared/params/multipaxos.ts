// Multi-Paxos's parameters. The multipaxos protocol owner may refine these.
import { z } from 'zod'
import type { AlgorithmInfo } from './help'

const posInt = () => z.number().int().min(1)

export const MultiPaxosParamsSchema = z
  .strictObject({
    /** A node that hears no leader for a timeout drawn from [min, max] ticks runs phase 1. */
    leaderTimeoutTicks: z.tuple([posInt(), posInt()]).default([15, 30]),
    /** The leader sends heartbeats (with its commit point) every this many ticks. */
    heartbeatTicks: posInt().default(5),
    /** Most commands in one Accept message. */
    maxBatch: posInt().max(10000).default(64),
  })
  .refine((p) => p.leaderTimeoutTicks[0] <= p.leaderTimeoutTicks[1], {
    error: 'min must be <= max',
    path: ['leaderTimeoutTicks'],
  })
  .refine((p) => p.heartbeatTicks < p.leaderTimeoutTicks[0], {
    error: 'must be smaller than the minimum leader timeout',
    path: ['heartbeatTicks'],
  })
export type MultiPaxosParams = z.infer<typeof MultiPaxosParamsSchema>

export const MULTIPAXOS_INFO: AlgorithmInfo = {
  label: 'Multi-Paxos',
  summary: 'A stable leader runs phase 1 once, then one round trip per command; compare it with Raft.',
  params: {
    leaderTimeoutTicks: {
      label: 'Leader timeout',
      unit: 'ticks',
      help: 'Silence this long makes a node run phase 1 with a higher ballot and take over.',
    },
    heartbeatTicks: {
      label: 'Heartbeat',
      unit: 'ticks',
      help: 'How often the leader proves it is alive and tells followers what is decided.',
    },
    maxBatch: {
      label: 'Max batch',
      unit: 'commands',
      help: 'Most commands per Accept; bigger batches raise throughput under load.',
    },
  },
}
