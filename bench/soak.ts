// `npm run bench -- soak --minutes N [--mode processes|sim] [--every S]`: a long recorded run
// through the lab's service, to show that memory does not grow with the run's length (issue
// 15, item 4). Every ~30 s of wall time it prints the lab's RSS and heap and, in processes
// mode, each node process's RSS (from /proc/PID/status); at the end the verdict, the ops and
// the database's bytes per op.
//
//   processes: 5-node Raft at full load (64 closed-loop clients), N minutes of real time
//              (targets: lab < 600 MB, each node < 200 MB, flat after warm-up)
//   sim:       5-node Raft, N minutes of simulated time at 2,000 ops/s, recorded at full
//              speed (target: peak RSS < 600 MB)
//
// Both runs snapshot the Raft log every 10,000 applied entries (issue 15, item 2), so the
// nodes' logs stay bounded; the lab's own memory is what this measures.
import { readdirSync, statSync, mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { writeHeapSnapshot } from 'node:v8'
import Database from 'better-sqlite3'
import { LabService } from '../src/main/lab/service'
import { descendants } from './proc-tree'
import { rssKb } from './proc-rss'
import type { LabEvent, RunInfo } from '../src/shared/api'

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt
}
const minutes = Number(arg('minutes', '1'))
const mode = arg('mode', 'processes')
const everyS = Number(arg('every', '30'))
// Heap snapshots of the lab at these wall-clock seconds (comma-separated), written to the
// temp folder: compare two in DevTools' Memory tab to see what grows.
const snapshotAt = arg('heap-snapshots', '').split(',').filter(Boolean).map(Number)
if (
  !(minutes > 0) ||
  (mode !== 'processes' && mode !== 'sim') ||
  !(everyS > 0) ||
  snapshotAt.some((s) => !(s > 0))
) {
  console.error(
    'usage: soak --minutes N [--mode processes|sim] [--every SECONDS] [--heap-snapshots S1,S2,...]',
  )
  process.exit(2)
}

const MB = 1024 * 1024

/** VmRSS of a process in MB, or NaN once it is gone. */
function rssMb(pid: number): number {
  return rssKb(pid) / 1024
}

function dirBytes(dir: string, match: (name: string) => boolean): number {
  let n = 0
  for (const f of readdirSync(dir)) if (match(f)) n += statSync(join(dir, f)).size
  return n
}

/** Bytes per op of each table and index (SQLite's dbstat), largest first: where the file goes. */
function printBreakdown(file: string, ops: number): void {
  const db = new Database(file, { readonly: true })
  try {
    const rows = db
      .prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC')
      .all() as { name: string; bytes: number }[]
    console.log(
      `  by table/index: ${rows
        .filter((r) => r.bytes / ops >= 1)
        .map((r) => `${r.name} ${(r.bytes / ops).toFixed(0)}`)
        .join(', ')} (bytes per op)`,
    )
  } finally {
    db.close()
  }
}

const spec =
  mode === 'processes'
    ? {
        name: `soak-processes-${minutes}min`,
        mode: 'processes',
        algorithm: { kind: 'raft', params: { snapshotEveryEntries: 10_000 } },
        cluster: { nodes: 5, tickMs: 10, fsync: true },
        durationMs: minutes * 60_000,
        network: { latencyMs: 0, jitterMs: 0 },
        workload: {
          clients: 64,
          ratePerSec: 100_000, // the most the spec allows: closed-loop clients at full load
          keys: 1000,
          mix: { read: 0.5, write: 0.4, cas: 0.1 },
          timeoutMs: 5000,
        },
      }
    : {
        name: `soak-sim-${minutes}min`,
        mode: 'simulation',
        algorithm: { kind: 'raft', params: { snapshotEveryEntries: 10_000 } },
        cluster: { nodes: 5, tickMs: 10 },
        seed: 15,
        durationMs: minutes * 60_000,
        network: { latencyMs: 1, jitterMs: 0.5 },
        workload: {
          clients: 64,
          ratePerSec: 2000,
          keys: 1000,
          mix: { read: 0.5, write: 0.4, cas: 0.1 },
          timeoutMs: 5000,
        },
      }

const dir = mkdtempSync(join(tmpdir(), 'ql-bench-soak-'))
const service = new LabService({ dataDir: dir })
let peakLab = 0
const peakNode = new Map<number, number>()
try {
  console.log(
    mode === 'processes'
      ? `soak (processes): 5-node Raft, 64 clients at full load, ${minutes} min of real time, recorded`
      : `soak (sim): 5-node Raft, 2,000 ops/s, ${minutes} min of simulated time, recorded at full speed`,
  )
  console.log(`  load average at start: ${loadavg()[0].toFixed(2)} (node ${process.version})`)
  const t0 = performance.now()
  let last: RunInfo | null = null
  let tMs = 0
  let runId: string | null = null
  const sample = (): void => {
    const m = process.memoryUsage()
    const lab = m.rss / MB
    peakLab = Math.max(peakLab, lab)
    // The node processes (node.mjs); the proxy and anything else printed by name.
    const children = mode === 'processes' ? descendants() : []
    const nodeRss: number[] = []
    const others: string[] = []
    for (const p of children) {
      const r = rssMb(p.pid)
      if (!Number.isFinite(r)) continue
      if (p.name === 'node') {
        nodeRss.push(r)
        peakNode.set(p.pid, Math.max(peakNode.get(p.pid) ?? 0, r))
      } else others.push(`${p.name} ${r.toFixed(0)}`)
    }
    const wall = (performance.now() - t0) / 1000
    const db = dirBytes(dir, (f) => f.startsWith('quorum-lab.db'))
    console.log(
      `  wall ${wall.toFixed(0).padStart(5)} s  run ${(tMs / 1000).toFixed(0).padStart(5)} s  ` +
        `lab rss ${lab.toFixed(0).padStart(4)} MB heap ${(m.heapUsed / MB).toFixed(0).padStart(4)}/${(m.heapTotal / MB).toFixed(0)} MB ext ${((m.external + m.arrayBuffers) / MB).toFixed(0)} MB` +
        (nodeRss.length ? `  nodes rss ${nodeRss.map((r) => r.toFixed(0)).join(' ')} MB` : '') +
        (others.length ? `  (${others.join(', ')} MB)` : '') +
        `  db ${(db / MB).toFixed(0)} MB` +
        (runId !== null ? `  recorder backlog ${service.recorderBacklog(runId) ?? '-'}` : ''),
    )
  }
  const run = await service.startRun({ spec, speed: 'max' })
  runId = run.runId
  const timer = setInterval(sample, everyS * 1000)
  const snapshots = snapshotAt.map((s) =>
    setTimeout(() => {
      const file = writeHeapSnapshot(join(tmpdir(), `soak-${process.pid}-${s}s.heapsnapshot`))
      console.log(`  heap snapshot at ${s} s: ${file}`)
    }, s * 1000),
  )
  last = await new Promise<RunInfo>((res) => {
    const off = service.on((e: LabEvent) => {
      if (e.type === 'run-progress' && e.runId === run.runId) tMs = e.tMs
      if (
        e.type === 'run-status' &&
        e.run.runId === run.runId &&
        e.run.status !== 'running' &&
        e.run.status !== 'queued'
      ) {
        off()
        res(e.run)
      }
    })
  })
  clearInterval(timer)
  for (const t of snapshots) clearTimeout(t)
  sample()
  const wallS = (performance.now() - t0) / 1000
  const s = last.summary
  console.log(
    `\n  status ${last.status}${last.error ? ` (${last.error})` : ''}, verdict ${s?.verdict ?? '-'}`,
  )
  for (const c of s?.checks ?? [])
    console.log(
      `    ${c.name}: ${c.verdict ?? (c.ok ? 'ok' : 'violation')}${c.details.length ? ` — ${c.details[0]}` : ''}`,
    )
  const ops = s?.ops.total ?? 0
  console.log(
    `  ops ${ops.toLocaleString('en-US')} (ok ${(s?.ops.ok ?? 0).toLocaleString('en-US')}) in ${wallS.toFixed(0)} s wall`,
  )
  service.close()
  const db = dirBytes(dir, (f) => f.startsWith('quorum-lab.db'))
  console.log(
    `  database ${(db / MB).toFixed(1)} MB, ${ops > 0 ? (db / ops).toFixed(0) : '-'} bytes per op (after checkpoint)`,
  )
  if (ops > 0) printBreakdown(join(dir, 'quorum-lab.db'), ops)
  console.log(`  peak lab rss ${peakLab.toFixed(0)} MB (target < 600 MB)`)
  if (peakNode.size > 0)
    console.log(
      `  peak node rss ${[...peakNode.values()].map((r) => r.toFixed(0)).join(' ')} MB (target < 200 MB each)`,
    )
  console.log(`  load average at end: ${loadavg()[0].toFixed(2)}`)
} finally {
  try {
    service.close()
  } catch {
    // closed above
  }
  rmSync(dir, { recursive: true, force: true })
}
