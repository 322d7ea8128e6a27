// PBFT's parameters. f = floor((nodes - 1) / 3) faulty replicas are tolerated (cluster.nodes
// must be >= 4 for f >= 1: specIssues below).
// The light part of the algorithm (../description.ts): no protocol code, read by the designer,
// the screens and shared/spec.ts; ../catalog.ts lists it.
import { z } from 'zod'
import { describeAlgorithm } from '../description'
import type { AlgorithmInfo } from '../../../shared/params/help'
import { intBetween, ticks } from '../../../shared/bounds'

export const PbftParamsSchema = z.strictObject({
  /** A backup whose pending request is not executed within this many ticks asks for a view change. */
  viewChangeTicks: ticks().default(40),
  /** A checkpoint every this many sequence numbers; a stable one lets replicas discard older log. */
  checkpointInterval: intBetween(1, 10_000, 'requests').default(16),
  /** Sequence numbers a primary may assign beyond the last stable checkpoint (high water mark). */
  watermarkWindow: intBetween(1, 100_000, 'requests').default(64),
})
export type PbftParams = z.infer<typeof PbftParamsSchema>

export const PBFT_INFO: AlgorithmInfo = {
  label: 'PBFT',
  summary:
    'Tolerates f = (n - 1) / 3 Byzantine replicas with 2f + 1 quorums; make f + 1 nodes Byzantine to see it break.',
  params: {
    viewChangeTicks: {
      label: 'View-change timeout',
      unit: 'ticks',
      help: 'How long backups wait for a request to execute before voting out a silent or slow primary.',
    },
    checkpointInterval: {
      label: 'Checkpoint interval',
      unit: 'requests',
      help: 'Replicas agree on a state digest this often and then discard older log entries.',
    },
    watermarkWindow: {
      label: 'Water-mark window',
      unit: 'requests',
      help: 'How far past the last stable checkpoint a primary may run; bounds each log (at least one checkpoint interval is used).',
    },
  },
  vocabulary: {
    leader: 'primary',
    term: { label: 'view', short: 'v', help: 'View number: the primary of view v is node n((v mod n) + 1).' },
    commitIndex: {
      label: 'executed',
      short: 'x',
      help: 'Highest sequence number executed (committed by 2f + 1 replicas).',
    },
    lastIndex: { label: 'last seq', short: 's', help: 'Highest sequence number it has seen assigned.' },
    roles: { leader: 'primary', follower: 'backup', candidate: 'view change' },
    leaderChanges: 'view changes',
    elections: 'view-change votes',
    counters: [],
  },
  /** A request and its reply share a hue (the request dark, 0; the reply light, 1). */
  messageColors: {
    Request: ['blue', 0],
    PrePrepare: ['orange', 0],
    Prepare: ['green', 0],
    Commit: ['purple', 0],
    Checkpoint: ['grey', 0],
    ViewChange: ['pink', 0],
    NewView: ['brown', 0],
    FetchState: ['cyan', 0],
    State: ['cyan', 1],
  },
}

export const pbftDescription = describeAlgorithm({
  kind: 'pbft',
  params: PbftParamsSchema,
  info: PBFT_INFO,
  specIssues: (spec) =>
    spec.cluster.nodes < 4
      ? [
          {
            path: ['cluster', 'nodes'],
            message: 'PBFT needs at least 4 nodes to tolerate one Byzantine node (n >= 3f + 1 with f >= 1)',
          },
        ]
      : [],
})
