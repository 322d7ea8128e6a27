// Golden traces: a fixed corpus of seeded simulator scenarios per algorithm (the fuzzer's
// fault schedules plus byzantine faults, clock jumps and live-injected faults, so every fault
// kind appears), each reduced to one hash of everything the run produced: every trace event
// in order, the metrics windows, the final node states and the summary (wall time aside).
//
//   npx tsx bench/golden.ts --write FILE [--seeds N]   record the corpus' hashes
//   npx tsx bench/golden.ts [--check FILE] [--seeds N]  compare against them (exit 1 on any change;
//                                                      default FILE: test/fixtures/golden-traces.json)
//
// A refactor of the engine must leave every hash as it was ("compare, do not trust");
// test/golden.test.ts checks the first seeds of each algorithm on every `npm test`.
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { goldenAlgorithms, goldenRun } from '../test/golden.scenarios'

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const seeds = Number(arg('seeds') ?? 200)
const writeTo = arg('write')
// Default: check the recorded corpus.
const checkAgainst = arg('check') ?? (writeTo ? undefined : 'test/fixtures/golden-traces.json')

type Golden = Record<string, Record<string, string>>
const expected: Golden = checkAgainst ? (JSON.parse(readFileSync(checkAgainst, 'utf8')) as Golden) : {}
const got: Golden = {}
let changed = 0
let compared = 0
const t0 = performance.now()
for (const alg of goldenAlgorithms) {
  got[alg] = {}
  const ta = performance.now()
  for (let seed = 1; seed <= seeds; seed++) {
    const h = createHash('sha256')
    goldenRun(alg, seed, (chunk) => h.update(chunk))
    const hash = h.digest('hex').slice(0, 32)
    got[alg][seed] = hash
    const want = expected[alg]?.[seed]
    if (checkAgainst && want !== undefined) {
      compared++
      if (want !== hash) {
        changed++
        console.log(`CHANGED ${alg} seed=${seed}: ${want} -> ${hash}`)
      }
    }
  }
  console.log(`${alg}: ${seeds} scenarios in ${((performance.now() - ta) / 1000).toFixed(1)} s`)
}
if (writeTo) {
  writeFileSync(writeTo, JSON.stringify(got, null, 1) + '\n')
  console.log(`wrote ${writeTo}`)
}
if (checkAgainst) {
  console.log(
    `${compared} scenarios compared, ${changed} changed, in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  )
  if (changed > 0 || compared === 0) process.exit(1)
}
