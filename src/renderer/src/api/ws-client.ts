// The LabApi over the browser-mode WebSocket (see WireRequest / WireMessage in
// src/shared/api.ts). One socket, request ids, a map of pending promises, events fanned
// out to every onEvent listener, and reconnection with capped exponential backoff. While the
// server is unreachable a call fails at once, saying so (it does not wait for a server that
// is gone); a call made while connecting waits for the connection (at most queueTimeoutMs).
import { LabError, type LabErrorCode, type LabErrorData } from '../../../shared/lab-error'
import type {
  AppInfo,
  CheckedHistory,
  CampaignInfo,
  CampaignOptions,
  Comparison,
  ExploreCampaign,
  ExploreRequest,
  FuzzCampaign,
  FuzzRequest,
  InjectedFault,
  KeyExplanation,
  ReplayState,
  RunDiff,
  TraceInfo,
  CsvKind,
  ExportResult,
  LabApi,
  LabEvent,
  LabMethod,
  RunFilter,
  RunId,
  RunInfo,
  RunMetrics,
  SketchSummary,
  TraceQuery,
  WireRequest,
} from '../../../shared/api'
import type { ExperimentSpec, SpecResult } from '../../../shared/spec'
import type { TraceEvent } from '../../../shared/trace'
import type { HistoryFormat } from '../../../shared/history-formats/types'

export type ConnectionState = 'connecting' | 'open' | 'closed'

export interface ConnectionInfo {
  state: ConnectionState
  /** Failed attempts since the last successful open. */
  attempt: number
  /** When closed: ms until the next attempt. */
  retryInMs: number | null
  /** Why the last socket closed, in words. */
  lastError: string | null
}

/** The slice of the browser WebSocket class the client needs (injectable for tests). */
export type WebSocketCtor = new (url: string, protocols?: string[]) => WebSocket

export interface WsClientOptions {
  url: string
  /** Subprotocols to offer (browser mode: the token travels as one, see token.ts). */
  protocols?: string[]
  /** Set when the client cannot connect at all (no token): every call fails with this. */
  unavailable?: string
  WebSocketImpl?: WebSocketCtor
  /** First reconnect delay; doubles per failed attempt up to maxBackoffMs. */
  minBackoffMs?: number
  maxBackoffMs?: number
  /** A request that cannot be sent for this long (no connection) fails as `unavailable`. */
  queueTimeoutMs?: number
}

interface Pending {
  method: LabMethod
  frame: string
  sent: boolean
  queueTimer: ReturnType<typeof setTimeout> | null
  resolve: (value: unknown) => void
  reject: (error: LabError) => void
}

const ERROR_CODES: readonly LabErrorCode[] = ['bad_input', 'not_found', 'unavailable', 'internal']

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Turn whatever came back as `error` into a LabError, keeping field errors when well formed. */
export function toLabError(raw: unknown): LabError {
  if (!isRecord(raw)) return new LabError('internal', 'the lab sent a malformed error')
  const code = ERROR_CODES.includes(raw.code as LabErrorCode) ? (raw.code as LabErrorCode) : 'internal'
  const message = typeof raw.message === 'string' ? raw.message : 'unknown error'
  const fields = Array.isArray(raw.fields)
    ? raw.fields
        .filter(isRecord)
        .map((f) => ({ path: String(f.path ?? '(spec)'), message: String(f.message ?? '') }))
    : undefined
  const data: LabErrorData = { code, message, ...(fields ? { fields } : {}) }
  return LabError.from(data)
}

export class WsLabClient implements LabApi {
  private readonly url: string
  private readonly protocols: string[] | undefined
  private readonly unavailable: string | undefined
  private readonly WS: WebSocketCtor
  private readonly minBackoffMs: number
  private readonly maxBackoffMs: number
  private readonly queueTimeoutMs: number

  private ws: WebSocket | null = null
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly listeners = new Set<(e: LabEvent) => void>()
  private readonly connListeners = new Set<(c: ConnectionInfo) => void>()
  private info: ConnectionInfo = { state: 'closed', attempt: 0, retryInMs: null, lastError: null }
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private disposed = false

  constructor(opts: WsClientOptions) {
    this.url = opts.url
    this.protocols = opts.protocols
    this.unavailable = opts.unavailable
    if (this.unavailable !== undefined) this.info = { ...this.info, lastError: this.unavailable }
    this.WS = opts.WebSocketImpl ?? WebSocket
    this.minBackoffMs = opts.minBackoffMs ?? 250
    this.maxBackoffMs = opts.maxBackoffMs ?? 8000
    this.queueTimeoutMs = opts.queueTimeoutMs ?? 15_000
  }

  // ---- LabApi ---------------------------------------------------------------------------

  appInfo(): Promise<AppInfo> {
    return this.call('appInfo', undefined)
  }
  defaultSpec(): Promise<ExperimentSpec> {
    return this.call('defaultSpec', undefined)
  }
  validateSpec(arg: { spec: unknown }): Promise<SpecResult> {
    return this.call('validateSpec', arg)
  }
  startRun(arg: { spec: unknown; speed?: number | 'max' }): Promise<RunInfo> {
    return this.call('startRun', arg)
  }
  stopRun(arg: { runId: RunId }): Promise<RunInfo> {
    return this.call('stopRun', arg)
  }
  getRun(arg: { runId: RunId }): Promise<RunInfo> {
    return this.call('getRun', arg)
  }
  listRuns(filter?: RunFilter): Promise<RunInfo[]> {
    return this.call('listRuns', filter)
  }
  getTrace(arg: TraceQuery): Promise<TraceEvent[]> {
    return this.call('getTrace', arg)
  }
  deleteRun(arg: { runId: RunId }): Promise<{ runId: RunId; deleted: boolean }> {
    return this.call('deleteRun', arg)
  }
  rerun(arg: { runId: RunId; speed?: number | 'max' }): Promise<RunInfo> {
    return this.call('rerun', arg)
  }
  getMetrics(arg: { runIds: RunId[] }): Promise<RunMetrics[]> {
    return this.call('getMetrics', arg)
  }
  getSketches(arg: { runIds: RunId[]; fromMs?: number; toMs?: number }): Promise<SketchSummary> {
    return this.call('getSketches', arg)
  }
  injectFault(arg: { runId: RunId; fault: unknown }): Promise<InjectedFault> {
    return this.call('injectFault', arg)
  }
  endFault(arg: { runId: RunId; index: number }): Promise<{ runId: RunId; index: number; ended: boolean }> {
    return this.call('endFault', arg)
  }
  getTraceInfo(arg: { runId: RunId }): Promise<TraceInfo> {
    return this.call('getTraceInfo', arg)
  }
  getReplayState(arg: { runId: RunId; atUs: number; logTail?: number }): Promise<ReplayState> {
    return this.call('getReplayState', arg)
  }
  diffRuns(arg: { a: RunId; b: RunId }): Promise<RunDiff> {
    return this.call('diffRuns', arg)
  }
  compareRuns(arg: { runIds: RunId[] }): Promise<Comparison> {
    return this.call('compareRuns', arg)
  }
  explainKey(arg: { runId: RunId; key: string }): Promise<KeyExplanation> {
    return this.call('explainKey', arg)
  }
  /** Desktop only (the server refuses it in browser mode): use csvDownloadUrl() instead. */
  exportCsv(arg: { what: CsvKind; runId?: RunId; runIds?: RunId[] }): Promise<ExportResult> {
    return this.call('exportCsv', arg)
  }
  checkHistory(arg: {
    text: string
    format?: HistoryFormat | 'auto'
    name: string
  }): Promise<CheckedHistory> {
    return this.call('checkHistory', arg)
  }
  campaignOptions(): Promise<CampaignOptions> {
    return this.call('campaignOptions', undefined)
  }
  startExplore(arg: ExploreRequest): Promise<ExploreCampaign> {
    return this.call('startExplore', arg)
  }
  startFuzz(arg: FuzzRequest): Promise<FuzzCampaign> {
    return this.call('startFuzz', arg)
  }
  stopCampaign(arg: { campaignId: string }): Promise<CampaignInfo> {
    return this.call('stopCampaign', arg)
  }
  listCampaigns(): Promise<CampaignInfo[]> {
    return this.call('listCampaigns', undefined)
  }
  onEvent(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener)
    this.ensureSocket()
    return () => {
      this.listeners.delete(listener)
    }
  }

  // ---- connection state -----------------------------------------------------------------

  /** Observe the connection (called at once with the current state). */
  onConnection(listener: (c: ConnectionInfo) => void): () => void {
    this.connListeners.add(listener)
    listener({ ...this.info })
    this.ensureSocket()
    return () => {
      this.connListeners.delete(listener)
    }
  }

  get connection(): ConnectionInfo {
    return { ...this.info }
  }

  /** Close for good: pending calls fail, no reconnection. */
  dispose(): void {
    this.disposed = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    const ws = this.ws
    this.ws = null
    if (ws) ws.close(1000, 'client disposed')
    this.failPending(() => true, 'the lab client was closed')
    this.setInfo({ state: 'closed', retryInMs: null })
  }

  // ---- internals ------------------------------------------------------------------------

  private call<T>(method: LabMethod, arg: unknown): Promise<T> {
    if (this.disposed) return Promise.reject(new LabError('unavailable', 'the lab client was closed'))
    if (this.unavailable !== undefined) return Promise.reject(new LabError('unavailable', this.unavailable))
    if (this.info.state === 'closed' && this.info.attempt > 0)
      return Promise.reject(this.offlineError(method))
    const id = this.nextId++
    const req: WireRequest = arg === undefined ? { id, method } : { id, method, arg }
    return new Promise<T>((resolve, reject) => {
      const p: Pending = {
        method,
        frame: JSON.stringify(req),
        sent: false,
        queueTimer: null,
        resolve: resolve as (v: unknown) => void,
        reject,
      }
      this.pending.set(id, p)
      if (this.ws && this.ws.readyState === 1 /* OPEN */) {
        this.send(id, p)
      } else {
        p.queueTimer = setTimeout(() => {
          if (this.pending.get(id) === p && !p.sent) {
            this.pending.delete(id)
            reject(
              new LabError(
                'unavailable',
                `cannot reach the lab (${method}): ${this.info.lastError ?? 'not connected'}`,
              ),
            )
          }
        }, this.queueTimeoutMs)
        this.ensureSocket()
      }
    })
  }

  private send(id: number, p: Pending): void {
    if (!this.ws) return
    if (p.queueTimer) clearTimeout(p.queueTimer)
    p.queueTimer = null
    try {
      this.ws.send(p.frame)
      p.sent = true
    } catch (e) {
      this.pending.delete(id)
      p.reject(new LabError('unavailable', `could not send ${p.method}: ${(e as Error).message}`))
    }
  }

  private ensureSocket(): void {
    if (this.disposed || this.unavailable !== undefined || this.ws || this.retryTimer) return
    this.open()
  }

  private open(): void {
    this.retryTimer = null
    this.setInfo({ state: 'connecting', retryInMs: null })
    let ws: WebSocket
    try {
      ws = this.protocols ? new this.WS(this.url, this.protocols) : new this.WS(this.url)
    } catch (e) {
      this.scheduleReconnect(`cannot open ${this.url}: ${(e as Error).message}`)
      return
    }
    this.ws = ws
    ws.onopen = () => {
      if (this.ws !== ws) return
      this.setInfo({ state: 'open', attempt: 0, retryInMs: null, lastError: null })
      for (const [id, p] of this.pending) if (!p.sent) this.send(id, p)
    }
    ws.onmessage = (ev: MessageEvent) => {
      if (this.ws !== ws) return
      this.onFrame(ev.data)
    }
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return
      this.ws = null
      const why =
        ev.reason || (ev.code === 1006 ? 'connection refused or dropped' : `closed (code ${ev.code})`)
      // A call already sent may or may not have happened: fail it rather than resend it.
      this.failPending((p) => p.sent, `connection to the lab was lost (${why})`)
      if (!this.disposed) this.scheduleReconnect(why)
      // Calls still waiting to be sent: the server is not there, say so now.
      for (const [id, p] of [...this.pending]) {
        if (p.sent) continue
        this.pending.delete(id)
        if (p.queueTimer) clearTimeout(p.queueTimer)
        p.reject(this.offlineError(p.method))
      }
    }
    ws.onerror = () => {
      // onclose follows with the details.
    }
  }

  private offlineError(method: LabMethod): LabError {
    const retry =
      this.info.retryInMs !== null ? `; retrying in ${Math.ceil(this.info.retryInMs / 1000)} s` : ''
    return new LabError(
      'unavailable',
      `offline: the lab server is not reachable (${method} not sent: ${this.info.lastError ?? 'no connection'}${retry})`,
    )
  }

  private scheduleReconnect(why: string): void {
    const attempt = this.info.attempt + 1
    const base = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** (attempt - 1))
    const delay = Math.round(base * (0.5 + Math.random() * 0.5))
    this.setInfo({ state: 'closed', attempt, retryInMs: delay, lastError: why })
    this.retryTimer = setTimeout(() => this.open(), delay)
  }

  private failPending(which: (p: Pending) => boolean, message: string): void {
    for (const [id, p] of [...this.pending]) {
      if (!which(p)) continue
      this.pending.delete(id)
      if (p.queueTimer) clearTimeout(p.queueTimer)
      p.reject(new LabError('unavailable', `${p.method}: ${message}`))
    }
  }

  private onFrame(data: unknown): void {
    if (typeof data !== 'string') return
    let msg: unknown
    try {
      msg = JSON.parse(data)
    } catch {
      console.warn('lab: ignoring a frame that is not JSON')
      return
    }
    if (!isRecord(msg)) return
    if ('event' in msg) {
      const event = msg.event as LabEvent
      for (const l of [...this.listeners]) {
        try {
          l(event)
        } catch (e) {
          console.error('lab: event listener failed', e)
        }
      }
      return
    }
    const id = msg.id
    if (typeof id !== 'number') {
      // {id: null, ok: false}: the server could not read one of our frames.
      if (msg.ok === false) console.error('lab: server rejected a frame:', toLabError(msg.error).message)
      return
    }
    const p = this.pending.get(id)
    if (!p) return
    this.pending.delete(id)
    if (msg.ok === true) p.resolve(msg.result)
    else p.reject(toLabError(msg.error))
  }

  private setInfo(patch: Partial<ConnectionInfo>): void {
    this.info = { ...this.info, ...patch }
    const snapshot = { ...this.info }
    for (const l of [...this.connListeners]) l(snapshot)
  }
}
