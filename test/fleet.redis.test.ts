// The worker fleet (issue 16.4) on a real redis-server: a fuzz campaign enqueued by the lab,
// two `quorum-lab worker` processes taking its seeds, one of them killed (SIGKILL) while it
// holds tasks. Every seed must still be done, and be in the lab's database exactly once (a
// seed is identified by spec + seed + version); enqueueing the same campaign again adds no row.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { labCli } from './cli.helpers'
import { startRedis, type RedisServer } from './redis.helpers'

const SEEDS = 30
let redis: RedisServer
let dir: string
const workers: ChildProcess[] = []

function startWorker(name: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/main/cli/main.ts',
      'worker',
      '--redis',
      redis.url,
      '--threads',
      '1',
      '--lock-ms',
      '2000',
      '--name',
      name,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  )
  workers.push(child)
  return child
}

function waitFor(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = ''
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within 60 s:\n${text}`)), 60_000)
    const on = (c: Buffer): void => {
      text += c.toString()
      if (pattern.test(text)) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout?.on('data', on)
    child.stderr?.on('data', on)
  })
}

function seedRows(data: string): Array<{ seed: number; deliveries: number; campaign_id: string }> {
  if (!existsSync(join(data, 'quorum-lab.db'))) return []
  const db = new Database(join(data, 'quorum-lab.db'), { readonly: true })
  try {
    return db
      .prepare('SELECT seed, deliveries, campaign_id FROM campaign_seeds ORDER BY seed')
      .all() as Array<{
      seed: number
      deliveries: number
      campaign_id: string
    }>
  } catch {
    return [] // the table is created when the campaign starts
  } finally {
    db.close()
  }
}

beforeAll(async () => {
  redis = await startRedis()
  dir = mkdtempSync(join(tmpdir(), 'ql-fleet-'))
})
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL')
  await redis?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('a fuzz campaign on a worker fleet (real redis-server)', () => {
  it('every seed is done exactly once in the database though a worker dies mid-campaign', async () => {
    const a = startWorker('a')
    const b = startWorker('b')
    await Promise.all([waitFor(a, /taking tasks/), waitFor(b, /taking tasks/)])
    const data = join(dir, 'lab')
    const args = [
      'fuzz',
      '--redis',
      redis.url,
      '--seeds',
      String(SEEDS),
      '--duration',
      '3000',
      '--data',
      data,
    ]
    const campaign = labCli(args, { timeoutMs: 240_000 })
    // Kill worker a (no goodbye, its locks simply expire) once the campaign is under way.
    for (let i = 0; i < 600 && seedRows(data).length < 3; i++) await new Promise((r) => setTimeout(r, 100))
    expect(seedRows(data).length).toBeGreaterThanOrEqual(3)
    expect(seedRows(data).length).toBeLessThan(SEEDS)
    a.kill('SIGKILL')
    const r = await campaign
    expect(r.timedOut, r.stderr).toBe(false)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`fuzz done: ${SEEDS} seeds`)
    const rows = seedRows(data)
    expect(rows.map((x) => x.seed)).toEqual(Array.from({ length: SEEDS }, (_, i) => 1 + i))
    expect(new Set(rows.map((x) => x.campaign_id)).size).toBe(1)

    // The same campaign again: its jobs (and answers) are on the queue already; every answer
    // arrives a second time and is stored once.
    const again = await labCli(args, { timeoutMs: 120_000 })
    expect(again.code, again.stderr).toBe(0)
    const after = seedRows(data)
    expect(after.length).toBe(SEEDS)
    expect(after.every((x) => x.deliveries === 2)).toBe(true)
  }, 300_000)
})
