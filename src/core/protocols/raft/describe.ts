// Raft's parameters (spec.algorithm.params when kind is 'raft').
// The light part of the algorithm (../description.ts): no protocol code, read by the designer,
// the screens and shared/spec.ts; ../catalog.ts lists it.
import { z } from 'zod'
import { describeAlgorithm } from '../description'
import type { AlgorithmInfo } from '../../../shared/params/help'
import { intBetween, ticks } from '../../../shared/bounds'

export const RaftParamsSchema = z
  .strictObject({
    /** Election timeout drawn uniformly (seeded) from [min, max] ticks. */
    electionTimeoutTicks: z.tuple([ticks(), ticks()]).default([15, 30]),
    /** Leader sends heartbeats every this many ticks. */
    heartbeatTicks: ticks().default(5),
    /** Pre-vote (Raft thesis 9.6): a candidate first asks whether it could win. */
    preVote: z.boolean().default(true),
    /** Linearizable reads: ReadIndex (thesis 6.4) or by appending the read to the log. */
    readMode: z.enum(['readIndex', 'log']).default('readIndex'),
    /** Most entries sent in one AppendEntries message. */
    maxBatch: intBetween(1, 10_000, 'entries').default(64),
    // The parameters below are optional: absent means the default in RAFT_DEFAULTS. (A default
    // filled in by the schema would change every parsed spec, and with it every recorded run.)
    /**
     * How the leader changes the cluster's voters (thesis chapter 4): one voter at a time
     * (single-server), or through a joint configuration C_old,new then C_new (joint).
     */
    membership: z.enum(['single-server', 'joint']).optional(),
    /** Snapshot the state machine every this many applied entries and drop the log behind it (0 = never). */
    snapshotEveryEntries: intBetween(0, 1_000_000, 'entries').optional(),
    /** Largest piece of a snapshot one InstallSnapshot message carries (characters of its serialized form). */
    snapshotChunkBytes: intBetween(64, 4 * 1024 * 1024, 'bytes').optional(),
    /** A leadership transfer not done within this many ticks is given up (0 = the maximum election timeout). */
    transferTimeoutTicks: intBetween(0, 10_000, 'ticks').optional(),
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

/** What an absent optional Raft parameter means. */
export const RAFT_DEFAULTS = {
  membership: 'single-server',
  snapshotEveryEntries: 0,
  snapshotChunkBytes: 64 * 1024,
  transferTimeoutTicks: 0,
} as const satisfies Required<
  Pick<RaftParams, 'membership' | 'snapshotEveryEntries' | 'snapshotChunkBytes' | 'transferTimeoutTicks'>
>

export const RAFT_INFO: AlgorithmInfo = {
  label: 'Raft',
  admin: ['membership', 'transfer-leadership'],
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
    membership: {
      label: 'Membership changes',
      help: 'single-server adds or removes one voter at a time; joint moves through C_old,new, where every decision needs a majority of both.',
      absent: RAFT_DEFAULTS.membership,
    },
    snapshotEveryEntries: {
      label: 'Snapshot every',
      unit: 'entries',
      help: 'Compacts the log behind a snapshot of the key-value state so long runs stay in bounded memory; followers too far behind get the snapshot (0 = never).',
      absent: `${RAFT_DEFAULTS.snapshotEveryEntries} (never)`,
    },
    snapshotChunkBytes: {
      label: 'Snapshot chunk',
      unit: 'bytes',
      help: 'InstallSnapshot sends the snapshot in pieces of this size, one at a time; smaller pieces share the link better.',
      absent: String(RAFT_DEFAULTS.snapshotChunkBytes),
    },
    transferTimeoutTicks: {
      label: 'Transfer timeout',
      unit: 'ticks',
      help: 'A leadership transfer whose target does not catch up and win within this long is abandoned and the leader serves again (0 = one election timeout).',
      absent: `${RAFT_DEFAULTS.transferTimeoutTicks} (one election timeout)`,
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
  /** A request and its reply share a hue (the request dark, 0; the reply light, 1). */
  messageColors: {
    AppendEntries: ['blue', 0],
    AppendEntriesResp: ['blue', 1],
    RequestVote: ['orange', 0],
    RequestVoteResp: ['orange', 1],
    PreVote: ['purple', 0],
    PreVoteResp: ['purple', 1],
    InstallSnapshot: ['cyan', 0],
    InstallSnapshotResp: ['cyan', 1],
    TimeoutNow: ['pink', 0],
  },
}

export const raftDescription = describeAlgorithm({ kind: 'raft', params: RaftParamsSchema, info: RAFT_INFO })
