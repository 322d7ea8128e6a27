// LabStore: the run history in SQLite (better-sqlite3). Creates and finishes runs, marks
// runs that were recording when their app died as `crashed`, and answers the queries the
// lab needs: list / filter runs, one run, a trace window for replay, per-window metrics of
// several runs (compare), stored sketches merged over a window range, and delete.
import { randomBytes } from 'node:crypto'
import { mkdirSync, statSync } from 'node:fs'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import type {
  MetricsWindow,
  RunFilter,
  RunId,
  RunInfo,
  RunMetrics,
  RunStatus,
  RunSummary,
  SketchSummary,
} from '../../shared/api'
import { clusterSize } from '../../shared/cluster'
import type { ExperimentSpec } from '../../shared/spec'
import type { NodeLive, RunSpeed } from '../../shared/api'
import type { TraceEvent, TraceKind } from '../../shared/trace'
import { nodeIds } from '../../shared/trace'
import type { Statement } from 'better-sqlite3'
import { mergeSketchRows } from '../../core/sketch'
import Database from 'better-sqlite3'
import { damagedMessage, DB_FILE_NAME, openDatabase, StoreError, toStoreError, type SqliteDb } from './db'
import { sqliteCode } from './integrity'
import { Checkpointer } from './checkpointer'
import { RunRecorder, type RecorderOptions } from './recorder'
import { ChunkError, traceRows, traceSpan } from './trace-chunks'

/** One row of `runs`, as stored. */
export interface RunRow {
  seq: number
  id: string
  experiment_id: number | null
  name: string
  algorithm: string
  nodes: number
  spec: string
  seed: number
  mode: string
  app_version: string
  started_at: string
  ended_at: string | null
  status: RunStatus
  progress: number
  summary: string | null
  verdict: string | null
  error: string | null
  owner_pid: number | null
  owner_host: string | null
  rerun_of: string | null
  /** 'max' or a number as text; null in runs recorded before it was kept. */
  speed: string | null
}

export interface TraceWindowQuery {
  fromUs?: number
  toUs?: number
  kinds?: readonly TraceKind[]
  limit?: number
  /** Paging: continue after this cursor (a previous page's `next`). */
  after?: number
}

/** One page of a trace window; `next` continues it (null at the end). */
export interface TracePage {
  events: TraceEvent[]
  next: number | null
}

export interface NewRun {
  id: RunId
  spec: ExperimentSpec
  startedAt: string
  appVersion: string
  rerunOf?: RunId | null
  /** The pacing it was started with (simulation: run ms per wall ms, or 'max'). */
  speed?: RunSpeed
}

export interface RunEnd {
  status: Exclude<RunStatus, 'running'>
  endedAt: string
  progress: number
  summary: RunSummary | null
  error: string | null
  nodes?: NodeLive[]
}

/** This process, as recorded in runs.owner_*: a live run's owner is never marked crashed. */
const PROCESS_TOKEN = randomBytes(6).toString('hex')
const OWNER_HOST = `${hostname()}/${PROCESS_TOKEN}`

function ownerAlive(pid: number | null, owner: string | null): boolean {
  if (pid === null || owner === null) return false
  const slash = owner.lastIndexOf('/')
  const host = slash < 0 ? owner : owner.slice(0, slash)
  const token = slash < 0 ? '' : owner.slice(slash + 1)
  // Another machine (a shared folder): we cannot tell, so leave its runs alone.
  if (host !== hostname()) return true
  if (pid === process.pid) return token === PROCESS_TOKEN
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Bytes in the -wal file beside `file` (0 when there is none). */
function walBytes(file: string): number {
  try {
    return statSync(`${file}-wal`).size
  } catch {
    return 0
  }
}

export const CRASH_MESSAGE =
  'the app stopped while this run was recording; everything recorded before is kept'

export function rowToInfo(r: RunRow): RunInfo {
  return {
    runId: r.id,
    name: r.name,
    algorithm: r.algorithm,
    mode: r.mode as ExperimentSpec['mode'],
    seed: r.seed,
    status: r.status,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    progress: r.progress,
    spec: JSON.parse(r.spec) as ExperimentSpec,
    summary: r.summary === null ? null : (JSON.parse(r.summary) as RunSummary),
    error: r.error,
    appVersion: r.app_version,
    rerunOf: r.rerun_of,
    speed: parseSpeed(r.speed),
  }
}

/** A runs.speed cell: 'max', a positive number, or null (not recorded). */
export function parseSpeed(v: string | null | undefined): RunSpeed | null {
  if (v === 'max') return 'max'
  const n = v === null || v === undefined ? NaN : Number(v)
  return Number.isFinite(n) && n > 0 ? n : null
}

/** `since` / `until` as comparable ISO UTC strings. */
function isoUtc(s: string, field: string): string {
  const ms = Date.parse(s)
  if (Number.isNaN(ms)) throw new RangeError(`${field}: must be an ISO date or date-time`)
  return new Date(ms).toISOString()
}

export interface StoreOptions {
  /** Open an existing file read-only (no crash marking, no migrations). */
  readonly?: boolean
}

export class LabStore {
  readonly file: string
  readonly db: SqliteDb
  readonly readonly: boolean
  /** Runs marked crashed when this store opened. */
  readonly crashed: RunId[] = []
  private closed = false
  private readonly recorders = new Set<RunRecorder>()
  private readonly statements = new Map<string, Statement>()
  private checkpointer: Checkpointer | null = null
  /** Set when SQLite found the file damaged while in use: from then on nothing is written. */
  private damage: StoreError | null = null

  private constructor(file: string, db: SqliteDb, readonly: boolean) {
    this.file = file
    this.db = db
    this.readonly = readonly
  }

  /** `quorum-lab.db` in `dataDir` (created if missing). */
  static openDir(dataDir: string, opts: StoreOptions = {}): LabStore {
    const dir = resolve(dataDir)
    if (!opts.readonly) {
      try {
        mkdirSync(dir, { recursive: true })
      } catch (e) {
        throw toStoreError(e, dir, 'creating the data folder')
      }
    }
    return LabStore.openFile(join(dir, DB_FILE_NAME), opts)
  }

  /** A database file (or ':memory:'). */
  static openFile(file: string, opts: StoreOptions = {}): LabStore {
    const path = file === ':memory:' ? file : resolve(file)
    const store = new LabStore(path, openDatabase(path, { readonly: opts.readonly }), !!opts.readonly)
    if (!opts.readonly) {
      store.markCrashed()
      if (path !== ':memory:') store.checkpointer = Checkpointer.start(store.db, path)
    }
    return store
  }

  static memory(): LabStore {
    return LabStore.openFile(':memory:')
  }

  get isMemory(): boolean {
    return this.file === ':memory:'
  }

  get isOpen(): boolean {
    return !this.closed
  }

  /** Runs left `running` by a process that is gone: mark them crashed, keep their rows. */
  private markCrashed(): void {
    const rows = this.db
      .prepare("SELECT seq, id, owner_pid, owner_host FROM runs WHERE status = 'running'")
      .all() as Array<Pick<RunRow, 'seq' | 'id' | 'owner_pid' | 'owner_host'>>
    const mark = this.db.prepare(
      "UPDATE runs SET status = 'crashed', ended_at = ?, error = ? WHERE seq = ? AND status = 'running'",
    )
    for (const r of rows) {
      if (ownerAlive(r.owner_pid, r.owner_host)) continue
      mark.run(this.lastEventTime(r.seq), CRASH_MESSAGE, r.seq)
      this.crashed.push(r.id)
    }
  }

  /**
   * When a crashed run last recorded something: its start plus its last trace event's
   * run-relative time (virtual time for a simulated run, like the CSV's *_time columns);
   * its start when it recorded nothing.
   */
  private lastEventTime(seq: number): string {
    const row = this.db
      .prepare(
        'SELECT started_at AS startedAt, (SELECT max(t_hi) FROM trace_chunks WHERE run_seq = @seq) AS lastUs FROM runs WHERE seq = @seq',
      )
      .get({ seq }) as { startedAt: string; lastUs: number | null }
    const start = Date.parse(row.startedAt)
    if (Number.isNaN(start)) return row.startedAt
    return new Date(start + Math.floor((row.lastUs ?? 0) / 1000)).toISOString()
  }

  // ---------------------------------------------------------------- damage

  /** The damage found while the file was in use (null while it is healthy). */
  get damaged(): StoreError | null {
    return this.damage
  }

  /**
   * A SQLite error as a StoreError naming the file (null for anything else). A damaged
   * file (SQLITE_CORRUPT, SQLITE_NOTADB) stops all writing: the connection turns
   * query-only, background checkpoints stop, live recorders stop, and every later write
   * is refused with the same message.
   */
  noteError(e: unknown, doing = 'reading'): StoreError | null {
    if (e instanceof StoreError) {
      if (e.code === 'corrupt' && !this.isMemory) this.markDamaged(e)
      return e
    }
    const code = sqliteCode(e)
    if (code === undefined || !code.startsWith('SQLITE_')) return null
    const se = toStoreError(e, this.file, doing)
    if (se.code === 'corrupt') this.markDamaged(se)
    return se
  }

  private markDamaged(e: StoreError): void {
    if (this.damage !== null || this.closed) return
    this.damage = e
    try {
      this.db.pragma('query_only = ON')
    } catch {
      // the flag above refuses writes anyway
    }
    this.checkpointer?.stop()
    this.checkpointer = null
    for (const r of [...this.recorders]) r.halt(e)
  }

  /**
   * Run a read, turning SQLite errors into StoreErrors (a damaged file is noted). A stored
   * value that should be JSON and is not (only ever written by JSON.stringify) is damage
   * too: its page read fine but holds garbage.
   */
  read<T>(doing: string, fn: () => T): T {
    if (this.closed) throw new StoreError('io', this.file, `${this.file} is closed`)
    try {
      return fn()
    } catch (e) {
      if ((e instanceof SyntaxError || e instanceof ChunkError) && !this.isMemory)
        throw this.noteError(
          new StoreError(
            'corrupt',
            this.file,
            damagedMessage(
              this.file,
              e instanceof ChunkError
                ? e.message
                : `a stored value is not valid JSON: ${(e as Error).message}`,
              'use',
            ),
          ),
          doing,
        )
      throw this.noteError(e, doing) ?? e
    }
  }

  // ---------------------------------------------------------------- runs

  /** Record a new run (status running) and its experiment; returns the run's seq. */
  createRun(run: NewRun): number {
    const spec = run.spec
    const specJson = JSON.stringify(spec)
    return this.write('recording a new run in', () =>
      this.db.transaction(() => {
        const exp = this.db
          .prepare(
            `INSERT INTO experiments (name, spec, created_at, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at
             RETURNING id`,
          )
          .get(spec.name, specJson, run.startedAt, run.startedAt) as { id: number }
        const res = this.db
          .prepare(
            `INSERT INTO runs (id, experiment_id, name, algorithm, nodes, spec, seed, mode, app_version,
               started_at, status, progress, owner_pid, owner_host, rerun_of, speed)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', 0, ?, ?, ?, ?)`,
          )
          .run(
            run.id,
            exp.id,
            spec.name,
            spec.algorithm.kind,
            clusterSize(spec.cluster),
            specJson,
            spec.seed,
            spec.mode,
            run.appVersion,
            run.startedAt,
            process.pid,
            OWNER_HOST,
            run.rerunOf ?? null,
            run.speed === undefined ? null : String(run.speed),
          )
        const seq = Number(res.lastInsertRowid)
        const ins = this.db.prepare('INSERT INTO nodes (run_seq, node) VALUES (?, ?)')
        for (const id of nodeIds(clusterSize(spec.cluster))) ins.run(seq, id)
        return seq
      })(),
    )
  }

  /** Record how a run ended (status, summary, verdict, final node states). */
  finishRun(seq: number, end: RunEnd): void {
    this.write('finishing a run in', () =>
      this.db.transaction(() => {
        this.db
          .prepare(
            `UPDATE runs SET status = ?, ended_at = ?, progress = ?, summary = ?, verdict = ?, error = ?
             WHERE seq = ?`,
          )
          .run(
            end.status,
            end.endedAt,
            end.progress,
            end.summary === null ? null : JSON.stringify(end.summary),
            end.summary?.verdict ?? null,
            end.error,
            seq,
          )
        if (end.nodes) {
          const up = this.db.prepare(
            `INSERT INTO nodes (run_seq, node, role, term, leader, commit_index, last_index)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (run_seq, node) DO UPDATE SET role = excluded.role, term = excluded.term,
               leader = excluded.leader, commit_index = excluded.commit_index, last_index = excluded.last_index`,
          )
          for (const n of end.nodes) up.run(seq, n.id, n.role, n.term, n.leader, n.commitIndex, n.lastIndex)
        }
      })(),
    )
  }

  /** Replace a running run's spec snapshot (live fault injection appends its faults). */
  updateRunSpec(seq: number, spec: ExperimentSpec): void {
    this.write('updating the spec of', () =>
      this.db.prepare('UPDATE runs SET spec = ? WHERE seq = ?').run(JSON.stringify(spec), seq),
    )
  }

  /** A prepared statement, cached (replay pages and lookups run often). */
  private stmt(sql: string): Statement {
    let s = this.statements.get(sql)
    if (s === undefined) {
      s = this.db.prepare(sql)
      this.statements.set(sql, s)
    }
    return s
  }

  runRow(runId: RunId): RunRow | null {
    return this.read('reading a run from', () => {
      return (this.stmt('SELECT * FROM runs WHERE id = ?').get(runId) as RunRow | undefined) ?? null
    })
  }

  getRun(runId: RunId): RunInfo | null {
    return this.read('reading a run from', () => {
      const r = this.runRow(runId)
      return r ? rowToInfo(r) : null
    })
  }

  /** A run id from an exact id or a unique prefix (CLI convenience); null if none matches. */
  resolveRunId(idOrPrefix: string): { id: RunId } | { ambiguous: RunId[] } | null {
    return this.read('looking up a run in', () => {
      if (this.runRow(idOrPrefix)) return { id: idOrPrefix }
      const like = idOrPrefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%'
      const ids = (
        this.db
          .prepare("SELECT id FROM runs WHERE id LIKE ? ESCAPE '\\' ORDER BY seq DESC LIMIT 6")
          .all(like) as Array<{
          id: string
        }>
      ).map((r) => r.id)
      if (ids.length === 1) return { id: ids[0] }
      return ids.length ? { ambiguous: ids } : null
    })
  }

  /** SQL and parameters of a runs query (shared by listRuns and the runs CSV). */
  runsQuery(filter: RunFilter = {}): { sql: string; params: unknown[] } {
    const where: string[] = []
    const params: unknown[] = []
    if (filter.algorithm !== undefined) {
      where.push('algorithm = ?')
      params.push(filter.algorithm)
    }
    if (filter.status !== undefined) {
      where.push('status = ?')
      params.push(filter.status)
    }
    if (filter.name !== undefined && filter.name !== '') {
      where.push('instr(lower(name), lower(?)) > 0')
      params.push(filter.name)
    }
    if (filter.since !== undefined) {
      where.push('started_at >= ?')
      params.push(isoUtc(filter.since, 'since'))
    }
    if (filter.until !== undefined) {
      where.push('started_at < ?')
      params.push(isoUtc(filter.until, 'until'))
    }
    if (filter.ids !== undefined) {
      where.push(`id IN (${filter.ids.map(() => '?').join(', ') || 'NULL'})`)
      params.push(...filter.ids)
    }
    params.push(filter.limit ?? 1000)
    return {
      sql: `SELECT * FROM runs${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, seq DESC LIMIT ?`,
      params,
    }
  }

  /** Runs newest first, filtered. */
  listRuns(filter: RunFilter = {}): RunInfo[] {
    return this.read('listing the runs of', () => {
      const q = this.runsQuery(filter)
      return (this.db.prepare(q.sql).all(...q.params) as RunRow[]).map(rowToInfo)
    })
  }

  /**
   * Rewrite the file without its free pages (SQLite's VACUUM): what deleted runs, and the
   * trace rows that migration 6 moved into chunks, left behind. Refused while a run records.
   */
  compact(): void {
    const live = this.db.prepare("SELECT id FROM runs WHERE status = 'running' LIMIT 1").pluck().get() as
      string | undefined
    if (live !== undefined || this.recorders.size > 0)
      throw new RangeError(`run "${live ?? 'being recorded'}" is still recording; compact when it has ended`)
    this.write('compacting', () => this.db.exec('VACUUM'))
  }

  /** Delete a run and every row recorded for it (one transaction). False if there is no such run. */
  deleteRun(runId: RunId): boolean {
    const row = this.runRow(runId)
    if (!row) return false
    if (row.status === 'running' && ownerAlive(row.owner_pid, row.owner_host))
      throw new RangeError(`run "${runId}" is still running; stop it before deleting it`)
    this.write('deleting a run from', () =>
      this.db.transaction(() => {
        for (const table of ['trace_chunks', 'ops', 'faults', 'metrics', 'sketches', 'nodes'])
          this.db.prepare(`DELETE FROM ${table} WHERE run_seq = ?`).run(row.seq)
        this.db.prepare('DELETE FROM runs WHERE seq = ?').run(row.seq)
      })(),
    )
    return true
  }

  /** Row counts per table for one run, trace_events being its trace's events (tests, import checks, CLI). */
  counts(runId: RunId): Record<'trace_events' | 'ops' | 'faults' | 'metrics' | 'sketches' | 'nodes', number> {
    return this.read('counting the rows of a run in', () => {
      const row = this.runRow(runId)
      const seq = row ? row.seq : -1
      const count = (table: string): number =>
        (this.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE run_seq = ?`).get(seq) as { n: number }).n
      return {
        trace_events: traceSpan(this.db, seq).n,
        ops: count('ops'),
        faults: count('faults'),
        metrics: count('metrics'),
        sketches: count('sketches'),
        nodes: count('nodes'),
      }
    })
  }

  // ---------------------------------------------------------------- trace (replay)

  /**
   * Trace events with fromUs <= t <= toUs (of the given kinds), in time order, at most
   * `limit` (default 10,000). Ties on t come in recording order.
   */
  traceWindow(runId: RunId, q: TraceWindowQuery = {}): TraceEvent[] {
    return this.tracePage(runId, q).events
  }

  /** Like traceWindow, with a cursor for the next page (ties on t are paged exactly). */
  tracePage(runId: RunId, q: TraceWindowQuery = {}): TracePage {
    return this.read('reading a trace window from', () => {
      const row = this.runRow(runId)
      if (!row) return { events: [], next: null }
      const limit = q.limit ?? 10_000
      const events: TraceEvent[] = []
      let lastId = -1
      if (limit > 0)
        for (const r of traceRows(this.db, row.seq, q)) {
          // One JSON.parse of the whole event (columns first, like the simulator emits them):
          // ~2x faster than parsing `data` and spreading it into a new object.
          const head = `{"kind":${JSON.stringify(r.kind)},"t":${r.t},"node":${r.node === null ? 'null' : JSON.stringify(r.node)},"lc":${r.lc}`
          events.push(JSON.parse(r.data.length > 2 ? `${head},${r.data.slice(1)}` : `${head}}`) as TraceEvent)
          lastId = r.rowid
          if (events.length >= limit) break
        }
      return { events, next: events.length === limit && events.length > 0 ? lastId : null }
    })
  }

  // ---------------------------------------------------------------- metrics (compare)

  metrics(runIds: readonly RunId[]): RunMetrics[] {
    return this.read('reading metrics from', () => {
      const stmt = this.db.prepare(
        `SELECT start_ms AS startMs, end_ms AS endMs, ok, fail, info, p50_ms AS p50, p99_ms AS p99, messages,
           by_type AS byType
         FROM metrics WHERE run_seq = ? ORDER BY start_ms`,
      )
      return runIds.map((runId) => {
        const row = this.runRow(runId)
        const rows = row
          ? (stmt.all(row.seq) as Array<Omit<MetricsWindow, 'byType'> & { byType: string | null }>)
          : []
        const windows = rows.map(({ byType, ...w }): MetricsWindow =>
          byType === null ? w : { ...w, byType: JSON.parse(byType) as Record<string, number> },
        )
        return { runId, windows }
      })
    })
  }

  // ---------------------------------------------------------------- sketches

  /** Stored sketch rows of these runs with fromMs <= window start < toMs. */
  *sketchRows(
    runIds: readonly RunId[],
    fromMs = 0,
    toMs = Number.MAX_SAFE_INTEGER,
  ): Generator<{ windowStartMs: number; kind: string; blob: Uint8Array }> {
    const stmt = this.db.prepare(
      `SELECT window_start_ms AS windowStartMs, kind, blob FROM sketches
       WHERE run_seq = ? AND window_start_ms >= ? AND window_start_ms < ? ORDER BY window_start_ms`,
    )
    for (const runId of runIds) {
      const row = this.runRow(runId)
      if (!row) continue
      for (const r of stmt.all(row.seq, fromMs, toMs) as Array<{
        windowStartMs: number
        kind: string
        blob: Buffer
      }>)
        yield r
    }
  }

  /** p50 / p99 / hot keys / distinct counts over a window range: a query plus a merge. */
  sketchSummary(runIds: readonly RunId[], fromMs?: number, toMs?: number): SketchSummary {
    return this.read('reading sketches from', () => {
      return mergeSketchRows(this.sketchRows(runIds, fromMs, toMs))
    })
  }

  // ---------------------------------------------------------------- recording

  recorder(seq: number, opts: RecorderOptions = {}): RunRecorder {
    const rec = new RunRecorder(this, seq, opts)
    this.recorders.add(rec)
    rec.onClose(() => this.recorders.delete(rec))
    return rec
  }

  /** A connection for long reads (exports): its own read-only connection for a file. */
  openReader(): { db: SqliteDb; close(): void } {
    if (this.isMemory) return { db: this.db, close: () => {} }
    const db = openDatabase(this.file, { readonly: true, check: false })
    return { db, close: () => db.close() }
  }

  /** Run `fn`, turning SQLite errors into StoreErrors that name the file. */
  write<T>(doing: string, fn: () => T): T {
    if (this.closed) throw new StoreError('io', this.file, `${this.file} is closed`)
    if (this.damage !== null) throw this.damage
    try {
      return fn()
    } catch (e) {
      throw this.noteError(e, doing) ?? e
    }
  }

  /** Flush every live recorder, then close the file. */
  close(): void {
    if (this.closed) return
    for (const r of [...this.recorders]) r.finish()
    this.closed = true
    this.checkpointer?.stop()
    this.checkpointer = null
    if (this.damage === null || this.isMemory || walBytes(this.file) === 0) {
      // Healthy, or nothing in the -wal to fold in: a plain close (it removes -wal / -shm).
      this.db.close()
      return
    }
    // Damaged: the last connection to close would checkpoint the -wal into the file. A
    // read-only connection open meanwhile keeps this one from being the last, and cannot
    // checkpoint itself: the file stays as it was, the -wal (committed runs) beside it.
    let keeper: SqliteDb | null = null
    try {
      keeper = new Database(this.file, { readonly: true, fileMustExist: true })
    } catch {
      // cannot open a second connection: close anyway
    }
    try {
      this.db.close()
    } finally {
      keeper?.close()
    }
  }
}
