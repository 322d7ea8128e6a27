// The database file: an old (v1) file is upgraded in place with its data kept; foreign,
// corrupt and newer files are refused with an error naming the file and left byte-identical.
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  APPLICATION_ID,
  CRASH_MESSAGE,
  DB_FILE_NAME,
  LabStore,
  MIGRATIONS,
  migrate,
  SCHEMA_VERSION,
  StoreError,
} from '../src/main/store'
import { LabService } from '../src/main/lab/service'
import { defaultSpec } from '../src/shared/spec'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ql-store-mig-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let n = 0
function fresh(name = 'db'): string {
  const d = join(dir, `${name}-${++n}`)
  return d
}

function sha(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

function refused(file: string, code: StoreError['code']): StoreError {
  let caught: unknown = null
  try {
    LabStore.openFile(file)
  } catch (e) {
    caught = e
  }
  expect(caught).toBeInstanceOf(StoreError)
  const e = caught as StoreError
  expect(e.code).toBe(code)
  expect(e.message).toContain(file)
  return e
}

describe('migrations', () => {
  it('v1 shipped SQL is frozen (edit a new migration instead)', () => {
    expect(MIGRATIONS[0].version).toBe(1)
    expect(createHash('sha256').update(MIGRATIONS[0].sql).digest('hex').slice(0, 16)).toBe(V1_SQL_HASH)
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1))
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2)
  })

  it('upgrades a v1 file in place: data kept, running runs marked crashed, v2 tables and columns added', () => {
    const d = fresh('v1')
    const file = join(d, DB_FILE_NAME)
    rmSync(d, { recursive: true, force: true })
    // Make the file exactly as v1 shipped it.
    mkdirSync(d, { recursive: true })
    const old = new Database(file)
    old.pragma('journal_mode = WAL')
    expect(migrate(old, 1)).toBe(1)
    const spec = JSON.stringify(defaultSpec())
    old
      .prepare("INSERT INTO experiments (name, spec, created_at, updated_at) VALUES ('raft-5', ?, 'x', 'x')")
      .run(spec)
    const ins = old.prepare(
      `INSERT INTO runs (id, experiment_id, name, algorithm, nodes, spec, seed, mode, app_version, started_at,
         ended_at, status, progress, summary, verdict, error)
       VALUES (?, 1, 'raft-5', 'raft', 5, ?, 1, 'simulation', '0.0.9', ?, ?, ?, ?, NULL, ?, NULL)`,
    )
    ins.run('run-old-done', spec, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:10.000Z', 'done', 1, 'ok')
    ins.run('run-old-live', spec, '2025-01-02T00:00:00.000Z', null, 'running', 0.4, null)
    const ev = old.prepare(
      'INSERT INTO trace_events (run_seq, t, node, lc, kind, data) VALUES (?, ?, ?, ?, ?, ?)',
    )
    for (let i = 0; i < 100; i++)
      ev.run(1, i * 1000, 'n1', i, 'node', JSON.stringify({ action: i % 2 ? 'crash' : 'restart' }))
    ev.run(2, 5, 'n2', 1, 'node', '{"action":"pause"}')
    old
      .prepare(
        "INSERT INTO ops (run_seq, op_id, client, f, key, value, expected, invoke_t, complete_t, outcome) VALUES (1, 'c1.1', 1, 'put', 'k1', 'v', NULL, 10, 20, 'ok')",
      )
      .run()
    old
      .prepare(
        'INSERT INTO metrics (run_seq, start_ms, end_ms, ok, fail, info, p50_ms, p99_ms, messages) VALUES (1, 0, 1000, 1, 0, 0, 0.01, 0.01, 7)',
      )
      .run()
    old.close()
    const inode = statSync(file).ino

    const store = LabStore.openFile(file)
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
      expect(store.db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID)
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal')
      expect(store.db.pragma('synchronous', { simple: true })).toBe(1) // NORMAL
      const tables = (
        store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{
          name: string
        }>
      ).map((r) => r.name)
      expect(tables).toContain('sketches')
      const cols = (store.db.prepare('PRAGMA table_info(runs)').all() as Array<{ name: string }>).map(
        (c) => c.name,
      )
      expect(cols).toEqual(expect.arrayContaining(['owner_pid', 'owner_host', 'rerun_of']))
      // Data survived.
      const done = store.getRun('run-old-done')!
      expect(done).toMatchObject({ status: 'done', appVersion: '0.0.9', progress: 1, rerunOf: null })
      expect(done.spec).toEqual(defaultSpec())
      const trace = store.traceWindow('run-old-done', { fromUs: 10_000, toUs: 12_000 })
      expect(trace).toEqual([
        { kind: 'node', t: 10_000, node: 'n1', lc: 10, action: 'restart' },
        { kind: 'node', t: 11_000, node: 'n1', lc: 11, action: 'crash' },
        { kind: 'node', t: 12_000, node: 'n1', lc: 12, action: 'restart' },
      ])
      expect(store.counts('run-old-done')).toMatchObject({ trace_events: 100, ops: 1, metrics: 1 })
      expect(store.metrics(['run-old-done'])[0].windows).toEqual([
        { startMs: 0, endMs: 1000, ok: 1, fail: 0, info: 0, p50: 0.01, p99: 0.01, messages: 7 },
      ])
      // A v1 run left running (v1 had no owner column): its app is gone -> crashed, rows kept.
      expect(store.crashed).toEqual(['run-old-live'])
      const live = store.getRun('run-old-live')!
      expect(live.status).toBe('crashed')
      expect(live.error).toBe(CRASH_MESSAGE)
      expect(live.progress).toBe(0.4)
      expect(store.counts('run-old-live').trace_events).toBe(1)
    } finally {
      store.close()
    }
    // In place: the same file, nothing else left behind.
    expect(statSync(file).ino).toBe(inode)
    expect(readdirSync(d)).toEqual([DB_FILE_NAME])
    // Opening again is a no-op (already current).
    const again = LabStore.openFile(file)
    expect(again.crashed).toEqual([])
    expect(again.listRuns().map((r) => r.runId)).toEqual(['run-old-live', 'run-old-done'])
    again.close()
  })
})

describe('refusing files that are not ours', () => {
  it('a text file', () => {
    const file = join(dir, 'notes.db')
    writeFileSync(file, 'these are my notes, not a database\n')
    const before = sha(file)
    const e = refused(file, 'foreign')
    expect(e.message).toMatch(
      /not a Quorum Lab database \(not a SQLite file, or its header is damaged\); it was left untouched/,
    )
    expect(sha(file)).toBe(before)
    expect(existsSync(`${file}-wal`)).toBe(false)
  })

  it('a SQLite database of another application', () => {
    const file = join(dir, 'other.db')
    const db = new Database(file)
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada')")
    db.close()
    const before = sha(file)
    const e = refused(file, 'foreign')
    expect(e.message).toMatch(/another application .*users.*left untouched/)
    expect(sha(file)).toBe(before)
    // Also through the service and its data folder.
    const d = fresh('foreign')
    mkdirSync(d)
    writeFileSync(join(d, DB_FILE_NAME), readFileSync(file))
    expect(() => new LabService({ dataDir: d })).toThrow(StoreError)
    expect(sha(join(d, DB_FILE_NAME))).toBe(before)
  })

  it('a Quorum Lab database from a newer version', () => {
    const file = join(dir, 'newer.db')
    const db = new Database(file)
    migrate(db)
    db.pragma('user_version = 99')
    db.close()
    const before = sha(file)
    const e = refused(file, 'newer')
    expect(e.message).toMatch(/newer Quorum Lab \(schema version 99; this version knows up to \d+\)/)
    expect(sha(file)).toBe(before)
  })

  it('a corrupt database', () => {
    const file = join(dir, 'corrupt.db')
    const db = new Database(file)
    migrate(db)
    db.close()
    const bytes = readFileSync(file)
    // Keep the header (so it still looks like SQLite) and scribble over the schema page.
    for (let i = 100; i < 4096; i++) bytes[i] = (i * 7) & 0xff
    writeFileSync(file, bytes)
    const before = sha(file)
    const e = refused(file, 'corrupt')
    expect(e.message).toMatch(/is damaged .*left it untouched/)
    expect(sha(file)).toBe(before)
  })

  it('an empty file is a new database', () => {
    const file = join(dir, 'empty.db')
    writeFileSync(file, '')
    const s = LabStore.openFile(file)
    expect(s.listRuns()).toEqual([])
    s.close()
  })
})

/** First 16 hex digits of sha256(MIGRATIONS[0].sql) as shipped. */
const V1_SQL_HASH = 'f099176a99a801ae'
