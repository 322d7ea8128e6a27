// Golden traces: the simulator's output for a fixed corpus of seeded scenarios (every fault
// kind, scheduled and live) must not change unless a change means to change it. The first
// seeds of each algorithm run here; `npx tsx bench/golden.ts --check
// test/fixtures/golden-traces.json` compares all 200 per algorithm. After an intended change
// to what the simulator does, record the corpus again with --write and say why in the commit.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { goldenAlgorithms, goldenRun } from './golden.scenarios'

const golden = JSON.parse(readFileSync('test/fixtures/golden-traces.json', 'utf8')) as Record<
  string,
  Record<string, string>
>
const SEEDS = 12

describe('golden traces', () => {
  for (const alg of goldenAlgorithms) {
    it(`${alg}: seeds 1..${SEEDS} produce the recorded traces, windows, states and summaries`, () => {
      const changed: string[] = []
      for (let seed = 1; seed <= SEEDS; seed++) {
        const h = createHash('sha256')
        goldenRun(alg, seed, (chunk) => h.update(chunk))
        const hash = h.digest('hex').slice(0, 32)
        if (hash !== golden[alg][seed]) changed.push(`seed=${seed}`)
      }
      expect(changed).toEqual([])
    })
  }
})
