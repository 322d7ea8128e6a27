// Multi-Paxos's parameters (src/core/protocols/multipaxos), with the designer's help lines.
import { z } from 'zod'
import type { AlgorithmInfo } from './help'

const posInt = () => z.number().int().min(1)

export const MultiPaxosParamsSchema = z
  .strictObject({
    /**
     * A node that hears no leader for a timeout drawn from [min, max] ticks runs phase 1. The
     * min is also the leader lease (a node that heard a leader within it ignores Prepares) and
     * the leader's check-quorum interval.
     */
    leaderTimeoutTicks: z.tuple([posInt(), posInt()]).default([15, 30]),
    /**
     * The leader sends heartbeats (with its commit point) every this many ticks, and re-sends
     * Accepts not acknowledged since the previous one.
     */
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
      help: 'Silence this long makes a node run phase 1 with a higher ballot and take over; the minimum is also the leader lease.',
    },
    heartbeatTicks: {
      label: 'Heartbeat',
      unit: 'ticks',
      help: 'How often the leader proves it is alive, tells followers what is decided and re-sends lost Accepts.',
    },
    maxBatch: {
      label: 'Max batch',
      unit: 'commands',
      help: 'Most commands per Accept; commands that arrive together are sent together, so bigger batches raise throughput under load.',
    },
  },
  vocabulary: {
    leader: 'leader',
    term: {
      label: 'ballot',
      short: 'b',
      help: 'Ballot round: a node that runs phase 1 to take over picks a higher one.',
    },
    commitIndex: { label: 'commit', short: 'c', help: 'Highest slot known chosen (accepted by a majority).' },
    lastIndex: { label: 'last slot', short: 's', help: 'Highest slot it has accepted a command for.' },
    roles: { candidate: 'candidate (phase 1)' },
    leaderChanges: 'leader changes',
    elections: 'phase-1 runs',
    counters: [],
  },
}
