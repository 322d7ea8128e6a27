// `npm run bench -- algos`: every algorithm on equal terms — 5 nodes, the same open-loop KV
// workload (reads and writes, no cas: the quorum store has no atomic cas), in the
// deterministic simulator and as real processes over TCP through the lab's proxy — printed
// as one table of committed ops/s and p50 / p99 latency.
//
//   npx tsx bench/algos.ts [--seconds 5] [--only sim|proc] [--algorithms raft,pbft]
//                          [--clients 32] [--rate 2000]
//
// Throughput counts ok ops per second of run time after a 1 s warm-up (simulated seconds in
// the simulator, wall seconds in processes mode). Latency is over every ok op of the run.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createSimulation } from '../src/core/sim'
import { driveProcessRun, startProcessRun, killAllChildren } from '../src/main/lab/processes'
import type { MetricsWindow, RunSummary } from '../src/shared/api'
import { ALGORITHMS, ExperimentSpecSchema, type AlgorithmKind, type ExperimentSpec } from '../src/shared/spec'

function opt(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback
}

const seconds = Number(opt('seconds', '5'))
const only = opt('only', 'both')
const clients = Number(opt('clients', '32'))
const rate = Number(opt('rate', '2000'))
const algorithms = opt('algorithms', ALGORITHMS.join(','))
  .split(',')
  .filter((a): a is AlgorithmKind => (ALGORITHMS as readonly string[]).includes(a))

const WARMUP_MS = 1000

function specFor(kind: AlgorithmKind, mode: ExperimentSpec['mode']): ExperimentSpec {
  return ExperimentSpecSchema.parse({
    name: `bench-${kind}-${mode}`,
    algorithm: { kind },
    cluster: { nodes: 5, tickMs: 10 },
    mode,
    seed: 7,
    durationMs: seconds * 1000,
    workload: {
      clients,
      ratePerSec: rate,
      keys: 100,
      distribution: 'uniform',
      mix: { read: 0.5, write: 0.5, cas: 0 },
      timeoutMs: 2000,
    },
    network: { latencyMs: 1, jitterMs: 0.5 },
  })
}

interface Row {
  opsPerSec: number
  p50: number | null
  p99: number | null
  verdict: string
  wallS: number
}

function steadyRate(windows: MetricsWindow[]): number {
  const steady = windows.filter((w) => w.startMs >= WARMUP_MS)
  const ok = steady.reduce((a, w) => a + w.ok, 0)
  const sec = steady.reduce((a, w) => a + (w.endMs - w.startMs), 0) / 1000
  return sec > 0 ? ok / sec : 0
}

function row(s: RunSummary, windows: MetricsWindow[], wallS: number): Row {
  return {
    opsPerSec: steadyRate(windows),
    p50: s.latencyMs.p50,
    p99: s.latencyMs.p99,
    verdict: s.verdict,
    wallS,
  }
}

function simRow(kind: AlgorithmKind): Row {
  const spec = specFor(kind, 'simulation')
  const t0 = performance.now()
  const sim = createSimulation(spec, { keepTrace: false })
  const windows: MetricsWindow[] = []
  for (let t = 500; !sim.done(); t += 500) {
    sim.runUntil(t)
    windows.push(...sim.takeWindows())
  }
  windows.push(...sim.takeWindows())
  const wall = performance.now() - t0
  return row(sim.summary(wall), windows, wall / 1000)
}

async function procRow(kind: AlgorithmKind): Promise<Row> {
  const spec = specFor(kind, 'processes')
  const dir = mkdtempSync(join(tmpdir(), `ql-bench-${kind}-`))
  const t0 = performance.now()
  try {
    const run = await startProcessRun(spec, { dataDir: dir, keepTrace: false })
    const windows: MetricsWindow[] = []
    await new Promise<void>((done) =>
      driveProcessRun(run, {
        progressEveryMs: 200,
        onProgress: (r) => windows.push(...r.takeWindows()),
        onEnd: () => done(),
      }),
    )
    windows.push(...run.takeWindows())
    const wall = performance.now() - t0
    return row(run.summary(wall), windows, wall / 1000)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const fmt = (x: number | null, digits = 1): string => (x === null ? '—' : x.toFixed(digits))

async function main(): Promise<void> {
  console.log(
    `5 nodes; ${clients} clients offering ${rate} ops/s (50% get, 50% put, 100 keys); ${seconds} s per run; ` +
      `throughput after a ${WARMUP_MS / 1000} s warm-up`,
  )
  const rows: Array<{ kind: AlgorithmKind; sim: Row | string | null; proc: Row | string | null }> = []
  for (const kind of algorithms) {
    const r: (typeof rows)[number] = { kind, sim: null, proc: null }
    if (only !== 'proc') {
      try {
        r.sim = simRow(kind)
      } catch (e) {
        r.sim = (e as Error).message
      }
    }
    if (only !== 'sim') {
      try {
        r.proc = await procRow(kind)
      } catch (e) {
        r.proc = (e as Error).message
      }
    }
    rows.push(r)
    process.stderr.write(`  ${kind} done\n`)
  }
  const cell = (x: Row | string | null): string[] =>
    x === null
      ? ['', '', '', '']
      : typeof x === 'string'
        ? [`error: ${x.slice(0, 40)}`, '', '', '']
        : [x.opsPerSec.toFixed(0), fmt(x.p50, 2), fmt(x.p99, 2), x.verdict]
  const header = ['algorithm', 'sim ops/s', 'sim p50 ms', 'sim p99 ms', 'sim verdict']
  header.push('proc ops/s', 'proc p50 ms', 'proc p99 ms', 'proc verdict')
  console.log(`\n| ${header.join(' | ')} |`)
  console.log(`|${header.map(() => '---').join('|')}|`)
  for (const r of rows) console.log(`| ${[r.kind, ...cell(r.sim), ...cell(r.proc)].join(' | ')} |`)
}

main()
  .catch((e: unknown) => {
    console.error(e)
    process.exitCode = 1
  })
  .finally(() => killAllChildren())
