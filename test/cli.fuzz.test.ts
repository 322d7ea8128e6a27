// `quorum-lab fuzz` (issue 16.2): a campaign over worker threads, a mutant caught and its
// violating seed recorded as a run that replays the violation; bad options are exit 2.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { labCli } from './cli.helpers'

const dir = mkdtempSync(join(tmpdir(), 'ql-fuzz-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const lab = (args: string[]): ReturnType<typeof labCli> => labCli(args, { timeoutMs: 300_000 })

describe('quorum-lab fuzz', () => {
  it('a correct algorithm: every seed checked on two workers, exit 0', async () => {
    const r = await lab([
      'fuzz',
      '--seeds',
      '4',
      '--duration',
      '1500',
      '--workers',
      '2',
      '--data',
      join(dir, 'ok'),
    ])
    expect(r.stderr).not.toContain('Error')
    expect(r.stdout).toMatch(/fuzz done: 4 seeds .* on 2 workers/)
    expect(r.stdout).toContain('0 violating seed(s)')
    expect(r.code).toBe(0)
  }, 120_000)

  it('a mutant is caught: reproduce with seed=N, the seed recorded as a run that shows the violation again', async () => {
    const data = join(dir, 'mutant')
    const r = await lab([
      'fuzz',
      '--mutant',
      'commitOldTermByCounting',
      '--seeds',
      '40',
      '--first',
      '--workers',
      '2',
      '--data',
      data,
    ])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('mutant caught')
    const seed = Number(/reproduce with seed=(\d+)/.exec(r.stdout)?.[1])
    expect(seed).toBeGreaterThan(0)
    const runId = /recorded seed \d+ as run (\S+) \(violation\)/.exec(r.stdout)?.[1]
    expect(runId).toBeDefined()
    // The recorded run's spec names the mutant, so a rerun repeats the violation.
    const show = await lab(['show', runId!, '--data', data, '--json'])
    expect(show.code).toBe(1)
    const shown = JSON.parse(show.stdout) as { run: { spec: { algorithm: { mutants?: string[] } } } }
    expect(shown.run.spec.algorithm.mutants).toEqual(['commitOldTermByCounting'])
    const again = await lab(['rerun', runId!, '--data', data])
    expect(again.code).toBe(1)
  }, 180_000)

  it('bad options are exit 2 naming the option', async () => {
    const m = await lab(['fuzz', '--mutant', 'noSuchBug', '--data', join(dir, 'bad')])
    expect(m.code).toBe(2)
    expect(m.stderr).toContain('--mutant: unknown raft mutant "noSuchBug"')
    const a = await lab(['fuzz', '--algorithm', 'zab', '--data', join(dir, 'bad')])
    expect(a.code).toBe(2)
    expect(a.stderr).toContain('--algorithm: must be one of raft')
    const w = await lab(['fuzz', '--workers', 'many', '--data', join(dir, 'bad')])
    expect(w.code).toBe(2)
    expect(w.stderr).toContain('--workers')
  }, 120_000)
})
