// Is a database file damaged? Found without writing a byte to it, and without leaving new
// -wal / -shm files beside it when it is refused:
//   1. the 100-byte header: SQLite's magic, a valid page size and format fields, and a file
//      at least as long as the page count the header records (a truncated copy is caught
//      here, before SQLite opens it);
//   2. on a read-only connection: `PRAGMA quick_check` (every page of every b-tree) for
//      files up to FULL_CHECK_MAX_BYTES; above that a bounded check: quick_check of every
//      table but the three big ones, and a sample of rows read across those (a seek from
//      the root to a leaf at evenly spaced keys). `quorum-lab doctor` always checks all.
// A read-only connection to a WAL-mode file creates the -wal and -shm files (SQLite needs
// them to read); when they did not exist before, are still empty afterwards and the file is
// refused, they are removed again.
import { closeSync, existsSync, openSync, readSync, rmSync, statSync } from 'node:fs'
import Database from 'better-sqlite3'

type SqliteDb = Database.Database

/**
 * Files up to this size get a full quick_check when opened: measured (bench/store.ts, 2
 * shared cores) 0.75 s for a 169 MiB file, so at most about half a second here.
 */
export const FULL_CHECK_MAX_BYTES = 128 * 1024 * 1024
/** Rows sampled in each big table when a larger file is opened. */
export const SAMPLE_POINTS = 256
/** The big tables: sampled, not walked, when a large file is opened. */
const BIG_TABLES = ['trace_chunks', 'ops', 'sketches']

/** SQLite error codes that mean the file's content is damaged. */
export function isCorruptionCode(code: string | undefined): boolean {
  return (
    code !== undefined &&
    (code.startsWith('SQLITE_CORRUPT') ||
      code.startsWith('SQLITE_NOTADB') ||
      code === 'SQLITE_IOERR_SHORT_READ')
  )
}

export function sqliteCode(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined
  return typeof code === 'string' ? code : undefined
}

export const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1')

export interface HeaderFacts {
  pageSize: number
  /** Pages the header records (0 when that field is not valid: then SQLite uses the file size). */
  pages: number
  bytes: number
}

export type HeaderResult =
  { ok: true; header: HeaderFacts } | { ok: false; kind: 'not-sqlite' | 'damaged'; problem: string }

/** The file's first 100 bytes, checked against SQLite's file format (sqlite.org/fileformat.html). */
export function checkHeader(file: string): HeaderResult {
  const bytes = statSync(file).size
  const head = Buffer.alloc(100)
  const fd = openSync(file, 'r')
  let got: number
  try {
    got = readSync(fd, head, 0, 100, 0)
  } finally {
    closeSync(fd)
  }
  if (got < 16 || !head.subarray(0, 16).equals(SQLITE_MAGIC))
    return { ok: false, kind: 'not-sqlite', problem: 'not a SQLite file' }
  if (got < 100) return { ok: false, kind: 'damaged', problem: `truncated: only ${bytes} bytes` }
  const raw = head.readUInt16BE(16)
  const pageSize = raw === 1 ? 65536 : raw
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0)
    return { ok: false, kind: 'damaged', problem: `the header's page size (${raw}) is not valid` }
  if (head[18] < 1 || head[18] > 2 || head[19] < 1 || head[19] > 2)
    return {
      ok: false,
      kind: 'damaged',
      problem: `the header's format versions (${head[18]}, ${head[19]}) are not valid`,
    }
  if (head[21] !== 64 || head[22] !== 32 || head[23] !== 32)
    return { ok: false, kind: 'damaged', problem: "the header's fixed payload fractions are not 64/32/32" }
  const changeCounter = head.readUInt32BE(24)
  const validFor = head.readUInt32BE(92)
  const headerPages = head.readUInt32BE(28)
  const pages = headerPages > 0 && validFor === changeCounter ? headerPages : 0
  // A -wal file may hold newer pages (its content is checked by SQLite when it is read).
  const wal = existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 0
  if (!wal && pages > 0 && bytes < pages * pageSize)
    return {
      ok: false,
      kind: 'damaged',
      problem: `truncated: the header records ${pages} pages of ${pageSize} bytes (${pages * pageSize} bytes) but the file has ${bytes}`,
    }
  if (!wal && bytes % pageSize !== 0)
    return {
      ok: false,
      kind: 'damaged',
      problem: `its size (${bytes} bytes) is not a whole number of ${pageSize}-byte pages: cut short or written past its end`,
    }
  return { ok: true, header: { pageSize, pages, bytes } }
}

/**
 * Run `fn` on a read-only connection to `file`. When `fn` throws (the file is refused), or
 * always with `cleanup: 'always'` (doctor, which never writes), and the connection created
 * the -wal / -shm files (a WAL-mode file), they are removed again if the -wal is still
 * empty: nothing is left beside the file.
 */
export function withReadOnly<T>(
  file: string,
  fn: (db: SqliteDb) => T,
  cleanup: 'on-error' | 'always' = 'on-error',
): T {
  const hadWal = existsSync(`${file}-wal`)
  const hadShm = existsSync(`${file}-shm`)
  let db: SqliteDb | null = null
  let failed = true
  try {
    db = new Database(file, { readonly: true, fileMustExist: true })
    const out = fn(db)
    failed = false
    return out
  } finally {
    try {
      db?.close()
    } catch {
      // closing a connection to a damaged file: nothing more to do
    }
    if (failed || cleanup === 'always') removeCreatedSidecars(file, hadWal, hadShm)
  }
}

/** Remove -wal / -shm files a read-only connection created (only an empty -wal, and its -shm). */
export function removeCreatedSidecars(file: string, hadWal: boolean, hadShm: boolean): void {
  const wal = `${file}-wal`
  if (hadWal || !existsSync(wal)) return
  try {
    if (statSync(wal).size !== 0) return
    rmSync(wal, { force: true })
    if (!hadShm) rmSync(`${file}-shm`, { force: true })
  } catch {
    // best effort: the files are empty companions, harmless if they stay
  }
}

export interface IntegrityReport {
  ok: boolean
  /** 'full' (quick_check of everything) or 'bounded' (big tables sampled). */
  scope: 'full' | 'bounded' | 'integrity'
  /** SQLite's descriptions of the first problems found (at most `limit`). */
  problems: string[]
}

/** A check's rows as one problem per line (SQLite heads the list with "*** in database main ***"). */
const rowsOf = (rows: unknown[]): string[] =>
  rows
    .flatMap((r) => String(Object.values(r as Record<string, unknown>)[0]).split('\n'))
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^\*\*\* in database \w+ \*\*\*$/.test(line))

/**
 * quick_check / integrity_check rows (`check` is the pragma with a table, or null), or the
 * error the check itself ran into. A check asked for many problems can walk on into a page
 * it cannot read and throw: then it is asked again for fewer, to name at least the first.
 */
function pragmaCheck(
  db: SqliteDb,
  pragma: 'quick_check' | 'integrity_check',
  limit: number,
  table?: string,
): string[] {
  try {
    const arg = table === undefined ? String(limit) : `"${table.replace(/"/g, '""')}"`
    const rows = rowsOf(db.pragma(`${pragma}(${arg})`) as unknown[])
    return rows.length === 1 && rows[0] === 'ok' ? [] : rows.length === 0 ? ['(no details)'] : rows
  } catch (e) {
    if (!isCorruptionCode(sqliteCode(e))) throw e
    if (table === undefined && limit > 1) {
      const fewer = pragmaCheck(db, pragma, Math.max(1, Math.floor(limit / 5)))
      if (fewer.length > 0 && fewer[0] !== (e as Error).message) return fewer
    }
    return [(e as Error).message]
  }
}

/** Read rows at SAMPLE_POINTS evenly spaced rowids of a big table: each read walks root to leaf. */
function sampleTable(db: SqliteDb, table: string): string[] {
  try {
    const withoutRowid = /WITHOUT\s+ROWID/i.test(
      (
        db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) as
          { sql: string } | undefined
      )?.sql ?? '',
    )
    const key = withoutRowid ? 'run_seq' : 'rowid'
    const range = db.prepare(`SELECT min(${key}) AS lo, max(${key}) AS hi FROM ${table}`).get() as {
      lo: number | null
      hi: number | null
    }
    if (range.lo === null || range.hi === null) return []
    const read = db.prepare(`SELECT * FROM ${table} WHERE ${key} >= ? ORDER BY ${key} LIMIT 4`)
    const span = range.hi - range.lo
    for (let i = 0; i <= SAMPLE_POINTS; i++) {
      const at = range.lo + Math.floor((span * i) / SAMPLE_POINTS)
      // .all() reads every column of each row (overflow pages included).
      read.all(at)
    }
    return []
  } catch (e) {
    if (isCorruptionCode(sqliteCode(e))) return [`${table}: ${(e as Error).message}`]
    throw e
  }
}

/**
 * Check an open (read-only) connection for damage, in proportion to the file's size:
 * quick_check of everything up to FULL_CHECK_MAX_BYTES, a bounded check above. `thorough`
 * runs integrity_check (every page, and every index against its table) whatever the size.
 */
export function checkIntegrity(
  db: SqliteDb,
  bytes: number,
  opts: { thorough?: boolean; limit?: number } = {},
): IntegrityReport {
  const limit = opts.limit ?? 20
  if (opts.thorough) {
    // quick_check first: it lists page-level damage where integrity_check may stop at the
    // first malformed page; integrity_check then also compares every index with its table.
    const quick = pragmaCheck(db, 'quick_check', limit)
    const problems = quick.length > 0 ? quick : pragmaCheck(db, 'integrity_check', limit)
    return { ok: problems.length === 0, scope: 'integrity', problems }
  }
  if (bytes <= FULL_CHECK_MAX_BYTES) {
    const problems = pragmaCheck(db, 'quick_check', limit)
    return { ok: problems.length === 0, scope: 'full', problems }
  }
  const problems: string[] = []
  let tables: string[]
  try {
    tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{
        name: string
      }>
    ).map((r) => r.name)
  } catch (e) {
    if (isCorruptionCode(sqliteCode(e)))
      return { ok: false, scope: 'bounded', problems: [(e as Error).message] }
    throw e
  }
  for (const t of tables) {
    if (problems.length >= limit) break
    if (BIG_TABLES.includes(t)) problems.push(...sampleTable(db, t))
    else problems.push(...pragmaCheck(db, 'quick_check', limit, t).map((p) => `${t}: ${p}`))
  }
  return { ok: problems.length === 0, scope: 'bounded', problems: problems.slice(0, limit) }
}

/** "3 problems, e.g. ..." in one line (SQLite's own words for the first two). */
export function describeProblems(problems: readonly string[], limit = 20): string {
  const n = problems.length
  const count = n >= limit ? `${limit}+ problems` : n === 1 ? '1 problem' : `${n} problems`
  const first = problems
    .slice(0, 2)
    .map((p) => p.replace(/\s+/g, ' ').trim().slice(0, 160))
    .join('; ')
  return `${count}: ${first}`
}
