// The one way the renderer reaches the lab: `getLab()` returns Electron's preload bridge
// (`window.lab`) when present, otherwise a WebSocket client for browser mode. Both
// implement the same LabApi from src/shared/api.ts, and both reject with LabError
// instances (field errors included), whatever shape the bridge delivered them in.
import type { CsvKind, LabApi, RunFilter, RunId } from '../../../shared/api'
import { LabError } from '../../../shared/lab-error'
import { toLabError, WsLabClient, type ConnectionInfo } from './ws-client'

export { LabError } from '../../../shared/lab-error'
export type { ConnectionInfo, ConnectionState } from './ws-client'

let lab: LabApi | null = null
let socket: WsLabClient | null = null

/** ws://<same host>/ws: same origin, so the auth cookie set at `/?token=...` rides along. */
export function labSocketUrl(loc: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`
}

/** Any rejection as a LabError (contextBridge hands over plain objects, not class instances). */
export function asLabError(e: unknown): LabError {
  return e instanceof LabError ? e : toLabError(e)
}

function guard<A extends unknown[], R>(f: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await f(...args)
    } catch (e) {
      throw asLabError(e)
    }
  }
}

/** Wrap the preload bridge so its rejections are LabError instances. */
export function wrapBridge(b: LabApi): LabApi {
  return {
    appInfo: guard(() => b.appInfo()),
    defaultSpec: guard(() => b.defaultSpec()),
    validateSpec: guard((arg) => b.validateSpec(arg)),
    startRun: guard((arg) => b.startRun(arg)),
    stopRun: guard((arg) => b.stopRun(arg)),
    getRun: guard((arg) => b.getRun(arg)),
    listRuns: guard((filter) => b.listRuns(filter)),
    getTrace: guard((arg) => b.getTrace(arg)),
    deleteRun: guard((arg) => b.deleteRun(arg)),
    rerun: guard((arg) => b.rerun(arg)),
    getMetrics: guard((arg) => b.getMetrics(arg)),
    getSketches: guard((arg) => b.getSketches(arg)),
    injectFault: guard((arg) => b.injectFault(arg)),
    endFault: guard((arg) => b.endFault(arg)),
    getTraceInfo: guard((arg) => b.getTraceInfo(arg)),
    getReplayState: guard((arg) => b.getReplayState(arg)),
    diffRuns: guard((arg) => b.diffRuns(arg)),
    compareRuns: guard((arg) => b.compareRuns(arg)),
    explainKey: guard((arg) => b.explainKey(arg)),
    exportCsv: guard((arg) => b.exportCsv(arg)),
    onEvent: (listener) => b.onEvent(listener),
  }
}

export function getLab(): LabApi {
  if (!lab) {
    if (window.lab) lab = wrapBridge(window.lab)
    else lab = socket = new WsLabClient({ url: labSocketUrl() })
  }
  return lab
}

/** Which bridge `getLab()` uses. */
export function bridgeKind(): 'electron' | 'browser' {
  getLab()
  return socket ? 'browser' : 'electron'
}

/** Connection state of the bridge; the Electron bridge is always open. */
export function onConnection(listener: (c: ConnectionInfo) => void): () => void {
  getLab()
  if (socket) return socket.onConnection(listener)
  listener({ state: 'open', attempt: 0, retryInMs: null, lastError: null })
  return () => {}
}

/** Browser mode: where a run's CSV downloads from (same origin: the auth cookie rides along). */
export function csvDownloadUrl(runId: RunId, what: Exclude<CsvKind, 'runs'>): string {
  return `/export/${encodeURIComponent(runId)}/${what}.csv`
}

/** Browser mode: the runs list as CSV, with the same filters as listRuns. */
export function runsCsvDownloadUrl(filter: RunFilter = {}): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(filter)) if (v !== undefined && v !== '') q.set(k, String(v))
  const qs = q.toString()
  return `/export/runs.csv${qs ? `?${qs}` : ''}`
}

/** Browser mode: start a download of a same-origin URL (the auth cookie rides along). */
export function downloadUrl(href: string, filename: string): void {
  const a = document.createElement('a')
  a.href = href
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
}
