// Turning a failed search into a sentence a person can check by hand.
import type { HistoryOp } from '../../../shared/history'
import { CAS_FAIL, CAS_OK, GET, type KeyHistory } from './model'
import type { LinMode, SearchResult } from './search'
import { explainAppend } from './explain-append'
import { describeOp, formatTime, formatValue, type TimeUnit } from './describe'

export { describeOp, formatTime, formatValue, type TimeUnit } from './describe'

/** Values named in a "could only hold" list before the rest are counted. */
const MAX_LISTED = 6

function list(items: string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}

function writes(op: HistoryOp, v: string | null): boolean {
  return (op.f === 'put' || (op.f === 'cas' && op.result !== false)) && (op.value ?? null) === v
}

export interface ExplainInput {
  mode: LinMode
  /** The (shrunk) failing sub-history, and its search run with `trackTried`. */
  sub: KeyHistory
  res: SearchResult
  /**
   * For the op that could not be placed (`res.blocked`): the register states it was tried
   * in by a complete search of the whole key's history, if one was affordable.
   */
  fullTried?: (subOp: number) => Set<number> | null
  /** Every op on the key, failed ones included (for where a value came from). */
  keyOps: readonly HistoryOp[]
  unit: TimeUnit
}

export function explainViolation(x: ExplainInput): { text: string; culprit: HistoryOp | null } {
  const { sub, res, unit, mode } = x
  const key = sub.key
  const at = (t: number): string => formatTime(t, unit)
  const then = mode === 'linearizable' ? 'then' : "at any point allowed by the clients' own order"
  const X = res.blocked
  const fallback = (): string => {
    const how =
      mode === 'linearizable' ? 'consistently with real time' : "consistently with each client's own order"
    const after =
      X >= 0
        ? `then ${describeOp(sub.ops[X])} (invoked at ${at(sub.ops[X].invoke)}${
            Number.isFinite(sub.ops[X].complete) ? `, returned at ${at(sub.ops[X].complete)}` : ''
          }${sub.ops[X].f === 'get' ? `, read ${formatValue(sub.ops[X].value)}` : ''}) cannot take effect`
        : 'no remaining operation can take effect'
    return (
      `These ${sub.ops.length} operations on ${key} cannot be ordered ${how}: the longest valid order places ` +
      `${res.maxDepth} of them, leaving ${key} = ${formatValue(sub.values[res.stateAtMax])}, and ${after}.`
    )
  }
  if (X < 0) return { text: fallback(), culprit: null }
  const op = sub.ops[X]
  const kind = sub.kind[X]
  const target = sub.a[X]
  const v = sub.values[target]
  const initial = sub.values[0]
  if (sub.appender && (kind === GET || kind === CAS_OK)) {
    const text = explainAppend({ op, value: v, initial, keyOps: x.keyOps, mode, unit })
    if (text) return { text, culprit: op }
  }
  const verb = op.f === 'get' ? 'the get' : 'the cas'
  const head =
    kind === GET
      ? `get ${key} by client ${op.process} at ${at(op.invoke)} returned ${formatValue(op.value)}`
      : `${describeOp(op)} at ${at(op.invoke)} succeeded, so ${key} held ${formatValue(op.expected)}`

  // A value nobody (successfully) wrote, or wrote only after the read: that says it all.
  if (kind === GET || kind === CAS_OK) {
    const writers = x.keyOps.filter((o) => o !== op && writes(o, v))
    const real = writers.filter((o) => o.type !== 'fail')
    if (v !== initial && writers.length === 0 && !sub.appender) {
      return { text: `${head}, a value no operation ever wrote to ${key}.`, culprit: op }
    }
    if (v !== initial && real.length === 0 && !sub.appender) {
      return {
        text: `${head}, but ${formatValue(v)} was only written by ${describeOp(writers[0])}, which failed (so never took effect).`,
        culprit: op,
      }
    }
    if (
      v !== initial &&
      !sub.appender &&
      real.length > 0 &&
      mode === 'linearizable' &&
      real.every((w) => w.invoke > op.complete)
    ) {
      const w = real[0]
      return {
        text:
          `${head}, but ${formatValue(v)} was only written later: ${describeOp(w)} was invoked at ` +
          `${at(w.invoke)}, after ${verb} returned at ${at(op.complete)}.`,
        culprit: op,
      }
    }
  }

  // Otherwise: which values the key could hold while the op was pending. Prefer the
  // answer for the whole history; use the small set's when that one does not make the
  // point (the op could see its value in some order that fails later for other reasons).
  const makesPoint = (t: Set<number>): boolean =>
    kind === CAS_FAIL ? t.size > 0 && [...t].every((s) => s === target) : t.size > 0 && !t.has(target)
  let possible: number[] | null = null
  let among = ''
  const full = x.fullTried?.(X) ?? null
  if (full && makesPoint(full)) possible = [...full]
  else if (res.tried?.[X] && makesPoint(res.tried[X])) {
    possible = [...res.tried[X]]
    among = ` (with just these ${sub.ops.length} operations)`
  }
  if (!possible) return { text: fallback(), culprit: op }
  // The write of each value that began last before the op finished.
  const writerOf = (id: number): HistoryOp | undefined => {
    const val = sub.values[id]
    const ws = x.keyOps.filter((o) => writes(o, val) && o.type !== 'fail')
    return ws.filter((o) => o.invoke <= op.complete).sort((p, q) => q.invoke - p.invoke)[0] ?? ws[0]
  }
  const holding = (id: number): string => {
    const val = sub.values[id]
    const w = writerOf(id)
    if (w) return `${formatValue(val)} (written by client ${w.process} at ${at(w.invoke)})`
    return id === 0 ? `${formatValue(val)} (nothing written yet)` : formatValue(val)
  }
  const when = (id: number): number => writerOf(id)?.invoke ?? -Infinity
  possible.sort((p, q) => when(p) - when(q) || p - q)
  if (kind === CAS_FAIL) {
    return {
      text:
        `${describeOp(op)} at ${at(op.invoke)} failed its compare (so ${key} did not hold ` +
        `${formatValue(op.expected)}), but ${key} could only hold ${holding(target)} ${then}${among}.`,
      culprit: op,
    }
  }
  const couldHold =
    possible.length === 1
      ? `the only value ${key} could hold ${then}${among} was ${holding(possible[0])}`
      : `the only values ${key} could hold ${then}${among} were ${list(
          possible.length <= MAX_LISTED
            ? possible.map(holding)
            : [
                ...possible.slice(0, MAX_LISTED - 1).map(holding),
                `${possible.length - MAX_LISTED + 1} others`,
              ],
        )}`
  return { text: `${head}, but ${couldHold}.${staleness(x, op, v, verb)}`, culprit: op }
}

/** If the value read had certainly been overwritten before the op began, say by what. */
function staleness(x: ExplainInput, op: HistoryOp, v: string | null, verb: string): string {
  if (x.mode !== 'linearizable' || x.sub.appender) return ''
  const at = (t: number): string => formatTime(t, x.unit)
  const real = x.keyOps.filter((o) => o !== op && o.type !== 'fail' && writes(o, v))
  const lastV = real.reduce((m, w) => Math.max(m, w.type === 'info' ? Infinity : w.complete), -Infinity)
  const over = x.keyOps
    .filter((w) => w.type === 'ok' && writes(w, w.value ?? null) && (w.value ?? null) !== v)
    .filter((w) => w.complete < op.invoke && w.invoke > lastV)
    .sort((p, q) => q.complete - p.complete)[0]
  if (!over) return ''
  const from =
    real.length > 0
      ? `${formatValue(v)} (written by client ${real[0].process} at ${at(real[0].invoke)})`
      : `The initial value (${formatValue(v)})`
  return (
    ` ${from.charAt(0).toUpperCase()}${from.slice(1)} had already been overwritten by ${formatValue(over.value)} ` +
    `(${over.f} by client ${over.process}, done at ${at(over.complete)}) before ${verb} began.`
  )
}
