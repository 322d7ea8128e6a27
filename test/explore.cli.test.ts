// `quorum-lab explore`: exit codes (0 nothing found within the bound, 1 a counterexample, 2 bad
// input naming the option or field, 3 cut short by --seconds), the counterexample printed step
// by step and recorded as a run that `show` reads back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { labCli } from './cli.helpers'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ql-explore-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const run = (args: string[]): ReturnType<typeof labCli> => labCli(args)

const QUORUM = 'examples/explore-quorum-3.json'

/** A command line as the README writes it, split into arguments. */
const words = (line: string): string[] => line.split(' ')

describe('quorum-lab explore', () => {
  it('finds a mutant: exit 1, the steps, the violation, and a recorded run that show reads', async () => {
    const data = join(dir, 'data')
    const r = await run([
      'explore',
      QUORUM,
      '--mutant',
      'ackBeforeQuorum',
      '--ops',
      'put',
      '--depth',
      '5',
      '--data',
      data,
    ])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('violation after 3 steps')
    expect(r.stdout).toContain('1. client 1 sends c1.1 put k1=c1.1 to n1')
    expect(r.stdout).toContain('No acknowledged write lost: 1 violation')
    const id = /recorded as run (\S+):/.exec(r.stdout)?.[1]
    expect(id).toBeDefined()
    const show = await run(['show', id as string, '--data', data])
    expect(show.code).toBe(1)
    expect(show.stdout).toContain('explore explore-quorum-3 mutant ackBeforeQuorum bfs 3 steps')
  }, 120_000)

  it('finds nothing in the correct algorithm within the bound: exit 0 and the figures', async () => {
    const r = await run(['explore', QUORUM, '--ops', 'put', '--depth', '3', '--no-record'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(
      /no violation within depth 3 \([\d,]+ states, [\d,]+ transitions, [\d.]+ s, [\d,]+ states\/s\)/,
    )
  }, 120_000)

  it('--json prints the result as JSON', async () => {
    const r = await run(['explore', QUORUM, '--ops', 'put', '--depth', '2', '--json', '--no-record'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout) as { stop: string; states: number; counterexample: unknown }
    expect(j.stop).toBe('exhausted')
    expect(j.states).toBeGreaterThan(1)
    expect(j.counterexample).toBeNull()
  }, 120_000)

  it('random walks over two worker threads: the stream that found it is named and reproduces alone (issue 16.3)', async () => {
    const args = ['explore', QUORUM, '--mutant', 'ackBeforeQuorum', '--ops', 'put', '--depth', '8']
    const r = await run([...args, '--strategy', 'random', '--workers', '2', '--no-record'])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('2 walk streams on 2 threads')
    expect(r.stdout).toContain('No acknowledged write lost: 1 violation')
    const seed = /found by the walk stream with seed (\d+): reproduce with --seed \1 --workers 1/.exec(
      r.stdout,
    )?.[1]
    expect(seed).toBeDefined()
    const again = await run([
      ...args,
      '--strategy',
      'random',
      '--seed',
      seed!,
      '--workers',
      '1',
      '--no-record',
    ])
    expect(again.code).toBe(1)
    expect(again.stdout).toContain('No acknowledged write lost: 1 violation')
    // BFS keeps one frontier: it says so and runs on one thread.
    const bfs = await run([...args, '--workers', '2', '--no-record'])
    expect(bfs.code).toBe(1)
    expect(bfs.stderr).toContain('note: bfs searches one frontier on one thread')
    expect(bfs.stdout).toContain('violation after 3 steps')
  }, 120_000)

  it('--admin asks cluster operations of the leader: the 2015 single-server bug in 4 steps', async () => {
    const r = await run(
      words(
        'explore examples/explore-raft-3.json --mutant changeBeforeTermCommit --admin 1 --crashes 0 --ops none --depth 4 --no-record',
      ),
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('cluster ops <= 1')
    expect(r.stdout).toContain('violation after 4 steps')
    expect(r.stdout).toContain('4. ask leader n1: remove n1')
    expect(r.stdout).toContain('Configuration Changes: 1 violation')
  }, 120_000)

  it("random walks find Raft's Figure 8 (commitOldTermByCounting) with the README's command", async () => {
    const r = await run(
      words(
        'explore examples/explore-raft-figure8.json --mutant commitOldTermByCounting --strategy random --depth 60 --crashes 0 --ops none --seed 37 --no-record',
      ),
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('random, depth <= 60')
    expect(r.stdout).toMatch(/violation after \d+ steps/)
    expect(r.stdout).toContain('Leader Completeness: 1 violation')
  }, 120_000)

  it('cut short by --seconds: exit 3', async () => {
    const r = await run([
      'explore',
      'examples/explore-raft-3.json',
      '--depth',
      '40',
      '--seconds',
      '0.5',
      '--no-record',
    ])
    expect(r.code).toBe(3)
    expect(r.stdout).toContain('cut short by --seconds')
  }, 120_000)

  it.each([
    [['--depth', '0'], '--depth: must be an integer from 1 to 1000'],
    [['--max-states', 'many'], '--max-states: must be an integer from 1 to 100000000'],
    [['--mutant', 'nope'], '--mutant: quorum has no mutant "nope" (known: ackBeforeQuorum, lwwArrivalOrder'],
    [['--ops', 'put,frob'], '--ops: op 2 ("frob"): must start with get, put or cas'],
    [['--seconds', '-1'], '--seconds: must be a number of seconds'],
    [
      ['--admin', '1'],
      '--admin: quorum has no cluster operations (membership changes, leadership transfer) to explore',
    ],
    [['--admin', '-1'], '--admin: must be an integer from 0 to 100'],
  ])(
    'bad option %j: exit 2 naming it',
    async (args, message) => {
      const r = await run(['explore', QUORUM, ...args, '--no-record'])
      expect(r.code).toBe(2)
      expect(r.stderr).toContain(message)
    },
    60_000,
  )

  it('a bad spec: exit 2 naming the field', async () => {
    const p = join(dir, 'bad.json')
    writeFileSync(p, JSON.stringify({ algorithm: { kind: 'pbft' }, cluster: { nodes: 3 } }))
    const r = await run(['explore', p])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('cluster.nodes')
  }, 60_000)
})
