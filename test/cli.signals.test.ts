// Issue 17.1: the CLI honours SIGTERM at any moment, and does not outlive the npm that
// started it: the run is stopped, recorded as stopped, and every process of it ends.
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ql-signals-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A heavy but valid spec: an hour of 1,000 clients at 100,000 ops/s and a maximal clock jump. */
const heavy = {
  name: 'heavy',
  cluster: { nodes: 5, tickMs: 1 },
  durationMs: 3_600_000,
  workload: { clients: 1000, ratePerSec: 100_000 },
  faults: [{ atMs: 100, forMs: 100, kind: 'clock', target: 'all', jumpMs: 3_600_000 }],
}

/** Pids of live processes whose command line mentions `needle`. */
function pidsWith(needle: string): number[] {
  const out: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle)) out.push(Number(name))
    } catch {
      // gone meanwhile
    }
  }
  return out
}

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function runStatuses(data: string): string[] {
  try {
    const db = new Database(join(data, 'quorum-lab.db'), { readonly: true, fileMustExist: true })
    try {
      return (db.prepare('SELECT status FROM runs').all() as Array<{ status: string }>).map((r) => r.status)
    } finally {
      db.close()
    }
  } catch {
    return []
  }
}

describe('CLI and signals', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`npm run lab killed with ${signal}: the CLI stops the run, records it as stopped and exits`, async () => {
      const data = join(dir, `data-${signal}`)
      const file = join(dir, `heavy-${signal}.json`)
      writeFileSync(file, JSON.stringify(heavy))
      const npm = spawn('npm', ['run', 'lab', '--', 'run', file, '--data', data], {
        cwd: process.cwd(),
        stdio: 'ignore',
      })
      await until('the run to be recorded', () => runStatuses(data).includes('running'))
      // Let it reach the heavy part (the clock jump at 100 ms of simulated time).
      await new Promise((r) => setTimeout(r, 1500))
      expect(pidsWith(file).length).toBeGreaterThan(0)
      npm.kill(signal)
      await until('every process of the CLI to end', () => pidsWith(file).length === 0)
      expect(runStatuses(data)).toEqual(['stopped'])
    })
  }
})
