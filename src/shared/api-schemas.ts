// The LabApi's argument schemas (zod): the single source of validation for both bridges (the
// Electron IPC handlers and browser mode's WebSocket). Kept apart from api.ts so the renderer's
// first chunk, which needs the API's types and a few constants, does not load zod.
import { z } from 'zod'
import { HISTORY_FORMATS } from './history-formats/types'
import { MAX_HISTORY_TEXT } from './history-limits'
import { EXPLORE_LIMITS, FUZZ_LIMITS, FUZZ_STYLES } from './campaign-limits'
import { between, intBetween } from './bounds'

export const CSV_KINDS = ['ops', 'trace', 'metrics', 'summary', 'runs'] as const
export type CsvKind = (typeof CSV_KINDS)[number]

/** An ISO 8601 date (2025-01-31) or date-time. */
function isoDate() {
  return z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, {
      error: 'must be an ISO date (2025-01-31) or date-time',
    })
    .refine((s) => !Number.isNaN(Date.parse(s)), { error: 'must be a valid date' })
}

/** A whole number within [lo, hi], the error naming the range. */
function bounded([lo, hi]: readonly [number, number], unit?: string) {
  return intBetween(lo, hi, unit)
}

const mutantList = z.array(z.string().min(1).max(64)).max(16)

/** Argument schemas, one per call: the single source of validation for both bridges. */
export const LabArgSchemas = {
  appInfo: z.undefined().optional(),
  defaultSpec: z.undefined().optional(),
  validateSpec: z.strictObject({ spec: z.unknown() }),
  startRun: z.strictObject({
    spec: z.unknown(),
    /** Simulation pacing: run-time ms per wall ms (1 = real time), or 'max' for as fast as possible. */
    speed: z.union([z.number().gt(0).max(10_000), z.literal('max')]).optional(),
  }),
  stopRun: z.strictObject({ runId: z.string().min(1) }),
  getRun: z.strictObject({ runId: z.string().min(1) }),
  listRuns: z
    .strictObject({
      algorithm: z.string().min(1).max(100).optional(),
      status: z.enum(['queued', 'running', 'done', 'stopped', 'failed', 'crashed']).optional(),
      name: z.string().max(200).optional(),
      since: isoDate().optional(),
      until: isoDate().optional(),
      limit: z.number().int().min(1).max(100_000).optional(),
      ids: z.array(z.string().min(1).max(200)).max(1000).optional(),
    })
    .optional(),
  getTrace: z.strictObject({
    runId: z.string().min(1),
    fromUs: z.number().min(0).optional(),
    toUs: z.number().min(0).optional(),
    kinds: z.array(z.string()).optional(),
    limit: z.number().int().min(1).max(1_000_000).optional(),
  }),
  deleteRun: z.strictObject({ runId: z.string().min(1) }),
  /** Run a recorded run's spec snapshot again with the same seed. */
  rerun: z.strictObject({
    runId: z.string().min(1),
    speed: z.union([z.number().gt(0).max(10_000), z.literal('max')]).optional(),
  }),
  /** Per-window metrics of several runs (for compare). */
  getMetrics: z.strictObject({ runIds: z.array(z.string().min(1)).min(1).max(100) }),
  /** Stored sketches of one or more runs merged over [fromMs, toMs) of run time. */
  getSketches: z.strictObject({
    runIds: z.array(z.string().min(1)).min(1).max(1000),
    fromMs: z.number().min(0).optional(),
    toMs: z.number().min(0).optional(),
  }),
  /**
   * Inject a fault into a running run now: the fault is a spec fault object (FaultSchema);
   * its atMs is ignored (the run's current time is used). Recorded like scheduled faults.
   */
  injectFault: z.strictObject({ runId: z.string().min(1), fault: z.unknown() }),
  /** End an active fault early (its index from injectFault or the spec's fault list). */
  endFault: z.strictObject({ runId: z.string().min(1), index: z.number().int().min(0) }),
  /** Size, time span, nodes and message types of a recorded run's trace (replay). */
  getTraceInfo: z.strictObject({ runId: z.string().min(1) }),
  /** Every node's state, log tail and the active faults at one instant of a recorded run. */
  getReplayState: z.strictObject({
    runId: z.string().min(1),
    atUs: z.number().min(0),
    logTail: z.number().int().min(0).max(1000).optional(),
  }),
  /** The first point where two runs' traces diverge. */
  diffRuns: z.strictObject({ a: z.string().min(1), b: z.string().min(1) }),
  /** Two to eight runs side by side (Compare screen). */
  compareRuns: z.strictObject({ runIds: z.array(z.string().min(1)).min(2).max(8) }),
  /** Check one key of a recorded run's history again and explain its violation (History). */
  explainKey: z.strictObject({ runId: z.string().min(1), key: z.string().min(1).max(1000) }),
  /** Desktop app: write a CSV to a path the user picks in a save dialog. */
  exportCsv: z
    .strictObject({
      what: z.enum(CSV_KINDS),
      runId: z.string().min(1).optional(),
      /** For `runs`: only these runs (default: every run). */
      runIds: z.array(z.string().min(1).max(200)).max(1000).optional(),
    })
    .refine((a) => a.what === 'runs' || a.runId !== undefined, {
      error: 'is required unless what is "runs"',
      path: ['runId'],
    }),
  /** Check a history file's text (any format `quorum-lab check` reads) for the History view. */
  checkHistory: z.strictObject({
    text: z.string().max(MAX_HISTORY_TEXT),
    format: z.enum(['auto', ...HISTORY_FORMATS]).optional(),
    name: z.string().max(1000),
  }),
  /** Algorithms, mutants, examples and bounds of the Explore and Fuzz screens. */
  campaignOptions: z.undefined().optional(),
  /** Model-check a spec (the spec and mutants are checked by the service, naming the field). */
  startExplore: z.strictObject({
    spec: z.unknown(),
    mutants: mutantList.optional(),
    strategy: z.enum(['bfs', 'dfs', 'random']).optional(),
    depth: bounded(EXPLORE_LIMITS.depth).optional(),
    maxStates: bounded(EXPLORE_LIMITS.maxStates, 'states').optional(),
    seconds: between(EXPLORE_LIMITS.seconds[0], EXPLORE_LIMITS.seconds[1], 'seconds').optional(),
    crashes: bounded(EXPLORE_LIMITS.crashes).optional(),
    drops: bounded(EXPLORE_LIMITS.drops).optional(),
    admin: bounded(EXPLORE_LIMITS.admin).optional(),
    ops: z.string().max(400).optional(),
  }),
  /** A fuzz campaign over worker threads (algorithm and mutants checked by the service). */
  startFuzz: z.strictObject({
    algorithm: z.string().min(1).max(64),
    seeds: bounded(FUZZ_LIMITS.seeds),
    start: bounded(FUZZ_LIMITS.start).optional(),
    mutants: mutantList.optional(),
    workers: z.union([bounded(FUZZ_LIMITS.workers), z.literal('auto')]).optional(),
    durationMs: bounded(FUZZ_LIMITS.durationMs, 'ms').optional(),
    nodes: bounded(FUZZ_LIMITS.nodes, 'nodes').optional(),
    style: z.enum(FUZZ_STYLES).optional(),
  }),
  stopCampaign: z.strictObject({ campaignId: z.string().min(1).max(100) }),
  listCampaigns: z.undefined().optional(),
} as const

export type LabMethod = keyof typeof LabArgSchemas
export const LAB_METHODS = Object.keys(LabArgSchemas) as LabMethod[]

/** Wire envelopes for the browser-mode WebSocket (JSON text frames). */
export const WireRequestSchema = z.strictObject({
  id: z.number().int().min(0),
  method: z.string(),
  arg: z.unknown().optional(),
})
export type WireRequest = z.infer<typeof WireRequestSchema>
