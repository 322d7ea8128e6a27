// The CSV download paths of browser mode, parsed and validated (same schemas as the LabApi):
//   /export/RUN/{ops,trace,metrics,summary}.csv
//   /export/runs.csv?algorithm=&status=&name=&since=&until=&limit=&ids=   (the runs list;
//     ids: a comma-separated list of run ids, only those)
// A bad path is an HTTP status and a message, never an exception: malformed percent-encoding
// is 400, an unknown shape 404, a bad field 400 naming it.
import { LabError } from '../../shared/api'
import type { CsvRequest } from '../store'
import { validateArg } from '../lab/handlers'

export const EXPORT_PREFIX = '/export/'

export type ExportRoute = { ok: true; req: CsvRequest } | { ok: false; status: number; message: string }

export function parseExportPath(pathname: string, search: URLSearchParams): ExportRoute {
  let parts: string[]
  try {
    parts = pathname
      .slice(EXPORT_PREFIX.length)
      .split('/')
      .map((p) => decodeURIComponent(p))
  } catch {
    return { ok: false, status: 400, message: 'bad request: malformed percent-encoding in the path' }
  }
  try {
    if (parts.length === 1 && parts[0] === 'runs.csv') {
      const q = Object.fromEntries(search.entries()) as Record<string, unknown>
      if (typeof q.limit === 'string') q.limit = Number(q.limit)
      // ids=a,b,c: only those runs.
      if (typeof q.ids === 'string') q.ids = q.ids.split(',').filter((s) => s !== '')
      const filter = validateArg('listRuns', Object.keys(q).length ? q : undefined)
      return { ok: true, req: { what: 'runs', ...(filter ? { filter } : {}) } }
    }
    const m = parts.length === 2 ? /^(.+)\.csv$/.exec(parts[1]) : null
    if (!m)
      return {
        ok: false,
        status: 404,
        message: 'not found: use /export/RUN/{ops,trace,metrics,summary}.csv or /export/runs.csv',
      }
    const arg = validateArg('exportCsv', { what: m[1], runId: parts[0] })
    return { ok: true, req: { what: arg.what, ...(arg.runId !== undefined ? { runId: arg.runId } : {}) } }
  } catch (e) {
    if (e instanceof LabError) return { ok: false, status: 400, message: e.message }
    throw e
  }
}
