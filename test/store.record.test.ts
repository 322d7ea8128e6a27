// Recording real simulated runs into SQLite and reading them back: trace windows (index
// backed, paged), ops history, metrics, sketches, summary; old runs after a restart; runs
// of a killed app marked crashed; list / filter / delete; rerun equality; a full disk.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LabError, type LabEvent, type MetricsWindow, type RunInfo } from '../src/shared/api'
import type { ExperimentSpecInput } from '../src/shared/spec'
import type { OpEvent, TraceEvent } from '../src/shared/trace'
import { createSimulation } from '../src/core/sim'
import { ExperimentSpecSchema } from '../src/shared/spec'
import { LabService } from '../src/main/lab/service'
import { CRASH_MESSAGE, LabStore } from '../src/main/store'
import { CHUNKS_IN_WINDOW_SQL, WIDEST_CHUNK_SQL } from '../src/main/store/trace-chunks'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ql-store-rec-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const fresh = (): string => join(dir, `d${++n}`)

const spec: ExperimentSpecInput = {
  name: 'rec-raft-3',
  cluster: { nodes: 3 },
  seed: 4,
  durationMs: 4000,
  workload: { clients: 4, ratePerSec: 200, keys: 20, distribution: 'zipf' },
  faults: [{ atMs: 1500, forMs: 1000, kind: 'partition', shape: 'isolate', target: 'leader' }],
}

function waitEnd(service: LabService, runId: string, windows?: MetricsWindow[]): Promise<RunInfo> {
  return new Promise((res) => {
    const off = service.on((e: LabEvent) => {
      if (e.type === 'run-progress' && e.runId === runId) windows?.push(...e.windows)
      if (e.type === 'run-status' && e.run.runId === runId && e.run.status !== 'running') {
        off()
        res(e.run)
      }
    })
  })
}

async function runOnce(
  service: LabService,
  s: ExperimentSpecInput = spec,
  windows?: MetricsWindow[],
): Promise<RunInfo> {
  const r = await service.startRun({ spec: s, speed: 'max' })
  return waitEnd(service, r.runId, windows)
}

describe('recording a simulated run', () => {
  it('reads back the trace (windows, kinds, paging), ops, faults, metrics, sketches and summary', async () => {
    const data = fresh()
    const service = new LabService({ dataDir: data })
    const windows: MetricsWindow[] = []
    const done = await runOnce(service, spec, windows)
    expect(done.status).toBe('done')
    const s = done.summary!

    // The stored trace is the simulator's trace, event for event.
    const parsed = ExperimentSpecSchema.parse(spec)
    const sim = createSimulation(parsed, { keepTrace: true })
    sim.runUntil(parsed.durationMs)
    const expected = sim.trace()
    const all = await service.getTrace({ runId: done.runId })
    expect(all.length).toBe(expected.length)
    expect(all).toEqual(expected)

    // A replay window: [1.0 s, 1.2 s], only state and op events.
    const win = await service.getTrace({
      runId: done.runId,
      fromUs: 1_000_000,
      toUs: 1_200_000,
      kinds: ['state', 'op'],
    })
    expect(win).toEqual(
      expected.filter((e) => e.t >= 1_000_000 && e.t <= 1_200_000 && (e.kind === 'state' || e.kind === 'op')),
    )
    // Paging by limit + cursor walks the whole window without gaps or repeats (ties on t included).
    const store = service.store
    const pages: TraceEvent[] = []
    let after: number | undefined
    let count = 0
    for (;;) {
      const page = store.tracePage(done.runId, { fromUs: 1_000_000, toUs: 1_200_000, limit: 97, after })
      pages.push(...page.events)
      count++
      if (page.next === null) break
      after = page.next
    }
    expect(count).toBeGreaterThan(3)
    expect(pages).toEqual(expected.filter((e) => e.t >= 1_000_000 && e.t <= 1_200_000))
    // A window finds its chunks through indexes: the widest chunk from the span index, the
    // chunks in the window from the (run_seq, t_lo) index, in index order (no sort step).
    const planOf = (sql: string, params: unknown): string =>
      (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>)
        .map((p) => p.detail)
        .join(' | ')
    const batch = { seq: 1, lo: 0, id: -1, to: 10, from: 0, limit: 10 }
    expect(planOf(WIDEST_CHUNK_SQL, 1)).toMatch(/USING COVERING INDEX trace_chunks_run_span/)
    expect(planOf(CHUNKS_IN_WINDOW_SQL, batch)).toMatch(/USING INDEX trace_chunks_run_t/)
    expect(planOf(CHUNKS_IN_WINDOW_SQL, batch)).not.toMatch(/TEMP B-TREE/)

    // Ops: one row per op with its outcome, agreeing with the summary and the trace.
    const ops = store.db
      .prepare('SELECT outcome, count(*) AS n FROM ops WHERE run_seq = 1 GROUP BY outcome')
      .all() as Array<{ outcome: string; n: number }>
    const byOutcome = Object.fromEntries(ops.map((o) => [o.outcome, o.n]))
    expect(byOutcome).toEqual({
      ok: s.ops.ok,
      ...(s.ops.fail ? { fail: s.ops.fail } : {}),
      ...(s.ops.info ? { info: s.ops.info } : {}),
    })
    const firstOk = expected.find((e): e is OpEvent => e.kind === 'op' && e.phase === 'ok')!
    const invoke = expected.find(
      (e): e is OpEvent => e.kind === 'op' && e.phase === 'invoke' && e.opId === firstOk.opId,
    )!
    expect(
      store.db
        .prepare('SELECT client, f, key, invoke_t, complete_t, outcome FROM ops WHERE op_id = ?')
        .get(firstOk.opId),
    ).toEqual({
      client: invoke.client,
      f: invoke.f,
      key: invoke.key,
      invoke_t: invoke.t,
      complete_t: firstOk.t,
      outcome: 'ok',
    })

    // Faults: the partition's start and end.
    expect(store.db.prepare('SELECT phase, kind FROM faults WHERE run_seq = 1 ORDER BY t').all()).toEqual([
      { phase: 'start', kind: 'partition' },
      { phase: 'end', kind: 'partition' },
    ])

    // Metrics: every window the live view saw.
    const [metrics] = await service.getMetrics({ runIds: [done.runId] })
    expect(metrics.windows).toEqual(windows)
    expect(metrics.windows.length).toBe(4)

    // Sketches: every ok op's latency, and p99 within 1% of the exact p99 of those latencies.
    const sk = await service.getSketches({ runIds: [done.runId] })
    expect(sk.latencyMs.all.count).toBe(s.ops.ok)
    const starts = new Map<string, number>()
    const lat: number[] = []
    for (const e of expected) {
      if (e.kind !== 'op') continue
      if (e.phase === 'invoke') starts.set(e.opId, e.t)
      else if (e.phase === 'ok') lat.push((e.t - starts.get(e.opId)!) / 1000)
    }
    lat.sort((a, b) => a - b)
    const exactP99 = lat[Math.floor(0.99 * (lat.length - 1))]
    expect(Math.abs(sk.latencyMs.all.p99! - exactP99)).toBeLessThanOrEqual(0.01 * exactP99)
    expect(sk.distinctClients).toBe(4)
    const firstSecond = await service.getSketches({ runIds: [done.runId], fromMs: 0, toMs: 1000 })
    expect(firstSecond.windows).toBe(1)
    expect(firstSecond.latencyMs.all.count).toBe(windows[0].ok)

    // Summary and final node states.
    expect((await service.getRun({ runId: done.runId })).summary).toEqual(s)
    expect(
      store.db.prepare('SELECT count(*) AS n FROM nodes WHERE run_seq = 1 AND role IS NOT NULL').get(),
    ).toEqual({
      n: 3,
    })
    service.close()

    // After a restart everything comes from the file.
    const again = new LabService({ dataDir: data })
    expect((await again.listRuns()).map((r) => r.runId)).toEqual([done.runId])
    expect(await again.getRun({ runId: done.runId })).toMatchObject({ status: 'done', summary: s })
    expect(
      await again.getTrace({ runId: done.runId, fromUs: 1_000_000, toUs: 1_200_000, kinds: ['state', 'op'] }),
    ).toEqual(win)
    again.close()
  })

  it('a rerun reproduces the recorded trace event for event (read back from the store)', async () => {
    const service = new LabService({ dataDir: fresh() })
    const first = await runOnce(service)
    const again = await service.rerun({ runId: first.runId, speed: 'max' })
    expect(again.rerunOf).toBe(first.runId)
    expect(again.spec).toEqual(first.spec)
    const second = await waitEnd(service, again.runId)
    expect(second.status).toBe('done')
    const a = service.store.traceWindow(first.runId, { limit: 1_000_000 })
    const b = service.store.traceWindow(second.runId, { limit: 1_000_000 })
    expect(a.length).toBeGreaterThan(1000)
    expect(b).toEqual(a)
    expect(second.summary!.ops).toEqual(first.summary!.ops)
    expect(service.store.getRun(second.runId)!.rerunOf).toBe(first.runId)
    const e = await service.rerun({ runId: 'nope' }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(LabError)
    expect((e as LabError).code).toBe('not_found')
    service.close()
  })

  it('a run keeps the speed it was started at, and a re-run without one repeats it', async () => {
    const data = fresh()
    const service = new LabService({ dataDir: data })
    const short = { ...spec, durationMs: 1500 }
    const fast = await service.startRun({ spec: short, speed: 'max' })
    expect(fast.speed).toBe('max')
    await waitEnd(service, fast.runId)
    const again = await service.rerun({ runId: fast.runId })
    expect(again.speed).toBe('max')
    await waitEnd(service, again.runId)
    // An explicit speed still wins.
    const slow = await service.rerun({ runId: fast.runId, speed: 10 })
    expect(slow.speed).toBe(10)
    await waitEnd(service, slow.runId)
    service.close()
    // Read back from the file after a restart.
    const reopened = new LabService({ dataDir: data })
    expect((await reopened.getRun({ runId: fast.runId })).speed).toBe('max')
    expect((await reopened.getRun({ runId: slow.runId })).speed).toBe(10)
    reopened.close()
  })

  it('lists with filters and deletes a run with its rows in every table', async () => {
    const service = new LabService({ dataDir: fresh() })
    const short = { ...spec, durationMs: 1500 }
    const a = await runOnce(service, { ...short, name: 'alpha-one' })
    const b = await runOnce(service, { ...short, name: 'beta-two', seed: 9 })
    const c = await runOnce(service, { ...short, name: 'Alpha-three' })
    const names = async (f?: Parameters<LabService['listRuns']>[0]): Promise<string[]> =>
      (await service.listRuns(f)).map((r) => r.name)
    expect(await names()).toEqual(['Alpha-three', 'beta-two', 'alpha-one'])
    expect(await names({ name: 'ALPHA' })).toEqual(['Alpha-three', 'alpha-one'])
    expect(await names({ algorithm: 'raft', status: 'done', limit: 1 })).toEqual(['Alpha-three'])
    expect(await names({ status: 'crashed' })).toEqual([])
    expect(await names({ algorithm: 'paxos' })).toEqual([])
    expect(await names({ since: '2000-01-01' })).toHaveLength(3)
    expect(await names({ until: '2000-01-01' })).toEqual([])
    expect(await names({ since: new Date(Date.now() + 3600_000).toISOString() })).toEqual([])

    const store = service.store
    const before = store.counts(b.runId)
    expect(before.trace_events).toBeGreaterThan(0)
    expect(before.ops).toBeGreaterThan(0)
    expect(before.metrics).toBeGreaterThan(0)
    expect(before.sketches).toBeGreaterThan(0)
    expect(before.nodes).toBe(3)
    const othersBefore = store.counts(a.runId)
    expect(await service.deleteRun({ runId: b.runId })).toEqual({ runId: b.runId, deleted: true })
    expect(store.counts(b.runId)).toEqual({
      trace_events: 0,
      ops: 0,
      faults: 0,
      metrics: 0,
      sketches: 0,
      nodes: 0,
    })
    expect(store.db.prepare('SELECT count(*) AS n FROM runs WHERE id = ?').get(b.runId)).toEqual({ n: 0 })
    expect(store.counts(a.runId)).toEqual(othersBefore)
    expect(await names()).toEqual(['Alpha-three', 'alpha-one'])
    expect(((await service.getRun({ runId: b.runId }).catch((e: unknown) => e)) as LabError).code).toBe(
      'not_found',
    )
    expect(((await service.deleteRun({ runId: b.runId }).catch((e: unknown) => e)) as LabError).code).toBe(
      'not_found',
    )
    // A live run cannot be deleted.
    const live = await service.startRun({ spec: { ...short, durationMs: 3_600_000 } })
    const refused = (await service.deleteRun({ runId: live.runId }).catch((e: unknown) => e)) as LabError
    expect(refused.code).toBe('bad_input')
    await service.stopRun({ runId: live.runId })
    expect(c.status).toBe('done')
    service.close()
  })
})

describe('crashes and full disks', () => {
  it('marks a run crashed at the next start when its app was killed, keeping what it recorded', async () => {
    const data = fresh()
    const script = join(dir, 'child.mts')
    writeFileSync(
      script,
      `import { LabService } from ${JSON.stringify(resolve('src/main/lab/service.ts'))}
const service = new LabService({ dataDir: ${JSON.stringify(data)} })
const run = await service.startRun({ spec: ${JSON.stringify({ ...spec, durationMs: 3_600_000 })}, speed: 1 })
setTimeout(() => {
  const rows = service.store.counts(run.runId).trace_events
  process.stdout.write('ready ' + run.runId + ' ' + rows + '\\n')
}, 700)
`,
    )
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let errText = ''
    child.stderr.on('data', (c: Buffer) => (errText += c.toString()))
    const ready = await new Promise<string>((res, rej) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString()
        if (out.includes('\n')) res(out.trim())
      })
      child.on('exit', (code) => rej(new Error(`child exited ${code}: ${errText}`)))
    })
    const [, runId, rowsText] = ready.split(' ')
    expect(Number(rowsText)).toBeGreaterThan(0)
    // While the app lives, another process opening the store leaves its run alone.
    const peek = LabStore.openDir(data)
    expect(peek.crashed).toEqual([])
    expect(peek.getRun(runId)!.status).toBe('running')
    peek.close()
    const exited = new Promise((res) => child.on('exit', res))
    child.kill('SIGKILL')
    await exited
    const killedAt = Date.now()
    // Opened a while later: the run's end is still when it last recorded, not this moment.
    await new Promise((r) => setTimeout(r, 1500))

    const store = LabStore.openDir(data)
    expect(store.crashed).toEqual([runId])
    const run = store.getRun(runId)!
    expect(run.status).toBe('crashed')
    expect(run.error).toBe(CRASH_MESSAGE)
    const lastUs = store.db
      .prepare('SELECT max(t_hi) AS t FROM trace_chunks WHERE run_seq = (SELECT seq FROM runs WHERE id = ?)')
      .pluck()
      .get(runId) as number
    expect(Date.parse(run.endedAt!)).toBe(Date.parse(run.startedAt) + Math.floor(lastUs / 1000))
    expect(Date.parse(run.endedAt!)).toBeLessThanOrEqual(killedAt)
    expect(store.counts(runId).trace_events).toBeGreaterThanOrEqual(Number(rowsText))
    expect(store.traceWindow(runId, { limit: 5 })).toHaveLength(5)
    store.close()
  })

  it.skipIf(process.platform === 'win32')(
    'a write that fails at commit (the file size limit) states exactly how many events were kept',
    async () => {
      // A real failing write: the child runs with `ulimit -f` (2 MiB) and SIGXFSZ ignored,
      // so the -wal file stops growing mid-run and a commit fails (EFBIG). Only events in
      // transactions that committed may be counted as kept.
      const data = fresh()
      const script = join(dir, 'limit.mts')
      writeFileSync(
        script,
        `import { LabService } from ${JSON.stringify(resolve('src/main/lab/service.ts'))}
const service = new LabService({ dataDir: ${JSON.stringify(data)} })
const r = await service.startRun({ spec: ${JSON.stringify({ ...spec, durationMs: 30_000, workload: { clients: 8, ratePerSec: 500 }, faults: [] })}, speed: 'max' })
let info = r
while (info.status === 'running') {
  await new Promise((res) => setTimeout(res, 50))
  info = await service.getRun({ runId: r.runId })
}
process.stdout.write(JSON.stringify({ status: info.status, error: info.error, rows: service.store.counts(r.runId).trace_events }))
service.close()
`,
      )
      const out = await new Promise<string>((res, rej) => {
        const child = spawn(
          'sh',
          ['-c', 'trap "" XFSZ; ulimit -f 4096; exec "$0" --import tsx "$1"', process.execPath, script],
          {
            cwd: process.cwd(),
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        )
        let text = ''
        let errText = ''
        child.stdout.on('data', (c: Buffer) => (text += c.toString()))
        child.stderr.on('data', (c: Buffer) => (errText += c.toString()))
        child.on('exit', (code) =>
          code === 0 ? res(text) : rej(new Error(`child exited ${code}: ${errText}`)),
        )
      })
      const r = JSON.parse(out) as { status: string; error: string; rows: number }
      expect(r.status).toBe('failed')
      expect(r.rows).toBeGreaterThan(0)
      const said = /the (\d+) events recorded before are kept/.exec(r.error)
      expect(said, r.error).not.toBeNull()
      expect(Number(said![1])).toBe(r.rows)
    },
    60_000,
  )

  it('a run whose end cannot be written reads back as ended, from memory, not as running forever', async () => {
    // The file-size-limit test above hung about one time in three: when the limit hit the
    // final UPDATE, the run had ended in memory but getRun read the stored row ("running").
    const store = LabStore.openFile(join(dir, 'end-unwritten.db'))
    const service = new LabService({ store })
    store.finishRun = () => {
      throw new Error('disk I/O error (SQLITE_IOERR_WRITE)')
    }
    const done = await runOnce(service, { ...spec, durationMs: 1000, faults: [] })
    expect(done.status).toBe('done')
    const got = await service.getRun({ runId: done.runId })
    expect(got.status).toBe('done')
    expect(got.error).toContain('could not record the end of the run: disk I/O error')
    const listed = (await service.listRuns()).find((r) => r.runId === done.runId)
    expect(listed?.status).toBe('done')
    service.close()
  })

  it('a full disk (SQLITE_FULL) stops recording that run: marked failed with a clear error, what was written kept', async () => {
    const file = join(dir, 'full.db')
    const store = LabStore.openFile(file)
    const pages = store.db.pragma('page_count', { simple: true }) as number
    // Room for ~250 more pages (1 MiB): enough to start, not to finish.
    store.db.pragma(`max_page_count = ${pages + 250}`)
    const service = new LabService({ store })
    const done = await runOnce(service, { ...spec, durationMs: 20_000 })
    expect(done.status).toBe('failed')
    expect(done.error).toMatch(
      /disk is full \(SQLITE_FULL\).*full\.db.*recording of this run stopped; the \d+ events recorded before are kept/,
    )
    const row = store.getRun(done.runId)!
    expect(row.status).toBe('failed')
    expect(row.error).toBe(done.error)
    const kept = store.counts(done.runId).trace_events
    expect(kept).toBeGreaterThan(0)
    // The message states exactly what was kept: the events committed, not those attempted.
    expect(done.error).toContain(`the ${kept} events recorded before are kept`)
    expect(done.summary!.simulatedMs).toBeLessThan(20_000)
    // The service goes on: once there is room again, the next run records.
    store.db.pragma('max_page_count = 1073741823')
    const next = await runOnce(service, { ...spec, durationMs: 1000, faults: [] })
    expect(next.status).toBe('done')
    expect(store.counts(done.runId).trace_events).toBe(kept)
    service.close()
    store.close()
  })
})
