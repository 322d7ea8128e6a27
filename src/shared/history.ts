/*
 * # Client histories
 *
 * A history is what the clients saw: for every operation, when it was invoked, when (and
 * how) it completed, and what it returned. The linearizability checker reads nothing
 * else. A run's history comes from its trace (`historyFromTrace`); you can also check a
 * history recorded by your own system, written as JSON lines.
 *
 * ## JSON-lines history format
 *
 * One JSON object per line, one line per event: each operation is an `invoke` line and,
 * later in the file, one completion line (`ok`, `fail` or `info`) from the same process.
 * Blank lines are ignored.
 *
 * ```jsonl
 * {"process": 1, "type": "invoke", "f": "put", "key": "k1", "value": "a", "time": 100}
 * {"process": 2, "type": "invoke", "f": "get", "key": "k1", "time": 105}
 * {"process": 1, "type": "ok", "f": "put", "key": "k1", "time": 130}
 * {"process": 2, "type": "ok", "f": "get", "key": "k1", "value": "a", "time": 140}
 * {"process": 3, "type": "invoke", "f": "cas", "key": "k1", "value": ["a", "b"], "time": 150}
 * {"process": 3, "type": "ok", "f": "cas", "key": "k1", "result": true, "time": 170}
 * {"process": 1, "type": "invoke", "f": "put", "key": "k2", "value": "x", "time": 200}
 * {"process": 1, "type": "info", "f": "put", "key": "k2", "error": "timeout", "time": 900}
 * ```
 *
 * Fields:
 *
 * - `process` (integer, required): the client. A process runs one operation at a time: an
 *   `invoke` is paired with the next completion line of the same process. A process may
 *   invoke again after an `info` completion (its earlier operation stays in doubt).
 * - `type` (required): `"invoke"`, or how the operation ended:
 *   - `"ok"`: it happened, and returned what the line says;
 *   - `"fail"`: it definitely did not happen (e.g. rejected before being applied);
 *   - `"info"`: unknown (timeout, crash): it may have taken effect at any time after it
 *     was invoked, or never.
 * - `f` (required on `invoke`; optional on completions, where it must match): `"get"`,
 *   `"put"`, `"cas"` (compare-and-set) or `"append"` (adds its value to the end of the key's
 *   string; an absent key counts as `""`).
 * - `key` (string; a number is taken as its decimal string; required on `invoke`, optional
 *   on completions, where it must match).
 *   Every key is an independent register; a key never written reads as `null` (absent).
 * - `value`:
 *   - `put` invoke: the value written (string, or `null` to delete);
 *   - `cas` invoke: `[expected, new]`; the write happens only if the key holds `expected`;
 *   - `append` invoke: the string appended (required; a number is taken as its decimal string);
 *   - `get` ok: the value read (`null` = absent). Required there, ignored elsewhere.
 *   Numbers are accepted and compared as their decimal strings (`3` and `"3"` are equal).
 * - `result` (boolean): required on a `cas` `ok` line: `true` if the compare matched and
 *   the new value was written, `false` if the compare failed (the key held something
 *   other than `expected`; nothing written). A cas whose outcome is unknown is `info`.
 * - `time` (number, required): when the event happened, in any unit, as long as it is
 *   the same clock for every line (monotonic; ties count as concurrent). A completion may
 *   not be earlier than its invoke. Tell the checker the unit (`timeUnit`) so its
 *   explanations print times readably; traces use microseconds.
 * - `error` (string, optional): why a `fail` / `info` ended that way. Other fields are
 *   ignored.
 *
 * An `invoke` with no completion by the end of the file is treated as `info` (pending).
 * Errors name the line and the field: `line 7: f: must be one of "get", "put", "cas", "append"`.
 *
 * Histories from other tools (Jepsen's history.edn, Porcupine's key-value logs, Jepsen's
 * older text logs) are read by ./history-formats.
 */
import { z } from 'zod'
import type { OpEvent, OpFn, TraceEvent } from './trace'

/** How an operation ended: applied (`ok`), definitely not applied (`fail`), unknown (`info`). */
export type HistoryOpType = 'ok' | 'fail' | 'info'

/** What a history operation does: the trace's ops, plus `append` (histories from files only). */
export type HistoryFn = Exclude<OpFn, 'call'> | 'append'

export const HISTORY_FNS: readonly HistoryFn[] = ['get', 'put', 'cas', 'append']

/** One operation of a client history: its invocation paired with its completion. */
export interface HistoryOp {
  /** Stable id: the trace's opId, or `L<n>` (the invoke's line) for JSON-lines histories. */
  id: string
  /** The client that ran it. */
  process: number
  f: HistoryFn
  key: string
  /** Invocation time (µs in traces; the file's unit for JSON-lines histories). */
  invoke: number
  /** Completion time; `Infinity` for `info` (outcome unknown, or never completed). */
  complete: number
  type: HistoryOpType
  /** put: the value written; cas: the new value; append: the string appended; get (ok): the value read (null = absent). */
  value: string | null
  /** cas only: the expected value. */
  expected?: string | null
  /** cas ok only: true = compare matched and the write happened; false = compare failed. */
  result?: boolean
  /** fail / info: why. */
  error?: string
  /** info only: when the outcome became unknown (e.g. the client's timeout), if recorded. */
  infoTime?: number
}

/**
 * Pair every op invocation in `events` with its completion (matched by opId) into a
 * history, in invocation order. An invocation that never completed becomes `info`
 * (complete = Infinity); a completion without an invocation is ignored. A cas `ok`
 * without `result` counts as a successful compare. Non-op events are skipped.
 */
export function historyFromTrace(events: readonly TraceEvent[]): HistoryOp[] {
  const byId = new Map<string, HistoryOp>()
  const done = new Set<string>()
  const out: HistoryOp[] = []
  for (const e of events) {
    if (e.kind !== 'op' || e.f === 'call') continue // call: not a KV op (a Maelstrom request)
    if (e.phase === 'invoke') {
      if (byId.has(e.opId)) continue
      const op = invokedOp(e, e.f)
      byId.set(e.opId, op)
      out.push(op)
      continue
    }
    const op = byId.get(e.opId)
    if (!op || done.has(e.opId)) continue
    done.add(e.opId)
    completeOp(op, e)
  }
  out.sort((a, b) => a.invoke - b.invoke)
  return out
}

/** The history op of an invocation (`f`: its KV function): pending, so info until it completes. */
export function invokedOp(e: OpEvent, f: HistoryFn): HistoryOp {
  const op: HistoryOp = {
    id: e.opId,
    process: e.client,
    f,
    key: e.key,
    invoke: e.t,
    complete: Infinity,
    type: 'info',
    value: f === 'get' ? null : e.value,
  }
  if (f === 'cas') op.expected = e.expected ?? null
  return op
}

/** Complete `op` with its completion event `e` (how it ended, what it returned). */
export function completeOp(op: HistoryOp, e: OpEvent): void {
  op.type = e.phase === 'invoke' ? 'info' : e.phase
  if (e.error !== undefined) op.error = e.error
  // Unknown outcome: may take effect at any time after the invoke, so no completion.
  if (e.phase === 'info') {
    op.infoTime = Math.max(e.t, op.invoke)
    return
  }
  op.complete = Math.max(e.t, op.invoke)
  if (e.phase !== 'ok') return
  if (op.f === 'get') op.value = e.value
  if (op.f === 'cas') op.result = e.result ?? true
}

// ---------------------------------------------------------------------------------------
// JSON lines

export type ParseHistoryResult = { ok: true; ops: HistoryOp[] } | { ok: false; errors: string[] }

const MAX_ERRORS = 50

const ScalarValue = z.union([z.string(), z.number().finite(), z.null()], {
  error: 'must be a string, a number or null',
})

function fieldError(what: string): (iss: { input?: unknown }) => string {
  return (iss) => (iss.input === undefined ? 'required' : what)
}

const LineSchema = z.object({
  process: z.number({ error: fieldError('must be an integer') }).int({ error: 'must be an integer' }),
  type: z.enum(['invoke', 'ok', 'fail', 'info'], {
    error: fieldError('must be one of "invoke", "ok", "fail", "info"'),
  }),
  f: z
    .enum(['get', 'put', 'cas', 'append'], { error: 'must be one of "get", "put", "cas", "append"' })
    .optional(),
  key: z.union([z.string(), z.number().finite()], { error: 'must be a string' }).optional(),
  value: z.unknown().optional(),
  result: z.boolean({ error: 'must be true or false' }).optional(),
  time: z
    .number({ error: fieldError('must be a finite number') })
    .finite({ error: 'must be a finite number' }),
  error: z.string({ error: 'must be a string' }).optional(),
})

function scalar(v: z.infer<typeof ScalarValue>): string | null {
  return v === null ? null : String(v)
}

interface Pending {
  op: HistoryOp
  line: number
  /** The invoke line had an error: pair the completion, but drop the op. */
  bad: boolean
}

/**
 * Parse a JSON-lines history (format above). Returns the operations in invocation
 * order, or every error found (up to 50), each naming its line and field.
 */
export function parseHistoryJsonl(text: string): ParseHistoryResult {
  const errors: string[] = []
  const ops: HistoryOp[] = []
  const pending = new Map<number, Pending>()
  const lines = text.split(/\r?\n/)
  const err = (line: number, field: string, message: string): void => {
    errors.push(`line ${line}: ${field}${field ? ': ' : ''}${message}`)
  }
  for (let i = 0; i < lines.length && errors.length < MAX_ERRORS; i++) {
    const n = i + 1
    const raw = lines[i].trim()
    if (raw === '') continue
    let json: unknown
    try {
      json = JSON.parse(raw)
    } catch (e) {
      err(n, '', `not valid JSON (${(e as Error).message})`)
      continue
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      err(n, '', 'must be a JSON object')
      continue
    }
    const r = LineSchema.safeParse(json, { reportInput: true })
    if (!r.success) {
      for (const iss of r.error.issues) err(n, iss.path.map(String).join('.') || '(line)', iss.message)
      continue
    }
    const ev = r.data
    const key = ev.key === undefined ? undefined : String(ev.key)
    if (ev.type === 'invoke') {
      if (ev.f === undefined) err(n, 'f', 'required')
      if (key === undefined) err(n, 'key', 'required')
      if (ev.f === undefined || key === undefined) continue
      const prev = pending.get(ev.process)
      if (prev) {
        err(
          n,
          'process',
          `process ${ev.process} invoked again while its op from line ${prev.line} is pending`,
        )
        continue
      }
      const op: HistoryOp = {
        id: `L${n}`,
        process: ev.process,
        f: ev.f,
        key,
        invoke: ev.time,
        complete: Infinity,
        type: 'info',
        value: null,
      }
      let bad = false
      if (ev.f === 'put') {
        const v = ScalarValue.safeParse(ev.value)
        if (ev.value === undefined) err(n, 'value', 'required for a put (null to delete)')
        else if (!v.success) err(n, 'value', 'must be a string, a number or null')
        else op.value = scalar(v.data)
        bad = !v.success
      } else if (ev.f === 'append') {
        const v = z.union([z.string(), z.number().finite()]).safeParse(ev.value)
        if (ev.value === undefined) err(n, 'value', 'required for an append (the string appended)')
        else if (!v.success) err(n, 'value', 'must be a string or a number')
        else op.value = String(v.data)
        bad = !v.success
      } else if (ev.f === 'cas') {
        const v = z.tuple([ScalarValue, ScalarValue]).safeParse(ev.value)
        if (v.success) {
          op.expected = scalar(v.data[0])
          op.value = scalar(v.data[1])
        } else {
          err(n, 'value', 'must be [expected, new] for a cas')
          bad = true
        }
      }
      pending.set(ev.process, { op, line: n, bad })
      if (!bad) ops.push(op)
      continue
    }
    // A completion.
    const p = pending.get(ev.process)
    if (!p) {
      err(n, 'process', `process ${ev.process} has no pending invoke to complete`)
      continue
    }
    const op = p.op
    let bad = p.bad
    if (ev.f !== undefined && ev.f !== op.f) {
      err(n, 'f', `must match the invoke on line ${p.line} ("${op.f}")`)
      bad = true
    }
    if (key !== undefined && key !== op.key) {
      err(n, 'key', `must match the invoke on line ${p.line} (${JSON.stringify(op.key)})`)
      bad = true
    }
    if (ev.time < op.invoke) {
      err(n, 'time', `is before the invoke on line ${p.line} (${op.invoke})`)
      bad = true
    }
    if (ev.type === 'ok' && op.f === 'get') {
      const v = ScalarValue.safeParse(ev.value)
      if (ev.value === undefined) err(n, 'value', 'required for an ok get (null = absent)')
      else if (!v.success) err(n, 'value', 'must be a string, a number or null')
      else op.value = scalar(v.data)
      bad ||= !v.success
    }
    if (ev.type === 'ok' && op.f === 'cas') {
      if (ev.result === undefined) {
        err(n, 'result', 'required for an ok cas (true = written, false = compare failed)')
        bad = true
      } else op.result = ev.result
    }
    pending.delete(ev.process)
    if (bad) continue
    op.type = ev.type
    if (ev.error !== undefined) op.error = ev.error
    if (ev.type !== 'info') op.complete = ev.time
    else op.infoTime = ev.time
  }
  if (errors.length >= MAX_ERRORS) errors.push(`(stopped after ${MAX_ERRORS} errors)`)
  if (errors.length > 0) return { ok: false, errors }
  ops.sort((a, b) => a.invoke - b.invoke)
  return { ok: true, ops }
}

/** Write a history as JSON lines (the format above), events in time order. */
export function historyToJsonl(ops: readonly HistoryOp[]): string {
  const events: Array<{ time: number; seq: number; line: Record<string, unknown> }> = []
  let seq = 0
  const lastInvoke = new Map<number, number>()
  for (const op of ops)
    lastInvoke.set(op.process, Math.max(lastInvoke.get(op.process) ?? -Infinity, op.invoke))
  for (const op of ops) {
    const inv: Record<string, unknown> = { process: op.process, type: 'invoke', f: op.f, key: op.key }
    if (op.f === 'put' || op.f === 'append') inv.value = op.value
    if (op.f === 'cas') inv.value = [op.expected ?? null, op.value]
    inv.time = op.invoke
    events.push({ time: op.invoke, seq: seq++, line: inv })
    // A process's last op may stay pending (no line); any earlier op needs its completion
    // line, so the same process can invoke again after it.
    const pendingAtEnd = op.type === 'info' && op.infoTime === undefined && op.error === undefined
    if (pendingAtEnd && lastInvoke.get(op.process) === op.invoke) continue
    const done: Record<string, unknown> = { process: op.process, type: op.type, f: op.f, key: op.key }
    if (op.type === 'ok' && op.f === 'get') done.value = op.value
    if (op.type === 'ok' && op.f === 'cas') done.result = op.result ?? true
    if (op.error !== undefined) done.error = op.error
    // An info op completes when its outcome became unknown (or, unrecorded, right after the invoke).
    done.time = op.complete === Infinity ? (op.infoTime ?? op.invoke) : op.complete
    events.push({ time: done.time as number, seq: seq++, line: done })
  }
  events.sort((a, b) => a.time - b.time || a.seq - b.seq)
  return events.map((e) => JSON.stringify(e.line)).join('\n') + (events.length ? '\n' : '')
}
