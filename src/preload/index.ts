// The preload: exposes `window.lab` (the LabApi) over IPC. Sandbox-compatible: the only
// runtime import is 'electron'; everything from src/shared is imported as types only.
// ipcRenderer itself is never exposed: each call is a named function on a fixed channel.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type {
  CheckedHistory,
  AppInfo,
  CampaignInfo,
  CampaignOptions,
  ExploreCampaign,
  ExploreRequest,
  FuzzCampaign,
  FuzzRequest,
  Comparison,
  CsvKind,
  ExportResult,
  KeyExplanation,
  LabApi,
  LabErrorCode,
  LabErrorData,
  LabEvent,
  RunId,
  RunFilter,
  RunInfo,
  RunMetrics,
  InjectedFault,
  ReplayState,
  RunDiff,
  SketchSummary,
  TraceInfo,
  TraceQuery,
} from '../shared/api'
import type { ExperimentSpec, FieldError, SpecResult } from '../shared/spec'
import type { TraceEvent } from '../shared/trace'
import type { HistoryFormat } from '../shared/history-formats/types'

type IpcReply = { ok: true; result: unknown } | { ok: false; error: LabErrorData }

/**
 * What a failed call rejects with. contextBridge copies only the `message` of an Error
 * object (custom properties are dropped), so the LabError is passed to the page as a
 * plain object with the same fields: `name` 'LabError', `code`, `message`, `fields`.
 * The page can rebuild a class instance with `LabError.from(e)`.
 */
interface LabErrorObject extends LabErrorData {
  name: 'LabError'
  toString(): string
}

function labError(data: LabErrorData): LabErrorObject {
  const code: LabErrorCode = data.code
  const message = String(data.message)
  const fields: FieldError[] | undefined = Array.isArray(data.fields) ? data.fields : undefined
  return {
    name: 'LabError',
    code,
    message,
    ...(fields ? { fields } : {}),
    toString: () => `LabError: ${message}`,
  }
}

async function call<T>(method: string, arg?: unknown): Promise<T> {
  const reply = (await ipcRenderer.invoke(`lab:${method}`, arg)) as IpcReply
  if (reply && reply.ok) return reply.result as T
  throw labError(reply ? reply.error : { code: 'internal', message: `no reply from lab:${method}` })
}

const lab: LabApi = {
  appInfo: () => call<AppInfo>('appInfo'),
  defaultSpec: () => call<ExperimentSpec>('defaultSpec'),
  validateSpec: (arg: { spec: unknown }) => call<SpecResult>('validateSpec', arg),
  startRun: (arg: { spec: unknown; speed?: number | 'max' }) => call<RunInfo>('startRun', arg),
  stopRun: (arg: { runId: RunId }) => call<RunInfo>('stopRun', arg),
  getRun: (arg: { runId: RunId }) => call<RunInfo>('getRun', arg),
  listRuns: (filter?: RunFilter) => call<RunInfo[]>('listRuns', filter),
  getTrace: (arg: TraceQuery) => call<TraceEvent[]>('getTrace', arg),
  deleteRun: (arg: { runId: RunId }) => call<{ runId: RunId; deleted: boolean }>('deleteRun', arg),
  rerun: (arg: { runId: RunId; speed?: number | 'max' }) => call<RunInfo>('rerun', arg),
  getMetrics: (arg: { runIds: RunId[] }) => call<RunMetrics[]>('getMetrics', arg),
  getSketches: (arg: { runIds: RunId[]; fromMs?: number; toMs?: number }) =>
    call<SketchSummary>('getSketches', arg),
  injectFault: (arg: { runId: RunId; fault: unknown }) => call<InjectedFault>('injectFault', arg),
  endFault: (arg: { runId: RunId; index: number }) =>
    call<{ runId: RunId; index: number; ended: boolean }>('endFault', arg),
  getTraceInfo: (arg: { runId: RunId }) => call<TraceInfo>('getTraceInfo', arg),
  getReplayState: (arg: { runId: RunId; atUs: number; logTail?: number }) =>
    call<ReplayState>('getReplayState', arg),
  diffRuns: (arg: { a: RunId; b: RunId }) => call<RunDiff>('diffRuns', arg),
  compareRuns: (arg: { runIds: RunId[] }) => call<Comparison>('compareRuns', arg),
  explainKey: (arg: { runId: RunId; key: string }) => call<KeyExplanation>('explainKey', arg),
  exportCsv: (arg: { what: CsvKind; runId?: RunId; runIds?: RunId[] }) =>
    call<ExportResult>('exportCsv', arg),
  checkHistory: (arg: { text: string; format?: HistoryFormat | 'auto'; name: string }) =>
    call<CheckedHistory>('checkHistory', arg),
  campaignOptions: () => call<CampaignOptions>('campaignOptions'),
  startExplore: (arg: ExploreRequest) => call<ExploreCampaign>('startExplore', arg),
  startFuzz: (arg: FuzzRequest) => call<FuzzCampaign>('startFuzz', arg),
  stopCampaign: (arg: { campaignId: string }) => call<CampaignInfo>('stopCampaign', arg),
  listCampaigns: () => call<CampaignInfo[]>('listCampaigns'),
  onEvent: (listener: (e: LabEvent) => void) => {
    // Never hand the IpcRendererEvent (it holds ipcRenderer) to the page: only the payload.
    const handler = (_event: IpcRendererEvent, payload: LabEvent): void => listener(payload)
    ipcRenderer.on('lab:event', handler)
    return () => {
      ipcRenderer.removeListener('lab:event', handler)
    }
  },
}

contextBridge.exposeInMainWorld('lab', lab)
