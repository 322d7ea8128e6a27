// Simulator speed: how fast a 5-node Raft cluster runs under a 1000 ops/s KV workload for
// 10 s of simulated time. Three ways of consuming the trace:
//   streamed  - onTrace consumer, keepTrace:false (the lab streams events to its recorder)
//   headless  - no consumer, keepTrace:false (sweeps: only the summary and verdict matter)
//   kept      - keepTrace:true (the whole trace in memory, e.g. tests)
// Prints simulated message deliveries per wall-second and the speed-up over real time
// (simulated ms / wall ms). Run: npx tsx bench/sim.ts [--runs N] [--seconds S]
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { createSimulation } from '../src/core/sim'
import { ExperimentSpecSchema, type ExperimentSpec } from '../src/shared/spec'

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}

const runs = arg('runs', 5)
const seconds = arg('seconds', 10)

function raftSpec(seed: number, durationMs: number): ExperimentSpec {
  return ExperimentSpecSchema.parse({
    name: 'bench-raft-5',
    algorithm: { kind: 'raft' },
    cluster: { nodes: 5, tickMs: 10 },
    seed,
    durationMs,
    workload: { clients: 16, ratePerSec: 1000, keys: 100, distribution: 'zipf' },
    network: { latencyMs: 1, jitterMs: 0.5 },
  })
}

interface Sample {
  runMs: number
  /** CPU time of this process during the run (robust against other load on a shared machine). */
  cpuMs: number
  checkMs: number
  delivered: number
  ops: number
  events: number
}

type Mode = 'streamed' | 'headless' | 'kept'

function once(seed: number, mode: Mode): Sample {
  const spec = raftSpec(seed, seconds * 1000)
  const keepTrace = mode === 'kept'
  let events = 0
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const sim = createSimulation(spec, {
    keepTrace,
    onTrace: mode === 'streamed' ? () => void events++ : undefined,
  })
  sim.runUntil(spec.durationMs)
  const t1 = performance.now()
  const c1 = process.cpuUsage(c0)
  const s = sim.summary(t1 - t0)
  const t2 = performance.now()
  if (s.verdict !== 'ok')
    throw new Error(`bench run seed ${seed} failed its checks: ${JSON.stringify(s.checks)}`)
  return {
    runMs: t1 - t0,
    cpuMs: (c1.user + c1.system) / 1000,
    checkMs: t2 - t1,
    delivered: s.messages.delivered,
    ops: s.ops.total,
    events,
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

// Warm up the JIT.
once(1000, 'streamed')
once(1001, 'headless')

console.log(
  `simulator bench: 5-node Raft, 1000 ops/s offered, ${seconds} s simulated, median of ${runs} runs`,
)
// Wall-clock figures only mean something on an otherwise idle machine; CPU time is printed
// too, and the load average says how busy the machine was.
console.log(`  load average at start: ${loadavg()[0].toFixed(2)} (${process.arch}, node ${process.version})`)
const labels: Record<Mode, string> = {
  streamed: 'streamed: onTrace consumer, keepTrace:false (how the lab records a run)',
  headless: 'headless: no trace consumer, keepTrace:false (sweeps)',
  kept: 'kept: keepTrace:true (whole trace in memory)',
}
for (const mode of ['streamed', 'headless', 'kept'] as const) {
  const samples: Sample[] = []
  for (let i = 0; i < runs; i++) samples.push(once(1 + i, mode))
  const runMs = median(samples.map((s) => s.runMs))
  const cpuMs = median(samples.map((s) => s.cpuMs))
  const checkMs = median(samples.map((s) => s.checkMs))
  const delivered = median(samples.map((s) => s.delivered))
  const ops = median(samples.map((s) => s.ops))
  console.log(`\n  ${labels[mode]}`)
  console.log(
    `    wall per run          ${runMs.toFixed(0)} ms (+ ${checkMs.toFixed(0)} ms safety checks in summary())`,
  )
  console.log(`    CPU per run           ${cpuMs.toFixed(0)} ms (includes GC threads)`)
  console.log(`    ops per run           ${ops}`)
  console.log(`    deliveries per run    ${delivered}`)
  if (mode === 'streamed') console.log(`    trace events per run  ${median(samples.map((s) => s.events))}`)
  console.log(`    deliveries / wall-s   ${Math.round(delivered / (runMs / 1000)).toLocaleString('en-US')}`)
  console.log(`    speed-up              ${((seconds * 1000) / runMs).toFixed(0)}x real time`)
  console.log(`    speed-up by CPU time  ${((seconds * 1000) / cpuMs).toFixed(0)}x`)
  console.log(`    speed-up incl. checks ${((seconds * 1000) / (runMs + checkMs)).toFixed(0)}x real time`)
}
console.log(`\n  load average at end: ${loadavg()[0].toFixed(2)}`)
