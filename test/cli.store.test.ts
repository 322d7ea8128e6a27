// The CLI with its run history (spawned as `node --import tsx src/main/cli/main.ts` with a temporary
// --data folder): run / list / show / export / export-run / import-run / rerun / sweep /
// delete, and exit codes (0 ok, 1 violation, 2 bad input naming the field or file).
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { labCli, type CliResult } from './cli.helpers'

let dir: string
let data: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ql-cli-store-'))
  data = join(dir, 'data')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function lab(args: string[]): Promise<CliResult> {
  return labCli(args)
}

function file(name: string, content: unknown): string {
  const p = join(dir, name)
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content))
  return p
}

const short = {
  name: 'cli-store',
  cluster: { nodes: 3 },
  durationMs: 1500,
  workload: { clients: 2, ratePerSec: 60, keys: 5 },
}

let runId = ''

describe('CLI with the run history', () => {
  it('run records into --data and prints the run id; list shows it', async () => {
    const r = await lab(['run', file('short.json', short), '--data', data])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const m = /^run id: +(run-\S+)$/m.exec(r.stdout)
    expect(m).not.toBeNull()
    runId = m![1]
    expect(r.stdout).toMatch(/^ops: +\d+ total, \d+ ok/m)
    expect(r.stdout).toMatch(/^verdict: +ok/m)
    expect(existsSync(join(data, 'quorum-lab.db'))).toBe(true)

    const l = await lab(['list', '--data', data])
    expect(l.code).toBe(0)
    const [header, , row] = l.stdout.trim().split('\n')
    expect(header.split(/\s{2,}/)).toEqual([
      'id',
      'name',
      'algorithm',
      'nodes',
      'mode',
      'status',
      'started',
      'ops',
      'p99 ms',
      'verdict',
    ])
    expect(row).toMatch(
      new RegExp(
        `^${runId} +cli-store +raft +3 +simulation +done +\\d{4}-\\d\\d-\\d\\d [\\d:]+ +\\d+ +[\\d.]+ +ok$`,
      ),
    )
    const none = await lab(['list', '--data', data, '--status', 'crashed', '--name', 'cli'])
    expect(none.stdout.trim()).toBe('no runs match these filters')
    const empty = await lab(['list', '--data', join(dir, 'empty')])
    expect(empty.stdout.trim()).toBe('no runs recorded (yet)')
    const unknown = await lab(['list', '--data', data, '--algorithm', 'rafft'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('--algorithm: unknown algorithm "rafft" (one of: raft,')
  })

  it('show prints the summary, sketches and stored rows (prefix ids work)', async () => {
    const r = await lab(['show', runId.slice(0, 22), '--data', data])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`run id:         ${runId}`)
    expect(r.stdout).toMatch(/^checks:$/m)
    expect(r.stdout).toMatch(/^sketches: +\d+ windows; latency ±1%$/m)
    expect(r.stdout).toMatch(/^ +get: +p50 [\d.]+ ms, p99 [\d.]+ ms \(\d+ ops\)$/m)
    expect(r.stdout).toMatch(/^stored rows: +\d+ trace events, \d+ ops/m)
    const missing = await lab(['show', 'run-nope', '--data', data])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('RUN: no run "run-nope"')
  })

  it('export writes CSV files (or stdout); an unwritable path is exit 2 naming it', async () => {
    const out = join(dir, 'ops.csv')
    const r = await lab(['export', runId, '--what', 'ops', '--out', out, '--data', data])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/^wrote \d+ rows to /)
    const text = readFileSync(out, 'utf8')
    expect(text.split('\r\n')[0]).toBe(
      'run_id,op_id,client,f,key,value,expected,invoke_us,complete_us,invoke_time,complete_time,latency_ms,outcome,result,error',
    )
    const runs = await lab(['export', '--what', 'runs', '--data', data])
    expect(runs.code).toBe(0)
    expect(runs.stdout.split('\r\n')[1]).toMatch(new RegExp(`^${runId},cli-store,raft,3,simulation,`))
    const bad = join(dir, 'missing-folder', 'x.csv')
    const e = await lab(['export', runId, '--what', 'trace', '--out', bad, '--data', data])
    expect(e.code).toBe(2)
    expect(e.stderr.trim()).toBe(`--out: cannot write ${bad}: its folder does not exist`)
    const what = await lab(['export', runId, '--what', 'everything', '--data', data])
    expect(what.code).toBe(2)
    expect(what.stderr).toMatch(/--what/)
  })

  it('export-run / import-run move a run between data folders; a bad file is exit 2 naming the line', async () => {
    const jsonl = join(dir, 'run.jsonl')
    const ex = await lab(['export-run', runId, '--out', jsonl, '--data', data])
    expect(ex.code).toBe(0)
    const other = join(dir, 'other')
    const im = await lab(['import-run', jsonl, '--data', other])
    expect(im.code).toBe(0)
    expect(im.stdout.trim()).toBe(runId)
    const again = await lab(['import-run', jsonl, '--data', other])
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/:1: run\.id: a run with id .* already exists/)

    const lines = readFileSync(jsonl, 'utf8').trimEnd().split('\n')
    lines[7] = lines[7].replace(/"lc":\d+/, '"lc":-4')
    const broken = file('broken.jsonl', lines.join('\n') + '\n')
    const b = await lab(['import-run', broken, '--data', join(dir, 'third')])
    expect(b.code).toBe(2)
    expect(b.stderr.trim()).toBe(`${broken}:8: lc: must be >= 0 (nothing was imported)`)

    // A run whose recorded checks found a violation: show exits 1.
    const header = JSON.parse(lines[0]) as {
      run: {
        id: string
        verdict: string
        summary: { verdict: string; checks: Array<{ ok: boolean; count: number }> }
      }
    }
    header.run.id = 'run-violation'
    header.run.verdict = header.run.summary.verdict = 'violation'
    header.run.summary.checks[0] = { ...header.run.summary.checks[0], ok: false, count: 1 }
    const good = [JSON.stringify(header), ...readFileSync(jsonl, 'utf8').trimEnd().split('\n').slice(1)]
    const v = await lab(['import-run', file('viol.jsonl', good.join('\n') + '\n'), '--data', other])
    expect(v.code).toBe(0)
    const s = await lab(['show', 'run-violation', '--data', other])
    expect(s.code).toBe(1)
    expect(s.stdout).toMatch(/VIOLATION \(1\)/)
  })

  it('rerun runs the recorded spec again with the same seed', async () => {
    const r = await lab(['rerun', runId, '--data', data, '--json'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout) as { runId: string; rerunOf: string; seed: number; status: string }
    expect(out.rerunOf).toBe(runId)
    expect(out.runId).not.toBe(runId)
    expect(out.status).toBe('done')
  })

  it('sweep runs every combination x seeds and prints a table; bad params are exit 2 naming the field', async () => {
    const spec = file('sweep.json', short)
    const r = await lab([
      'sweep',
      spec,
      '--param',
      'algorithm.params.heartbeatTicks=2,5',
      '--param',
      'workload.clients=1,3',
      '--seeds',
      '2',
      '--workers',
      '1',
      '--data',
      join(dir, 'sweep'),
    ])
    // Not a terminal: one plain progress line per finished run on stderr (no control codes).
    const progress = r.stderr.trim().split('\n')
    expect(progress).toHaveLength(8)
    expect(progress[0]).toMatch(
      /^sweep 1\/8 heartbeatTicks=2 clients=1 seed \d+: done, ok \d+, p99 [\d.-]+ ms$/,
    )
    expect(r.stderr.includes('\u001b')).toBe(false)
    expect(r.code).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines[0].split(/\s{2,}/)).toEqual([
      'algorithm.params.heartbeatTicks',
      'workload.clients',
      'runs',
      'ops ok',
      'p50 ms',
      'p99 ms',
      'elections',
      'violations',
    ])
    const rows = lines.slice(2, 6).map((l) => l.trim().split(/\s+/))
    expect(rows.map((c) => [c[0], c[1], c[2], c[7]])).toEqual([
      ['2', '1', '2', '0'],
      ['2', '3', '2', '0'],
      ['5', '1', '2', '0'],
      ['5', '3', '2', '0'],
    ])
    expect(lines[6]).toMatch(/^8 runs recorded in .*quorum-lab\.db$/)
    const listed = await lab(['list', '--data', join(dir, 'sweep')])
    expect(listed.stdout.trim().split('\n')).toHaveLength(2 + 8)

    const unknown = await lab([
      'sweep',
      spec,
      '--param',
      'algorithm.params.foo=1',
      '--data',
      join(dir, 'sweep'),
    ])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr.trim()).toBe('--param: unknown field algorithm.params.foo')
    const value = await lab([
      'sweep',
      spec,
      '--param',
      'algorithm.params.heartbeatTicks=3,0',
      '--data',
      join(dir, 'sweep'),
    ])
    expect(value.code).toBe(2)
    expect(value.stderr.trim()).toBe(
      '--param algorithm.params.heartbeatTicks=0: must be between 1 and 10000 ticks',
    )
  })

  it('sweep over two worker threads records the same runs and the same table as over one (issue 16.3)', async () => {
    const spec = file('sweep-workers.json', short)
    const sweep = (workers: string) =>
      lab([
        'sweep',
        spec,
        '--param',
        'algorithm.params.heartbeatTicks=2,5',
        '--seeds',
        '2',
        '--workers',
        workers,
        '--json',
        '--data',
        join(dir, `sweep-w${workers}`),
      ])
    const [one, two] = [await sweep('1'), await sweep('2')]
    expect([one.code, two.code]).toEqual([0, 0])
    type Row = { runIds: string[]; runs: number; opsOk: number; p99: number | null }
    const rowsOf = (r: CliResult) => JSON.parse(r.stdout) as Row[]
    const strip = (rows: Row[]) => rows.map(({ runIds: _ids, ...rest }) => rest)
    expect(strip(rowsOf(two))).toEqual(strip(rowsOf(one)))
    expect(rowsOf(one).map((r) => r.runs)).toEqual([2, 2])
    expect(rowsOf(one)[0].opsOk).toBeGreaterThan(0)
    // Each worker recorded its runs in the same database: all four are there, each once.
    const listed = await lab(['list', '--data', join(dir, 'sweep-w2'), '--json'])
    const runs = JSON.parse(listed.stdout) as Array<{ runId: string; status: string; seed: number }>
    expect(runs.map((r) => r.status)).toEqual(['done', 'done', 'done', 'done'])
    expect(new Set(runs.map((r) => r.runId))).toEqual(new Set(rowsOf(two).flatMap((r) => r.runIds)))
  }, 120_000)

  it('bad input is exit 2 naming the field, the option or the file', async () => {
    const spec = await lab(['run', file('neg.json', { ...short, durationMs: -5 }), '--data', data])
    expect(spec.code).toBe(2)
    expect(spec.stderr).toMatch(/^durationMs: must be between 10 and 86400000 ms/m)
    const since = await lab(['list', '--since', 'last tuesday', '--data', data])
    expect(since.code).toBe(2)
    expect(since.stderr.trim()).toBe('--since: must be an ISO date (2025-01-31) or date-time')

    // A foreign database in the data folder: refused, named, left byte-identical.
    const foreign = join(dir, 'foreign')
    mkdirSync(foreign)
    const db = join(foreign, 'quorum-lab.db')
    writeFileSync(db, 'not sqlite at all\n')
    const before = createHash('sha256').update(readFileSync(db)).digest('hex')
    const f = await lab(['list', '--data', foreign])
    expect(f.code).toBe(2)
    expect(f.stderr).toContain(`${db} is not a Quorum Lab database`)
    expect(createHash('sha256').update(readFileSync(db)).digest('hex')).toBe(before)
  })

  it('delete removes a run', async () => {
    const d = await lab(['delete', runId, '--data', data])
    expect(d.code).toBe(0)
    expect(d.stdout.trim()).toBe(`deleted ${runId}`)
    const l = await lab(['list', '--data', data])
    expect(l.stdout).not.toContain(runId)
  })
})
