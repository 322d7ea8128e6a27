import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { labCli, type CliResult } from './cli.helpers'

let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ql-cli-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function specFile(name: string, content: unknown): string {
  const p = join(dir, name)
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content))
  return p
}

function run(args: string[], cmd: string[] = ['npx', 'tsx', 'src/main/cli/main.ts']): Promise<CliResult> {
  return labCli(args, { cmd })
}

const short = {
  name: 'cli-short',
  cluster: { nodes: 3 },
  durationMs: 1500,
  workload: { clients: 2, ratePerSec: 50 },
}

describe('CLI', () => {
  it('runs a good short spec: exit 0 and a summary', async () => {
    const r = await run(['run', specFile('good.json', short)])
    expect(r.stderr).not.toContain('error')
    expect(r.code).toBe(0)
    for (const s of [
      'leader changes:',
      'elections:',
      'ops:',
      'latency:',
      'p50',
      'p99',
      'messages:',
      'checks:',
      'verdict:',
    ]) {
      expect(r.stdout).toContain(s)
    }
  })

  it('prints the summary as JSON with --json and honours --seed', async () => {
    const r = await run(['run', specFile('json.json', short), '--json', '--seed', '7', '--mode', 'sim'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout) as {
      seed: number
      status: string
      summary: { verdict: string; checks: unknown[] }
    }
    expect(out.seed).toBe(7)
    expect(out.status).toBe('done')
    expect(['ok', 'unknown']).toContain(out.summary.verdict)
  })

  it('exit 2 for a malformed JSON file', async () => {
    const r = await run(['run', specFile('bad.json', '{"name": "x",')])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('not valid JSON')
  })

  it('exit 2 for a negative durationMs, naming the field', async () => {
    const r = await run(['run', specFile('neg.json', { ...short, durationMs: -5 })])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^durationMs: must be between 10 and 86400000 ms/m)
  })

  it('exit 2 for an unknown algorithm', async () => {
    const r = await run(['run', specFile('algo.json', { ...short, algorithm: { kind: 'zab' } })])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^algorithm\.kind: unknown algorithm/m)
  })

  it('exit 2 for a fault naming a missing node', async () => {
    const r = await run([
      'run',
      specFile('node.json', { ...short, faults: [{ atMs: 100, kind: 'crash', target: 'n9' }] }),
    ])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^faults\[0\]\.target: node n9 does not exist/m)
  })

  it('exit 2 for a missing file and bad options', async () => {
    let r = await run(['run', join(dir, 'nope.json')])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('no such file')
    r = await run(['run', specFile('s.json', short), '--seed', 'abc'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--seed')
    r = await run(['run', specFile('p.json', short), '--mode', 'threads'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("'threads' is invalid")
  })

  it('runs a spec as real processes with --mode processes (exit 0)', async () => {
    const r = await run([
      'run',
      specFile('proc.json', short),
      '--mode',
      'processes',
      '--data',
      join(dir, 'data'),
    ])
    expect(r.stderr).not.toMatch(/error/i)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('processes -- done')
    expect(r.stdout).toMatch(/Linearizability: ok/)
  })

  it('validate prints ok or each bad field (exit 0 / 2)', async () => {
    let r = await run(['validate', 'examples/raft-5-faults.json'])
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toBe('ok')
    r = await run(['validate', specFile('v.json', { durationMs: -1, cluster: { nodes: 0 } })])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^durationMs: /m)
    expect(r.stderr).toMatch(/^cluster\.nodes: /m)
  })

  it('the bin launcher runs the CLI', async () => {
    const r = await run(['validate', 'examples/raft-5-basic.json'], [process.execPath, 'bin/quorum-lab.js'])
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toBe('ok')
  })
})
