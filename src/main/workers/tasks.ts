// What a campaign worker can be asked to do, and what it answers: one message shape each way,
// checked where it crosses the thread boundary (zod). A task names its kind; `id` pairs an
// answer with its task.
import { z } from 'zod'
import type { ExploreResult } from '../../core/explore'
import type { RunStatus, RunSummary } from '../../shared/api'
import { FUZZ_STYLES } from '../../shared/campaign-limits'

export const FuzzSeedTaskSchema = z.strictObject({
  kind: z.literal('fuzz-seed'),
  id: z.number().int().min(0),
  /** The app version the task was made by: results are only comparable within one version. */
  version: z.string().min(1).max(64),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  algorithm: z.string().min(1).max(64),
  mutants: z.array(z.string().min(1).max(64)).max(16),
  durationMs: z.number().int().min(100).max(3_600_000),
  nodes: z.number().int().min(1).max(15),
  style: z.enum(FUZZ_STYLES).optional(),
})
export type FuzzSeedTask = z.infer<typeof FuzzSeedTaskSchema>

/**
 * One run of a sweep, on this machine only: the worker records it itself in the database under
 * `dataDir` (SQLite in WAL mode takes one writer at a time; the others wait). The spec is
 * checked by the worker (parseSpec), as any spec file is.
 */
export const SweepRunTaskSchema = z.strictObject({
  kind: z.literal('sweep-run'),
  id: z.number().int().min(0),
  version: z.string().min(1).max(64),
  dataDir: z.string().min(1).max(4096),
  spec: z.record(z.string(), z.unknown()),
})
export type SweepRunTask = z.infer<typeof SweepRunTaskSchema>

/** The explore command's options as typed (strings, checked again by the worker as by the CLI). */
export const ExploreTextOptionsSchema = z.strictObject({
  mutant: z.string().max(1000).optional(),
  depth: z.string().max(32),
  maxStates: z.string().max(32),
  seconds: z.string().max(32).optional(),
  crashes: z.string().max(32),
  drops: z.string().max(32),
  byzantine: z.string().max(32),
  /** Most cluster operations on a path (absent: none). */
  admin: z.string().max(32).optional(),
  ops: z.string().max(1000),
  attempts: z.string().max(32),
  time: z.enum(['timeout', 'tick']),
  rng: z.enum(['fixed', 'seeded']),
  linearizability: z.boolean(),
})
export type ExploreTextOptions = z.infer<typeof ExploreTextOptionsSchema>

/**
 * One stream of random walks of an exploration spread over threads (this machine only): its
 * seed and its share of the step budget. `stop` is shared by every stream: set to 1 when one
 * found a violation, the others end at their next clock check.
 */
export const ExploreWalksTaskSchema = z.strictObject({
  kind: z.literal('explore-walks'),
  id: z.number().int().min(0),
  version: z.string().min(1).max(64),
  spec: z.record(z.string(), z.unknown()),
  options: ExploreTextOptionsSchema,
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  maxStates: z.number().int().min(1).max(100_000_000),
  stop: z.instanceof(SharedArrayBuffer),
})
export type ExploreWalksTask = z.infer<typeof ExploreWalksTaskSchema>

export const TaskSchema = z.discriminatedUnion('kind', [
  FuzzSeedTaskSchema,
  SweepRunTaskSchema,
  ExploreWalksTaskSchema,
])
export type Task = z.infer<typeof TaskSchema>

/** One fuzzed seed: its verdicts, without the trace (a violating seed is re-run to record it). */
export interface FuzzSeedResult {
  seed: number
  /** The fault style the seed drew. */
  style: string
  /** The failing checks: name, count, first details. */
  violations: Array<{ name: string; count: number; details: string[] }>
  events: number
  simulatedMs: number
  stop: 'end' | 'violation' | 'budget'
}

/** One recorded sweep run: its id in the database, how it ended and its summary. */
export interface SweepRunResult {
  runId: string
  status: RunStatus
  summary: RunSummary | null
}

export type TaskResult =
  | { kind: 'fuzz-seed'; id: number; result: FuzzSeedResult }
  | { kind: 'sweep-run'; id: number; result: SweepRunResult }
  | { kind: 'explore-walks'; id: number; result: ExploreResult }

/** A worker's answer: a result, or why the task failed. */
export type WorkerAnswer = { ok: true; answer: TaskResult } | { ok: false; id: number; error: string }
