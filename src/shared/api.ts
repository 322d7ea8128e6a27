// The LabApi: the one contract between the UI and the engine. The Electron bridge
// (preload + ipcMain) and the browser-mode bridge (HTTP + WebSocket) both carry exactly
// these calls, validated by the same schemas in `LabArgSchemas`.
import { z } from 'zod'
import type { ExperimentSpec, FieldError, SpecResult } from './spec'
import type { NodeId, Role, TraceEvent, TraceKind } from './trace'

export type RunId = string
export type RunStatus = 'running' | 'done' | 'stopped' | 'failed'

export interface NodeLive {
  id: NodeId
  role: Role
  term: number
  leader: NodeId | null
  commitIndex: number
  lastIndex: number
}

/** Per-window figures (default window: 1 s of run time). */
export interface MetricsWindow {
  startMs: number
  endMs: number
  ok: number
  fail: number
  info: number
  /** Latency of ok ops completed in this window, ms (null when none). */
  p50: number | null
  p99: number | null
  messages: number
}

export type Verdict = 'ok' | 'violation' | 'unknown'

/** Operations a check could not explain, in a form the history view can highlight. */
export interface Counterexample {
  key: string
  /** Op ids (the trace's `opId`) of the smallest failing set found. */
  opIds: string[]
  /** The op that could not take effect, if one stands out. */
  culpritId: string | null
  /** The longest linearizable prefix found, op ids in linearization order (capped). */
  prefix: string[]
  /** Model state (the register's value) where the search failed; null = absent. */
  state: string | null
  explanation: string
}

export interface CheckResult {
  name: string
  ok: boolean
  /** ok / violation, or unknown when the check ran out of budget (then ok is false). */
  verdict?: Verdict
  /** How many violations were found (0 when ok). */
  count: number
  /** The first few violations in words. */
  details: string[]
  counterexample?: Counterexample
  /** Reads that returned a value older than a write completed before they began. */
  staleReads?: number
}

export interface RunSummary {
  simulatedMs: number
  wallMs: number
  leaderChanges: number
  elections: number
  ops: { total: number; ok: number; fail: number; info: number }
  latencyMs: { p50: number | null; p99: number | null; max: number | null }
  messages: { sent: number; delivered: number; dropped: number; duplicated: number }
  checks: CheckResult[]
  verdict: Verdict
}

export interface RunInfo {
  runId: RunId
  name: string
  algorithm: string
  mode: ExperimentSpec['mode']
  seed: number
  status: RunStatus
  startedAt: string
  endedAt: string | null
  /** 0..1 of the run's duration. */
  progress: number
  spec: ExperimentSpec
  summary: RunSummary | null
  error: string | null
}

export interface AppInfo {
  name: string
  version: string
  bridge: 'electron' | 'browser'
  dataDir: string
}

export type LabEvent =
  | {
      type: 'run-progress'
      runId: RunId
      /** Run-relative time reached, ms. */
      tMs: number
      progress: number
      nodes: NodeLive[]
      /** Windows closed since the previous progress event. */
      windows: MetricsWindow[]
    }
  | { type: 'run-status'; run: RunInfo }

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
  listRuns: z.undefined().optional(),
  getTrace: z.strictObject({
    runId: z.string().min(1),
    fromUs: z.number().min(0).optional(),
    toUs: z.number().min(0).optional(),
    kinds: z.array(z.string()).optional(),
    limit: z.number().int().min(1).max(1_000_000).optional(),
  }),
} as const

export type LabMethod = keyof typeof LabArgSchemas
export const LAB_METHODS = Object.keys(LabArgSchemas) as LabMethod[]

export interface TraceQuery {
  runId: RunId
  fromUs?: number
  toUs?: number
  kinds?: TraceKind[]
  limit?: number
}

/** The typed surface the renderer sees as `window.lab` (Electron) or the WebSocket client. */
export interface LabApi {
  appInfo(): Promise<AppInfo>
  defaultSpec(): Promise<ExperimentSpec>
  validateSpec(arg: { spec: unknown }): Promise<SpecResult>
  startRun(arg: { spec: unknown; speed?: number | 'max' }): Promise<RunInfo>
  stopRun(arg: { runId: RunId }): Promise<RunInfo>
  getRun(arg: { runId: RunId }): Promise<RunInfo>
  listRuns(): Promise<RunInfo[]>
  getTrace(arg: TraceQuery): Promise<TraceEvent[]>
  /** Subscribe to the event stream; returns an unsubscribe function. */
  onEvent(listener: (e: LabEvent) => void): () => void
}

export type LabCalls = Omit<LabApi, 'onEvent'>

export type LabErrorCode = 'bad_input' | 'not_found' | 'unavailable' | 'internal'

/** The error shape both bridges carry back to the caller. */
export interface LabErrorData {
  code: LabErrorCode
  message: string
  fields?: FieldError[]
}

export class LabError extends Error {
  readonly code: LabErrorCode
  readonly fields: FieldError[] | undefined
  constructor(code: LabErrorCode, message: string, fields?: FieldError[]) {
    super(message)
    this.name = 'LabError'
    this.code = code
    this.fields = fields
  }
  toData(): LabErrorData {
    return { code: this.code, message: this.message, ...(this.fields ? { fields: this.fields } : {}) }
  }
  static from(data: LabErrorData): LabError {
    return new LabError(data.code, data.message, data.fields)
  }
}

/** Wire envelopes for the browser-mode WebSocket (JSON text frames). */
export const WireRequestSchema = z.strictObject({
  id: z.number().int().min(0),
  method: z.string(),
  arg: z.unknown().optional(),
})
export type WireRequest = z.infer<typeof WireRequestSchema>
export type WireMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number | null; ok: false; error: LabErrorData }
  | { event: LabEvent }
