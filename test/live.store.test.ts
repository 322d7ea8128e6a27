// Messages per type in stored metrics windows: written by the recorder, read back by
// metrics(); a v2 database (before by_type) is upgraded in place and its windows still read.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { DB_FILE_NAME, LabStore, migrate, SCHEMA_VERSION } from '../src/main/store'
import { defaultSpec } from '../src/shared/spec'

const dir = mkdtempSync(join(tmpdir(), 'ql-live-store-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('metrics by message type', () => {
  it('round-trips byType (and its absence) through the store', () => {
    const store = LabStore.memory()
    try {
      const seq = store.createRun({
        id: 'run-a',
        spec: defaultSpec(),
        startedAt: '2026-01-01T00:00:00.000Z',
        appVersion: 't',
        rerunOf: null,
      })
      const rec = store.recorder(seq)
      const w = { ok: 3, fail: 0, info: 0, p50: 1, p99: 2, messages: 12 }
      rec.windows([
        { startMs: 0, endMs: 1000, ...w, byType: { AppendEntries: 10, RequestVote: 2 } },
        { startMs: 1000, endMs: 2000, ...w },
      ])
      rec.finish()
      const [m] = store.metrics(['run-a'])
      expect(m.windows).toEqual([
        { startMs: 0, endMs: 1000, ...w, byType: { AppendEntries: 10, RequestVote: 2 } },
        { startMs: 1000, endMs: 2000, ...w },
      ])
      // The spec snapshot can be replaced (live faults).
      store.updateRunSpec(seq, { ...defaultSpec(), faults: [{ kind: 'crash', atMs: 5, target: 'n1' }] })
      expect(store.getRun('run-a')?.spec.faults).toEqual([{ kind: 'crash', atMs: 5, target: 'n1' }])
    } finally {
      store.close()
    }
  })

  it('upgrades a v2 file: old windows read without byType, new ones with it', () => {
    const d = join(dir, 'v2')
    mkdirSync(d, { recursive: true })
    const file = join(d, DB_FILE_NAME)
    const old = new Database(file)
    expect(migrate(old, 2)).toBe(2)
    const spec = JSON.stringify(defaultSpec())
    old
      .prepare("INSERT INTO experiments (name, spec, created_at, updated_at) VALUES ('raft-5', ?, 'x', 'x')")
      .run(spec)
    old
      .prepare(
        `INSERT INTO runs (id, experiment_id, name, algorithm, nodes, spec, seed, mode, app_version, started_at,
           ended_at, status, progress, summary, verdict, error)
         VALUES ('run-old', 1, 'raft-5', 'raft', 5, ?, 1, 'simulation', '0.0.9', 'x', 'y', 'done', 1, NULL, 'ok', NULL)`,
      )
      .run(spec)
    old
      .prepare(
        'INSERT INTO metrics (run_seq, start_ms, end_ms, ok, fail, info, p50_ms, p99_ms, messages) VALUES (1, 0, 1000, 1, 0, 0, 0.5, 0.9, 7)',
      )
      .run()
    old.close()
    const store = LabStore.openFile(file)
    try {
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(3)
      expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
      const [m] = store.metrics(['run-old'])
      expect(m.windows).toEqual([
        { startMs: 0, endMs: 1000, ok: 1, fail: 0, info: 0, p50: 0.5, p99: 0.9, messages: 7 },
      ])
    } finally {
      store.close()
    }
  })
})
