// The experiment format: one JSON object the designer edits, the CLI reads and every
// run records as its snapshot. Defaults are filled in by parsing, so a parsed spec is
// always complete. Unknown fields are errors (a typo must not be silently ignored).
import { z } from 'zod'
import { clusterSize } from './cluster'
import { ALGORITHM_CATALOG } from '../core/protocols/catalog'
import type { AlgorithmDescription } from '../core/protocols/description'
import { RaftParamsSchema } from '../core/protocols/raft/describe'
import { ALGORITHM_INFO, type AlgorithmInfo } from './params'
import {
  above,
  between,
  intBetween,
  isRangeMessage,
  MAX_CLIENT_TIMEOUT_MS,
  MAX_CLOCK_RATE,
  MAX_JUMP_MS,
  MAX_LATENCY_MS,
  MAX_NODES,
  MAX_RATE_PER_SEC,
  MAX_RUN_MS,
  MIN_CLOCK_RATE,
  MIN_RUN_MS,
} from './bounds'

/** A time offset within a run (atMs), ms. */
const offsetMs = () => between(0, MAX_RUN_MS, 'ms')
/** A span (forMs, restartAfterMs), ms. */
const spanMs = () => above(0, MAX_RUN_MS, 'ms')
const latencyMs = () => between(0, MAX_LATENCY_MS, 'ms')
/** Mix weights: relative shares (e.g. 0.5 or 50). */
const weight = () => between(0, 1000)

/** Node ids are n1..nN. */
export const nodeIdPattern = /^n[1-9][0-9]*$/
export const NodeIdSchema = z.string().regex(nodeIdPattern, { error: 'must be a node id like n1' })

export const TargetSchema = z.union(
  [z.enum(['leader', 'random', 'minority', 'majority', 'all']), NodeIdSchema],
  { error: 'must be a node id (n1, n2, ...) or one of leader, random, minority, majority, all' },
)
export type Target = z.infer<typeof TargetSchema>

/** `"zab" ` for an object whose kind is "zab", '' when there is no kind (for error messages). */
function kindOf(input: unknown): string {
  const k = input && typeof input === 'object' ? (input as { kind?: unknown }).kind : undefined
  return k === undefined ? '' : `${JSON.stringify(k)} `
}
const FAULT_KIND_LIST =
  'partition, crash, pause, delay, drop, duplicate, reorder, clock, byzantine, membership, transfer-leadership'

export { clusterSize }
export { ALGORITHM_INFO, type AdminKind, type AlgorithmInfo, type ParamHelp } from './params'

/** The built-in algorithms' descriptions by kind. */
const DESCRIPTIONS: ReadonlyMap<string, AlgorithmDescription> = new Map(
  ALGORITHM_CATALOG.map((d: AlgorithmDescription) => [d.kind, d]),
)

/** Each description's kind, as a tuple (a mapped type over a type parameter keeps the tuple). */
type KindsOf<T> = { readonly [I in keyof T]: T[I] extends AlgorithmDescription<infer K> ? K : never }

/** The built-in algorithms' kinds, in the catalog's order (src/core/protocols/catalog.ts). */
export const ALGORITHMS = ALGORITHM_CATALOG.map((d) => d.kind) as unknown as KindsOf<typeof ALGORITHM_CATALOG>
export type AlgorithmKind = (typeof ALGORITHMS)[number]

/**
 * A program the lab did not write, speaking Maelstrom's node protocol on stdin / stdout
 * (issue 14): processes mode only, tested with a Maelstrom workload.
 */
export const PROGRAM_KIND = 'program'
/** Every algorithm kind a spec may name: the built-in ones and `program`. */
export const ALGORITHM_KINDS = [...ALGORITHMS, PROGRAM_KIND] as const

/** The Maelstrom workloads whose requests mix reads with adds (they take workload.readShare). */
export const READ_SHARE_WORKLOADS: readonly string[] = ['broadcast', 'g-set', 'g-counter', 'pn-counter']

/** The Maelstrom workloads (src/core/maelstrom/types.ts MAELSTROM_WORKLOADS is this list). */
export const PROGRAM_WORKLOADS = [
  'lin-kv',
  'echo',
  'unique-ids',
  'broadcast',
  'g-counter',
  'pn-counter',
  'g-set',
] as const
/** Faults that cannot reach a foreign process (its clock is the OS's; it has no forging hook). */
export const PROGRAM_REFUSED_FAULTS: Partial<Record<FaultKind, string>> = {
  clock: 'a program reads the OS clock, which the lab cannot skew',
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
export const ProgramParamsSchema = z.strictObject({
  /** argv: the executable (looked up on PATH when it has no slash) and its arguments. */
  command: z
    .array(z.string().min(1, { error: 'must not be empty' }).max(4096))
    .max(256)
    .refine((c) => c.length > 0, { error: 'must name the program to run, e.g. ["python3", "node.py"]' }),
  /** Working directory of the program (default: the lab's). */
  cwd: z.string().min(1).max(4096).optional(),
  /** Extra environment variables. */
  env: z
    .record(z.string(), z.string().max(65536))
    .superRefine((env, ctx) => {
      for (const k of Object.keys(env))
        if (!ENV_NAME.test(k))
          ctx.addIssue({ code: 'custom', path: [k], message: 'must be an environment variable name' })
    })
    .optional(),
  /** How long each node may take to answer init with init_ok, ms. */
  initTimeoutMs: between(100, 50_000, 'ms').default(10_000),
})
export type ProgramParams = z.infer<typeof ProgramParamsSchema>

/**
 * Deliberate bugs to switch on (each algorithm's own list, e.g. Raft's voteWithoutLogCheck):
 * for seeing what a checker catches. Which names exist is checked against the algorithm's
 * module when the run starts.
 */
const mutants = { mutants: z.array(z.string().min(1).max(64)).max(16).optional() }

/** A built-in algorithm's spec entry: its kind, its params (defaulting to its schema's defaults), mutants. */
function algorithmEntry<const K extends string, P extends z.ZodType>(d: AlgorithmDescription<K, P>) {
  const defaults = d.params.parse({}) as z.core.util.NoUndefined<z.output<P>>
  return z.strictObject({ kind: z.literal(d.kind), params: d.params.default(defaults), ...mutants })
}
/** One spec entry per catalog line (a tuple), each typed with its own kind and params. */
type EntriesOf<T> = {
  -readonly [I in keyof T]: T[I] extends AlgorithmDescription<infer K, infer P>
    ? ReturnType<typeof algorithmEntry<K, P>>
    : never
}
const BUILT_IN_ENTRIES = ALGORITHM_CATALOG.map((d: AlgorithmDescription) =>
  algorithmEntry(d),
) as unknown as EntriesOf<typeof ALGORITHM_CATALOG>

export const AlgorithmSchema = z.discriminatedUnion(
  'kind',
  [
    ...BUILT_IN_ENTRIES,
    z.strictObject({ kind: z.literal(PROGRAM_KIND), params: ProgramParamsSchema, ...mutants }),
  ],
  {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? `unknown algorithm ${kindOf(iss.input)}(expected one of: ${ALGORITHM_KINDS.join(', ')})`
        : undefined,
  },
)
export type AlgorithmSpec = z.infer<typeof AlgorithmSchema>

export const ClusterSchema = z.strictObject({
  /** The initial voters, n1..nN. */
  nodes: intBetween(1, MAX_NODES, 'nodes').default(5),
  /**
   * How many nodes may ever exist (n1..nM, M >= nodes): the ones past `nodes` start outside
   * the cluster and join through membership faults. Absent: `nodes` (optional, so that a spec
   * without it parses, records and runs exactly as before).
   */
  maxNodes: intBetween(1, MAX_NODES, 'nodes').optional(),
  /** Wall milliseconds per protocol tick (virtual ms in simulation). */
  tickMs: between(1, 1000, 'ms').default(10),
  /** Processes mode: fdatasync the WAL before sending (off: a crash loses unsynced writes). */
  fsync: z.boolean().default(true),
  /**
   * Processes mode, fsync off: how often the OS writes dirty pages back (each node syncs its
   * WAL this often); a crash loses what was written since. Absent: 1000 ms.
   */
  writebackMs: between(10, 600_000, 'ms').optional(),
})

export const WorkloadSchema = z.strictObject({
  /** kv: the lab's own KV clients (built-in algorithms); the others: Maelstrom workloads (programs). */
  kind: z.enum(['kv', ...PROGRAM_WORKLOADS]).default('kv'),
  clients: intBetween(0, 1000, 'clients').default(4),
  /** Total offered load across all clients (open loop, each client one op at a time). */
  ratePerSec: between(0, MAX_RATE_PER_SEC, 'ops/s').default(100),
  keys: intBetween(1, 1_000_000, 'keys').default(10),
  distribution: z.enum(['uniform', 'zipf']).default('uniform'),
  zipfExponent: between(0, 5).default(1),
  mix: z
    .strictObject({ read: weight().default(0.5), write: weight().default(0.4), cas: weight().default(0.1) })
    .refine((m) => m.read + m.write + m.cas > 0, { error: 'read + write + cas must be > 0' })
    .default({ read: 0.5, write: 0.4, cas: 0.1 }),
  timeoutMs: between(1, MAX_CLIENT_TIMEOUT_MS, 'ms').default(1000),
  /** broadcast only: how the nodes are told to gossip (Maelstrom's topology message). */
  topology: z.enum(['grid', 'line', 'tree', 'total']).optional(),
  /** Maelstrom workloads: the last this many ms of the run send no new requests (the final reads). */
  finalMs: between(0, MAX_RUN_MS, 'ms').optional(),
  /**
   * broadcast, g-set, g-counter, pn-counter: the share of requests that are reads (the rest are
   * the workload's adds; 0.5 when unset, Maelstrom's even mix). The kv workload uses mix.
   */
  readShare: between(0, 1).optional(),
})
export type WorkloadSpec = z.infer<typeof WorkloadSchema>

export const NetworkSchema = z.strictObject({
  latencyMs: latencyMs().default(1),
  jitterMs: latencyMs().default(0.5),
  dropProbability: between(0, 1).default(0),
  duplicateProbability: between(0, 1).default(0),
})
export type NetworkSpec = z.infer<typeof NetworkSchema>

const at = { atMs: offsetMs() }
const window = { atMs: offsetMs(), forMs: spanMs().optional() }
const prob = between(0, 1)

export const MEMBERSHIP_ACTIONS = ['add', 'remove', 'promote'] as const
export type MembershipAction = (typeof MEMBERSHIP_ACTIONS)[number]

export const PARTITION_SHAPES = ['halves', 'isolate', 'majorities-ring', 'bridge', 'one-way', 'link'] as const

/** The other end of ONE link (both directions) between `target` and this node. */
const peer = { peer: NodeIdSchema.optional() }

/**
 * Per-fault cross-field checks on `peer`: shape 'link' needs a node-id target and a peer;
 * delay / drop with a peer need a node-id target; peer and target differ; no other
 * partition shape takes a peer. (Whether the nodes exist is checked against the cluster.)
 */
function checkPeer(
  f: { target?: string; peer?: string },
  ctx: z.RefinementCtx,
  needsPeer: boolean,
  takesPeer: boolean,
  what: string,
): void {
  const issue = (field: 'target' | 'peer', message: string): void =>
    ctx.addIssue({ code: 'custom', path: [field], message })
  if (!takesPeer) {
    if (f.peer !== undefined) issue('peer', `only partition shape link takes a peer (this is ${what})`)
    return
  }
  if (f.peer === undefined) {
    if (needsPeer) issue('peer', `required for ${what}: the node at the other end of the link`)
    return
  }
  if (f.target === undefined || !nodeIdPattern.test(f.target))
    issue('target', `must be a node id (n1, n2, ...) for ${what} with a peer`)
  else if (f.target === f.peer) issue('peer', `must differ from target (${f.target}): a link joins two nodes`)
}

export const FaultSchema = z.discriminatedUnion(
  'kind',
  [
    z
      .strictObject({
        kind: z.literal('partition'),
        ...window,
        shape: z.enum(PARTITION_SHAPES),
        /** For isolate / one-way / bridge: the node at the centre of the shape (default random); for link: one end. */
        target: TargetSchema.optional(),
        /** For link only: the other end (the link target <-> peer is cut both ways). */
        ...peer,
      })
      .superRefine((f, ctx) =>
        checkPeer(f, ctx, f.shape === 'link', f.shape === 'link', `partition shape ${f.shape}`),
      ),
    z.strictObject({
      kind: z.literal('crash'),
      ...at,
      target: TargetSchema,
      restartAfterMs: spanMs().optional(),
    }),
    z.strictObject({ kind: z.literal('pause'), ...at, forMs: spanMs(), target: TargetSchema }),
    z
      .strictObject({
        kind: z.literal('delay'),
        ...window,
        latencyMs: latencyMs(),
        jitterMs: latencyMs().default(0),
        target: TargetSchema.optional(),
        /** With a node-id target: only the link target <-> peer (both directions) is slowed. */
        ...peer,
      })
      .superRefine((f, ctx) => checkPeer(f, ctx, false, true, 'delay')),
    z
      .strictObject({
        kind: z.literal('drop'),
        ...window,
        probability: prob,
        target: TargetSchema.optional(),
        /** With a node-id target: only the link target <-> peer (both directions) loses messages. */
        ...peer,
      })
      .superRefine((f, ctx) => checkPeer(f, ctx, false, true, 'drop')),
    z.strictObject({
      kind: z.literal('duplicate'),
      ...window,
      probability: prob,
      target: TargetSchema.optional(),
    }),
    z.strictObject({
      kind: z.literal('reorder'),
      ...window,
      probability: prob,
      target: TargetSchema.optional(),
    }),
    z.strictObject({
      kind: z.literal('clock'),
      ...window,
      target: TargetSchema,
      /** Tick rate multiplier: 2 = this node's clock runs twice as fast. */
      rate: between(MIN_CLOCK_RATE, MAX_CLOCK_RATE, 'x').default(1),
      /**
       * One-off jump: this many ms of ticks fire at once (forward jumps only; at most
       * MAX_JUMP_TICKS of them, enough for every protocol timer to expire).
       */
      jumpMs: between(0, MAX_JUMP_MS, 'ms').optional(),
    }),
    z.strictObject({
      kind: z.literal('byzantine'),
      ...window,
      target: TargetSchema,
      behavior: z.enum(['silent', 'equivocate', 'forge', 'slow']),
    }),
    /**
     * A membership change asked of the leader (Raft thesis chapter 4): add `target` (as a
     * learner; a node not running yet is started), promote a learner to voter, or remove it.
     */
    z.strictObject({
      kind: z.literal('membership'),
      ...at,
      action: z.enum(MEMBERSHIP_ACTIONS),
      target: NodeIdSchema,
    }),
    /** Leadership transfer to `target` (Raft thesis 3.10), asked of the leader. */
    z.strictObject({ kind: z.literal('transfer-leadership'), ...at, target: NodeIdSchema }),
  ],
  {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? `unknown fault kind ${kindOf(iss.input)}(expected one of: ${FAULT_KIND_LIST})`
        : undefined,
  },
)
export type FaultSpec = z.infer<typeof FaultSchema>
export type FaultKind = FaultSpec['kind']
export const FAULT_KINDS: readonly FaultKind[] = [
  'partition',
  'crash',
  'pause',
  'delay',
  'drop',
  'duplicate',
  'reorder',
  'clock',
  'byzantine',
  'membership',
  'transfer-leadership',
]

/** Fault kinds that are cluster operations (an algorithm supports them or not: AlgorithmInfo.admin). */
export const ADMIN_FAULT_KINDS: readonly FaultKind[] = ['membership', 'transfer-leadership']

/** Why fault `f` cannot run with algorithm `kind` (a cluster operation it does not have), or null. */
/** An algorithm kind's name and cluster operations (a program has none the lab can ask for). */
function clusterOpsOf(kind: string): { label: string; admin: readonly string[] } {
  if (Object.hasOwn(ALGORITHM_INFO, kind)) {
    const info: AlgorithmInfo = ALGORITHM_INFO[kind as AlgorithmKind]
    return { label: info.label, admin: info.admin ?? [] }
  }
  return { label: kind === PROGRAM_KIND ? 'A program' : kind, admin: [] }
}

export function faultAlgorithmIssue(f: FaultSpec, kind: string): string | null {
  if (f.kind !== 'membership' && f.kind !== 'transfer-leadership') return null
  const info = clusterOpsOf(kind)
  if (info.admin.includes(f.kind)) return null
  const which = ALGORITHMS.filter((a) => (ALGORITHM_INFO[a] as AlgorithmInfo).admin?.includes(f.kind))
  return `${info.label} has no ${f.kind} operation (fault kind ${f.kind} is for ${which.join(', ')} only)`
}

export const ExperimentSpecSchema = z
  .strictObject({
    name: z.string().min(1).max(200).default('experiment'),
    algorithm: AlgorithmSchema.default({ kind: 'raft', params: RaftParamsSchema.parse({}) }),
    cluster: ClusterSchema.default(ClusterSchema.parse({})),
    mode: z.enum(['simulation', 'processes']).default('simulation'),
    seed: intBetween(0, Number.MAX_SAFE_INTEGER).default(1),
    durationMs: between(MIN_RUN_MS, MAX_RUN_MS, 'ms').default(10_000),
    workload: WorkloadSchema.default(WorkloadSchema.parse({})),
    network: NetworkSchema.default(NetworkSchema.parse({})),
    faults: z.array(FaultSchema).max(1000).default([]),
  })
  .superRefine((spec, ctx) => {
    const a = spec.algorithm
    programIssues(spec, (path, message) => ctx.addIssue({ code: 'custom', path, message }))
    // The algorithm's own cross-field checks (its description's specIssues).
    for (const issue of DESCRIPTIONS.get(a.kind)?.specIssues?.(spec) ?? [])
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message })
    const size = clusterSize(spec.cluster)
    if (spec.cluster.maxNodes !== undefined && spec.cluster.maxNodes < spec.cluster.nodes) {
      ctx.addIssue({
        code: 'custom',
        path: ['cluster', 'maxNodes'],
        message: `must be >= cluster.nodes (${spec.cluster.nodes}): it counts every node that may exist, the initial ones too`,
      })
    }
    const info = clusterOpsOf(a.kind)
    if (size > spec.cluster.nodes && !info.admin.includes('membership')) {
      ctx.addIssue({
        code: 'custom',
        path: ['cluster', 'maxNodes'],
        message: `${info.label} has no membership changes: nodes past cluster.nodes (${spec.cluster.nodes}) could never join`,
      })
    }
    // Cross-field checks: every node a fault names (target, peer) must exist in the cluster.
    spec.faults.forEach((f, i) => {
      const alg = faultAlgorithmIssue(f, a.kind)
      if (alg !== null) ctx.addIssue({ code: 'custom', path: ['faults', i, 'kind'], message: alg })
      for (const issue of faultNodeIssues(f, size))
        ctx.addIssue({ code: 'custom', path: ['faults', i, issue.field], message: issue.message })
      if (f.atMs > spec.durationMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['faults', i, 'atMs'],
          message: `must be <= durationMs (${spec.durationMs})`,
        })
      }
    })
  })

/**
 * A program runs only in processes mode, only with a Maelstrom workload, and never with a
 * fault it cannot feel; a built-in algorithm only with the kv workload.
 */
function programIssues(
  spec: {
    algorithm: { kind: string; mutants?: string[] }
    mode: string
    workload: { kind: string; topology?: string; readShare?: number }
    faults: ReadonlyArray<{ kind: FaultKind; behavior?: string }>
  },
  issue: (path: PropertyKey[], message: string) => void,
): void {
  const program = spec.algorithm.kind === PROGRAM_KIND
  if (spec.workload.readShare !== undefined && !READ_SHARE_WORKLOADS.includes(spec.workload.kind))
    issue(
      ['workload', 'readShare'],
      spec.workload.kind === 'kv' || spec.workload.kind === 'lin-kv'
        ? `the ${spec.workload.kind} workload takes its share of reads from workload.mix.read`
        : `only the ${READ_SHARE_WORKLOADS.join(', ')} workloads take a read share (${spec.workload.kind} sends no reads)`,
    )
  if (!program) {
    if (spec.workload.kind !== 'kv')
      issue(
        ['workload', 'kind'],
        `${spec.workload.kind} is a Maelstrom workload: only algorithm.kind "program" runs it (built-in algorithms use "kv")`,
      )
    return
  }
  if ((spec.algorithm.mutants ?? []).length > 0)
    issue(['algorithm', 'mutants'], 'a program has no built-in mutants (write the bug into the program)')
  if (spec.mode !== 'processes')
    issue(
      ['mode'],
      'must be "processes" for algorithm.kind "program" (a foreign program cannot run in virtual time)',
    )
  if (spec.workload.kind === 'kv')
    issue(
      ['workload', 'kind'],
      `a program needs a Maelstrom workload (one of: ${PROGRAM_WORKLOADS.join(', ')}), not "kv"`,
    )
  if (spec.workload.topology !== undefined && spec.workload.kind !== 'broadcast')
    issue(['workload', 'topology'], 'only the broadcast workload takes a topology')
  spec.faults.forEach((f, i) => {
    const why = PROGRAM_REFUSED_FAULTS[f.kind]
    if (why !== undefined)
      issue(['faults', i, 'kind'], `${f.kind} faults cannot be done to a program: ${why}`)
    if (f.kind === 'byzantine' && (f.behavior === 'forge' || f.behavior === 'equivocate'))
      issue(
        ['faults', i, 'behavior'],
        `${f.behavior} needs the node to rewrite its messages, which a program does not let the lab do (silent and slow work)`,
      )
  })
}

/** The nodes a fault names (target, peer) that are not in a cluster of `nodes` nodes (its clusterSize). */
export function faultNodeIssues(
  f: FaultSpec,
  nodes: number,
): Array<{ field: 'target' | 'peer'; message: string }> {
  const out: Array<{ field: 'target' | 'peer'; message: string }> = []
  const named = { target: 'target' in f ? f.target : undefined, peer: 'peer' in f ? f.peer : undefined }
  for (const field of ['target', 'peer'] as const) {
    const t = named[field]
    if (t !== undefined && nodeIdPattern.test(t) && Number(t.slice(1)) > nodes)
      out.push({
        field,
        message: `node ${t} does not exist (cluster has n1..n${nodes}${f.kind === 'membership' ? '; raise cluster.maxNodes for more' : ''})`,
      })
  }
  return out
}

/** A complete spec (defaults filled in). */
export type ExperimentSpec = z.infer<typeof ExperimentSpecSchema>
/** What a user may write: any field with a default may be left out. */
export type ExperimentSpecInput = z.input<typeof ExperimentSpecSchema>

export interface FieldError {
  /** e.g. `faults[2].atMs` */
  path: string
  message: string
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`
    else out += out ? `.${String(p)}` : String(p)
  }
  return out || '(spec)'
}

/** Turn zod issues into `path: message` errors with plain-English messages. */
export function toFieldErrors(error: z.ZodError): FieldError[] {
  const out: FieldError[] = []
  for (const iss of error.issues) {
    let message = iss.message
    const path = [...iss.path]
    switch (iss.code) {
      case 'too_small':
        if (isRangeMessage(message)) break
        message = `must be ${iss.inclusive === false ? '>' : '>='} ${String(iss.minimum)}`
        if (iss.origin === 'string' || iss.origin === 'array') message = `length ${message}`
        break
      case 'too_big':
        if (isRangeMessage(message)) break
        message = `must be ${iss.inclusive === false ? '<' : '<='} ${String(iss.maximum)}`
        if (iss.origin === 'string' || iss.origin === 'array') message = `length ${message}`
        break
      case 'invalid_type':
        message = message.startsWith('must')
          ? message
          : `must be ${iss.expected === 'int' ? 'an integer' : `a ${iss.expected}`}`
        if (iss.input === undefined) message = `is required (${message})`
        else message = `${message}, got ${describeValue(iss.input)}`
        break
      case 'invalid_value':
        message = `must be one of: ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`
        if (iss.input !== undefined) message += `, got ${describeValue(iss.input)}`
        break
      case 'unrecognized_keys':
        for (const k of iss.keys) out.push({ path: formatPath([...path, k]), message: 'unknown field' })
        continue
      case 'invalid_format':
        break
      default:
        break
    }
    out.push({ path: formatPath(path), message })
  }
  return out
}

function describeValue(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'object') return 'an object'
  if (typeof v === 'number' && !Number.isInteger(v)) return String(v)
  const text = JSON.stringify(v) ?? String(v)
  return text.length > 40 ? `${text.slice(0, 37)}...` : text
}

export type SpecResult = { ok: true; spec: ExperimentSpec } | { ok: false; errors: FieldError[] }

/** Parse anything (e.g. JSON from a file or the wire) into a complete spec or field errors. */
export function parseSpec(input: unknown): SpecResult {
  const r = ExperimentSpecSchema.safeParse(input, { reportInput: true })
  return r.success ? { ok: true, spec: r.data } : { ok: false, errors: toFieldErrors(r.error) }
}

/**
 * A fault given live (the UI's "break it now"; a boundary like any other): a spec fault
 * whose atMs may be left out and is ignored (it starts now). Checked against a cluster of
 * `nodes` nodes (its clusterSize) and, when given, the run's algorithm (the cluster operations
 * it has); errors name the field under `fault` (e.g. `fault.target`).
 */
export function parseLiveFault(
  input: unknown,
  nodes: number,
  algorithm?: string,
): { ok: true; fault: FaultSpec } | { ok: false; errors: FieldError[] } {
  const withAt = typeof input === 'object' && input !== null ? { ...input, atMs: 0 } : input
  const r = FaultSchema.safeParse(withAt, { reportInput: true })
  const under = (path: string): string => (path && path !== '(spec)' ? `fault.${path}` : 'fault')
  if (!r.success)
    return {
      ok: false,
      errors: toFieldErrors(r.error).map((x) => ({ path: under(x.path), message: x.message })),
    }
  const alg = algorithm === undefined ? null : faultAlgorithmIssue(r.data, algorithm)
  if (alg !== null) return { ok: false, errors: [{ path: 'fault.kind', message: alg }] }
  const issues = faultNodeIssues(r.data, nodes)
  if (issues.length > 0)
    return { ok: false, errors: issues.map((x) => ({ path: `fault.${x.field}`, message: x.message })) }
  return { ok: true, fault: r.data }
}

/** Parse JSON text; a syntax error becomes a field error on `(file)`. */
export function parseSpecJson(text: string): SpecResult {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    return { ok: false, errors: [{ path: '(file)', message: `not valid JSON: ${(e as Error).message}` }] }
  }
  return parseSpec(value)
}

export function formatErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('\n')
}

/** The default spec the designer opens with. */
export function defaultSpec(): ExperimentSpec {
  return ExperimentSpecSchema.parse({ name: 'raft-5' })
}
