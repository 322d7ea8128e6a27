// CSV export (RFC 4180 via csv-stringify: header row, CRLF line ends, fields with commas,
// quotes, CR or LF quoted, quotes doubled) of a run's ops, trace events, per-window
// metrics or summary, and of the runs list. Streamed: rows come from better-sqlite3's
// .iterate() on a read-only connection of their own, through the csv stream, into the file
// or HTTP response with backpressure, so a million-row export never sits in memory and
// never blocks the recorder (WAL: the export reads a snapshot).
//
// Times: every row that has a run-relative time carries it in microseconds (`*_us`) and as
// an ISO 8601 wall time (`*_time`) = the run's startedAt + that offset (for a simulated run
// the offset is virtual time).
import { open, rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { stringify, type Options } from 'csv-stringify/sync'
import { LabError, type CsvKind, type RunFilter, type RunId, type RunSummary } from '../../shared/api'
import { StoreError, type SqliteDb } from './db'
import { unpackOpValue } from './op-values'
import type { LabStore, RunRow } from './store'
import { traceRows } from './trace-chunks'

export interface CsvRequest {
  what: CsvKind
  /** Required for ops, trace, metrics and summary. */
  runId?: RunId
  /** For `runs`: which runs (default: all, newest first). */
  filter?: RunFilter
}

type Cell = string | number | null

interface CsvSource {
  header: readonly string[]
  filename: string
  rows(db: SqliteDb): Iterable<Cell[]>
}

export const RUN_COLUMNS = [
  'run_id',
  'name',
  'algorithm',
  'nodes',
  'mode',
  'seed',
  'status',
  'started_at',
  'ended_at',
  'app_version',
  'rerun_of',
  'simulated_ms',
  'wall_ms',
  'leader_changes',
  'elections',
  'ops_total',
  'ops_ok',
  'ops_fail',
  'ops_info',
  'p50_ms',
  'p99_ms',
  'max_ms',
  'messages_sent',
  'messages_delivered',
  'messages_dropped',
  'messages_duplicated',
  'verdict',
  'checks',
  'error',
] as const

function runCells(r: RunRow): Cell[] {
  const s = r.summary === null ? null : (JSON.parse(r.summary) as RunSummary)
  return [
    r.id,
    r.name,
    r.algorithm,
    r.nodes,
    r.mode,
    r.seed,
    r.status,
    r.started_at,
    r.ended_at,
    r.app_version,
    r.rerun_of,
    s?.simulatedMs ?? null,
    s?.wallMs ?? null,
    s?.leaderChanges ?? null,
    s?.elections ?? null,
    s?.ops.total ?? null,
    s?.ops.ok ?? null,
    s?.ops.fail ?? null,
    s?.ops.info ?? null,
    s?.latencyMs.p50 ?? null,
    s?.latencyMs.p99 ?? null,
    s?.latencyMs.max ?? null,
    s?.messages.sent ?? null,
    s?.messages.delivered ?? null,
    s?.messages.dropped ?? null,
    s?.messages.duplicated ?? null,
    r.verdict,
    s ? s.checks.map((c) => `${c.name}=${c.ok ? 'ok' : `violation(${c.count})`}`).join('; ') : null,
    r.error,
  ]
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120)
}

/** Describe a CSV export; throws LabError not_found before anything is written. */
function csvSource(store: LabStore, req: CsvRequest): CsvSource {
  if (req.what === 'runs') {
    const q = store.runsQuery({ limit: 1_000_000_000, ...req.filter })
    return {
      header: RUN_COLUMNS,
      filename: 'runs.csv',
      *rows(db) {
        for (const r of db.prepare(q.sql).iterate(...q.params) as Iterable<RunRow>) yield runCells(r)
      },
    }
  }
  if (req.runId === undefined)
    throw new LabError('bad_input', `runId: is required to export ${req.what}`, [
      { path: 'runId', message: 'is required unless what is "runs"' },
    ])
  const run = store.runRow(req.runId)
  if (!run)
    throw new LabError('not_found', `no run with id "${req.runId}"`, [
      { path: 'runId', message: 'no such run' },
    ])
  const seq = run.seq
  const id = run.id
  const t0 = Date.parse(run.started_at)
  const iso = (us: number | null): string | null =>
    us === null ? null : new Date(t0 + us / 1000).toISOString()
  const filename = `${safeName(id)}-${req.what}.csv`
  switch (req.what) {
    case 'ops':
      return {
        filename,
        header: [
          'run_id',
          'op_id',
          'client',
          'f',
          'key',
          'value',
          'expected',
          'invoke_us',
          'complete_us',
          'invoke_time',
          'complete_time',
          'latency_ms',
          'outcome',
          'result',
          'error',
        ],
        *rows(db) {
          const stmt = db
            .prepare(
              `SELECT op_id, client, f, key, value, expected, invoke_t, complete_t, outcome, result, error
               FROM ops WHERE run_seq = ? ORDER BY invoke_t, rowid`,
            )
            .raw()
          for (const r of stmt.iterate(seq) as Iterable<Cell[]>) {
            const invoke = r[6] as number
            const complete = r[7] as number | null
            yield [
              id,
              r[0],
              r[1],
              r[2],
              r[3],
              unpackOpValue(r[4]),
              unpackOpValue(r[5]),
              invoke,
              complete,
              iso(invoke),
              iso(complete),
              complete === null ? null : (complete - invoke) / 1000,
              r[8],
              unpackOpValue(r[9]),
              r[10],
            ]
          }
        },
      }
    case 'trace':
      return {
        filename,
        header: ['run_id', 't_us', 'time', 'node', 'lc', 'kind', 'data'],
        *rows(db) {
          for (const r of traceRows(db, seq)) yield [id, r.t, iso(r.t), r.node, r.lc, r.kind, r.data]
        },
      }
    case 'metrics':
      return {
        filename,
        header: [
          'run_id',
          'window_start_ms',
          'window_end_ms',
          'window_start_time',
          'ok',
          'fail',
          'info',
          'p50_ms',
          'p99_ms',
          'messages',
          // Messages sent in the window by type, as JSON ({"AppendEntries":120,...}); empty
          // for runs recorded before types were counted.
          'messages_by_type',
        ],
        *rows(db) {
          const stmt = db
            .prepare(
              'SELECT start_ms, end_ms, ok, fail, info, p50_ms, p99_ms, messages, by_type FROM metrics WHERE run_seq = ? ORDER BY start_ms',
            )
            .raw()
          for (const r of stmt.iterate(seq) as Iterable<Cell[]>)
            yield [id, r[0], r[1], iso((r[0] as number) * 1000), r[2], r[3], r[4], r[5], r[6], r[7], r[8]]
        },
      }
    case 'summary':
      return {
        filename,
        header: RUN_COLUMNS,
        *rows(db) {
          const r = db.prepare('SELECT * FROM runs WHERE seq = ?').get(seq) as RunRow | undefined
          if (r) yield runCells(r)
        },
      }
  }
}

/** Stream a CSV into `out` (ended when done). Resolves with the number of data rows. */
export async function writeCsv(store: LabStore, req: CsvRequest, out: Writable): Promise<number> {
  const src = csvSource(store, req)
  return pipeSource(store, src, out)
}

const CSV_OPTIONS: Options = {
  record_delimiter: 'windows',
  // With CRLF records csv-stringify only quotes fields holding "\r\n"; RFC 4180 wants any
  // field with a line break (or a lone CR) quoted.
  quoted_match: /[\r\n]/,
}
/** Rows per csv-stringify call: batching is ~1.7x faster than one stream write per row. */
const BATCH = 1024

async function pipeSource(store: LabStore, src: CsvSource, out: Writable): Promise<number> {
  const reader = store.openReader()
  let rows = 0
  // Pulled by the stream only as fast as `out` drains (backpressure): at most a batch or
  // two of rows is ever in memory, whatever the size of the export.
  function* chunks(): Generator<string> {
    const columns = [...src.header]
    let batch: Cell[][] = []
    let header = true
    for (const r of src.rows(reader.db)) {
      batch.push(r)
      if (batch.length === BATCH) {
        rows += batch.length
        yield stringify(batch, { ...CSV_OPTIONS, columns, header })
        header = false
        batch = []
      }
    }
    rows += batch.length
    if (batch.length > 0 || header) yield stringify(batch, { ...CSV_OPTIONS, columns, header })
  }
  try {
    await pipeline(Readable.from(chunks(), { objectMode: false }), out)
    return rows
  } catch (e) {
    throw streamFailure(store, e, rows, 'rows')
  } finally {
    reader.close()
  }
}

/**
 * A read that failed mid-stream: a SQLite error becomes the store's StoreError (a damaged
 * file is noted, so nothing more is written to it), saying how far the output got.
 */
export function streamFailure(store: LabStore, e: unknown, done?: number, unit = 'rows'): unknown {
  const se = store.noteError(e, 'exporting from')
  if (se === null) return e
  const where = done === undefined ? 'part way' : `after ${done} ${unit}`
  return new StoreError(se.code, se.file, `the export stopped ${where}: ${se.message}`)
}

/** For HTTP: the suggested file name and a function that streams the CSV into a response. */
export function csvDownload(
  store: LabStore,
  req: CsvRequest,
): { filename: string; pipeTo(out: Writable): Promise<number> } {
  const src = csvSource(store, req)
  return { filename: src.filename, pipeTo: (out) => pipeSource(store, src, out) }
}

/** Why a file cannot be written, in words. */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code
  switch (code) {
    case 'ENOENT':
      return 'its folder does not exist'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'EISDIR':
      return 'it is a directory'
    case 'ENOTDIR':
      return 'a part of the path is not a directory'
    case 'EROFS':
      return 'read-only file system'
    case 'ENOSPC':
      return 'no space left on the device'
    default:
      return e instanceof Error ? e.message : String(e)
  }
}

/** Open `path` for writing or throw LabError naming it (nothing else is touched). */
export async function openForWrite(path: string, field = 'path'): Promise<Writable> {
  const abs = resolve(path)
  try {
    const fh = await open(abs, 'w')
    return fh.createWriteStream()
  } catch (e) {
    throw new LabError('bad_input', `cannot write ${abs}: ${fsReason(e)}`, [
      { path: field, message: `cannot write ${abs}` },
    ])
  }
}

/** Export a CSV to a file. The run is checked before the file is created; a failed export removes its partial file. */
export async function exportCsvFile(
  store: LabStore,
  req: CsvRequest,
  path: string,
): Promise<{ path: string; rows: number }> {
  const abs = resolve(path)
  const src = csvSource(store, req)
  const out = await openForWrite(abs)
  try {
    return { path: abs, rows: await pipeSource(store, src, out) }
  } catch (e) {
    await rm(abs, { force: true })
    if (e instanceof LabError || e instanceof StoreError) throw e
    throw new LabError('internal', `export to ${abs} failed: ${fsReason(e)}`)
  }
}
