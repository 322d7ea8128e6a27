// The one table of LabApi handlers. Both bridges (Electron IPC and the browser-mode
// WebSocket) call `dispatch(method, arg)` and nothing else: every argument is validated
// here with LabArgSchemas[method] before the service sees it.
import type { z } from 'zod'
import { LabError, type LabCalls, type LabErrorData, type LabMethod } from '../../shared/api'
import { LAB_METHODS, LabArgSchemas } from '../../shared/api-schemas'
import { formatErrors, toFieldErrors, type FieldError } from '../../shared/spec'
import type { TraceKind } from '../../shared/trace'

type ArgOf<M extends LabMethod> = z.output<(typeof LabArgSchemas)[M]>
type Handler<M extends LabMethod> = (arg: ArgOf<M>) => Promise<unknown>
export type LabHandlers = { [M in LabMethod]: Handler<M> }
export type Dispatch = (method: string, arg: unknown) => Promise<unknown>

/** Plain-English field errors for a call's argument (the root is named `(argument)`). */
function argErrors(error: z.ZodError): FieldError[] {
  return toFieldErrors(error).map((f) => ({
    path: f.path === '(spec)' ? '(argument)' : f.path,
    message: f.message.replace(/\ba (?=[aeiou])/g, 'an ').replace(/must be an? undefined/, 'must be absent'),
  }))
}

export function isLabMethod(method: string): method is LabMethod {
  return Object.prototype.hasOwnProperty.call(LabArgSchemas, method)
}

/** Validate one call's argument; throws LabError('bad_input') naming each bad field. */
export function validateArg<M extends LabMethod>(method: M, arg: unknown): ArgOf<M> {
  // null and undefined both mean "no argument" (JSON has no undefined).
  const r = LabArgSchemas[method].safeParse(arg === null ? undefined : arg, { reportInput: true })
  if (r.success) return r.data as ArgOf<M>
  const fields = argErrors(r.error)
  throw new LabError(
    'bad_input',
    `invalid argument for ${method}: ${formatErrors(fields).split('\n').join('; ')}`,
    fields,
  )
}

/** One entry per LabMethod: the (already validated) argument goes to the service. */
export function createHandlers(service: LabCalls): LabHandlers {
  return {
    appInfo: () => service.appInfo(),
    defaultSpec: () => service.defaultSpec(),
    validateSpec: (a) => service.validateSpec({ spec: a.spec }),
    startRun: (a) => service.startRun({ spec: a.spec, ...(a.speed !== undefined ? { speed: a.speed } : {}) }),
    stopRun: (a) => service.stopRun({ runId: a.runId }),
    getRun: (a) => service.getRun({ runId: a.runId }),
    listRuns: (a) => (a === undefined ? service.listRuns() : service.listRuns(defined(a))),
    getTrace: (a) =>
      service.getTrace({
        runId: a.runId,
        ...(a.fromUs !== undefined ? { fromUs: a.fromUs } : {}),
        ...(a.toUs !== undefined ? { toUs: a.toUs } : {}),
        // Kind names are checked by the service (it names the bad entry).
        ...(a.kinds !== undefined ? { kinds: a.kinds as TraceKind[] } : {}),
        ...(a.limit !== undefined ? { limit: a.limit } : {}),
      }),
    deleteRun: (a) => service.deleteRun({ runId: a.runId }),
    rerun: (a) => service.rerun({ runId: a.runId, ...(a.speed !== undefined ? { speed: a.speed } : {}) }),
    getMetrics: (a) => service.getMetrics({ runIds: a.runIds }),
    getSketches: (a) => service.getSketches(defined(a)),
    injectFault: (a) => service.injectFault({ runId: a.runId, fault: a.fault }),
    endFault: (a) => service.endFault({ runId: a.runId, index: a.index }),
    getTraceInfo: (a) => service.getTraceInfo({ runId: a.runId }),
    getReplayState: (a) => service.getReplayState(defined(a)),
    diffRuns: (a) => service.diffRuns({ a: a.a, b: a.b }),
    compareRuns: (a) => service.compareRuns({ runIds: a.runIds }),
    explainKey: (a) => service.explainKey({ runId: a.runId, key: a.key }),
    exportCsv: (a) => service.exportCsv(defined(a)),
    checkHistory: (a) => service.checkHistory(defined(a)),
    campaignOptions: () => service.campaignOptions(),
    startExplore: (a) => service.startExplore(defined(a)),
    startFuzz: (a) => service.startFuzz(defined(a)),
    stopCampaign: (a) => service.stopCampaign({ campaignId: a.campaignId }),
    listCampaigns: () => service.listCampaigns(),
  }
}

/** A copy without the keys whose value is undefined (optional fields the caller left out). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

/** Build the dispatcher both bridges use. Unknown methods and bad arguments reject with LabError. */
export function createDispatch(service: LabCalls): Dispatch {
  const handlers = createHandlers(service)
  return async (method: string, arg: unknown): Promise<unknown> => {
    if (typeof method !== 'string' || !isLabMethod(method)) {
      throw new LabError(
        'bad_input',
        `unknown method "${String(method)}" (expected one of: ${LAB_METHODS.join(', ')})`,
        [{ path: 'method', message: 'unknown method' }],
      )
    }
    const handler = handlers[method] as (a: unknown) => Promise<unknown>
    return handler(validateArg(method, arg))
  }
}

/** Any thrown value as the error data a bridge sends back (non-LabErrors become 'internal'). */
export function toErrorData(e: unknown): LabErrorData {
  if (e instanceof LabError) return e.toData()
  const message = e instanceof Error ? e.message || e.name : String(e)
  return { code: 'internal', message: `internal error: ${message}` }
}
