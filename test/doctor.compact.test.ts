// `quorum-lab doctor --compact`: a file from before trace chunks (schema 5, a row per trace
// event) is upgraded and rewritten without the pages its old rows left free, keeping every
// event; a file with a run still recording is refused, untouched.
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { DB_FILE_NAME, LabStore } from '../src/main/store'
import { migrate } from '../src/main/store/db'
import { labCli } from './cli.helpers'

const dir = mkdtempSync(join(tmpdir(), 'ql-compact-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A schema-5 file with one run of `events` trace rows; status and owner as given. */
function oldFile(name: string, events: number, status = 'done', ownerPid: number | null = null): string {
  const data = join(dir, name)
  mkdirSync(data, { recursive: true })
  const db = new Database(join(data, DB_FILE_NAME))
  migrate(db, 5)
  db.prepare(
    `INSERT INTO runs (seq, id, name, algorithm, nodes, spec, seed, mode, app_version, started_at, status, owner_pid, owner_host)
     VALUES (1, 'run-old', 'old', 'raft', 3, '{"name":"old"}', 1, 'simulation', 'test', '2026-01-01T00:00:00.000Z', ?, ?, ?)`,
  ).run(status, ownerPid, ownerPid === null ? null : hostname())
  const ins = db.prepare(
    'INSERT INTO trace_events (run_seq, t, node, lc, kind, data) VALUES (1, ?, ?, ?, ?, ?)',
  )
  db.transaction(() => {
    for (let i = 0; i < events; i++)
      ins.run(
        i * 10,
        `n${1 + (i % 3)}`,
        i,
        'send',
        JSON.stringify({ msgId: i, from: 'n1', to: 'n2', type: 'AppendEntries', vc: [i, 0, 0] }),
      )
  })()
  db.close()
  return data
}

describe('doctor --compact', () => {
  it('upgrades an old file and gives back the space its trace rows took, keeping every event', async () => {
    const data = oldFile('old', 30_000)
    const file = join(data, DB_FILE_NAME)
    const before = statSync(file).size
    const r = await labCli(['doctor', '--data', data, '--compact'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/ok, no problems found/)
    const m = /compacted: ([\d.]+) MiB -> ([\d.]+) MiB/.exec(r.stdout)
    expect(m, r.stdout).not.toBeNull()
    const after = statSync(file).size
    expect(after).toBeLessThan(before / 4)
    const store = LabStore.openDir(data)
    try {
      expect(store.counts('run-old').trace_events).toBe(30_000)
      const last = store.traceWindow('run-old', { fromUs: 299_990 })
      expect(last).toEqual([
        {
          kind: 'send',
          t: 299_990,
          node: 'n3',
          lc: 29_999,
          msgId: 29_999,
          from: 'n1',
          to: 'n2',
          type: 'AppendEntries',
          vc: [29_999, 0, 0],
        },
      ])
    } finally {
      store.close()
    }
  }, 120_000)

  it('is refused while a run records into the file: exit 2, nothing compacted', async () => {
    const data = oldFile('live', 100, 'running', process.pid)
    const r = await labCli(['doctor', '--data', data, '--compact'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain('not compacted: run "run-old" is still recording; compact when it has ended')
    expect(r.stdout).not.toMatch(/compacted:/)
  }, 120_000)
})
