// WAL compaction (Ready.base in processes mode): the WAL is replaced by [base, ...later]
// through a synced temporary file renamed over it, so a crash at any point leaves the old WAL
// or the new one whole. Unit cases for each crash point, then real SIGKILLs of a process that
// appends and compacts in a loop: every recovery reads a consistent sequence.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { encodeRecords, Wal } from '../src/main/node/wal'
import { tempDir } from './proc.helpers'

const tmp = tempDir('ql-wal-compact-')
afterAll(() => tmp.cleanup())
let k = 0
const walPath = (): string => join(tmp.dir, `wal-${++k}.log`)
const open = (path: string, over: Partial<Parameters<typeof Wal.open>[1]> = {}) =>
  Wal.open(path, { fresh: false, fsync: true, dropUnsynced: false, ...over })

describe('WAL compaction', () => {
  it('replaces every record with [base, ...later]; appends follow it; a reopen reads exactly that', () => {
    const path = walPath()
    const { wal } = open(path)
    wal.append([{ n: 1 }, { n: 2 }, { n: 3 }])
    wal.compact([{ base: 3 }, { n: 4 }])
    expect(wal.length).toBe(encodeRecords([{ base: 3 }, { n: 4 }]).length)
    wal.append([{ n: 5 }])
    expect(existsSync(`${path}.compact`)).toBe(false)
    wal.close()
    expect(open(path).recovery.records).toEqual([{ base: 3 }, { n: 4 }, { n: 5 }])
  })

  it('a crash before the rename (a partial temporary file) leaves the old WAL whole; the leftover is removed', () => {
    const path = walPath()
    const { wal } = open(path)
    wal.append([{ n: 1 }, { n: 2 }])
    wal.close()
    const full = encodeRecords([{ base: 2, pad: 'y'.repeat(1000) }])
    writeFileSync(`${path}.compact`, full.subarray(0, 300)) // killed while writing it
    const { wal: again, recovery } = open(path)
    expect(recovery.records).toEqual([{ n: 1 }, { n: 2 }])
    expect(recovery.tornReason).toBeNull()
    expect(existsSync(`${path}.compact`)).toBe(false)
    again.close()
  })

  it('fsync off: a sidecar left from the old file is not applied to the new one (crash between rename and sidecar)', () => {
    const path = walPath()
    const { wal } = open(path, { fsync: false })
    wal.write([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }])
    wal.writeback()
    const oldSide = readFileSync(`${path}.synced`)
    wal.compact([{ base: 4, pad: 'z'.repeat(500) }])
    wal.close()
    // As if the process died right after the rename, before the sidecar was updated.
    writeFileSync(`${path}.synced`, oldSide)
    const r = open(path, { fsync: false, dropUnsynced: true })
    expect(r.recovery.records).toEqual([{ base: 4, pad: 'z'.repeat(500) }])
    expect(r.recovery.lostUnsyncedBytes).toBe(0)
    r.wal.close()
  })

  it('fsync off: after a compaction, writes not yet written back are lost in a crash as before; the base is not', () => {
    const path = walPath()
    const { wal } = open(path, { fsync: false })
    wal.write([{ n: 1 }])
    wal.compact([{ base: 1 }])
    wal.write([{ n: 2 }, { n: 3 }])
    wal.close()
    const r = open(path, { fsync: false, dropUnsynced: true })
    expect(r.recovery.records).toEqual([{ base: 1 }])
    expect(r.recovery.lostUnsyncedRecords).toBe(2)
    r.wal.close()
  })

  it('a sync running on the old file when it is replaced reports durable and does not touch the new one', async () => {
    const path = walPath()
    const { wal } = open(path, { fsync: false })
    wal.write([{ n: 1 }])
    const done = new Promise<Error | null>((resolve) => wal.sync(resolve))
    wal.compact([{ base: 1 }])
    wal.write([{ n: 2 }])
    expect(await done).toBeNull()
    wal.close()
    expect(open(path).recovery.records).toEqual([{ base: 1 }, { n: 2 }])
  })
})

describe('WAL compaction under SIGKILL', () => {
  const child = fileURLToPath(new URL('./wal.compact-child.ts', import.meta.url))
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

  /** Start the child on `path`, let it run `ms` after it is ready, SIGKILL it. */
  function runAndKill(path: string, ms: number): Promise<{ inCompaction: boolean }> {
    return new Promise((resolve, reject) => {
      // An 8 MB base: most of the child's time goes to compactions, where the kills should land.
      const p = spawn(process.execPath, ['--import', tsx, child, path, String(8_000_000)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let err = ''
      let timer: NodeJS.Timeout | null = null
      const guard = setTimeout(() => p.kill('SIGKILL'), 20_000)
      p.stderr.on('data', (b: Buffer) => (err += b.toString()))
      p.stdout.on('data', (b: Buffer) => {
        if (timer === null && b.toString().includes('ready')) timer = setTimeout(() => p.kill('SIGKILL'), ms)
      })
      p.on('exit', (code, signal) => {
        clearTimeout(guard)
        if (timer) clearTimeout(timer)
        if (signal !== 'SIGKILL') return reject(new Error(`child ended ${code} ${signal}: ${err}`))
        resolve({ inCompaction: existsSync(`${path}.compact`) })
      })
    })
  }

  it('every recovery reads either the old or the new WAL whole: a base, then a gapless sequence', async () => {
    const path = walPath()
    let duringCompaction = 0
    let last = 0
    for (let i = 0; i < 10; i++) {
      const { inCompaction } = await runAndKill(path, 60 + ((i * 37) % 250))
      if (inCompaction) duringCompaction++
      const { wal, recovery } = open(path)
      const recs = recovery.records as Array<{ base?: number; n?: number }>
      let n = recs[0]?.base ?? 0
      const seq = recs[0]?.base !== undefined ? recs.slice(1) : recs
      for (const r of seq) {
        expect(r.n, `after kill ${i}: ${JSON.stringify(recs.map((x) => x.base ?? x.n))}`).toBe(n + 1)
        n++
      }
      expect(recs.slice(1).every((r) => r.base === undefined)).toBe(true)
      // Nothing durable is lost across kills: the sequence only moves forward.
      expect(n).toBeGreaterThanOrEqual(last)
      last = n
      wal.close()
    }
    console.log(
      `wal compaction: 10 SIGKILLs, ${duringCompaction} during a compaction, sequence reached ${last}`,
    )
    expect(last).toBeGreaterThan(12)
  }, 120_000)
})
