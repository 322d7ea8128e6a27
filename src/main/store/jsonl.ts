// A whole run as one shareable file: JSON lines. Line 1 is a header with the run row and
// how many lines of each type follow; then one line per node, trace event, op, fault event,
// metrics window and sketch (blobs in base64). Export streams from a read-only connection;
// import validates every line with zod and writes everything in ONE transaction, so a
// malformed line (named by its line number) or a truncated file leaves nothing behind.
import { closeSync, openSync, readSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { StringDecoder } from 'node:string_decoder'
import { z } from 'zod'
import { LabError, RUN_STATUSES, type RunId } from '../../shared/api'
import type { TraceKind } from '../../shared/trace'
import { parseSpec, toFieldErrors, type FieldError } from '../../shared/spec'
import { HotKeys, Distinct, LatencySketch, SKETCH_KINDS } from '../../core/sketch'
import { fsReason, openForWrite, streamFailure } from './csv'
import { packOpValue, unpackOpValue } from './op-values'
import { StoreError } from './db'
import { ChunkWriter, traceRows, traceSpan } from './trace-chunks'
import { parseSpeed, type LabStore, type RunRow } from './store'

export const JSONL_FORMAT = 'quorum-lab-run'
export const JSONL_VERSION = 1

const TRACE_KIND_LIST = [
  'send',
  'deliver',
  'drop',
  'duplicate',
  'state',
  'log',
  'apply',
  'config',
  'snapshot',
  'op',
  'fault',
  'node',
] as const satisfies readonly TraceKind[]

const LINE_TYPES = ['node', 'event', 'op', 'fault', 'metric', 'sketch'] as const
type LineType = (typeof LINE_TYPES)[number]
type Counts = Record<LineType, number>

// ---------------------------------------------------------------- schemas

const int = () => z.number().int()
const nonNegInt = () => z.number().int().min(0)
const nullableNum = () => z.number().nullable()
const isoString = () =>
  z.string().refine((s) => !Number.isNaN(Date.parse(s)), { error: 'must be an ISO date-time' })

// The run summary grows with the app (checks add fields): known fields are type-checked,
// extra ones are kept as they are.
const SummarySchema = z.looseObject({
  simulatedMs: z.number(),
  wallMs: z.number(),
  leaderChanges: nonNegInt(),
  elections: nonNegInt(),
  ops: z.looseObject({ total: nonNegInt(), ok: nonNegInt(), fail: nonNegInt(), info: nonNegInt() }),
  latencyMs: z.looseObject({ p50: nullableNum(), p99: nullableNum(), max: nullableNum() }),
  messages: z.looseObject({
    sent: nonNegInt(),
    delivered: nonNegInt(),
    dropped: nonNegInt(),
    duplicated: nonNegInt(),
  }),
  checks: z.array(
    z.looseObject({ name: z.string(), ok: z.boolean(), count: nonNegInt(), details: z.array(z.string()) }),
  ),
  verdict: z.enum(['ok', 'violation', 'unknown']),
})

const HeaderSchema = z.strictObject({
  format: z.literal(JSONL_FORMAT),
  version: z.literal(JSONL_VERSION),
  run: z.strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,200}$/, { error: 'must be 1-200 characters of A-Z a-z 0-9 . _ : -' }),
    name: z.string().min(1).max(200),
    algorithm: z.string().min(1),
    nodes: int().min(1),
    spec: z.unknown(),
    seed: nonNegInt(),
    mode: z.enum(['simulation', 'processes']),
    appVersion: z.string(),
    startedAt: isoString(),
    endedAt: isoString().nullable(),
    status: z.enum(
      RUN_STATUSES.filter((s) => s !== 'running' && s !== 'queued') as [
        'done',
        'stopped',
        'failed',
        'crashed',
      ],
    ),
    progress: z.number().min(0).max(1),
    summary: SummarySchema.nullable(),
    verdict: z.enum(['ok', 'violation', 'unknown']).nullable(),
    error: z.string().nullable(),
    rerunOf: z.string().nullable(),
    /** Absent in files written before runs kept their speed. */
    speed: z
      .union([z.number().gt(0), z.literal('max')])
      .nullable()
      .optional(),
  }),
  counts: z.strictObject({
    node: nonNegInt(),
    event: nonNegInt(),
    op: nonNegInt(),
    fault: nonNegInt(),
    metric: nonNegInt(),
    sketch: nonNegInt(),
  }),
})
type Header = z.infer<typeof HeaderSchema>

const LineSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('node'),
      node: z.string().min(1),
      role: z.string().nullable(),
      term: int().nullable(),
      leader: z.string().nullable(),
      commitIndex: int().nullable(),
      lastIndex: int().nullable(),
    }),
    z.strictObject({
      type: z.literal('event'),
      t: nonNegInt(),
      node: z.string().nullable(),
      lc: nonNegInt(),
      kind: z.enum(TRACE_KIND_LIST),
      data: z.record(z.string(), z.unknown()),
    }),
    z.strictObject({
      type: z.literal('op'),
      opId: z.string().min(1),
      client: int(),
      f: z.enum(['get', 'put', 'cas', 'call']),
      key: z.string(),
      value: z.string().nullable(),
      expected: z.string().nullable(),
      invokeT: nonNegInt(),
      completeT: nonNegInt().nullable(),
      outcome: z.enum(['ok', 'fail', 'info']).nullable(),
      result: z.string().nullable(),
      error: z.string().nullable(),
    }),
    z.strictObject({
      type: z.literal('fault'),
      t: nonNegInt(),
      faultId: nonNegInt(),
      phase: z.enum(['start', 'end']),
      kind: z.string().min(1),
      targets: z.array(z.string()),
      detail: z.string(),
    }),
    z.strictObject({
      type: z.literal('metric'),
      startMs: z.number().min(0),
      endMs: z.number().min(0),
      ok: nonNegInt(),
      fail: nonNegInt(),
      info: nonNegInt(),
      p50: nullableNum(),
      p99: nullableNum(),
      messages: nonNegInt(),
      byType: z.record(z.string(), nonNegInt()).optional(),
    }),
    z.strictObject({
      type: z.literal('sketch'),
      windowStartMs: z.number().min(0),
      kind: z.enum(SKETCH_KINDS),
      blob: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, { error: 'must be base64' }),
    }),
  ],
  {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? `unknown line type (expected one of: ${LINE_TYPES.join(', ')})`
        : undefined,
  },
)

// ---------------------------------------------------------------- export

/** Stream a finished run as JSON lines into `out`. Resolves with the number of lines. */
export async function writeRunJsonl(store: LabStore, runId: RunId, out: Writable): Promise<number> {
  const run = store.runRow(runId)
  if (!run)
    throw new LabError('not_found', `no run with id "${runId}"`, [{ path: 'runId', message: 'no such run' }])
  if (run.status === 'running')
    throw new LabError('bad_input', `run "${runId}" is still running; export it when it has ended`, [
      { path: 'runId', message: 'run is still running' },
    ])
  const reader = store.openReader()
  const db = reader.db
  const seq = run.seq
  const snapshot = !store.isMemory
  let lines = 0
  function* gen(): Generator<string> {
    // One read transaction: the counts in the header match the rows that follow.
    if (snapshot) db.exec('BEGIN')
    try {
      const count = (table: string): number =>
        (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE run_seq = ?`).get(seq) as { n: number }).n
      const r = db.prepare('SELECT * FROM runs WHERE seq = ?').get(seq) as RunRow
      const header: Header = {
        format: JSONL_FORMAT,
        version: JSONL_VERSION,
        run: {
          id: r.id,
          name: r.name,
          algorithm: r.algorithm,
          nodes: r.nodes,
          spec: JSON.parse(r.spec) as unknown,
          seed: r.seed,
          mode: r.mode as Header['run']['mode'],
          appVersion: r.app_version,
          startedAt: r.started_at,
          endedAt: r.ended_at,
          status: r.status as Header['run']['status'],
          progress: r.progress,
          summary: r.summary === null ? null : (JSON.parse(r.summary) as Header['run']['summary']),
          verdict: r.verdict as Header['run']['verdict'],
          error: r.error,
          rerunOf: r.rerun_of,
          speed: parseSpeed(r.speed),
        },
        counts: {
          node: count('nodes'),
          event: traceSpan(db, seq).n,
          op: count('ops'),
          fault: count('faults'),
          metric: count('metrics'),
          sketch: count('sketches'),
        },
      }
      yield JSON.stringify(header) + '\n'
      for (const n of db
        .prepare(
          'SELECT node, role, term, leader, commit_index AS commitIndex, last_index AS lastIndex FROM nodes WHERE run_seq = ? ORDER BY node',
        )
        .iterate(seq) as Iterable<Record<string, unknown>>)
        yield JSON.stringify({ type: 'node', ...n }) + '\n'
      let chunk = ''
      let k = 0
      for (const { t, node, lc, kind, data } of traceRows(db, seq)) {
        chunk += `{"type":"event","t":${t},"node":${JSON.stringify(node)},"lc":${lc},"kind":${JSON.stringify(kind)},"data":${data}}\n`
        if (++k === 512) {
          yield chunk
          chunk = ''
          k = 0
        }
      }
      if (chunk) yield chunk
      for (const o of db
        .prepare(
          `SELECT op_id AS opId, client, f, key, value, expected, invoke_t AS invokeT, complete_t AS completeT,
             outcome, result, error FROM ops WHERE run_seq = ? ORDER BY invoke_t, rowid`,
        )
        .iterate(seq) as Iterable<Record<string, unknown>>)
        yield (
          JSON.stringify({
            type: 'op',
            ...o,
            value: unpackOpValue(o.value),
            expected: unpackOpValue(o.expected),
            result: unpackOpValue(o.result),
          }) + '\n'
        )
      for (const f of db
        .prepare(
          'SELECT t, fault_id AS faultId, phase, kind, targets, detail FROM faults WHERE run_seq = ? ORDER BY t, rowid',
        )
        .iterate(seq) as Iterable<{ targets: string } & Record<string, unknown>>)
        yield JSON.stringify({ type: 'fault', ...f, targets: JSON.parse(f.targets) as unknown }) + '\n'
      for (const m of db
        .prepare(
          `SELECT start_ms AS startMs, end_ms AS endMs, ok, fail, info, p50_ms AS p50, p99_ms AS p99, messages,
             by_type AS byType
           FROM metrics WHERE run_seq = ? ORDER BY start_ms`,
        )
        .iterate(seq) as Iterable<{ byType: string | null } & Record<string, unknown>>) {
        const { byType, ...rest } = m
        yield (
          JSON.stringify({
            type: 'metric',
            ...rest,
            ...(byType === null ? {} : { byType: JSON.parse(byType) as unknown }),
          }) + '\n'
        )
      }
      for (const s of db
        .prepare(
          'SELECT window_start_ms AS windowStartMs, kind, blob FROM sketches WHERE run_seq = ? ORDER BY window_start_ms, kind',
        )
        .iterate(seq) as Iterable<{ windowStartMs: number; kind: string; blob: Buffer }>)
        yield (
          JSON.stringify({
            type: 'sketch',
            windowStartMs: s.windowStartMs,
            kind: s.kind,
            blob: s.blob.toString('base64'),
          }) + '\n'
        )
      lines = 1 + Object.values(header.counts).reduce((a, b) => a + b, 0)
    } finally {
      if (snapshot && db.inTransaction) db.exec('COMMIT')
    }
  }
  try {
    await pipeline(Readable.from(gen(), { objectMode: false, encoding: 'utf8' }), out)
  } catch (e) {
    throw streamFailure(store, e)
  } finally {
    reader.close()
  }
  return lines
}

/** Export a finished run to a .jsonl file (a failed export removes its partial file). */
export async function exportRunFile(
  store: LabStore,
  runId: RunId,
  path: string,
): Promise<{ path: string; lines: number }> {
  const abs = resolve(path)
  const run = store.runRow(runId)
  if (!run)
    throw new LabError('not_found', `no run with id "${runId}"`, [{ path: 'runId', message: 'no such run' }])
  const out = await openForWrite(abs, 'out')
  try {
    return { path: abs, lines: await writeRunJsonl(store, runId, out) }
  } catch (e) {
    out.destroy()
    await rm(abs, { force: true })
    if (e instanceof LabError || e instanceof StoreError) throw e
    throw new LabError('internal', `export to ${abs} failed: ${fsReason(e)}`)
  }
}

// ---------------------------------------------------------------- import

/** The lines of a file, read synchronously in 64 KiB chunks (UTF-8 safe), numbered from 1. */
function* fileLines(file: string): Generator<[number, string]> {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (e) {
    throw new LabError('bad_input', `cannot read ${file}: ${fsReason(e)}`, [
      { path: 'file', message: 'cannot read' },
    ])
  }
  try {
    const buf = Buffer.alloc(64 * 1024)
    const dec = new StringDecoder('utf8')
    let rest = ''
    let n = 0
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, null)
      if (got === 0) break
      rest += dec.write(buf.subarray(0, got))
      let nl: number
      let from = 0
      while ((nl = rest.indexOf('\n', from)) >= 0) {
        yield [++n, rest.slice(from, nl).replace(/\r$/, '')]
        from = nl + 1
      }
      rest = rest.slice(from)
    }
    rest += dec.end()
    if (rest.length > 0) yield [++n, rest.replace(/\r$/, '')]
  } finally {
    closeSync(fd)
  }
}

function lineError(file: string, line: number, fields: FieldError[]): LabError {
  const named = fields.map((f) => ({ path: `line ${line}: ${f.path}`, message: f.message }))
  return new LabError(
    'bad_input',
    `${file}:${line}: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')} (nothing was imported)`,
    named,
  )
}

function parseLine<T>(file: string, line: number, text: string, schema: z.ZodType<T>): T {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    throw lineError(file, line, [{ path: '(line)', message: `not valid JSON: ${(e as Error).message}` }])
  }
  const r = schema.safeParse(value, { reportInput: true })
  if (!r.success)
    throw lineError(
      file,
      line,
      toFieldErrors(r.error).map((f) => ({ ...f, path: f.path === '(spec)' ? '(line)' : f.path })),
    )
  return r.data
}

/**
 * Import a run exported by writeRunJsonl. Everything is validated and written in one
 * transaction: any bad line, a truncated file or a run id already present aborts it all.
 */
export function importRunFile(store: LabStore, path: string): { runId: RunId; lines: number } {
  const file = resolve(path)
  const db = store.db
  return store.write('importing a run into', () =>
    db.transaction(() => {
      const lines = fileLines(file)
      const first = lines.next()
      if (first.done) throw lineError(file, 1, [{ path: '(file)', message: 'is empty' }])
      const header = parseLine(file, 1, first.value[1], HeaderSchema)
      const run = header.run
      const spec = parseSpec(run.spec)
      if (!spec.ok)
        throw lineError(
          file,
          1,
          spec.errors.map((f) => ({
            path: `run.spec${f.path === '(spec)' ? '' : `.${f.path}`}`.replace('.[', '['),
            message: f.message,
          })),
        )
      if (store.runRow(run.id))
        throw lineError(file, 1, [
          { path: 'run.id', message: `a run with id "${run.id}" already exists in ${store.file}` },
        ])

      const specJson = JSON.stringify(spec.spec)
      db.prepare(
        'INSERT INTO experiments (name, spec, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING',
      ).run(spec.spec.name, specJson, run.startedAt, run.startedAt)
      const exp = db.prepare('SELECT id FROM experiments WHERE name = ?').get(spec.spec.name) as {
        id: number
      }
      const seq = Number(
        db
          .prepare(
            `INSERT INTO runs (id, experiment_id, name, algorithm, nodes, spec, seed, mode, app_version, started_at,
               ended_at, status, progress, summary, verdict, error, rerun_of, speed)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            run.id,
            exp.id,
            run.name,
            run.algorithm,
            run.nodes,
            specJson,
            run.seed,
            run.mode,
            run.appVersion,
            run.startedAt,
            run.endedAt,
            run.status,
            run.progress,
            run.summary === null ? null : JSON.stringify(run.summary),
            run.verdict,
            run.error,
            run.rerunOf,
            run.speed === undefined || run.speed === null ? null : String(run.speed),
          ).lastInsertRowid,
      )

      const ins = {
        node: db.prepare(
          'INSERT INTO nodes (run_seq, node, role, term, leader, commit_index, last_index) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ),
        event: new ChunkWriter(db, seq),
        op: db.prepare(
          `INSERT INTO ops (run_seq, op_id, client, f, key, value, expected, invoke_t, complete_t, outcome, result, error)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ),
        fault: db.prepare(
          'INSERT INTO faults (run_seq, t, fault_id, phase, kind, targets, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ),
        metric: db.prepare(
          `INSERT INTO metrics (run_seq, start_ms, end_ms, ok, fail, info, p50_ms, p99_ms, messages, by_type)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ),
        sketch: db.prepare('INSERT INTO sketches (run_seq, window_start_ms, kind, blob) VALUES (?, ?, ?, ?)'),
      }
      const seen: Counts = { node: 0, event: 0, op: 0, fault: 0, metric: 0, sketch: 0 }
      let lastT = 0
      let lastLine = 1
      for (const [n, text] of lines) {
        lastLine = n
        if (text.trim() === '') throw lineError(file, n, [{ path: '(line)', message: 'is empty' }])
        const l = parseLine(file, n, text, LineSchema)
        seen[l.type]++
        try {
          switch (l.type) {
            case 'node':
              ins.node.run(seq, l.node, l.role, l.term, l.leader, l.commitIndex, l.lastIndex)
              break
            case 'event':
              if (l.t < lastT)
                throw lineError(file, n, [
                  { path: 't', message: `events must be in time order (previous t ${lastT})` },
                ])
              lastT = l.t
              ins.event.add(l.t, l.node, l.lc, l.kind, JSON.stringify(l.data))
              break
            case 'op':
              ins.op.run(
                seq,
                l.opId,
                l.client,
                l.f,
                l.key,
                packOpValue(l.value),
                packOpValue(l.expected),
                l.invokeT,
                l.completeT,
                l.outcome,
                packOpValue(l.result),
                l.error,
              )
              break
            case 'fault':
              ins.fault.run(seq, l.t, l.faultId, l.phase, l.kind, JSON.stringify(l.targets), l.detail)
              break
            case 'metric':
              ins.metric.run(
                seq,
                l.startMs,
                l.endMs,
                l.ok,
                l.fail,
                l.info,
                l.p50,
                l.p99,
                l.messages,
                l.byType === undefined ? null : JSON.stringify(l.byType),
              )
              break
            case 'sketch': {
              const blob = Buffer.from(l.blob, 'base64')
              try {
                if (l.kind === 'hot') HotKeys.decode(blob)
                else if (l.kind === 'keys' || l.kind === 'clients') Distinct.decode(blob)
                else LatencySketch.decode(blob)
              } catch (e) {
                throw lineError(file, n, [
                  { path: 'blob', message: `not a valid ${l.kind} sketch: ${(e as Error).message}` },
                ])
              }
              ins.sketch.run(seq, l.windowStartMs, l.kind, blob)
              break
            }
          }
        } catch (e) {
          if (e instanceof LabError) throw e
          const code = (e as { code?: unknown }).code
          if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT'))
            throw lineError(file, n, [{ path: '(line)', message: `duplicate row (${(e as Error).message})` }])
          throw e
        }
      }
      ins.event.flush()
      for (const t of LINE_TYPES) {
        if (seen[t] !== header.counts[t])
          throw lineError(file, lastLine + 1, [
            {
              path: '(file)',
              message: `the header announces ${header.counts[t]} ${t} lines but the file has ${seen[t]} (truncated or edited?)`,
            },
          ])
      }
      return { runId: run.id, lines: lastLine }
    })(),
  )
}
