// A damaged database is never written: a real data folder with two recorded runs, then
// 256 KiB overwritten in the middle of its file, or the file cut short. Every command
// refuses it (exit 4, the path and what to do, no stack trace), the file stays
// byte-identical with no -wal / -shm beside it, and `doctor` saves what can be read into a
// new file. Damage found while the file is in use (a read that hits a bad page) stops all
// writing: the service answers with a LabError and keeps serving.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LabService } from '../src/main/lab/service'
import { checkIntegrity, DB_FILE_NAME, LabStore, StoreError } from '../src/main/store'
import { LabError } from '../src/shared/api'
import { labCli, type CliResult } from './cli.helpers'
import { copyData, DAMAGE_SPEC, makeLabData, overwrite, sha, sidecars, truncateTo } from './damage.fixtures'

let dir: string
let good: string
let runIds: string[] = []
let goodSize = 0

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ql-damage-'))
  good = join(dir, 'good')
  runIds = (await makeLabData(good, 2)).runIds
  goodSize = statSync(join(good, DB_FILE_NAME)).size
}, 120_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let n = 0
/** A copy of the good folder, damaged by `damage`. */
function damaged(damage: (file: string) => void): { data: string; file: string; before: string } {
  const data = join(dir, `copy-${++n}`)
  const file = copyData(good, data)
  damage(file)
  return { data, file, before: sha(file) }
}

const middle = (file: string): void => overwrite(file)
const half = (file: string): void => truncateTo(file, 0.5)

/** Refused plainly: exit 4, names the file and doctor, no stack trace, file untouched. */
function expectRefused(r: CliResult, d: { file: string; data: string; before: string }, what: string): void {
  expect(r.code, `${what}: ${r.stderr}`).toBe(4)
  expect(r.stderr, what).toContain(`${d.file} is damaged`)
  expect(r.stderr, what).toContain(`quorum-lab doctor --data ${d.data}`)
  expect(r.stderr, what).not.toMatch(/^\s+at /m)
  expect(r.stderr, what).not.toContain('SqliteError')
  expect(sha(d.file), what).toBe(d.before)
  expect(sidecars(d.file), what).toEqual([])
}

describe('a database with 256 KiB overwritten in the middle', () => {
  it('is big enough that the middle holds recorded rows (the fixture is what we think)', () => {
    expect(goodSize).toBeGreaterThan(4 * 1024 * 1024)
  })

  it('list, show, export, export-run, run, rerun, delete, import-run and sweep refuse it: exit 4, file untouched', async () => {
    const d = damaged(middle)
    const spec = join(dir, 'spec.json')
    writeFileSync(spec, JSON.stringify({ ...DAMAGE_SPEC, durationMs: 500, faults: [] }))
    const cmds: string[][] = [
      ['list'],
      ['show', runIds[0]],
      ['export', runIds[1], '--what', 'trace'],
      ['export', '--what', 'runs'],
      ['export-run', runIds[0], '--out', join(dir, 'x.jsonl')],
      ['run', spec],
      ['rerun', runIds[0]],
      ['delete', runIds[0]],
      ['import-run', join(dir, 'none.jsonl')],
      ['sweep', spec, '--param', 'workload.clients=1,2'],
    ]
    for (const args of cmds) expectRefused(await labCli([...args, '--data', d.data]), d, args[0])
    // Nothing was recorded anywhere else either: the folder holds the one file.
    expect(readdirSync(d.data)).toEqual([DB_FILE_NAME])
  }, 120_000)

  it('LabService refuses to open it with a StoreError naming the file (the desktop app shows it)', () => {
    const d = damaged(middle)
    let caught: unknown = null
    try {
      new LabService({ dataDir: d.data }).close()
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(StoreError)
    expect((caught as StoreError).code).toBe('corrupt')
    expect((caught as StoreError).message).toContain(`${d.file} is damaged`)
    expect(sha(d.file)).toBe(d.before)
    expect(sidecars(d.file)).toEqual([])
  })

  it('doctor saves what can be read into a new file beside it and says what was lost', async () => {
    const d = damaged(middle)
    const r = await labCli(['doctor', '--data', d.data, '--json'])
    expect(r.code, r.stderr).toBe(4)
    const report = JSON.parse(r.stdout) as {
      state: string
      problems: string[]
      salvage: {
        target: string
        targetCheck: string
        tables: Array<{ table: string; saved: number; lost: Array<{ from: number; to: number | null }> }>
        runs: Array<{ id: string; losses: string[]; rows: Record<string, number> }>
      }
    }
    expect(report.state).toBe('damaged')
    expect(report.problems.length).toBeGreaterThan(0)
    const s = report.salvage
    expect(s.targetCheck).toBe('ok')
    expect(existsSync(s.target)).toBe(true)
    expect(s.target.startsWith(join(d.data, 'quorum-lab.salvaged-'))).toBe(true)
    // Both runs are there; at least one table lost a stretch of rows, and it is named.
    expect(s.runs.map((x) => x.id).sort()).toEqual([...runIds].sort())
    const lost = s.tables.filter((t) => t.lost.length > 0)
    expect(lost.length).toBeGreaterThan(0)
    expect(s.runs.some((x) => x.losses.length > 0)).toBe(true)
    const trace = s.tables.find((t) => t.table === 'trace_chunks')!
    expect(trace.saved).toBeGreaterThan(0)
    // The damaged file is unchanged, with nothing beside it but the new file.
    expect(sha(d.file)).toBe(d.before)
    expect(sidecars(d.file)).toEqual([])
    expect(readdirSync(d.data).sort()).toEqual([DB_FILE_NAME, s.target.slice(d.data.length + 1)].sort())

    // The saved file is a working history: moved into place, list and show read it.
    const again = join(dir, `salvaged-${n}`)
    copyData(d.data, again)
    rmSync(join(again, DB_FILE_NAME))
    renameSync(join(again, s.target.slice(d.data.length + 1)), join(again, DB_FILE_NAME))
    const list = await labCli(['list', '--data', again, '--json'])
    expect(list.code, list.stderr).toBe(0)
    const runs = JSON.parse(list.stdout) as Array<{ runId: string; error: string | null }>
    expect(runs).toHaveLength(2)
    const hurt = s.runs.find((x) => x.losses.length > 0)!
    expect(runs.find((x) => x.runId === hurt.id)!.error).toMatch(/salvaged from a damaged file/)
    const show = await labCli(['show', hurt.id, '--data', again])
    expect(show.code, show.stderr).toBe(0)
  }, 60_000)

  it('doctor on a healthy folder says ok (exit 0) and writes nothing', async () => {
    const data = join(dir, `healthy-${++n}`)
    const file = copyData(good, data)
    const before = sha(file)
    const r = await labCli(['doctor', '--data', data])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/ok, no problems found \(integrity_check\); schema version \d+, 2 runs/)
    expect(sha(file)).toBe(before)
    expect(readdirSync(data)).toEqual([DB_FILE_NAME])
  })

  it('doctor on something that is not a database file says so (exit 2), found by the hostile campaign', async () => {
    const data = join(dir, `dir-${++n}`)
    mkdirSync(join(data, DB_FILE_NAME), { recursive: true })
    const r = await labCli(['doctor', '--data', data])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(`${join(data, DB_FILE_NAME)} is not a regular file; doctor left it untouched`)
  })

  it('a large file gets a bounded check: sampled reads still find damage spread over it', () => {
    const d = damaged((file) => {
      const size = statSync(file).size
      // A quarter of the file, from the middle on.
      overwrite(file, Math.floor(size / 4), Math.floor(size / 2))
    })
    // (A read-only connection to a WAL-mode file leaves -wal / -shm files: use copies.)
    const db = new Database(d.file, { readonly: true })
    const healthy = new Database(copyData(good, join(dir, `bounded-${n}`)), { readonly: true })
    try {
      // Told the file is 1 TiB, the check samples instead of walking every page.
      const report = checkIntegrity(db, 2 ** 40)
      expect(report.scope).toBe('bounded')
      expect(report.ok).toBe(false)
      expect(checkIntegrity(healthy, 2 ** 40)).toEqual({ ok: true, scope: 'bounded', problems: [] })
    } finally {
      db.close()
      healthy.close()
    }
  })
})

describe('a truncated database', () => {
  it('is refused before SQLite opens it (the header records more pages), leaving no -wal / -shm', async () => {
    const d = damaged(half)
    const r = await labCli(['list', '--data', d.data])
    expectRefused(r, d, 'list')
    expect(r.stderr).toMatch(/truncated: the header records \d+ pages of \d+ bytes/)
    expectRefused(await labCli(['run', 'examples/raft-5-basic.json', '--data', d.data]), d, 'run')
  }, 60_000)

  it('doctor saves the runs and rows before the cut', async () => {
    const d = damaged(half)
    const r = await labCli(['doctor', '--data', d.data, '--json'])
    expect(r.code, r.stderr).toBe(4)
    const s = (JSON.parse(r.stdout) as { salvage: { target: string; targetCheck: string; runs: unknown[] } })
      .salvage
    expect(s.targetCheck).toBe('ok')
    expect(s.runs.length).toBeGreaterThan(0)
    expect(sha(d.file)).toBe(d.before)
    expect(sidecars(d.file)).toEqual([])
  }, 60_000)
})

describe('damage found while the file is in use', () => {
  it('a stored value that must be JSON and is not: damage, not a crash (exit 4, nothing written)', async () => {
    const data = join(dir, `garbage-${++n}`)
    const file = copyData(good, data)
    // Pages intact (quick_check passes), content not: a run's spec is no longer JSON.
    const db = new Database(file)
    db.prepare('UPDATE runs SET spec = \'{"name": garbage\' WHERE id = ?').run(runIds[0])
    db.close()
    const before = sha(file)
    for (const args of [['list'], ['show', runIds[0]]]) {
      const r = await labCli([...args, '--data', data])
      expect(r.code, r.stderr).toBe(4)
      expect(r.stderr).toContain(`${file} is damaged (a stored value is not valid JSON`)
      expect(r.stderr).not.toMatch(/^\s+at /m)
    }
    expect(sha(file)).toBe(before)
    expect(sidecars(file)).toEqual([])
  }, 60_000)

  it('a read that hits a bad page: LabError naming the file, writing stops, the service keeps serving', async () => {
    const data = join(dir, `in-use-${++n}`)
    const file = copyData(good, data)
    const service = new LabService({ dataDir: data })
    try {
      // Damaged under the open service (its connection has not read these pages yet).
      overwrite(file)
      const before = sha(file)
      let caught: unknown = null
      for (const runId of runIds) {
        try {
          await service.getTrace({ runId })
        } catch (e) {
          caught ??= e
        }
      }
      expect(caught).toBeInstanceOf(LabError)
      expect((caught as LabError).code).toBe('unavailable')
      expect((caught as LabError).message).toContain(`${file} is damaged`)
      expect((caught as LabError).message).toContain('stopped writing to it')
      expect(service.store.damaged).not.toBeNull()
      // No new run, no delete: refused with the same message.
      await expect(
        service.startRun({ spec: { ...DAMAGE_SPEC, durationMs: 200, faults: [] } }),
      ).rejects.toThrow(/is damaged/)
      await expect(service.deleteRun({ runId: runIds[0] })).rejects.toThrow(/is damaged/)
      // Still serving what can be read.
      expect((await service.appInfo()).name).toBe('quorum-lab')
      expect((await service.listRuns()).length).toBe(2)
      service.close()
      // Closing checkpoints nothing into the damaged file.
      expect(sha(file)).toBe(before)
    } finally {
      service.close()
    }
  })

  it('a trace chunk that does not decode: damage naming the chunk, writing stops, the service keeps serving', async () => {
    const data = join(dir, `chunk-${++n}`)
    const file = copyData(good, data)
    // Pages intact (quick_check passes), content not: a chunk of the first run's trace is garbage.
    const db = new Database(file)
    const chunk = db
      .prepare('SELECT min(rowid) FROM trace_chunks WHERE run_seq = (SELECT seq FROM runs WHERE id = ?)')
      .pluck()
      .get(runIds[0]) as number
    db.prepare('UPDATE trace_chunks SET blob = ? WHERE rowid = ?').run(Buffer.from('garbage'), chunk)
    db.close()
    const service = new LabService({ dataDir: data })
    try {
      let caught: unknown = null
      try {
        await service.getTrace({ runId: runIds[0] })
      } catch (e) {
        caught = e
      }
      expect(caught).toBeInstanceOf(LabError)
      expect((caught as LabError).message).toContain(
        `${file} is damaged (trace chunk ${chunk} is damaged: its blob`,
      )
      expect((caught as LabError).message).not.toMatch(/^\s+at /m)
      // Still serving what can be read: the other run's trace, the list.
      expect((await service.getTrace({ runId: runIds[1] })).length).toBeGreaterThan(0)
      expect((await service.listRuns()).length).toBe(2)
    } finally {
      service.close()
    }
  })

  it('a live run stops recording when the file is found damaged: ended failed, saying so', async () => {
    const data = join(dir, `live-${++n}`)
    const file = copyData(good, data)
    const store = LabStore.openDir(data)
    const service = new LabService({ store })
    try {
      const live = await service.startRun({ spec: { ...DAMAGE_SPEC, durationMs: 3_600_000 }, speed: 1 })
      await new Promise((r) => setTimeout(r, 300))
      overwrite(file)
      for (const runId of runIds) await service.getTrace({ runId }).catch(() => undefined)
      expect(store.damaged).not.toBeNull()
      let info = await service.getRun({ runId: live.runId })
      for (let i = 0; i < 100 && info.status === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 50))
        info = await service.getRun({ runId: live.runId })
      }
      expect(info.status).toBe('failed')
      expect(info.error).toMatch(
        /is damaged .*Recording of this run stopped; the \d+ events recorded before are kept/,
      )
    } finally {
      service.close()
      store.close()
    }
  })
})
