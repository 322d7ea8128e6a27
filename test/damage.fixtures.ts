// Damaged databases for tests and the hostile campaign: a real data folder with recorded
// runs, then pages overwritten in the middle or the file cut short.
import { createHash } from 'node:crypto'
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { LabService } from '../src/main/lab/service'
import { DB_FILE_NAME } from '../src/main/store'
import type { RunInfo } from '../src/shared/api'
import type { ExperimentSpecInput } from '../src/shared/spec'

/** A 5-node Raft run of 10 s simulated: about 7 MB of trace per run. */
export const DAMAGE_SPEC: ExperimentSpecInput = {
  name: 'damage-me',
  algorithm: { kind: 'raft' },
  cluster: { nodes: 5 },
  durationMs: 10_000,
  workload: { clients: 8, ratePerSec: 600, keys: 20 },
  faults: [{ atMs: 3000, kind: 'crash', target: 'leader', restartAfterMs: 1000 }],
}

async function waitEnd(service: LabService, runId: string): Promise<RunInfo> {
  for (let i = 0; i < 1200; i++) {
    const r = await service.getRun({ runId })
    if (r.status !== 'running') return r
    await new Promise((res) => setTimeout(res, 50))
  }
  throw new Error(`run ${runId} did not end`)
}

/** Record `runs` runs (seeds 1..runs) into `dataDir` and close: one self-contained file, no -wal. */
export async function makeLabData(dataDir: string, runs = 2): Promise<{ file: string; runIds: string[] }> {
  mkdirSync(dataDir, { recursive: true })
  const service = new LabService({ dataDir })
  const runIds: string[] = []
  try {
    for (let seed = 1; seed <= runs; seed++) {
      const r = await service.startRun({ spec: { ...DAMAGE_SPEC, seed }, speed: 'max' })
      const done = await waitEnd(service, r.runId)
      if (done.status !== 'done') throw new Error(`fixture run ended ${done.status}: ${done.error}`)
      runIds.push(done.runId)
    }
  } finally {
    service.close()
  }
  return { file: join(dataDir, DB_FILE_NAME), runIds }
}

/** A copy of a data folder (to damage one copy per test). */
export function copyData(from: string, to: string): string {
  cpSync(from, to, { recursive: true })
  return join(to, DB_FILE_NAME)
}

/** Deterministic noise (xorshift32): the same damage every time. */
function noise(bytes: number, seed: number): Buffer {
  const out = Buffer.alloc(bytes)
  let x = seed >>> 0 || 1
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

/** Overwrite `bytes` (default 256 KiB) starting at `at` (default: the middle of the file) with noise. */
export function overwrite(file: string, bytes = 256 * 1024, at?: number, seed = 17): void {
  const size = statSync(file).size
  const offset = at ?? Math.floor(size / 2)
  const fd = openSync(file, 'r+')
  try {
    writeSync(fd, noise(Math.min(bytes, size - offset), seed), 0, Math.min(bytes, size - offset), offset)
  } finally {
    closeSync(fd)
  }
}

/** Cut the file to `fraction` of its size. */
export function truncateTo(file: string, fraction: number): void {
  truncateSync(file, Math.floor(statSync(file).size * fraction))
}

export function sha(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

/** The -wal / -shm files beside `file` that exist. */
export function sidecars(file: string): string[] {
  return [`${file}-wal`, `${file}-shm`].filter((f) => existsSync(f))
}
