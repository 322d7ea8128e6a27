// Single-decree Paxos's parameters (one Paxos instance per KV operation slot of a key).
// The designer renders whatever PAXOS_INFO lists.
// The light part of the algorithm (../description.ts): no protocol code, read by the designer,
// the screens and shared/spec.ts; ../catalog.ts lists it.
import { z } from 'zod'
import { describeAlgorithm } from '../description'
import type { AlgorithmInfo } from '../../../shared/params/help'
import { ticks } from '../../../shared/bounds'

export const PaxosParamsSchema = z
  .strictObject({
    /** A proposer that has not reached a quorum after this many ticks retries with a higher ballot. */
    retryTicks: ticks().default(10),
    /** Randomized backoff before a retry (off: dueling proposers can livelock). */
    backoff: z.boolean().default(true),
    /** Backoff drawn uniformly (seeded) from [min, max] ticks. */
    backoffTicks: z.tuple([ticks(), ticks()]).default([1, 10]),
  })
  .refine((p) => p.backoffTicks[0] <= p.backoffTicks[1], {
    error: 'min must be <= max',
    path: ['backoffTicks'],
  })
export type PaxosParams = z.infer<typeof PaxosParamsSchema>

export const PAXOS_INFO: AlgorithmInfo = {
  label: 'Paxos',
  summary:
    'Single-decree Paxos per (key, slot): any node proposes, no leader; with backoff off, dueling proposers livelock (FLP).',
  params: {
    retryTicks: {
      label: 'Retry after',
      unit: 'ticks',
      help: 'A proposer without a majority by then starts again with a higher ballot, pre-empting rivals.',
    },
    backoff: {
      label: 'Randomized backoff',
      help: 'Wait a random time before retrying after a pre-emption; turn off to watch dueling proposers livelock.',
    },
    backoffTicks: {
      label: 'Backoff range',
      unit: 'ticks',
      help: 'A wider range makes it likelier that one proposer finishes before the others retry.',
    },
  },
  vocabulary: {
    leader: null,
    term: {
      label: 'ballot',
      short: 'b',
      help: 'Highest ballot round it has seen: dueling proposers push it up without deciding anything.',
    },
    commitIndex: {
      label: 'learned',
      short: 'l',
      help: 'Instances whose chosen value it has learned (all keys).',
    },
    lastIndex: null,
    roles: { replica: 'proposer' },
    leaderChanges: null,
    elections: null,
    counters: [],
  },
  /** A request and its reply share a hue (the request dark, 0; the reply light, 1). */
  messageColors: {
    Prepare: ['blue', 0],
    Promise: ['blue', 1],
    Accept: ['green', 0],
    Accepted: ['green', 1],
    Nack: ['orange', 0],
    Decided: ['purple', 0],
  },
}

export const paxosDescription = describeAlgorithm({
  kind: 'paxos',
  params: PaxosParamsSchema,
  info: PAXOS_INFO,
})
