// `npm run bench`: runs every benchmark script in turn and prints their figures.
// Benchmarks measure; tests never assert wall-clock times.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
// `npm run bench -- NAME [NAME...] [--option value ...]`: the names pick benchmarks, the
// options after them go to each picked benchmark (e.g. `npm run bench -- soak --minutes 30`).
const argv = process.argv.slice(2)
const firstFlag = argv.findIndex((a) => a.startsWith('--'))
const only = firstFlag < 0 ? argv : argv.slice(0, firstFlag)
const passOn = firstFlag < 0 ? [] : argv.slice(firstFlag)
const benches = [
  { name: 'sim', file: 'sim.ts', what: 'deterministic simulator: deliveries/s and speed-up over real time' },
  { name: 'lin', file: 'lin.ts', what: 'linearizability checker: check time by history size' },
  { name: 'store', file: 'store.ts', what: 'run history: recorder events/s, replay window, CSV export' },
  { name: 'proc', file: 'proc.ts', what: 'processes mode: proxy overhead, Raft puts/s with fsync, memory' },
  {
    name: 'stdio-bridge',
    file: 'stdio-bridge.ts',
    what: 'programs: latency the stdio bridge adds per message (p50, p99)',
  },
  {
    name: 'program-broadcast',
    file: 'program-broadcast.ts',
    what: 'programs: a 5-node broadcast (example gossip program) through the proxy, trace recorded: messages/s',
  },
  {
    name: 'soak',
    file: 'soak.ts',
    what: 'long run in bounded memory: --minutes N [--mode processes|sim]; RSS over time, verdict, DB bytes/op',
    // Minutes long: only when named.
    named: true,
  },
  {
    name: 'algos',
    file: 'algos.ts',
    what: 'every algorithm, 5 nodes, same workload: ops/s and p50/p99, both modes',
  },
  {
    name: 'golden',
    file: 'golden.ts',
    what: 'golden traces: --check test/fixtures/golden-traces.json compares 200 scenarios per algorithm',
  },
  {
    name: 'explore',
    file: 'explore.ts',
    what: 'explorer: every mutant of every algorithm found (strategy, depth, states, seconds), states/s',
  },
  {
    name: 'fuzz',
    file: 'fuzz.ts',
    what: 'fuzz campaigns: seeds/s on 1 and 2 worker threads, and the ceiling of 2 separate processes',
  },
  {
    name: 'maelstrom-check',
    file: 'maelstrom-check.ts',
    what: 'Maelstrom workload checkers: broadcast and counter check time by history size',
  },
  {
    name: 'ui',
    file: 'ui.ts',
    what: 'UI in Chromium: first paint; replay of a 1M-event run, space-time diagram frames/s panning 100k messages',
  },
]

let failed = 0
for (const b of benches) {
  if (only.length ? !only.includes(b.name) : 'named' in b) continue
  const file = join(here, b.file)
  if (!existsSync(file)) continue
  console.log(`\n=== bench:${b.name} — ${b.what}`)
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', file, ...passOn], {
    stdio: 'inherit',
  })
  if (r.status !== 0) failed++
}
process.exit(failed ? 1 : 0)
