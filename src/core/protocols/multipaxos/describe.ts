// Multi-Paxos's parameters, with the designer's help lines.
// The light part of the algorithm (../description.ts): no protocol code, read by the designer,
// the screens and shared/spec.ts; ../catalog.ts lists it.
import { z } from 'zod'
import { describeAlgorithm } from '../description'
import type { AlgorithmInfo } from '../../../shared/params/help'
import { intBetween, ticks } from '../../../shared/bounds'

export const MultiPaxosParamsSchema = z
  .strictObject({
    /**
     * A node that hears no leader for a timeout drawn from [min, max] ticks runs phase 1. The
     * min is also the leader lease (a node that heard a leader within it ignores Prepares) and
     * the leader's check-quorum interval.
     */
    leaderTimeoutTicks: z.tuple([ticks(), ticks()]).default([15, 30]),
    /**
     * The leader sends heartbeats (with its commit point) every this many ticks, and re-sends
     * Accepts not acknowledged since the previous one.
     */
    heartbeatTicks: ticks().default(5),
    /** Most commands in one Accept message. */
    maxBatch: intBetween(1, 10_000, 'commands').default(64),
    /**
     * Checkpoint the state machine every this many decided slots and trim the slots behind it
     * (0 = never); a follower behind the trim point gets the checkpoint instead. Optional:
     * absent means 0 (a default filled in by the schema would change every parsed spec).
     */
    checkpointEverySlots: intBetween(0, 1_000_000, 'slots').optional(),
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
    checkpointEverySlots: {
      label: 'Checkpoint every',
      unit: 'slots',
      help: 'Trims the decided slots behind a checkpoint of the key-value state so long runs stay in bounded memory; a lagging node gets the checkpoint (0 = never).',
      absent: '0 (never)',
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
  /** A request and its reply share a hue (the request dark, 0; the reply light, 1). */
  messageColors: {
    Prepare: ['blue', 0],
    Promise: ['blue', 1],
    Accept: ['green', 0],
    Accepted: ['green', 1],
    Nack: ['orange', 0],
    Heartbeat: ['purple', 0],
    HeartbeatAck: ['purple', 1],
    CatchUp: ['cyan', 0],
    Checkpoint: ['grey', 0],
    CheckpointAck: ['grey', 1],
  },
}

export const multipaxosDescription = describeAlgorithm({
  kind: 'multipaxos',
  params: MultiPaxosParamsSchema,
  info: MULTIPAXOS_INFO,
})
