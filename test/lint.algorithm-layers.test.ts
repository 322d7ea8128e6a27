// What may import an algorithm's code (eslint.config.js): shared/ and the renderer read an
// algorithm only through its light description (core/protocols/catalog.ts, <kind>/describe.ts),
// and a description imports no protocol code, so validating a spec or drawing a screen never
// loads a factory, a node or a checker.
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const eslint = new ESLint()

async function refused(code: string, filePath: string): Promise<boolean> {
  const [r] = await eslint.lintText(code, { filePath })
  return r.messages.some((m) => m.ruleId === 'no-restricted-imports')
}

describe('algorithm layers (lint)', () => {
  const cases: Array<[string, string, string, boolean]> = [
    ['shared/ reads the catalog', 'src/shared/probe.ts', '../core/protocols/catalog', false],
    ['shared/ reads a description', 'src/shared/probe.ts', '../core/protocols/paxos/describe', false],
    ['shared/ loads no protocol code', 'src/shared/probe.ts', '../core/protocols/paxos', true],
    ['shared/ loads no registry', 'src/shared/probe.ts', '../core/protocols/registry', true],
    [
      'the renderer reads a description',
      'src/renderer/src/probe.ts',
      '../../core/protocols/raft/describe',
      false,
    ],
    ['the renderer loads no engine', 'src/renderer/src/probe.ts', '../../core/engine/engine', true],
    ['a description reads shared/', 'src/core/protocols/paxos/describe.ts', '../../../shared/bounds', false],
    ['a description reads the helper', 'src/core/protocols/paxos/describe.ts', '../description', false],
    ['a description loads no factory', 'src/core/protocols/paxos/describe.ts', './factory', true],
    ['a description loads no checker', 'src/core/protocols/paxos/describe.ts', '../../check/paxos', true],
    ['the catalog loads no module', 'src/core/protocols/catalog.ts', './paxos', true],
    ['a description stays pure', 'src/core/protocols/paxos/describe.ts', 'node:fs', true],
  ]
  for (const [what, file, from, bad] of cases) {
    it(`${what}: ${from} from ${file}`, async () => {
      expect(await refused(`import { x } from '${from}'\nexport const y = x\n`, file)).toBe(bad)
    })
  }
})
