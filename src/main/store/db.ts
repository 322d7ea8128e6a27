// Opening the one database file, `quorum-lab.db` in the data folder: refuse anything that
// is not ours (never write to, migrate or "repair" a foreign, corrupt or newer file), then
// set the pragmas and bring the schema up to date in place.
import { existsSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from './migrations'
import {
  checkHeader,
  checkIntegrity,
  describeProblems,
  isCorruptionCode,
  sqliteCode,
  withReadOnly,
} from './integrity'

export const DB_FILE_NAME = 'quorum-lab.db'
export type SqliteDb = Database.Database

export type StoreErrorCode = 'foreign' | 'corrupt' | 'newer' | 'io' | 'full' | 'busy'

/** A problem with the database file; the message names the file and says what to do. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    readonly file: string,
    message: string,
  ) {
    super(message)
    this.name = 'StoreError'
  }
}

/** What to tell the user about a damaged file: where it is, that it was not written, what to do. */
export function damagedMessage(file: string, detail: string, when: 'open' | 'use'): string {
  const what =
    when === 'open'
      ? 'Quorum Lab did not open it and left it untouched'
      : 'Quorum Lab stopped writing to it (nothing more is recorded there)'
  return (
    `${file} is damaged (${detail}). ${what}. ` +
    `Run \`quorum-lab doctor --data ${dirname(file)}\` to check it and save what can still be read into a new file beside it.`
  )
}

/** Turn a better-sqlite3 / fs error about `file` into a StoreError with a plain message. */
export function toStoreError(e: unknown, file: string, doing: string): StoreError {
  if (e instanceof StoreError) return e
  const code = sqliteCode(e) ?? ''
  const msg = e instanceof Error ? e.message : String(e)
  if (code.startsWith('SQLITE_FULL'))
    return new StoreError('full', file, `the disk is full (SQLITE_FULL) while ${doing} ${file}`)
  if (isCorruptionCode(code))
    return new StoreError('corrupt', file, damagedMessage(file, `${code}: ${msg}`, 'use'))
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new StoreError('busy', file, `${file} is locked by another process (${code}) while ${doing} it`)
  return new StoreError('io', file, `error while ${doing} ${file}: ${msg}${code ? ` (${code})` : ''}`)
}

/** What a file on disk is, found without writing a byte to it. */
type Inspection = { kind: 'new' } | { kind: 'ours'; version: number }

const FOREIGN_HINT = 'Move it away or choose another data folder (--data DIR).'

function inspect(file: string): Inspection {
  if (!existsSync(file)) return { kind: 'new' }
  let header: ReturnType<typeof checkHeader>
  try {
    const st = statSync(file)
    if (!st.isFile()) throw new StoreError('foreign', file, `${file} is not a regular file`)
    if (st.size === 0) return { kind: 'new' }
    header = checkHeader(file)
  } catch (e) {
    throw toStoreError(e, file, 'reading')
  }
  if (!header.ok) {
    if (header.kind === 'not-sqlite')
      throw new StoreError(
        'foreign',
        file,
        `${file} is not a Quorum Lab database (not a SQLite file, or its header is damaged); it was left untouched. ${FOREIGN_HINT}`,
      )
    throw new StoreError('corrupt', file, damagedMessage(file, header.problem, 'open'))
  }
  const bytes = header.header.bytes
  try {
    return withReadOnly(file, (ro) => {
      const appId = ro.pragma('application_id', { simple: true }) as number
      const version = ro.pragma('user_version', { simple: true }) as number
      const tables = (
        ro.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{
          name: string
        }>
      ).map((r) => r.name)
      if (appId === APPLICATION_ID) {
        if (version > SCHEMA_VERSION) {
          throw new StoreError(
            'newer',
            file,
            `${file} was written by a newer Quorum Lab (schema version ${version}; this version knows up to ${SCHEMA_VERSION}). ` +
              'It was left untouched: upgrade Quorum Lab to open it.',
          )
        }
        const report = checkIntegrity(ro, bytes)
        if (!report.ok)
          throw new StoreError(
            'corrupt',
            file,
            damagedMessage(file, describeProblems(report.problems), 'open'),
          )
        return { kind: 'ours', version }
      }
      if (appId === 0 && version === 0 && tables.length === 0) return { kind: 'new' }
      const what = tables.length
        ? `its tables: ${tables.slice(0, 8).join(', ')}${tables.length > 8 ? ', ...' : ''}`
        : 'no tables'
      throw new StoreError(
        'foreign',
        file,
        `${file} is a SQLite database of another application (application_id ${appId}, user_version ${version}, ${what}); ` +
          `it was left untouched. ${FOREIGN_HINT}`,
      )
    })
  } catch (e) {
    if (e instanceof StoreError) throw e
    if (isCorruptionCode(sqliteCode(e)))
      throw new StoreError(
        'corrupt',
        file,
        damagedMessage(file, `${sqliteCode(e)}: ${(e as Error).message}`, 'open'),
      )
    throw toStoreError(e, file, 'reading')
  }
}

export interface OpenOptions {
  /** Open without writing: no pragmas that write, no migrations, no crash marking. */
  readonly?: boolean
  /**
   * Check the file for damage first (default true). A second connection to a file this
   * process already checked and holds open (an export's reader) skips it.
   */
  check?: boolean
}

/** Apply every migration above the file's user_version, each in one transaction. */
export function migrate(db: SqliteDb, upTo = SCHEMA_VERSION): number {
  const from = db.pragma('user_version', { simple: true }) as number
  for (const m of MIGRATIONS) {
    if (m.version <= from || m.version > upTo) continue
    db.transaction(() => {
      db.exec(m.sql)
      m.then?.(db)
      db.pragma(`user_version = ${m.version}`)
    })()
  }
  return db.pragma('user_version', { simple: true }) as number
}

/**
 * Open (creating if absent) a Quorum Lab database. `file` may be ':memory:' (tests).
 * Throws StoreError naming the file if it is foreign, corrupt or from a newer version.
 */
export function openDatabase(file: string, opts: OpenOptions = {}): SqliteDb {
  const memory = file === ':memory:'
  if (!memory && opts.check !== false) {
    const found = inspect(file)
    if (opts.readonly && found.kind === 'new')
      throw new StoreError('io', file, `${file} does not exist (nothing recorded there yet)`)
  }
  let db: SqliteDb
  try {
    db = new Database(file, opts.readonly ? { readonly: true, fileMustExist: true } : {})
  } catch (e) {
    throw toStoreError(e, file, 'opening')
  }
  try {
    db.pragma('busy_timeout = 5000')
    // 16 MiB page cache: replay windows and exports touch many pages.
    db.pragma('cache_size = -16384')
    if (opts.readonly) return db
    if (!memory) {
      // WAL: readers (replay, export, another process) never block the recorder and the
      // recorder never blocks them; commits append to the -wal file.
      const mode = db.pragma('journal_mode = WAL', { simple: true }) as string
      if (mode !== 'wal')
        throw new StoreError('io', file, `${file}: could not switch to WAL mode (got ${mode})`)
    }
    // synchronous = NORMAL (deliberately, not FULL): in WAL mode a commit is durable
    // against a crash of the app (the -wal file is written before the commit returns and
    // is replayed at the next open), but it is not fsynced at each commit, so a power
    // loss or OS crash may lose the last transactions (never corrupts the file). That
    // trades the last ~second of a run on power loss for recording at hundreds of
    // thousands of events per second. FULL would fsync every commit.
    db.pragma('synchronous = NORMAL')
    migrate(db)
    return db
  } catch (e) {
    db.close()
    throw toStoreError(e, file, 'opening')
  }
}
