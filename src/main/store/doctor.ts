// `quorum-lab doctor`: examine a data folder's database (header, then SQLite's
// integrity_check: every page, every index against its table) and, when it is damaged,
// salvage what can still be read into a new file beside it. The examined file is only
// read; no -wal / -shm file is left beside it.
import { existsSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { APPLICATION_ID, SCHEMA_VERSION } from './migrations'
import { openDatabase } from './db'
import { checkHeader, checkIntegrity, isCorruptionCode, sqliteCode, withReadOnly } from './integrity'
import { salvageInto, type SalvageReport } from './salvage'

export type Examination =
  | { state: 'missing'; file: string }
  | { state: 'foreign' | 'newer'; file: string; problem: string }
  | { state: 'healthy'; file: string; bytes: number; version: number; runs: number }
  | { state: 'damaged'; file: string; bytes: number; problems: string[] }

/** How many problems integrity_check lists at most. */
export const DOCTOR_PROBLEM_LIMIT = 100

/** Examine `file` without writing to it. */
export function examineDatabase(file: string): Examination {
  if (!existsSync(file)) return { state: 'missing', file }
  const st = statSync(file)
  if (!st.isFile()) return { state: 'foreign', file, problem: 'not a regular file' }
  const bytes = st.size
  if (bytes === 0) return { state: 'healthy', file, bytes, version: 0, runs: 0 }
  const header = checkHeader(file)
  if (!header.ok) {
    if (header.kind === 'not-sqlite')
      return {
        state: 'foreign',
        file,
        problem: 'not a SQLite file (or its first bytes, the header, are damaged)',
      }
    return { state: 'damaged', file, bytes, problems: [header.problem] }
  }
  try {
    return withReadOnly(
      file,
      (db): Examination => {
        const appId = db.pragma('application_id', { simple: true }) as number
        const version = db.pragma('user_version', { simple: true }) as number
        if (appId !== APPLICATION_ID)
          return {
            state: 'foreign',
            file,
            problem: `a SQLite database of another application (application_id ${appId})`,
          }
        if (version > SCHEMA_VERSION)
          return {
            state: 'newer',
            file,
            problem: `written by a newer Quorum Lab (schema version ${version}; this version knows up to ${SCHEMA_VERSION})`,
          }
        const report = checkIntegrity(db, bytes, { thorough: true, limit: DOCTOR_PROBLEM_LIMIT })
        if (!report.ok) return { state: 'damaged', file, bytes, problems: report.problems }
        const runs = (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n
        return { state: 'healthy', file, bytes, version, runs }
      },
      'always',
    )
  } catch (e) {
    if (!isCorruptionCode(sqliteCode(e))) throw e
    return { state: 'damaged', file, bytes, problems: [(e as Error).message] }
  }
}

/** A new file name beside `file` that does not exist yet: quorum-lab.salvaged-<UTC stamp>.db. */
export function salvagePath(file: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  const base = join(dirname(file), `quorum-lab.salvaged-${stamp}`)
  for (let i = 0; ; i++) {
    const p = `${base}${i === 0 ? '' : `-${i}`}.db`
    if (!existsSync(p)) return p
  }
}

export interface Salvage extends SalvageReport {
  /** The new file (null when nothing could be read, so nothing was written). */
  target: string | null
  /** integrity_check of the new file ('ok' or its first problem). */
  targetCheck: string
}

/** Copy what can be read from `file` into a new database `target` (which must not exist). */
export function salvageDatabase(file: string, target: string): Salvage {
  if (existsSync(target)) throw new Error(`${target} already exists`)
  const dst = openDatabase(target)
  let report: SalvageReport
  try {
    report = withReadOnly(
      file,
      (src) => {
        // A truncated file's header records more pages than there are: SQLite refuses to
        // read it at all unless the schema is "writable" (flags of this read-only
        // connection: nothing can be written through it), and then reads the pages there are.
        src.unsafeMode(true)
        src.pragma('writable_schema = ON')
        return salvageInto(src, dst)
      },
      'always',
    )
  } catch (e) {
    dst.close()
    rmSync(target, { force: true })
    throw e
  }
  dst.close()
  if (report.runs.length === 0 && report.tables.every((t) => t.saved === 0)) {
    // Nothing was readable: no empty file to mislead anyone.
    for (const f of [target, `${target}-wal`, `${target}-shm`]) rmSync(f, { force: true })
    return { ...report, target: null, targetCheck: 'nothing saved' }
  }
  const targetCheck = withReadOnly(
    target,
    (db) => {
      const rows = checkIntegrity(db, statSync(target).size, { thorough: true, limit: 1 })
      return rows.ok ? 'ok' : rows.problems[0]
    },
    'always',
  )
  return { ...report, target, targetCheck }
}
