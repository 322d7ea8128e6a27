// The run history's figures (SQLite via better-sqlite3, in a temporary folder):
//   1. recorder: trace events recorded per second, sustained, through the real RunRecorder
//      (write queue + time-budgeted transactions), with the event loop's delay measured
//      while it records (perf_hooks.monitorEventLoopDelay + a 10 ms interval timer);
//   2. replay: time to fetch a 10,000-event window from the run of (1) (1,000,000 events);
//   3. export: a 1,000,000-op run to CSV: seconds and peak RSS;
//   4. open check: opening the file of (1)-(3) (header + the damage check), and the full and
//      bounded checks on their own (src/main/store/integrity.ts);
//   5. end to end: a real simulated run through LabService at max speed, recorded.
// Run: npx tsx bench/store.ts [--events N] [--ops N]
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { createSimulation } from '../src/core/sim'
import { ExperimentSpecSchema } from '../src/shared/spec'
import type { LabEvent, RunInfo } from '../src/shared/api'
import type { TraceEvent } from '../src/shared/trace'
import { LabService } from '../src/main/lab/service'
import Database from 'better-sqlite3'
import { checkIntegrity, exportCsvFile, FULL_CHECK_MAX_BYTES, LabStore } from '../src/main/store'

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}
const EVENTS = arg('events', 1_000_000)
const OPS = arg('ops', 1_000_000)

const dir = mkdtempSync(join(tmpdir(), 'ql-bench-store-'))
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
const ms = (n: number): string => `${n.toFixed(1)} ms`
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]
}

/** A realistic event mix: a real 5-node Raft run's trace (sends, deliveries, state, log, ops...). */
function sampleTrace(): TraceEvent[] {
  const spec = ExperimentSpecSchema.parse({
    name: 'bench-store',
    cluster: { nodes: 5 },
    durationMs: 10_000,
    workload: { clients: 16, ratePerSec: 1000, keys: 100, distribution: 'zipf' },
    faults: [{ atMs: 4000, forMs: 2000, kind: 'partition', shape: 'majorities-ring' }],
  })
  const sim = createSimulation(spec, { keepTrace: true })
  sim.runUntil(spec.durationMs)
  return sim.trace()
}

async function benchRecorder(store: LabStore, sample: TraceEvent[]): Promise<string> {
  const spec = ExperimentSpecSchema.parse({ name: 'bench-recorder', cluster: { nodes: 5 } })
  const runId = 'bench-recorder'
  const seq = store.createRun({ id: runId, spec, startedAt: new Date().toISOString(), appVersion: 'bench' })
  const rec = store.recorder(seq)
  const span = sample[sample.length - 1].t + 1
  const h = monitorEventLoopDelay({ resolution: 1 })
  let maxLag = 0
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    maxLag = Math.max(maxLag, now - last - 10)
    last = now
  }, 10)
  h.enable()
  const t0 = performance.now()
  let produced = 0
  // The producer (standing in for the simulator): bursts of 2,000 events per turn, held back
  // while the recorder's backlog is above 50,000 (the recorder's budget grows with it).
  await new Promise<void>((done) => {
    const burst = (): void => {
      if (rec.backlog < 50_000) {
        for (let k = 0; k < 2000 && produced < EVENTS; k++, produced++) {
          const e = sample[produced % sample.length]
          const lap = Math.floor(produced / sample.length)
          // Later laps: shift time and ids so the trace stays ordered and op ids unique.
          const shifted =
            lap === 0
              ? e
              : e.kind === 'op'
                ? { ...e, t: e.t + lap * span, opId: `${e.opId}#${lap}` }
                : { ...e, t: e.t + lap * span }
          rec.event(shifted)
        }
      }
      if (produced < EVENTS) setImmediate(burst)
      else done()
    }
    burst()
  })
  rec.finish()
  const t1 = performance.now()
  h.disable()
  clearInterval(timer)
  store.finishRun(seq, {
    status: 'done',
    endedAt: new Date().toISOString(),
    progress: 1,
    summary: null,
    error: null,
  })
  const rate = EVENTS / ((t1 - t0) / 1000)
  const lines = [
    `recorder: ${fmt(EVENTS)} trace events in ${((t1 - t0) / 1000).toFixed(2)} s = ${fmt(rate)} events/s sustained (target >= 200,000)`,
    `  event loop while recording: delay p50 ${ms(h.percentile(50) / 1e6)}, p99 ${ms(h.percentile(99) / 1e6)}, max ${ms(h.max / 1e6)}; 10 ms timer worst lag ${ms(maxLag)}`,
    `  stored: ${fmt(store.counts(runId).trace_events)} events, ${fmt(store.counts(runId).ops)} ops, ${fmt(store.counts(runId).sketches)} sketches; db ${mb(statSync(store.file).size)}`,
  ]
  return lines.join('\n')
}

function benchReplay(store: LabStore): string {
  const runId = 'bench-recorder'
  const row = store.db.prepare('SELECT min(t_lo) AS lo, max(t_hi) AS hi FROM trace_chunks').get() as {
    lo: number
    hi: number
  }
  // Warm up once (page cache), then 30 windows at seeded-random places.
  store.traceWindow(runId, { fromUs: row.lo, limit: 10_000 })
  const times: number[] = []
  let got = 0
  let x = 12345
  for (let i = 0; i < 30; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31
    const from = row.lo + Math.floor((x / 2 ** 31) * (row.hi - row.lo) * 0.95)
    const t0 = performance.now()
    const events = store.traceWindow(runId, { fromUs: from, limit: 10_000 })
    times.push(performance.now() - t0)
    got = events.length
  }
  const total = store.counts(runId).trace_events
  return (
    `replay: a ${fmt(got)}-event window from a run of ${fmt(total)} events: median ${ms(quantile(times, 0.5))}, ` +
    `p95 ${ms(quantile(times, 0.95))}, max ${ms(Math.max(...times))} (target < 50 ms; rows parsed into TraceEvents)`
  )
}

async function benchExport(store: LabStore): Promise<string> {
  const spec = ExperimentSpecSchema.parse({ name: 'bench-export' })
  const runId = 'bench-export'
  const seq = store.createRun({ id: runId, spec, startedAt: new Date().toISOString(), appVersion: 'bench' })
  const ins = store.db.prepare(
    `INSERT INTO ops (run_seq, op_id, client, f, key, value, expected, invoke_t, complete_t, outcome, result, error)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const fns = ['get', 'put', 'cas'] as const
  store.db.transaction(() => {
    for (let i = 0; i < OPS; i++) {
      const f = fns[i % 3]
      const t = i * 100
      ins.run(
        seq,
        `c${i % 16}.${i}`,
        i % 16,
        f,
        `k${i % 1000}`,
        f === 'get' ? (i % 7 ? `c${i % 16}.${i - 7}` : null) : `c${i % 16}.${i}`,
        f === 'cas' ? `c3.${i - 3}` : null,
        t,
        t + 1500 + (i % 400),
        i % 97 ? 'ok' : 'info',
        f === 'cas' ? String(i % 2 === 0) : null,
        i % 97 ? null : 'timeout',
      )
    }
  })()
  store.finishRun(seq, {
    status: 'done',
    endedAt: new Date().toISOString(),
    progress: 1,
    summary: null,
    error: null,
  })
  if (global.gc) global.gc()
  const base = process.memoryUsage().rss
  const baseHeap = process.memoryUsage().heapUsed
  let peak = base
  let peakHeap = baseHeap
  const sampler = setInterval(() => {
    const m = process.memoryUsage()
    peak = Math.max(peak, m.rss)
    peakHeap = Math.max(peakHeap, m.heapUsed)
  }, 20)
  const t0 = performance.now()
  const r = await exportCsvFile(store, { what: 'ops', runId }, join(dir, 'ops.csv'))
  const secs = (performance.now() - t0) / 1000
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage().rss)
  return (
    `export: ${fmt(r.rows)} ops to CSV (${mb(statSync(r.path).size)}) in ${secs.toFixed(2)} s = ${fmt(r.rows / secs)} rows/s; ` +
    `peak RSS ${mb(peak)} (${mb(peak - base)} above the ${mb(base)} before; JS heap peak ${mb(peakHeap)}, ` +
    `${mb(peakHeap - baseHeap)} above before, garbage included: rows are streamed, never all in memory)`
  )
}

async function benchEndToEnd(): Promise<string> {
  const service = new LabService({ dataDir: join(dir, 'e2e') })
  const spec = {
    name: 'bench-e2e',
    cluster: { nodes: 5 },
    durationMs: 10_000,
    workload: { clients: 16, ratePerSec: 1000, keys: 100, distribution: 'zipf' },
  }
  const h = monitorEventLoopDelay({ resolution: 1 })
  h.enable()
  const t0 = performance.now()
  const r = await service.startRun({ spec, speed: 'max' })
  const done = await new Promise<RunInfo>((res) =>
    service.on((e: LabEvent) => {
      if (e.type === 'run-status' && e.run.runId === r.runId && e.run.status !== 'running') res(e.run)
    }),
  )
  const wall = performance.now() - t0
  h.disable()
  const events = service.store.counts(done.runId).trace_events
  service.close()
  return (
    `end to end: a 10 s 5-node Raft run (1,000 ops/s) simulated and recorded in ${(wall / 1000).toFixed(2)} s ` +
    `(${(10_000 / wall).toFixed(1)}x real time): ${fmt(events)} events, ${fmt(events / (wall / 1000))} events/s; ` +
    `event loop delay p99 ${ms(h.percentile(99) / 1e6)}, max ${ms(h.max / 1e6)}`
  )
}

function benchOpenCheck(file: string): string {
  const bytes = statSync(file).size
  const t0 = performance.now()
  LabStore.openFile(file).close()
  const open = performance.now() - t0
  const db = new Database(file, { readonly: true })
  try {
    const t1 = performance.now()
    const full = checkIntegrity(db, 0)
    const fullMs = performance.now() - t1
    const t2 = performance.now()
    const bounded = checkIntegrity(db, 2 ** 40)
    const boundedMs = performance.now() - t2
    if (!full.ok || !bounded.ok) throw new Error('the bench file is damaged?')
    return (
      `open check: a ${mb(bytes)} file opened in ${ms(open)} (${bytes <= FULL_CHECK_MAX_BYTES ? 'full quick_check' : 'bounded check'}, ` +
      `full up to ${mb(FULL_CHECK_MAX_BYTES)}); quick_check of every page ${ms(fullMs)}, bounded check ${ms(boundedMs)}`
    )
  } finally {
    db.close()
  }
}

async function main(): Promise<void> {
  console.log(
    `store bench: ${fmt(EVENTS)} events, ${fmt(OPS)} ops; load average ${loadavg()[0].toFixed(2)} (2 cores shared)`,
  )
  const store = LabStore.openFile(join(dir, 'bench.db'))
  try {
    const sample = sampleTrace()
    console.log(await benchRecorder(store, sample))
    console.log(benchReplay(store))
    console.log(await benchExport(store))
    store.close()
    console.log(benchOpenCheck(join(dir, 'bench.db')))
    console.log(await benchEndToEnd())
  } finally {
    store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((e: unknown) => {
  console.error(e)
  rmSync(dir, { recursive: true, force: true })
  process.exit(1)
})
