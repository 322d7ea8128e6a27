// Raft's parameters (spec.algorithm.params when kind is 'raft').
import { z } from 'zod'
import type { AlgorithmInfo } from './help'

const posInt = () => z.number().int().min(1)

export const RaftParamsSchema = z
  .strictObject({
    /** Election timeout drawn uniformly (seeded) from [min, max] ticks. */
    electionTimeoutTicks: z.tuple([posInt(), posInt()]).default([15, 30]),
    /** Leader sends heartbeats every this many ticks. */
    heartbeatTicks: posInt().default(5),
    /** Pre-vote (Raft thesis 9.6): a candidate first asks whether it could win. */
    preVote: z.boolean().default(true),
    /** Linearizable reads: ReadIndex (thesis 6.4) or by appending the read to the log. */
    readMode: z.enum(['readIndex', 'log']).default('readIndex'),
    /** Most entries sent in one AppendEntries message. */
    maxBatch: posInt().max(10000).default(64),
  })
  .refine((p) => p.electionTimeoutTicks[0] <= p.electionTimeoutTicks[1], {
    error: 'min must be <= max',
    path: ['electionTimeoutTicks'],
  })
  .refine((p) => p.heartbeatTicks < p.electionTimeoutTicks[0], {
    error: 'must be smaller than the minimum election timeout',
    path: ['heartbeatTicks'],
  })
export type RaftParams = z.infer<typeof RaftParamsSchema>

export const RAFT_INFO: AlgorithmInfo = {
  label: 'Raft',
  summary: 'A leader replicates a log to a majority; watch elections when the leader is cut off.',
  params: {
    electionTimeoutTicks: {
      label: 'Election timeout',
      unit: 'ticks',
      help: 'A follower that hears nothing for this long stands for election; a wider range means fewer split votes.',
    },
    heartbeatTicks: {
      label: 'Heartbeat',
      unit: 'ticks',
      help: 'How often the leader proves it is alive; must be well under the election timeout.',
    },
    preVote: {
      label: 'Pre-vote',
      help: 'A node first asks if it could win, so a rejoining partitioned node does not depose a healthy leader.',
    },
    readMode: {
      label: 'Read mode',
      help: 'readIndex confirms leadership with one heartbeat round; log appends every read (slower, simpler).',
    },
    maxBatch: {
      label: 'Max batch',
      unit: 'entries',
      help: 'Most entries per AppendEntries; bigger batches raise throughput under load.',
    },
  },
  vocabulary: {
    leader: 'leader',
    term: { label: 'term', short: 't', help: 'Election term: goes up by one with every election.' },
    commitIndex: {
      label: 'commit',
      short: 'c',
      help: 'Highest log index known committed (stored on a majority).',
    },
    lastIndex: { label: 'last', short: 'l', help: 'Highest index in its log, committed or not.' },
    roles: {},
    leaderChanges: 'leader changes',
    elections: 'elections',
    counters: [],
  },
}
