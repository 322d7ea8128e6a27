// `npm run hostile`: the hostile-input campaign. Each section (bench/hostile/, listed in
// bench/hostile/index.ts) throws its inputs at the real program (CLI processes, the
// browser-mode server) and reports how each ended; this prints every input's outcome and,
// per section, how many inputs it tried and a table of outcomes. It reports, it does not
// judge: read the outcomes (a timeout, "stack trace", "server down", "file changed" are the
// ones to look at).
//   npm run hostile                     every section
//   npm run hostile -- specs web        sections whose name contains one of these words
//   HOSTILE_JOBS=1 npm run hostile      one CLI process at a time (default 2)
import { performance } from 'node:perf_hooks'
import { terminalText } from '../src/main/cli/terminal'
import { SECTIONS, type HostileResult } from './hostile/index'

const wanted = process.argv.slice(2).map((w) => w.toLowerCase())
const chosen = SECTIONS.filter(
  (s) => wanted.length === 0 || wanted.some((w) => s.name.toLowerCase().includes(w)),
)
if (chosen.length === 0) {
  console.error(
    `no section matches ${wanted.join(', ')}; sections: ${SECTIONS.map((s) => s.name).join('; ')}`,
  )
  process.exit(2)
}

function table(results: readonly HostileResult[]): string {
  const counts = new Map<string, number>()
  for (const r of results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1)
  const rows = [...counts].sort((a, b) => b[1] - a[1])
  const w = Math.max(7, ...rows.map(([o]) => o.length))
  return [
    `  ${'outcome'.padEnd(w)}  inputs`,
    `  ${'-'.repeat(w)}  ------`,
    ...rows.map(([o, c]) => `  ${o.padEnd(w)}  ${String(c).padStart(6)}`),
  ].join('\n')
}

const summary: Array<{ name: string; inputs: number; seconds: number }> = []
for (const section of chosen) {
  console.log(`\n=== ${section.name}`)
  const t0 = performance.now()
  let results: HostileResult[]
  try {
    results = await section.run()
  } catch (e) {
    console.log(`  the section itself failed: ${(e as Error).stack ?? String(e)}`)
    summary.push({ name: section.name, inputs: 0, seconds: (performance.now() - t0) / 1000 })
    continue
  }
  const w = Math.min(70, Math.max(...results.map((r) => r.input.length)))
  for (const r of results)
    console.log(
      `  ${r.input.slice(0, 70).padEnd(w)}  ${r.outcome}${r.detail ? `  | ${terminalText(r.detail)}` : ''}`,
    )
  const seconds = (performance.now() - t0) / 1000
  console.log(`\n  ${section.name}: ${results.length} inputs in ${seconds.toFixed(0)} s`)
  console.log(table(results))
  summary.push({ name: section.name, inputs: results.length, seconds })
}

console.log('\n=== campaign')
for (const s of summary)
  console.log(
    `  ${s.name.padEnd(45)} ${String(s.inputs).padStart(5)} inputs  ${s.seconds.toFixed(0).padStart(5)} s`,
  )
console.log(`  ${'total'.padEnd(45)} ${String(summary.reduce((a, s) => a + s.inputs, 0)).padStart(5)} inputs`)
