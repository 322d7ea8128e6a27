// `npm run fuzz`: the long seeded fuzz campaign in the deterministic simulator (Raft by
// default; `--algorithm paxos|multipaxos|pbft|quorum` for the others, each within its own
// fault model, with its own checks and mutants).
// Every seed picks a fault style, Raft parameters and a random fault schedule (crash-restart,
// partitions of every shape, pauses, loss, duplication, delay, reordering, clock skew), runs
// 4 s of simulated time and checks the trace (election safety, log matching, leader
// completeness, state machine safety, no acknowledged write lost).
//
//   npx tsx bench/fuzz.ts --seeds 2000 --start 1        campaign; exit 1 on any violation
//   npx tsx bench/fuzz.ts --seed 1234 [--trace t.jsonl] one seed, every detail (+ its trace)
//   npx tsx bench/fuzz.ts --mutant commitOldTermByCounting --seeds 200
//        run a deliberately broken Raft: exit 0 when the campaign catches it, 1 when not
//
// Options: --algorithm A (raft)  --seeds N (default 200)  --start S (1)  --duration MS (4000)  --nodes N (5)
//          --style mixed|leader-churn|leader-isolation|election-storm (default: per seed)
//          --mutant a[,b]  (voteWithoutLogCheck, commitOldTermByCounting, forgetPersistVote,
//          noTruncateOnConflict)  --all (keep going after a violation; default for campaigns)
//          --first (stop at the first violating seed)
import { writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import {
  describeViolation,
  FAULT_STYLES,
  fuzzOne,
  fuzzSpec,
  type FaultStyle,
  type FuzzResult,
} from '../src/core/fuzz'
import { checkRun } from '../src/core/check'
import { FUZZ_TARGETS } from '../src/core/fuzz'
import { createSimulation, type AnyProtocolFactory } from '../src/core/sim'
import type { AlgorithmKind } from '../src/shared/spec'

function fail(msg: string): never {
  console.error(`fuzz: ${msg}`)
  process.exit(2)
}

function opt(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  if (i < 0) return undefined
  const v = process.argv[i + 1]
  if (v === undefined || v.startsWith('--')) fail(`--${name} needs a value`)
  return v
}

function intOpt(name: string, dflt: number, min: number, max: number): number {
  const v = opt(name)
  if (v === undefined) return dflt
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max)
    fail(`--${name} must be an integer in [${min}, ${max}], got ${v}`)
  return n
}

const flag = (name: string): boolean => process.argv.includes(`--${name}`)

const single = opt('seed') !== undefined ? intOpt('seed', 1, 0, Number.MAX_SAFE_INTEGER) : undefined
const seeds = single !== undefined ? 1 : intOpt('seeds', 200, 1, 10_000_000)
const start = single ?? intOpt('start', 1, 0, Number.MAX_SAFE_INTEGER)
const durationMs = intOpt('duration', 4000, 100, 3_600_000)

const styleArg = opt('style')
if (styleArg !== undefined && !FAULT_STYLES.includes(styleArg as FaultStyle))
  fail(`--style must be one of ${FAULT_STYLES.join(', ')}`)
const style = styleArg as FaultStyle | undefined
const algorithm = (opt('algorithm') ?? 'raft') as AlgorithmKind
const found = FUZZ_TARGETS[algorithm]
if (found === undefined) fail(`--algorithm must be one of ${Object.keys(FUZZ_TARGETS).join(', ')}`)
const target = found
const mutantArg = opt('mutant')
const mutations = mutantArg ? mutantArg.split(',') : []
for (const m of mutations) {
  if (!target.mutants.includes(m))
    fail(`unknown ${algorithm} mutant ${m} (known: ${target.mutants.join(', ')})`)
}
const mutant = mutantArg !== undefined
const nodes = intOpt('nodes', target.options.nodes ?? 5, 1, 15)
const stopAtFirst = flag('first')
const tracePath = opt('trace')
if (tracePath !== undefined && single === undefined) fail('--trace needs --seed N')

const factory: AnyProtocolFactory | undefined = mutant ? target.mutant(mutations) : undefined
const specOpts = { ...target.options, durationMs, nodes, ...(style ? { style } : {}) }

function reproduce(seed: number): string {
  const parts = [`npx tsx bench/fuzz.ts --seed ${seed}`]
  if (algorithm !== 'raft') parts.push(`--algorithm ${algorithm}`)
  if (durationMs !== 4000) parts.push(`--duration ${durationMs}`)
  if (nodes !== (target.options.nodes ?? 5)) parts.push(`--nodes ${nodes}`)
  if (style) parts.push(`--style ${style}`)
  if (mutantArg) parts.push(`--mutant ${mutantArg}`)
  return `(${parts.join(' ')})`
}

// ---- one seed, in full ---------------------------------------------------------------------

if (single !== undefined) {
  const spec = fuzzSpec(single, specOpts)
  console.log(`seed ${single}: ${spec.name}`)
  console.log(
    `  ${algorithm} ${JSON.stringify(spec.algorithm.params)}, tick ${spec.cluster.tickMs} ms, ` +
      `network ${spec.network.latencyMs.toFixed(2)}±${spec.network.jitterMs.toFixed(2)} ms, ` +
      `${spec.workload.clients} clients at ${spec.workload.ratePerSec}/s, ${spec.faults.length} faults`,
  )
  const sim = createSimulation(spec, { keepTrace: true, ...(factory ? { factory } : {}) })
  const t0 = performance.now()
  sim.runUntil(spec.durationMs)
  const wall = performance.now() - t0
  const trace = sim.trace()
  const results = checkRun(spec.algorithm.kind, trace)
  const summary = sim.summary(wall)
  console.log(
    `  ${trace.length} events, ${summary.elections} elections, ${summary.leaderChanges} leader changes, ` +
      `ops ok ${summary.ops.ok} / fail ${summary.ops.fail} / info ${summary.ops.info}, ${wall.toFixed(0)} ms wall`,
  )
  for (const r of results) {
    console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.ok ? '' : `: ${r.count} violation(s)`}`)
    for (const d of r.details) console.log(`       - ${d}`)
  }
  if (tracePath !== undefined) {
    writeFileSync(
      tracePath,
      [JSON.stringify({ spec }), ...trace.map((e) => JSON.stringify(e))].join('\n') + '\n',
    )
    console.log(`  trace written to ${tracePath} (first line: the spec)`)
  }
  const bad = results.some((r) => !r.ok)
  if (bad) console.log(`reproduce with seed=${single} ${reproduce(single)}`)
  process.exit(mutant ? (bad ? 0 : 1) : bad ? 1 : 0)
}

// ---- the campaign ------------------------------------------------------------------------------

console.log(
  `fuzz: ${mutant ? `MUTANT ${algorithm} {${mutations.join(', ')}}` : algorithm}, seeds ${start}..${start + seeds - 1}, ` +
    `${nodes} nodes, ${durationMs} ms simulated each, style ${style ?? 'per seed'}`,
)
const t0 = performance.now()
let lastReport = t0
let done = 0
let events = 0
let simulatedMs = 0
let budgetStops = 0
const violating: FuzzResult[] = []
const perStyle = new Map<string, { seeds: number; bad: number }>()
const perCheck = new Map<string, number>()

for (let i = 0; i < seeds; i++) {
  const seed = start + i
  const r = fuzzOne(seed, { ...specOpts, ...(factory ? { factory } : {}) })
  done++
  events += r.events
  simulatedMs += r.simulatedMs
  if (r.stop === 'budget') budgetStops++
  const st = r.spec.name.replace(/^fuzz-[a-z]+-\d+-/, '')
  const s = perStyle.get(st) ?? { seeds: 0, bad: 0 }
  s.seeds++
  if (r.violations.length > 0) {
    s.bad++
    violating.push(r)
    for (const v of r.violations) perCheck.set(v.name, (perCheck.get(v.name) ?? 0) + 1)
    for (const line of describeViolation(r, reproduce(seed))) console.log(line)
  }
  perStyle.set(st, s)
  const now = performance.now()
  if (now - lastReport >= 2000 || i === seeds - 1) {
    lastReport = now
    const secs = (now - t0) / 1000
    console.log(
      `  ${done}/${seeds} seeds, ${(done / secs).toFixed(1)} seeds/s, ${(events / secs / 1e6).toFixed(2)} M events/s, ` +
        `${violating.length} violating`,
    )
  }
  if (r.violations.length > 0 && stopAtFirst) break
}

const secs = (performance.now() - t0) / 1000
console.log(
  `\nfuzz done: ${done} seeds in ${secs.toFixed(1)} s (${(done / secs).toFixed(1)} seeds/s, ` +
    `${(simulatedMs / 1000 / secs).toFixed(0)}x real time, ${(events / done).toFixed(0)} events/seed), ` +
    `${violating.length} violating seed(s)${budgetStops ? `, ${budgetStops} run(s) cut at the event budget` : ''}`,
)
for (const [st, s] of [...perStyle].sort()) console.log(`  style ${st}: ${s.seeds} seeds, ${s.bad} violating`)
for (const [name, n] of perCheck) console.log(`  ${name}: failed in ${n} seed(s)`)
if (violating.length > 0) {
  console.log(`violating seeds: ${violating.map((r) => r.seed).join(', ')}`)
}
if (mutant) {
  console.log(violating.length > 0 ? 'mutant caught' : 'mutant NOT caught: the fuzzer missed this bug')
  process.exit(violating.length > 0 ? 0 : 1)
}
process.exit(violating.length > 0 ? 1 : 0)
