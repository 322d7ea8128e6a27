// The proxy's rule model and its control channel (the fork IPC channel) with the lab.
import { z } from 'zod'
import type { TraceBatch } from '../../node/trace-batch'
import { MAX_VC } from '../../../shared/wire'

import type { LinkRule } from '../../../core/engine/links'

/** What the proxy does to frames on one directed link (the engine's LinkState.rules()). */
export type { LinkRule }

export const LinkRuleSchema = z.strictObject({
  cut: z.boolean(),
  silent: z.boolean(),
  drop: z.number().min(0).max(1),
  duplicate: z.number().min(0).max(1),
  reorder: z.number().min(0).max(1),
  latencyMs: z.number().min(0).max(3_600_000),
  jitterMs: z.number().min(0).max(3_600_000),
  bandwidth: z.number().min(0).max(1e12),
})

export const CLEAN_RULE: Readonly<LinkRule> = Object.freeze({
  cut: false,
  silent: false,
  drop: 0,
  duplicate: 0,
  reorder: 0,
  latencyMs: 0,
  jitterMs: 0,
  bandwidth: 0,
})

/** True when a rule changes nothing (frames take the zero-copy fast path). */
export function isClean(r: LinkRule): boolean {
  return (
    !r.cut &&
    !r.silent &&
    r.drop === 0 &&
    r.duplicate === 0 &&
    r.reorder === 0 &&
    r.latencyMs === 0 &&
    r.jitterMs === 0 &&
    r.bandwidth === 0
  )
}

const hrtime = z.string().regex(/^[0-9]{1,30}$/, { error: 'must be a decimal hrtime in ns' })
const nat = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

export const LabToProxySchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('init'),
    n: z.number().int().min(1).max(MAX_VC),
    kind: z.string().min(1).max(64),
    secret: z.string().min(16).max(128),
    seed: nat,
    msgEvents: z.boolean(),
    labPid: z.number().int().min(1),
    /** Event batching interval, ms. */
    eventsMs: z.number().min(1).max(1000).default(20),
  }),
  z.strictObject({ type: z.literal('start'), t0: hrtime }),
  /** Where node `idx` listens for peer traffic (null: down), and whether it is paused. */
  z.strictObject({
    type: z.literal('node'),
    idx: z.number().int().min(0).max(254),
    port: z.number().int().min(1).max(65535).nullable(),
    state: z.enum(['up', 'down', 'paused']),
  }),
  /** The whole rule table, n*n entries, index from * n + to. */
  z.strictObject({ type: z.literal('rules'), rules: z.array(LinkRuleSchema).max(MAX_VC * MAX_VC) }),
  z.strictObject({ type: z.literal('stats'), seq: nat }),
  /** Send the buffered events now; `halt`: the run is over, forward and record nothing more. */
  z.strictObject({ type: z.literal('flush'), seq: nat, halt: z.boolean().optional() }),
  /** Node pids to SIGKILL if the lab goes away (the reaper for SIGSTOPped nodes). */
  z.strictObject({ type: z.literal('pids'), pids: z.array(z.number().int().min(1)).max(1024) }),
  z.strictObject({ type: z.literal('exit') }),
])
export type LabToProxy = z.infer<typeof LabToProxySchema>

/** Per-link counters, each an n*n array indexed from * n + to. */
export interface LinkStats {
  n: number
  /** Frames that arrived from the sender. */
  frames: number[]
  bytes: number[]
  /** Frames written to the receiver (duplicates included). */
  forwarded: number[]
  dropped: number[]
  duplicated: number[]
}

export type ProxyToLab =
  | { type: 'listening'; port: number; pid: number }
  | {
      type: 'events'
      /** The send, drop and duplicate events since the previous report (trace-batch.ts). */
      batch: TraceBatch
      /** Since the previous report. */
      dropped: number
      duplicated: number
      forwarded: number
      /** Frames received from nodes (messages that reached the network). */
      received: number
      /** Connections refused at the hello (no proof of the run's secret). */
      rejected: number
      errors: string[]
    }
  | ({ type: 'stats'; seq: number } & LinkStats)
  | { type: 'flushed'; seq: number }
