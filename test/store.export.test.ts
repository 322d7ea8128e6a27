// Export: CSV (RFC 4180, quoting round-trips through a parser), the download endpoint and
// the desktop save-dialog call; a whole run as JSON lines and back (all or nothing);
// export paths that cannot be written.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LabError, type LabEvent, type RunInfo } from '../src/shared/api'
import { defaultSpec, ExperimentSpecSchema } from '../src/shared/spec'
import type { TraceEvent } from '../src/shared/trace'
import { LabService } from '../src/main/lab/service'
import { exportCsvFile, exportRunFile, importRunFile, LabStore, RUN_COLUMNS } from '../src/main/store'
import { startWebServer } from '../src/main/web/server'
import { OP_VALUE_PACK_FROM } from '../src/main/store/op-values'

let dir: string
let service: LabService
let simRun: RunInfo
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ql-store-exp-'))
  service = new LabService({ dataDir: join(dir, 'main') })
  const r = await service.startRun({
    spec: {
      name: 'export-me',
      cluster: { nodes: 3 },
      durationMs: 2500,
      workload: { clients: 3, ratePerSec: 150, keys: 8 },
      faults: [{ atMs: 800, kind: 'crash', target: 'leader', restartAfterMs: 500 }],
    },
    speed: 'max',
  })
  simRun = await new Promise<RunInfo>((res) => {
    const off = service.on((e: LabEvent) => {
      if (e.type === 'run-status' && e.run.runId === r.runId && e.run.status !== 'running') {
        off()
        res(e.run)
      }
    })
  })
})
afterAll(() => {
  service?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Mark a hand-recorded run done. */
function finishDone(store: LabStore, seq: number): void {
  store.finishRun(seq, {
    status: 'done',
    endedAt: '2025-03-04T05:06:08.000Z',
    progress: 1,
    summary: null,
    error: null,
  })
}

/** A small RFC 4180 parser (quoted fields, "" escapes, CRLF records, line breaks inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let i = 0
  let quoted = false
  while (i < text.length) {
    const c = text[i]
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        quoted = false
        i++
        continue
      }
      field += c
      i++
      continue
    }
    if (c === '"' && field === '') {
      quoted = true
      i++
    } else if (c === ',') {
      row.push(field)
      field = ''
      i++
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      i += 2
    } else {
      if (c === '\r' || c === '\n' || c === '"')
        throw new Error(`bare ${JSON.stringify(c)} outside quotes at ${i}`)
      field += c
      i++
    }
  }
  expect(field).toBe('')
  expect(row).toEqual([])
  return rows
}

describe('CSV export', () => {
  it('quotes commas, quotes and line breaks so they round-trip through a parser', async () => {
    const store = LabStore.openFile(join(dir, 'quoting.db'))
    const nasty = [
      'plain',
      'a,b',
      'say "hi"',
      'line1\nline2',
      'crlf\r\nend',
      ' spaced ',
      '',
      'ünïcødé ✓',
      '"',
      ',',
    ]
    const spec = ExperimentSpecSchema.parse({ ...defaultSpec(), name: 'nasty, "quoted"\nname' })
    const runId = 'run-quoting'
    const seq = store.createRun({
      id: runId,
      spec,
      startedAt: '2025-03-04T05:06:07.000Z',
      appVersion: '1.2.3',
    })
    const rec = store.recorder(seq)
    nasty.forEach((v, i) => {
      const base = {
        kind: 'op' as const,
        node: null,
        lc: 0,
        client: 1,
        opId: `c1.${i}`,
        f: 'put' as const,
        key: v,
      }
      rec.event({ ...base, t: i * 1000, phase: 'invoke', value: v })
      rec.event({ ...base, t: i * 1000 + 250, phase: 'info', value: v, error: `timeout, "${v}"` })
    })
    rec.finish()
    finishDone(store, seq)

    const file = join(dir, 'ops.csv')
    const r = await exportCsvFile(store, { what: 'ops', runId }, file)
    expect(r.rows).toBe(nasty.length)
    const text = readFileSync(file, 'utf8')
    expect(text.endsWith('\r\n')).toBe(true)
    const rows = parseCsv(text)
    const header = rows[0]
    expect(header).toEqual([
      'run_id',
      'op_id',
      'client',
      'f',
      'key',
      'value',
      'expected',
      'invoke_us',
      'complete_us',
      'invoke_time',
      'complete_time',
      'latency_ms',
      'outcome',
      'result',
      'error',
    ])
    const col = (name: string): number => header.indexOf(name)
    expect(rows.slice(1).map((x) => x[col('key')])).toEqual(nasty)
    expect(rows.slice(1).map((x) => x[col('value')])).toEqual(nasty)
    expect(rows.slice(1).map((x) => x[col('error')])).toEqual(nasty.map((v) => `timeout, "${v}"`))
    // Run-relative microseconds and ISO times (startedAt + offset).
    expect(rows[3][col('invoke_us')]).toBe('2000')
    expect(rows[3][col('complete_us')]).toBe('2250')
    expect(rows[3][col('invoke_time')]).toBe('2025-03-04T05:06:07.002Z')
    expect(rows[3][col('latency_ms')]).toBe('0.25')
    expect(rows[3][col('outcome')]).toBe('info')

    const summary = join(dir, 'summary.csv')
    await exportCsvFile(store, { what: 'summary', runId }, summary)
    const s = parseCsv(readFileSync(summary, 'utf8'))
    expect(s[0]).toEqual([...RUN_COLUMNS])
    expect(s[1][s[0].indexOf('name')]).toBe('nasty, "quoted"\nname')
    expect(s[1][s[0].indexOf('app_version')]).toBe('1.2.3')
    store.close()
  })

  it('exports a recorded run: trace, metrics, summary and the runs list, one row per stored row', async () => {
    const store = service.store
    const counts = store.counts(simRun.runId)
    const trace = parseCsv(
      readFileSync(
        (await exportCsvFile(store, { what: 'trace', runId: simRun.runId }, join(dir, 't.csv'))).path,
        'utf8',
      ),
    )
    expect(trace[0]).toEqual(['run_id', 't_us', 'time', 'node', 'lc', 'kind', 'data'])
    expect(trace.length - 1).toBe(counts.trace_events)
    const first = store.traceWindow(simRun.runId, { limit: 1 })[0] as TraceEvent & Record<string, unknown>
    const { kind, t, node, lc, ...rest } = first
    expect(trace[1]).toEqual([
      simRun.runId,
      String(t),
      new Date(Date.parse(simRun.startedAt) + t / 1000).toISOString(),
      node ?? '',
      String(lc),
      kind,
      JSON.stringify(rest),
    ])
    const metrics = parseCsv(
      readFileSync(
        (await exportCsvFile(store, { what: 'metrics', runId: simRun.runId }, join(dir, 'm.csv'))).path,
        'utf8',
      ),
    )
    expect(metrics.length - 1).toBe(counts.metrics)
    expect(metrics[0].slice(0, 4)).toEqual([
      'run_id',
      'window_start_ms',
      'window_end_ms',
      'window_start_time',
    ])
    // Messages by type: a JSON object per window whose counts add up to the window's messages.
    expect(metrics[0].slice(-2)).toEqual(['messages', 'messages_by_type'])
    const busy = metrics.slice(1).find((r) => Number(r[r.length - 2]) > 0)
    expect(busy).toBeDefined()
    const byType = JSON.parse(busy![busy!.length - 1]) as Record<string, number>
    expect(Object.keys(byType)).toContain('AppendEntries')
    expect(Object.values(byType).reduce((a, b) => a + b, 0)).toBe(Number(busy![busy!.length - 2]))
    const summary = parseCsv(
      readFileSync(
        (await exportCsvFile(store, { what: 'summary', runId: simRun.runId }, join(dir, 's.csv'))).path,
        'utf8',
      ),
    )
    const get = (k: string): string => summary[1][summary[0].indexOf(k)]
    expect(get('ops_ok')).toBe(String(simRun.summary!.ops.ok))
    expect(get('verdict')).toBe(simRun.summary!.verdict)
    expect(get('checks')).toMatch(/Election Safety=ok/)
    const runs = parseCsv(
      readFileSync((await exportCsvFile(store, { what: 'runs' }, join(dir, 'r.csv'))).path, 'utf8'),
    )
    expect(runs.slice(1).map((r) => r[0])).toContain(simRun.runId)
  })

  it('an export path that cannot be written: a clear error naming it, nothing created, nothing else affected', async () => {
    const store = service.store
    const before = store.counts(simRun.runId)
    const cases: Array<[string, RegExp]> = [
      [join(dir, 'no-such-folder', 'x.csv'), /its folder does not exist/],
      [dir, /it is a directory/],
      [join(dir, 'quoting.db', 'x.csv'), /not a directory/],
    ]
    for (const [path, why] of cases) {
      const e = (await exportCsvFile(store, { what: 'ops', runId: simRun.runId }, path).catch(
        (x: unknown) => x,
      )) as LabError
      expect(e).toBeInstanceOf(LabError)
      expect(e.code).toBe('bad_input')
      expect(e.message).toContain(`cannot write ${path}`)
      expect(e.message).toMatch(why)
    }
    expect(existsSync(join(dir, 'no-such-folder'))).toBe(false)
    // An unknown run is refused before the file is created.
    const target = join(dir, 'never.csv')
    const nf = (await exportCsvFile(store, { what: 'ops', runId: 'nope' }, target).catch(
      (x: unknown) => x,
    )) as LabError
    expect(nf.code).toBe('not_found')
    expect(existsSync(target)).toBe(false)
    expect(store.counts(simRun.runId)).toEqual(before)
    expect((await service.getRun({ runId: simRun.runId })).status).toBe('done')
  })

  it('browser mode downloads /export/RUN/WHAT.csv with the token; the desktop call saves where the dialog says', async () => {
    const renderer = join(dir, 'renderer')
    mkdirSync(renderer, { recursive: true })
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>x</title>')
    const server = await startWebServer({ service, rendererDir: renderer, port: 0 })
    try {
      const base = `http://127.0.0.1:${server.port}`
      const auth = { Authorization: `Bearer ${server.token}` }
      const res = await fetch(`${base}/export/${simRun.runId}/ops.csv`, { headers: auth })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${simRun.runId}-ops.csv"`)
      const rows = parseCsv(await res.text())
      expect(rows.length - 1).toBe(service.store.counts(simRun.runId).ops)
      expect((await fetch(`${base}/export/${simRun.runId}/ops.csv`)).status).toBe(401)
      expect((await fetch(`${base}/export/nope/ops.csv`, { headers: auth })).status).toBe(404)
      const bad = await fetch(`${base}/export/${simRun.runId}/secrets.csv`, { headers: auth })
      expect(bad.status).toBe(400)
      expect(await bad.text()).toMatch(/what/)
      const list = await fetch(`${base}/export/runs.csv?status=done`, { headers: auth })
      expect(list.status).toBe(200)
      expect(
        parseCsv(await list.text())
          .slice(1)
          .map((r) => r[0]),
      ).toContain(simRun.runId)
      expect((await fetch(`${base}/export/runs.csv?since=yesterday`, { headers: auth })).status).toBe(400)
    } finally {
      await server.close()
    }

    // Desktop: exportCsv asks the shell for a path (here: a stand-in dialog).
    let suggested = ''
    const savePath = join(dir, 'chosen.csv')
    const desk = new LabService({
      store: service.store,
      chooseSavePath: async (name) => {
        suggested = name
        return savePath
      },
    })
    expect(await desk.exportCsv({ what: 'metrics', runId: simRun.runId })).toEqual({
      saved: true,
      path: savePath,
      rows: service.store.counts(simRun.runId).metrics,
    })
    expect(suggested).toBe(`${simRun.runId}-metrics.csv`)
    const cancel = new LabService({ store: service.store, chooseSavePath: async () => null })
    expect(await cancel.exportCsv({ what: 'ops', runId: simRun.runId })).toEqual({
      saved: false,
      path: null,
      rows: 0,
    })
    const e = (await service
      .exportCsv({ what: 'ops', runId: simRun.runId })
      .catch((x: unknown) => x)) as LabError
    expect(e.code).toBe('unavailable')
  })
})

describe('big op values', () => {
  it('are stored compressed, and CSV, JSON lines and import give back the exact text', async () => {
    const store = LabStore.openFile(join(dir, 'big-values.db'))
    const runId = 'run-big-values'
    const seq = store.createRun({
      id: runId,
      spec: defaultSpec(),
      startedAt: '2025-03-04T05:06:07.000Z',
      appVersion: '1',
    })
    const rec = store.recorder(seq)
    // A broadcast read's reply: every message so far (and characters JSON must escape).
    const big = JSON.stringify({
      type: 'read_ok',
      messages: Array.from({ length: 3000 }, (_, i) => i * 7),
      note: 'ü "q"\n',
    })
    expect(big.length).toBeGreaterThan(OP_VALUE_PACK_FROM)
    const base = {
      kind: 'op' as const,
      node: null,
      lc: 0,
      client: 0,
      opId: 'c0.1',
      f: 'call' as const,
      key: 'read',
    }
    rec.event({ ...base, t: 1000, phase: 'invoke', value: '{"type":"read"}' })
    rec.event({ ...base, t: 2000, phase: 'ok', value: big })
    rec.event({ ...base, opId: 'c0.2', t: 3000, phase: 'invoke', value: big })
    rec.finish()
    finishDone(store, seq)
    const stored = store.db
      .prepare('SELECT op_id, typeof(value) AS ty, length(value) AS n FROM ops ORDER BY op_id')
      .all()
    expect(stored).toEqual([
      { op_id: 'c0.1', ty: 'blob', n: expect.any(Number) },
      { op_id: 'c0.2', ty: 'blob', n: expect.any(Number) },
    ])
    for (const r of stored as Array<{ n: number }>) expect(r.n).toBeLessThan(big.length / 2)

    const csv = join(dir, 'big-ops.csv')
    await exportCsvFile(store, { what: 'ops', runId }, csv)
    const rows = parseCsv(readFileSync(csv, 'utf8'))
    expect(rows.slice(1).map((r) => r[rows[0].indexOf('value')])).toEqual([big, big])

    const file = join(dir, 'big.jsonl')
    await exportRunFile(store, runId, file)
    const ops = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; value?: string })
      .filter((l) => l.type === 'op')
    expect(ops.map((o) => o.value)).toEqual([big, big])
    const other = LabStore.openFile(join(dir, 'big-other.db'))
    importRunFile(other, file)
    const again = join(dir, 'big-again.jsonl')
    await exportRunFile(other, runId, again)
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(file, 'utf8'))
    expect(other.db.prepare('SELECT typeof(value) FROM ops').pluck().all()).toEqual(['blob', 'blob'])
    other.close()

    // Damage: a value BLOB that does not decompress is exported as a note; the other rows are intact.
    store.db.prepare("UPDATE ops SET value = x'00ff00ff' WHERE op_id = 'c0.2'").run()
    await exportCsvFile(store, { what: 'ops', runId }, csv)
    const damaged = parseCsv(readFileSync(csv, 'utf8'))
    const vi = damaged[0].indexOf('value')
    expect(damaged[1][vi]).toBe(big)
    expect(damaged[2][vi]).toMatch(/^\(damaged value: 4 bytes that do not decompress/)
    store.close()
  })
})

describe('whole-run JSON lines', () => {
  it('export then import into another database reproduces every row', async () => {
    const file = join(dir, 'run.jsonl')
    const out = await exportRunFile(service.store, simRun.runId, file)
    const counts = service.store.counts(simRun.runId)
    expect(out.lines).toBe(1 + Object.values(counts).reduce((a, b) => a + b, 0))
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n')
    expect(lines.length).toBe(out.lines)
    const header = JSON.parse(lines[0]) as {
      format: string
      run: { id: string }
      counts: Record<string, number>
    }
    expect(header.format).toBe('quorum-lab-run')
    expect(header.counts.event).toBe(counts.trace_events)
    expect(lines.some((l) => l.startsWith('{"type":"sketch"'))).toBe(true)

    const other = LabStore.openFile(join(dir, 'other.db'))
    const imported = importRunFile(other, file)
    expect(imported.runId).toBe(simRun.runId)
    expect(other.counts(simRun.runId)).toEqual(counts)
    expect(other.getRun(simRun.runId)).toEqual(service.store.getRun(simRun.runId))
    expect(other.traceWindow(simRun.runId, { limit: 1e6 })).toEqual(
      service.store.traceWindow(simRun.runId, { limit: 1e6 }),
    )
    expect(other.metrics([simRun.runId])).toEqual(service.store.metrics([simRun.runId]))
    expect(other.sketchSummary([simRun.runId])).toEqual(service.store.sketchSummary([simRun.runId]))
    const ops = (s: LabStore): unknown[] =>
      s.db
        .prepare(
          'SELECT op_id, client, f, key, value, expected, invoke_t, complete_t, outcome, result, error FROM ops ORDER BY invoke_t, op_id',
        )
        .all()
    expect(ops(other)).toEqual(ops(service.store))
    // The same file again: refused (the run exists), nothing changes.
    const dup = (() => {
      try {
        importRunFile(other, file)
      } catch (e) {
        return e as LabError
      }
      throw new Error('expected a refusal')
    })()
    expect(dup.message).toMatch(/:1: run\.id: a run with id .* already exists/)
    expect(other.counts(simRun.runId)).toEqual(counts)
    other.close()
  })

  it('a malformed line is rejected naming its line number, and nothing is imported', async () => {
    const file = join(dir, 'good.jsonl')
    await exportRunFile(service.store, simRun.runId, file)
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n')
    const target = lines.findIndex((l, i) => i > 100 && l.startsWith('{"type":"event"'))
    const variants: Array<[string, (ls: string[]) => string[], RegExp]> = [
      [
        'bad field',
        (ls) => ls.map((l, i) => (i === target ? l.replace(/"t":\d+/, '"t":"soon"') : l)),
        new RegExp(`:${target + 1}: t: must be a number`),
      ],
      [
        'not JSON',
        (ls) => ls.map((l, i) => (i === target ? l.slice(0, 20) : l)),
        new RegExp(`:${target + 1}: \\(line\\): not valid JSON`),
      ],
      [
        'unknown type',
        (ls) => ls.map((l, i) => (i === target ? '{"type":"gossip"}' : l)),
        new RegExp(`:${target + 1}: type: unknown line type`),
      ],
      [
        'bad sketch',
        (ls) =>
          ls.map((l) =>
            l.startsWith('{"type":"sketch"') ? l.replace(/"blob":"[^"]*"/, '"blob":"AAAA"') : l,
          ),
        /: blob: not a valid .* sketch/,
      ],
      [
        'truncated',
        (ls) => ls.slice(0, ls.length - 5),
        /header announces \d+ sketch lines but the file has \d+/,
      ],
      [
        'bad spec',
        (ls) => [ls[0].replace('"nodes":3,"tickMs"', '"nodes":0,"tickMs"'), ...ls.slice(1)],
        /:1: run\.spec\.cluster\.nodes: must be between 1 and 15 nodes/,
      ],
    ]
    for (const [what, edit, want] of variants) {
      const bad = join(dir, `bad-${what.replace(/ /g, '-')}.jsonl`)
      writeFileSync(bad, edit(lines).join('\n') + '\n')
      const store = LabStore.openFile(join(dir, `import-${what.replace(/ /g, '-')}.db`))
      let e: unknown = null
      try {
        importRunFile(store, bad)
      } catch (x) {
        e = x
      }
      expect(e, what).toBeInstanceOf(LabError)
      expect((e as LabError).message, what).toMatch(want)
      expect((e as LabError).message).toContain(bad)
      expect((e as LabError).message).toMatch(/nothing was imported/)
      // All or nothing: no run and no rows in any table.
      for (const table of [
        'runs',
        'experiments',
        'trace_chunks',
        'ops',
        'faults',
        'metrics',
        'sketches',
        'nodes',
      ])
        expect(store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get(), `${what}: ${table}`).toEqual({
          n: 0,
        })
      store.close()
    }
  })
})
