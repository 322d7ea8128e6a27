// The options of the Maelstrom workloads written here (the spec's `workload` object, without
// `kind`), as zod schemas with every field defaulted. This file imports nothing but zod and
// the shared bounds, so the spec (src/shared) can use it, or take it over, without pulling in
// any workload code.
import { z } from 'zod'
import { between, intBetween, MAX_CLIENT_TIMEOUT_MS, MAX_RATE_PER_SEC } from '../../../shared/bounds'

/** Options every Maelstrom workload takes: how many clients, how fast, how long a client waits. */
export const clientOptions = {
  clients: intBetween(1, 1000, 'clients').default(4),
  /** Total offered load across all clients (each client one request at a time). */
  ratePerSec: between(0, MAX_RATE_PER_SEC, 'ops/s').default(100),
  /** A request unanswered for this long is in doubt (`info`). */
  timeoutMs: between(1, MAX_CLIENT_TIMEOUT_MS, 'ms').default(1000),
}
export type ClientOptions = z.infer<z.ZodObject<typeof clientOptions>>

/** The share of requests that are reads (the rest are the workload's updates). */
const readShare = () => between(0, 1).default(0.5)

/** The neighbour maps broadcast can send in `topology` (see topology.ts). */
export const TOPOLOGIES = ['grid', 'line', 'tree', 'total'] as const
export type TopologyKind = (typeof TOPOLOGIES)[number]

/** echo and lin-kv take the client options only (lin-kv's keys and mix are the KV workload's). */
export const echoOptionsSchema = z.strictObject({ ...clientOptions })
export const linKvOptionsSchema = z.strictObject({ ...clientOptions })

export const uniqueIdsOptionsSchema = z.strictObject({ ...clientOptions })
export type UniqueIdsOptions = z.infer<typeof uniqueIdsOptionsSchema>

export const broadcastOptionsSchema = z.strictObject({
  ...clientOptions,
  /** The neighbour map sent in `topology` (programs may ignore it). */
  topology: z.enum(TOPOLOGIES).default('grid'),
  /** Children per node for topology `tree` (4 is Maelstrom's tree4). */
  treeFanout: intBetween(1, 64, 'children').default(4),
  readShare: readShare(),
})
export type BroadcastOptions = z.infer<typeof broadcastOptionsSchema>

const counterOptions = {
  ...clientOptions,
  /** Largest delta one add sends (g-counter: 0..maxDelta; pn-counter: -maxDelta..maxDelta). */
  maxDelta: intBetween(1, 1_000_000, 'per add').default(5),
  readShare: readShare(),
}
export const gCounterOptionsSchema = z.strictObject(counterOptions)
export const pnCounterOptionsSchema = z.strictObject(counterOptions)
export type CounterOptions = z.infer<typeof gCounterOptionsSchema>

export const gSetOptionsSchema = z.strictObject({ ...clientOptions, readShare: readShare() })
export type GSetOptions = z.infer<typeof gSetOptionsSchema>
