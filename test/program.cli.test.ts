// `quorum-lab run` for programs (issue 14): a spec file (its program runs in the file's folder)
// and the short form --program "..." --workload --nodes --seconds; the command string parsing.
import { afterAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { anchorProgramSpec, programSpec } from '../src/main/cli/program-command'
import { parseCommandLine } from '../src/shared/command-line'
import { labCli } from './cli.helpers'
import { tempDir } from './proc.helpers'
import { LabService } from '../src/main/lab/service'

async function firstRun(): Promise<string> {
  const service = new LabService({ dataDir: join(tmp.dir, 'runs') })
  try {
    return (await service.listRuns({}))[0].runId
  } finally {
    service.close()
  }
}

const tmp = tempDir('ql-program-cli-')
afterAll(() => tmp.cleanup())

describe('command lines of --program', () => {
  it('splits like a shell: quotes, escapes, spaces in arguments', () => {
    expect(parseCommandLine(`python3 "my node.py" --flag='a b' c\\ d`)).toEqual([
      'python3',
      'my node.py',
      '--flag=a b',
      'c d',
    ])
  })

  it('refuses shell operators and empty commands, naming --program', () => {
    expect(() => parseCommandLine('python3 node.py | tee log')).toThrow(
      '--program: the shell operator "|" is not supported',
    )
    expect(() => parseCommandLine('   ')).toThrow('--program: must name the program to run')
  })

  it('builds the spec of the short form', () => {
    expect(programSpec({ program: 'python3 n.py', workload: 'echo', nodes: 5, seconds: 2 })).toMatchObject({
      mode: 'processes',
      algorithm: { kind: 'program', params: { command: ['python3', 'n.py'] } },
      cluster: { nodes: 5 },
      durationMs: 2000,
      workload: { kind: 'echo' },
    })
  })

  it("runs a spec file's program in the file's folder", () => {
    const raw = { algorithm: { kind: 'program', params: { command: ['python3', 'x.py'] } } }
    expect(anchorProgramSpec(raw, '/a/b/spec.json')).toMatchObject({
      algorithm: { params: { cwd: '/a/b' } },
    })
    const rel = { algorithm: { kind: 'program', params: { command: ['x'], cwd: 'sub' } } }
    expect(anchorProgramSpec(rel, '/a/b/spec.json')).toMatchObject({
      algorithm: { params: { cwd: '/a/b/sub' } },
    })
  })
})

describe('quorum-lab run with a program', () => {
  it('runs an example spec file to the end and prints its verdict', async () => {
    const r = await labCli(
      ['run', 'examples/programs/lin-kv-forward.json', '--json', '--data', join(tmp.dir, 'runs')],
      {
        timeoutMs: 90_000,
      },
    )
    expect(r.stderr).toBe('')
    const out = JSON.parse(r.stdout) as { status: string; summary: { verdict: string; ops: { ok: number } } }
    expect(out.status).toBe('done')
    expect(out.summary.verdict).toBe('ok')
    expect(out.summary.ops.ok).toBeGreaterThan(50)
  }, 120_000)

  it('runs the short form', async () => {
    const r = await labCli(
      [
        'run',
        '--program',
        'python3 examples/programs/lin_kv_forward.py',
        '--workload',
        'lin-kv',
        '--nodes',
        '3',
        '--seconds',
        '2',
        '--json',
        '--data',
        join(tmp.dir, 'runs'),
      ],
      { timeoutMs: 90_000 },
    )
    expect(r.stderr).toBe('')
    const out = JSON.parse(r.stdout) as { status: string; summary: { verdict: string } }
    expect([out.status, out.summary.verdict]).toEqual(['done', 'ok'])
  }, 120_000)

  it('compares the two program runs and exports their messages with bodies as CSV', async () => {
    const service = new LabService({ dataDir: join(tmp.dir, 'runs') })
    try {
      const runs = await service.listRuns({})
      expect(runs.map((r) => r.algorithm)).toEqual(['program', 'program'])
      // A program's nodes report no state: at the end (n3 restarted after its crash) they run.
      const info = await service.getTraceInfo({ runId: runs[0].runId })
      const end = await service.getReplayState({ runId: runs[0].runId, atUs: info.lastUs })
      expect(end.nodes.map((n) => [n.id, n.role, n.up])).toEqual([
        ['n1', 'replica', true],
        ['n2', 'replica', true],
        ['n3', 'replica', true],
      ])
      const cmp = await service.compareRuns({ runIds: runs.map((r) => r.runId) })
      expect(cmp.runs.map((r) => [r.elections, r.run.runId.length > 0])).toEqual([
        [null, true],
        [null, true],
      ])
    } finally {
      service.close()
    }
    const csv = await labCli(['export', '--what', 'trace', '--data', join(tmp.dir, 'runs'), await firstRun()])
    expect(csv.stderr).toBe('')
    // A send row names the message's type and carries its body (JSON in the summary).
    expect(csv.stdout).toMatch(
      /,send,.*""type"":""write"".*""summary"":""\{\\""type\\"":\\""write\\"",\\""key\\"":/,
    )
    const ops = await labCli(['export', '--what', 'ops', '--data', join(tmp.dir, 'runs'), await firstRun()])
    expect(ops.stdout).toMatch(/,put,/)
  }, 120_000)
})
