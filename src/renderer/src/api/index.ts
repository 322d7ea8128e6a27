// The one way the renderer reaches the lab: `getLab()` returns Electron's preload bridge
// (`window.lab`) when present, otherwise a WebSocket client for browser mode. Both
// implement the same LabApi from src/shared/api.ts, and both reject with LabError
// instances (field errors included), whatever shape the bridge delivered them in.
import type { CsvKind, LabApi, RunFilter, RunId } from '../../../shared/api'
import { DOWNLOAD_LINKS_PATH } from '../../../shared/web-auth'
import { LabError } from '../../../shared/lab-error'
import { adoptToken, NO_TOKEN_MESSAGE, socketProtocols } from './token'
import { toLabError, WsLabClient, type ConnectionInfo } from './ws-client'

export { LabError } from '../../../shared/lab-error'
export type { ConnectionInfo, ConnectionState } from './ws-client'

let lab: LabApi | null = null
let socket: WsLabClient | null = null
let token: string | null | undefined

/**
 * Browser mode's token: taken from the address on the first call (which also cleans the
 * address) or from sessionStorage. Call it early (main.ts does, before the app mounts).
 */
export function labToken(): string | null {
  if (token === undefined)
    token = adoptToken({ location: window.location, storage: window.sessionStorage, history: window.history })
  return token
}

/** ws://<same host>/ws (the token goes in the handshake's subprotocols, see token.ts). */
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
    checkHistory: guard((arg) => b.checkHistory(arg)),
    campaignOptions: guard(() => b.campaignOptions()),
    startExplore: guard((arg) => b.startExplore(arg)),
    startFuzz: guard((arg) => b.startFuzz(arg)),
    stopCampaign: guard((arg) => b.stopCampaign(arg)),
    listCampaigns: guard(() => b.listCampaigns()),
    onEvent: (listener) => b.onEvent(listener),
  }
}

export function getLab(): LabApi {
  if (!lab) {
    if (window.lab) lab = wrapBridge(window.lab)
    else {
      const t = labToken()
      lab = socket = new WsLabClient(
        t === null
          ? { url: labSocketUrl(), unavailable: NO_TOKEN_MESSAGE }
          : { url: labSocketUrl(), protocols: socketProtocols(t) },
      )
    }
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

/** Browser mode: where a run's CSV is exported (needs the token: see fetchExport / downloadExport). */
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

/** Browser mode: the Authorization header carrying the token (none without a token). */
function authHeaders(): Record<string, string> {
  const t = labToken()
  return t === null ? {} : { Authorization: `Bearer ${t}` }
}

/** Browser mode: fetch an export path with the token in the Authorization header. */
export function fetchExport(href: string): Promise<Response> {
  return fetch(href, { headers: authHeaders(), credentials: 'omit' })
}

/**
 * Browser mode: download an export path as a file. A link the page clicks cannot carry the
 * Authorization header, so the page first asks for a single-use link (valid one minute);
 * a bad run or filter is reported here, before any download starts.
 */
export async function downloadExport(href: string, filename: string): Promise<void> {
  const res = await fetch(DOWNLOAD_LINKS_PATH, {
    method: 'POST',
    headers: { ...authHeaders(), 'Content-Type': 'application/json' },
    body: JSON.stringify({ path: href }),
    credentials: 'omit',
  })
  const text = await res.text()
  if (!res.ok)
    throw new LabError(res.status === 404 ? 'not_found' : 'unavailable', text.trim() || `HTTP ${res.status}`)
  const { url } = JSON.parse(text) as { url: string }
  downloadUrl(url, filename)
}

/** Browser mode: start a download of a same-origin (or blob:) URL. */
export function downloadUrl(href: string, filename: string): void {
  const a = document.createElement('a')
  a.href = href
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
}
