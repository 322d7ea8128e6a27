// The Maelstrom workloads by kind: each one's options schema (for the spec's `workload`
// object, `kind` plus that workload's own options) and `createWorkload`, which validates the
// options and builds the workload the host drives. Pure.
import { z } from 'zod'
import type { MaelstromWorkload, MaelstromWorkloadKind } from '../types'
import { MAELSTROM_WORKLOADS } from '../types'
import { createBroadcastWorkload } from './broadcast'
import { createGCounterWorkload, createPnCounterWorkload } from './counter'
import { echoWorkload } from './echo'
import { createGSetWorkload } from './g-set'
import { createLinKvWorkload } from './lin-kv'
import {
  broadcastOptionsSchema,
  echoOptionsSchema,
  linKvOptionsSchema,
  gCounterOptionsSchema,
  gSetOptionsSchema,
  pnCounterOptionsSchema,
  uniqueIdsOptionsSchema,
} from './options'
import { createUniqueIdsWorkload } from './unique-ids'

export { echoOptionsSchema, linKvOptionsSchema }
export { computeTopology, type Topology } from './topology'
export * from './options'

/** Each workload's options (without `kind`); every field has a default, so `{}` is valid. */
export const WORKLOAD_OPTION_SCHEMAS = {
  'lin-kv': linKvOptionsSchema,
  echo: echoOptionsSchema,
  'unique-ids': uniqueIdsOptionsSchema,
  broadcast: broadcastOptionsSchema,
  'g-counter': gCounterOptionsSchema,
  'pn-counter': pnCounterOptionsSchema,
  'g-set': gSetOptionsSchema,
} as const satisfies Record<MaelstromWorkloadKind, z.ZodObject>

/** The spec's `workload` for a program: `{"kind": "broadcast", "topology": "line", ...}`. */
export const MaelstromWorkloadSpecSchema = z.discriminatedUnion(
  'kind',
  [
    linKvOptionsSchema.extend({ kind: z.literal('lin-kv') }),
    echoOptionsSchema.extend({ kind: z.literal('echo') }),
    uniqueIdsOptionsSchema.extend({ kind: z.literal('unique-ids') }),
    broadcastOptionsSchema.extend({ kind: z.literal('broadcast') }),
    gCounterOptionsSchema.extend({ kind: z.literal('g-counter') }),
    pnCounterOptionsSchema.extend({ kind: z.literal('pn-counter') }),
    gSetOptionsSchema.extend({ kind: z.literal('g-set') }),
  ],
  {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? `unknown workload (expected one of: ${MAELSTROM_WORKLOADS.join(', ')})`
        : undefined,
  },
)
export type MaelstromWorkloadSpec = z.infer<typeof MaelstromWorkloadSpecSchema>

/** Options that do not fit their workload's schema; the message names each bad field. */
export class WorkloadOptionsError extends Error {
  constructor(
    readonly kind: string,
    readonly fields: Array<{ path: string; message: string }>,
  ) {
    super(`workload ${kind}: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`)
    this.name = 'WorkloadOptionsError'
  }
}

/** Validates raw options with `schema` (errors name the field) and builds the workload. */
function define<S extends z.ZodObject>(
  kind: MaelstromWorkloadKind,
  schema: S,
  create: (options: z.output<S>) => MaelstromWorkload,
): (raw: unknown) => MaelstromWorkload {
  return (raw) => {
    const parsed = schema.safeParse(raw)
    if (!parsed.success)
      throw new WorkloadOptionsError(
        kind,
        parsed.error.issues.map((i) => ({
          path: i.path.map(String).join('.') || '(options)',
          message: i.message,
        })),
      )
    return create(parsed.data)
  }
}

const FACTORIES: Record<MaelstromWorkloadKind, (raw: unknown) => MaelstromWorkload> = {
  // lin-kv reads its keys and op mix from the spec's workload (WorkloadContext.options).
  'lin-kv': define('lin-kv', linKvOptionsSchema, () => createLinKvWorkload()),
  echo: define('echo', echoOptionsSchema, () => echoWorkload),
  'unique-ids': define('unique-ids', uniqueIdsOptionsSchema, createUniqueIdsWorkload),
  broadcast: define('broadcast', broadcastOptionsSchema, createBroadcastWorkload),
  'g-counter': define('g-counter', gCounterOptionsSchema, createGCounterWorkload),
  'pn-counter': define('pn-counter', pnCounterOptionsSchema, createPnCounterWorkload),
  'g-set': define('g-set', gSetOptionsSchema, createGSetWorkload),
}

/**
 * The workload `kind` with `options` (validated by its schema, defaults filled in; a `kind`
 * field in options is allowed and must match). Throws WorkloadOptionsError naming the field.
 */
export function createWorkload(kind: MaelstromWorkloadKind, options: unknown = {}): MaelstromWorkload {
  if (!Object.hasOwn(FACTORIES, kind))
    throw new WorkloadOptionsError(String(kind), [
      { path: 'kind', message: `unknown workload (expected one of: ${MAELSTROM_WORKLOADS.join(', ')})` },
    ])
  let raw = options
  if (raw !== null && typeof raw === 'object' && 'kind' in raw) {
    const { kind: given, ...rest } = raw as Record<string, unknown>
    if (given !== kind)
      throw new WorkloadOptionsError(kind, [
        { path: 'kind', message: `is ${JSON.stringify(given)}, not ${kind}` },
      ])
    raw = rest
  }
  return FACTORIES[kind](raw)
}

/**
 * A program run's workload from the spec's `workload` object: the fields the kind's options
 * schema declares are taken from it (the spec also holds the KV workload's fields), the rest
 * default.
 */
export function workloadFromSpec(w: { kind: string } & Record<string, unknown>): MaelstromWorkload {
  const kind = w.kind as MaelstromWorkloadKind
  const schema = WORKLOAD_OPTION_SCHEMAS[kind] as z.ZodObject | undefined
  if (schema === undefined) return createWorkload(kind)
  const picked: Record<string, unknown> = {}
  for (const name of Object.keys(schema.shape)) if (w[name] !== undefined) picked[name] = w[name]
  return createWorkload(kind, picked)
}
