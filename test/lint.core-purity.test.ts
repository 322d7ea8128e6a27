// The pure core's lint block (eslint.config.js) refuses every way to reach a clock, timers,
// randomness or I/O from src/core: each line below must be reported. (Bare `crypto`, the
// `timers` module and `new Date()` used to pass.)
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const eslint = new ESLint()

async function problems(code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: 'src/core/engine/purity-probe.ts' })
  return r.messages.map((m) => `${m.line}: ${m.ruleId ?? 'parse'}`)
}

describe('the core stays pure (lint)', () => {
  const cases: Array<[string, string]> = [
    ['the timers module', "import { setTimeout as later } from 'timers'\nexport const f = later"],
    ['timers/promises', "import { setTimeout as later } from 'timers/promises'\nexport const f = later"],
    ['node:crypto', "import { randomBytes } from 'node:crypto'\nexport const f = randomBytes"],
    ['bare crypto', 'export const id = crypto.randomUUID()'],
    ['new Date()', 'export const now = new Date()'],
    ['Date.now()', 'export const now = Date.now()'],
    ['Math.random()', 'export const x = Math.random()'],
    ['setTimeout', 'setTimeout(() => {}, 1)'],
    ['globalThis.setTimeout', 'export const f = globalThis.setTimeout'],
    ['performance.now()', 'export const t = performance.now()'],
    ['process.hrtime', 'export const t = process.hrtime()'],
    ['fs', "import { readFileSync } from 'fs'\nexport const f = readFileSync"],
    ['main code', "import { LabService } from '../../main/lab/service'\nexport const f = LabService"],
  ]
  for (const [what, code] of cases) {
    it(`refuses ${what}`, async () => {
      expect(await problems(code)).not.toEqual([])
    })
  }

  it('accepts pure code', async () => {
    expect(await problems('export const double = (x: number): number => 2 * x\n')).toEqual([])
  })
})
