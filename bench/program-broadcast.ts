// `npm run bench -- program-broadcast`: a 5-node broadcast run of the example gossip program
// (examples/programs/broadcast-gossip.js, topology total) in processes mode through the lab's
// service, so every node-to-node message crosses the fault proxy and the whole trace is
// recorded in SQLite. Prints node-to-node messages per second of the run (issue 14 target:
// >= 20,000/s) and the store's trace rows.
//
//   npx tsx bench/program-broadcast.ts [--seconds 10] [--rate 2000] [--clients 10] [--read-share 0.5]
//
// --read-share is the spec's workload.readShare (default 0.5, Maelstrom's even mix). Every
// read returns all the messages a node holds, so the bytes a read moves grow with the run: at
// half reads, a longer run spends more and more of its CPU on read replies (in the program,
// its node host and the lab), not on node-to-node messages. A smaller share measures the
// message path itself.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { LabService } from '../src/main/lab/service'
import { traceRows } from '../src/main/store'
import type { LabEvent, RunInfo } from '../src/shared/api'
import { cpuSecondsOf, descendants } from './proc-tree'

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}
const seconds = arg('seconds', 10)
const rate = arg('rate', 2000)
const clients = arg('clients', 10)
const readShare = arg('read-share', 0.5)

/**
 * CPU seconds used so far by this process and by every child process that has ended (and was
 * waited for, with its own children): /proc/self/stat utime, stime, cutime, cstime.
 */
function cpuSeconds(): { self: number; children: number } {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const tick = 100 // USER_HZ on Linux
  return { self: (Number(f[11]) + Number(f[12])) / tick, children: (Number(f[13]) + Number(f[14])) / tick }
}

const dir = mkdtempSync(join(tmpdir(), 'ql-bench-bcast-'))
const service = new LabService({ dataDir: dir })
try {
  console.log(
    `program broadcast bench: 5 nodes, topology total, ${clients} clients at ${rate} ops/s, read share ${readShare}, ${seconds} s`,
  )
  console.log(`  load average at start: ${loadavg()[0].toFixed(2)}`)
  const spec = {
    name: 'bench-broadcast',
    mode: 'processes',
    algorithm: {
      kind: 'program',
      params: { command: ['node', resolve('examples/programs/broadcast-gossip.js')] },
    },
    cluster: { nodes: 5 },
    durationMs: seconds * 1000,
    workload: {
      kind: 'broadcast',
      clients,
      ratePerSec: rate,
      timeoutMs: 1000,
      topology: 'total',
      finalMs: 1000,
      readShare,
    },
  }
  const loopDelay = monitorEventLoopDelay({ resolution: 1 })
  loopDelay.enable()
  const cpu0 = cpuSeconds()
  const t0 = performance.now()
  // Each child's CPU, sampled until it ends, to split the children's share by process kind.
  const childCpu = new Map<number, { name: string; s: number }>()
  const sampleChildren = (): void => {
    for (const p of descendants()) {
      const s = cpuSecondsOf(p.pid)
      if (Number.isFinite(s)) childCpu.set(p.pid, { name: p.name, s })
    }
  }
  const sampler = setInterval(sampleChildren, 250)
  const run = await service.startRun({ spec })
  const end = await new Promise<RunInfo>((res) => {
    const off = service.on((e: LabEvent) => {
      if (e.type === 'run-status' && e.run.runId === run.runId && e.run.status !== 'running') {
        off()
        res(e.run)
      }
    })
  })
  const wallS = (performance.now() - t0) / 1000
  clearInterval(sampler)
  loopDelay.disable()
  const byKind = new Map<string, number>()
  for (const { name, s } of childCpu.values()) byKind.set(name, (byKind.get(name) ?? 0) + s)
  // Every process of the run has ended (the run-status event comes after teardown).
  const cpu1 = cpuSeconds()
  // Children waited for (cutime) miss the programs, which their node hosts kill without
  // waiting: the per-process samples below catch those, so the larger of the two counts.
  const cpuWaited = cpu1.children - cpu0.children
  const cpuChildren = Math.max(
    cpuWaited,
    [...byKind.values()].reduce((a, b) => a + b, 0),
  )
  const cpuLab = cpu1.self - cpu0.self
  const seq = (
    service.store.db.prepare('SELECT seq FROM runs WHERE id = ?').get(run.runId) as { seq: number }
  ).seq
  const eventsByKind = new Map<string, number>()
  for (const r of traceRows(service.store, seq)) eventsByKind.set(r.kind, (eventsByKind.get(r.kind) ?? 0) + 1)
  const count = (kind: string): number => eventsByKind.get(kind) ?? 0
  const sends = count('send')
  const all = [...eventsByKind.values()].reduce((a, b) => a + b, 0)
  const runS = (end.summary?.simulatedMs ?? seconds * 1000) / 1000
  console.log(
    `  status ${end.status}, verdict ${end.summary ? end.summary.checks.map((c) => `${c.name}: ${c.verdict ?? (c.ok ? 'ok' : 'violation')}`).join('; ') : '-'}`,
  )
  for (const c of end.summary?.checks ?? [])
    for (const d of c.details.slice(0, 3)) console.log(`    ${c.name}: ${d}`)
  console.log(`  trace kinds ${JSON.stringify(Object.fromEntries(eventsByKind))}`)
  const lat = end.summary?.latencyMs
  console.log(
    `  ops ok ${end.summary?.ops.ok ?? 0} of ${end.summary?.ops.total ?? 0} (${Math.round((end.summary?.ops.ok ?? 0) / runS)}/s; latency p50 ${lat?.p50 ?? '-'} ms, p99 ${lat?.p99 ?? '-'} ms, max ${lat?.max ?? '-'} ms)`,
  )
  console.log(`  node-to-node messages  ${sends.toLocaleString('en-US')} (send events recorded)`)
  console.log(
    `  messages / s of run    ${Math.round(sends / runS).toLocaleString('en-US')}  (target >= 20,000)`,
  )
  console.log(
    `  CPU seconds            ${(cpuLab + cpuChildren).toFixed(1)} (lab ${cpuLab.toFixed(1)}, proxy + nodes + programs ${cpuChildren.toFixed(1)})`,
  )
  console.log(
    `    children by kind     ${[...byKind].map(([k, s]) => `${k} ${s.toFixed(1)}`).join(', ')} (sampled every 250 ms: a lower bound)`,
  )
  console.log(
    `  messages / CPU-second  ${Math.round(sends / (cpuLab + cpuChildren)).toLocaleString('en-US')}  (x2 cores = what an idle 2-core machine could carry: ${Math.round((2 * sends) / (cpuLab + cpuChildren)).toLocaleString('en-US')}/s)`,
  )
  console.log(
    `  lab event-loop delay   p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`,
  )
  console.log(`  trace rows recorded    ${all.toLocaleString('en-US')} in ${wallS.toFixed(1)} s wall`)
  // Where the run's bytes are: the trace chunks and the ops rows (values as recorded).
  const bytes = service.store.db
    .prepare(
      `SELECT (SELECT coalesce(sum(length(blob)), 0) FROM trace_chunks WHERE run_seq = @seq) AS trace,
              (SELECT coalesce(sum(length(value) + coalesce(length(result), 0)), 0) FROM ops WHERE run_seq = @seq) AS ops`,
    )
    .get({ seq }) as { trace: number; ops: number }
  const mib = (b: number): string => (b / 1024 / 1024).toFixed(1)
  console.log(`  stored                 trace ${mib(bytes.trace)} MiB, op values ${mib(bytes.ops)} MiB`)
  // The lab's memory: its peak (VmHWM), and what the JS heap still holds once the run ended.
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
  const mu = process.memoryUsage()
  console.log(
    `  lab memory             peak RSS ${hwm ? (Number(hwm[1]) / 1024).toFixed(0) : '?'} MiB; after the run: RSS ${(mu.rss / 1048576).toFixed(0)} MiB, JS heap used ${(mu.heapUsed / 1048576).toFixed(0)} MiB, external ${(mu.external / 1048576).toFixed(0)} MiB`,
  )
  console.log(`  load average at end: ${loadavg()[0].toFixed(2)}`)
} finally {
  service.close()
  rmSync(dir, { recursive: true, force: true })
}
