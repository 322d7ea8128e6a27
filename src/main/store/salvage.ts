// Salvage: copy what can still be read from a damaged Quorum Lab database into a new one,
// table by table and row range by row range, and say exactly what was saved and what was
// lost. The damaged file is only ever read (the caller opens it read-only).
//
// Each table is read in key order (rowid, or run_seq for the WITHOUT ROWID tables). When a
// read fails, the scan finds where reading works again: it seeks to keys further and
// further ahead (1, 2, 4, ... past the last good one) until a seek succeeds, then narrows
// down to the first key that reads (binary search), and goes on from there. A seek from the
// root reaches every leaf whose path is intact, so a damaged page costs the rows it held
// (and, for an interior page, the rows below it), not the rest of the table.
//
// Rows that read but hold garbage are not copied: a value that must be JSON and is not, or
// a value the schema's CHECK / NOT NULL constraints refuse. Rows whose run's own `runs` row
// was lost are dropped too (nothing could show them). A run that lost rows has a note
// appended to its error column.
import type Database from 'better-sqlite3'
import { OUR_TABLES } from './migrations'
import { isCorruptionCode, sqliteCode } from './integrity'
import { chunkLegacyTrace, decodeChunk } from './trace-chunks'

type SqliteDb = Database.Database

/** Tables that are not rows of one run (no run_seq column). */
const NOT_PER_RUN = new Set(['runs', 'experiments', 'campaigns', 'campaign_seeds'])

/** Tables whose key is run_seq (WITHOUT ROWID), with their primary-key order. */
const BY_RUN: Record<string, string> = {
  nodes: 'run_seq, node',
  metrics: 'run_seq, start_ms',
  sketches: 'run_seq, window_start_ms, kind',
}
/** The legacy trace table (schema version < 6): salvaged as rows, then moved into chunks. */
const LEGACY_TRACE = 'trace_events'
const LEGACY_TRACE_SQL = `CREATE TABLE trace_events (
  run_seq INTEGER NOT NULL, t INTEGER NOT NULL, node TEXT, lc INTEGER NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL
)`
/** Columns that hold JSON: a row whose value does not parse is not copied. */
const JSON_COLUMNS: Record<string, readonly string[]> = {
  experiments: ['spec'],
  runs: ['spec', 'summary'],
  [LEGACY_TRACE]: ['data'],
  faults: ['targets'],
  metrics: ['by_type'],
}
/** Rows per destination transaction. */
const BATCH = 10_000
const KEY_MIN = Number.MIN_SAFE_INTEGER
const KEY_MAX = Number.MAX_SAFE_INTEGER

/** A stretch of keys that could not be read. `to` null: to the end of the table. */
export interface LostRange {
  from: number
  to: number | null
  /** What SQLite said. */
  error: string
  /** run_seq of the last row read before the stretch and of the first one after (null: none). */
  runsAround: [number | null, number | null]
}

export interface TableSalvage {
  table: string
  key: 'rowid' | 'run_seq'
  saved: number
  /** Rows read but not copied: garbage values (not JSON, refused by the schema) or their run lost. */
  skipped: number
  lost: LostRange[]
  /** The table could not be read at all (its schema or root page). */
  unreadable: string | null
}

export interface RunSalvage {
  seq: number
  id: string
  name: string
  rows: Record<string, number>
  /** Tables where rows of this run may have been lost. */
  losses: string[]
}

export interface SalvageReport {
  tables: TableSalvage[]
  runs: RunSalvage[]
  /** The schema itself could not be read: nothing was saved. */
  schemaError: string | null
}

function errorText(e: unknown): string {
  const code = sqliteCode(e)
  return `${e instanceof Error ? e.message : String(e)}${code ? ` (${code})` : ''}`
}

/** Errors that mean "this part of the file cannot be read" (as opposed to a bug). */
function isReadFailure(e: unknown): boolean {
  const code = sqliteCode(e)
  return isCorruptionCode(code) || (code !== undefined && code.startsWith('SQLITE_IOERR'))
}

function columnsOf(db: SqliteDb, table: string): Array<{ name: string; pk: number; type: string }> {
  return db.prepare(`SELECT name, pk, type FROM pragma_table_info(?)`).all(table) as Array<{
    name: string
    pk: number
    type: string
  }>
}

/**
 * Copy every readable row of `src` (a read-only connection to the damaged file) into `dst`
 * (a new, migrated Quorum Lab database). Synchronous; `dst` is left open for the caller.
 */
export function salvageInto(src: SqliteDb, dst: SqliteDb): SalvageReport {
  let present: Set<string>
  try {
    present = new Set(
      (
        src.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>
      ).map((r) => r.name),
    )
  } catch (e) {
    if (!isReadFailure(e)) throw e
    return { tables: [], runs: [], schemaError: errorText(e) }
  }
  const tables: TableSalvage[] = []
  // A file from before trace chunks: its rows are copied into the old table, then chunked.
  const legacy = present.has(LEGACY_TRACE)
  if (legacy) dst.exec(LEGACY_TRACE_SQL)
  for (const table of legacy ? [...OUR_TABLES, LEGACY_TRACE] : OUR_TABLES) {
    if (!present.has(table)) continue
    tables.push(salvageTable(src, dst, table))
  }
  const dropped = dropOrphans(dst, tables)
  for (const t of tables) t.skipped += dropped.get(t.table) ?? 0
  const runs = describeRuns(dst, tables)
  noteLosses(dst, runs)
  if (legacy) dst.transaction(() => chunkLegacyTrace(dst))()
  return { tables, runs, schemaError: null }
}

function salvageTable(src: SqliteDb, dst: SqliteDb, table: string): TableSalvage {
  const byRun = BY_RUN[table]
  const out: TableSalvage = {
    table,
    key: byRun ? 'run_seq' : 'rowid',
    saved: 0,
    skipped: 0,
    lost: [],
    unreadable: null,
  }
  const dstCols = new Set(columnsOf(dst, table).map((c) => c.name))
  const srcCols = columnsOf(src, table)
  // A rowid alias (INTEGER PRIMARY KEY) is copied as the rowid itself.
  const alias = byRun
    ? undefined
    : srcCols.find((c) => c.pk === 1 && c.type.toUpperCase() === 'INTEGER')?.name
  const cols = srcCols.map((c) => c.name).filter((c) => dstCols.has(c) && c !== alias)
  const hasRunSeq = srcCols.some((c) => c.name === 'run_seq')
  const key = byRun ? 'run_seq' : 'rowid'
  const quoted = cols.map((c) => `"${c}"`).join(', ')
  let scan: Database.Statement
  let probe: Database.Statement
  try {
    scan = src
      .prepare(
        `SELECT ${key} AS k__, ${hasRunSeq ? 'run_seq' : 'NULL'} AS s__, ${quoted} FROM "${table}" WHERE ${key} >= ? ORDER BY ${byRun ?? 'rowid'}`,
      )
      .raw()
    probe = src.prepare(`SELECT ${key} FROM "${table}" WHERE ${key} >= ? ORDER BY ${key} LIMIT 1`).pluck()
  } catch (e) {
    if (!isReadFailure(e)) throw e
    out.unreadable = errorText(e)
    return out
  }
  const insert = dst.prepare(
    byRun
      ? `INSERT OR IGNORE INTO "${table}" (${quoted}) VALUES (${cols.map(() => '?').join(', ')})`
      : `INSERT OR IGNORE INTO "${table}" (rowid, ${quoted}) VALUES (?, ${cols.map(() => '?').join(', ')})`,
  )
  const jsonAt = (JSON_COLUMNS[table] ?? []).map((c) => cols.indexOf(c)).filter((i) => i >= 0)
  // A trace chunk is copied only if it decodes (its blob holds every event in it).
  const chunkAt =
    table === 'trace_chunks' ? [cols.indexOf('n'), cols.indexOf('blob'), cols.indexOf('codec')] : null

  /** The first key >= at, or null at the end of the table; throws when the seek cannot be done. */
  const seek = (at: number): number | null => {
    const r = probe.get(at) as number | undefined
    return r === undefined ? null : r
  }
  const seekOk = (at: number): { ok: true; next: number | null } | { ok: false } => {
    try {
      return { ok: true, next: seek(at) }
    } catch (e) {
      if (!isReadFailure(e)) throw e
      return { ok: false }
    }
  }

  let start = KEY_MIN
  let lastKey: number | null = null
  let lastRun: number | null = null
  let pending = 0
  dst.exec('BEGIN')
  try {
    for (;;) {
      let failure: unknown = null
      try {
        for (const row of scan.iterate(start) as Iterable<unknown[]>) {
          const [k, seq, ...values] = row as [number, number | null, ...unknown[]]
          lastKey = k
          lastRun = seq
          if (!jsonOk(values, jsonAt) || (chunkAt !== null && !chunkOk(values, chunkAt, k))) {
            out.skipped++
            continue
          }
          const res = byRun ? insert.run(...values) : insert.run(k, ...values)
          if (res.changes === 0) out.skipped++
          else out.saved++
          if (++pending >= BATCH) {
            dst.exec('COMMIT')
            dst.exec('BEGIN')
            pending = 0
          }
        }
      } catch (e) {
        if (!isReadFailure(e)) throw e
        failure = e
      }
      if (failure === null) break
      // Find where reading works again after the last good key.
      const gapStart = lastKey === null ? start : lastKey + 1
      const found = findResume(seekOk, gapStart)
      let resume = found.next
      // The seek to the gap works, so the row it lands on is the one that cannot be read:
      // skip that row (rowid) or that run (run_seq, when nothing of it was read this time).
      if (found.seekable && resume !== null && (!byRun || (lastKey === null && resume === start))) resume += 1
      const runAfter = resume === null ? null : runOfKey(src, table, key, resume)
      out.lost.push({
        from: gapStart,
        to: resume === null ? null : resume - 1,
        error: errorText(failure),
        runsAround: [lastRun, runAfter],
      })
      if (resume === null) break
      start = resume
      lastKey = null
    }
    dst.exec('COMMIT')
  } catch (e) {
    if (dst.inTransaction) dst.exec('ROLLBACK')
    throw e
  }
  return out
}

function chunkOk(
  values: readonly unknown[],
  [nAt, blobAt, codecAt]: readonly number[],
  rowid: number,
): boolean {
  try {
    // A file from before the codec column holds DEFLATE chunks only.
    decodeChunk(values[blobAt], values[nAt] as number, rowid, codecAt >= 0 ? values[codecAt] : undefined)
    return true
  } catch {
    return false
  }
}

function jsonOk(values: readonly unknown[], at: readonly number[]): boolean {
  for (const i of at) {
    const v = values[i]
    if (v === null) continue
    if (typeof v !== 'string') return false
    try {
      JSON.parse(v)
    } catch {
      return false
    }
  }
  return true
}

/**
 * Where reading can go on after a failure at `gapStart`: `seekable` when a seek to gapStart
 * itself works (then `next` is the key it lands on, which could not be read), else the
 * first key found by the smallest seek past gapStart that works. `next` null: nothing
 * after gapStart can be read.
 */
function findResume(
  seekOk: (at: number) => { ok: true; next: number | null } | { ok: false },
  gapStart: number,
): { seekable: boolean; next: number | null } {
  const first = seekOk(gapStart)
  if (first.ok) return { seekable: true, next: first.next }
  // Gallop: gapStart + 1, + 2, + 4, ... until a seek succeeds.
  let bad = gapStart
  let good: number | null = null
  let found: number | null = null
  for (let step = 1; gapStart + step <= KEY_MAX; step *= 2) {
    const at = gapStart + step
    const r = seekOk(at)
    if (r.ok) {
      good = at
      found = r.next
      break
    }
    bad = at
  }
  if (good === null) return { seekable: false, next: null }
  // Narrow down: the smallest key in (bad, good] from which a seek succeeds.
  let hi: number = good
  while (hi - bad > 1) {
    const mid: number = bad + Math.floor((hi - bad) / 2)
    const r = seekOk(mid)
    if (r.ok) {
      hi = mid
      found = r.next
    } else bad = mid
  }
  return { seekable: false, next: found }
}

function runOfKey(src: SqliteDb, table: string, key: string, k: number): number | null {
  if (key === 'run_seq') return k
  try {
    const r = src.prepare(`SELECT run_seq FROM "${table}" WHERE rowid = ?`).pluck().get(k) as
      number | undefined
    return r ?? null
  } catch {
    return null
  }
}

/** Rows whose run's `runs` row was not saved: nothing could show them. Returns counts per table. */
function dropOrphans(dst: SqliteDb, tables: readonly TableSalvage[]): Map<string, number> {
  const out = new Map<string, number>()
  for (const t of tables) {
    if (NOT_PER_RUN.has(t.table)) continue
    const res = dst.prepare(`DELETE FROM "${t.table}" WHERE run_seq NOT IN (SELECT seq FROM runs)`).run()
    if (res.changes > 0) {
      out.set(t.table, res.changes)
      t.saved -= res.changes
    }
  }
  return out
}

/** Which runs may have lost rows: every run between the good rows around a lost stretch. */
function describeRuns(dst: SqliteDb, tables: readonly TableSalvage[]): RunSalvage[] {
  const runs = dst.prepare('SELECT seq, id, name FROM runs ORDER BY seq').all() as Array<{
    seq: number
    id: string
    name: string
  }>
  const counted = tables.filter((t) => !NOT_PER_RUN.has(t.table))
  return runs.map((r) => {
    const rows: Record<string, number> = {}
    const losses: string[] = []
    for (const t of counted) {
      rows[t.table] = (
        dst.prepare(`SELECT count(*) AS n FROM "${t.table}" WHERE run_seq = ?`).get(r.seq) as { n: number }
      ).n
      const hit =
        t.unreadable !== null ||
        t.lost.some((l) => {
          const lo = l.runsAround[0] ?? Number.NEGATIVE_INFINITY
          const hi = l.runsAround[1] ?? Number.POSITIVE_INFINITY
          return r.seq >= lo && r.seq <= hi
        })
      if (hit) losses.push(t.table)
    }
    return { seq: r.seq, id: r.id, name: r.name, rows, losses }
  })
}

function noteLosses(dst: SqliteDb, runs: readonly RunSalvage[]): void {
  const up = dst.prepare(
    "UPDATE runs SET error = CASE WHEN error IS NULL OR error = '' THEN @note ELSE error || '; ' || @note END WHERE seq = @seq",
  )
  dst.transaction(() => {
    for (const r of runs)
      if (r.losses.length > 0)
        up.run({
          note: `salvaged from a damaged file: some of its ${r.losses.join(', ')} rows could not be read`,
          seq: r.seq,
        })
  })()
}
