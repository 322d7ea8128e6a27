// Explaining why a read on a key with appends cannot take effect, in terms of the appends:
// the value read is taken apart into the value it starts from (the initial value, or one
// a put / cas wrote) followed by appended strings, and then checked against real time:
// an append in it that began only after the read returned, an append missing from it that
// had certainly happened before the read began, two appends in the wrong order, or an
// earlier read that this one does not continue. Returns null when none of these applies
// (the caller then falls back to the general explanation).
import type { HistoryOp } from '../../../shared/history'
import { describeOp, formatTime, formatValue, type TimeUnit } from './describe'
import type { LinMode } from './search'

export interface AppendExplainInput {
  /** The op that cannot take effect: a get (or a cas expecting `value`). */
  op: HistoryOp
  /** The value it saw (get) or expected (cas). */
  value: string | null
  /** The key's value before any write. */
  initial: string | null
  keyOps: readonly HistoryOp[]
  mode: LinMode
  unit: TimeUnit
}

/** Most search steps spent taking a value apart (ambiguous appends can branch). */
const MAX_STEPS = 100_000

interface Parts {
  /** The write the value starts from; null = the initial value. */
  base: HistoryOp | null
  /** The appends that follow, in the order they appear in the value. */
  appends: HistoryOp[]
}

const str = (v: string | null | undefined): string => v ?? ''

/**
 * Split `value` into a base (initial value or a put / cas write) and appended strings, each
 * from a distinct append that did not fail. Prefers, among appends with the same string,
 * the one invoked first. Null if it cannot be done.
 */
function decompose(value: string, x: AppendExplainInput): Parts | null {
  const live = x.keyOps.filter((o) => o.type !== 'fail')
  const appends = live
    .filter((o) => o.f === 'append' && str(o.value) !== '')
    .sort((p, q) => p.invoke - q.invoke)
  const bySuffix = new Map<string, HistoryOp[]>()
  for (const a of appends) {
    const l = bySuffix.get(str(a.value))
    if (l) l.push(a)
    else bySuffix.set(str(a.value), [a])
  }
  const lengths = [...new Set(appends.map((a) => str(a.value).length))].sort((p, q) => p - q)
  const bases: Array<HistoryOp | null> = [null]
  for (const o of live) {
    if (o.f === 'put' || (o.f === 'cas' && o.result !== false)) bases.push(o)
  }
  let steps = 0
  const used = new Set<HistoryOp>()
  const chain: HistoryOp[] = []
  const fail = new Set<number>()
  const rest = (pos: number): boolean => {
    if (pos === value.length) return true
    if (fail.has(pos) || ++steps > MAX_STEPS) return false
    for (const len of lengths) {
      if (pos + len > value.length) break
      const cands = bySuffix.get(value.slice(pos, pos + len))
      const a = cands?.find((c) => !used.has(c))
      if (!a) continue
      used.add(a)
      chain.push(a)
      if (rest(pos + len)) return true
      chain.pop()
      used.delete(a)
    }
    fail.add(pos)
    return false
  }
  for (const b of bases) {
    const start = b ? str(b.value) : str(x.initial)
    if (!value.startsWith(start)) continue
    fail.clear()
    if (rest(start.length)) return { base: b, appends: chain.slice() }
  }
  return null
}

/** Unique appended strings only: with duplicates, which op added which copy is a guess. */
function uniqueSuffixes(keyOps: readonly HistoryOp[]): Set<HistoryOp> {
  const count = new Map<string, number>()
  const appends = keyOps.filter((o) => o.f === 'append')
  for (const a of appends) count.set(str(a.value), (count.get(str(a.value)) ?? 0) + 1)
  return new Set(appends.filter((a) => count.get(str(a.value)) === 1))
}

function end(o: HistoryOp): number {
  return o.type === 'ok' ? o.complete : Infinity
}

export function explainAppend(x: AppendExplainInput): string | null {
  const { op, mode } = x
  const at = (t: number): string => formatTime(t, x.unit)
  const v = str(x.value)
  const what = op.f === 'get' ? 'the get' : 'the cas'
  const head =
    op.f === 'get'
      ? `get ${op.key} by client ${op.process} at ${at(op.invoke)} returned ${formatValue(x.value)}`
      : `${describeOp(op)} at ${at(op.invoke)} succeeded, so ${op.key} held ${formatValue(x.value)}`
  const parts = decompose(v, x)
  if (!parts) {
    const from = x.initial === null || x.initial === '' ? 'nothing' : formatValue(x.initial)
    return (
      `${head}, which no sequence of writes to ${op.key} can produce: it is not ${from} or a value ` +
      `written to ${op.key}, followed by strings its appends added.`
    )
  }
  if (mode !== 'linearizable') return null
  const unique = uniqueSuffixes(x.keyOps)
  // An append in the value that began only after the read was over.
  const late = parts.appends.find((a) => unique.has(a) && a.invoke > op.complete)
  if (late) {
    return (
      `${head}, which includes ${formatValue(late.value)}, but that was appended by client ${late.process} ` +
      `only later: invoked at ${at(late.invoke)}, after ${what} returned at ${at(op.complete)}.`
    )
  }
  // Writes that reset the key (put, successful cas) and could fall between `from` and the read.
  const resets = x.keyOps.filter(
    (o) =>
      o !== parts.base &&
      o !== op &&
      o.type !== 'fail' &&
      (o.f === 'put' || (o.f === 'cas' && o.result !== false)),
  )
  const resetBetween = (from: number): boolean => resets.some((r) => end(r) > from && r.invoke < op.complete)
  const baseEnd = parts.base ? end(parts.base) : -Infinity
  const inValue = new Set(parts.appends)
  const missing = x.keyOps
    .filter(
      (a) =>
        a.f === 'append' &&
        a.type === 'ok' &&
        unique.has(a) &&
        !inValue.has(a) &&
        str(a.value) !== '' &&
        a.complete < op.invoke &&
        a.invoke > baseEnd &&
        !resetBetween(a.invoke),
    )
    .sort((p, q) => p.complete - q.complete)[0]
  if (missing) {
    return (
      `${head}, which lacks ${formatValue(missing.value)}, appended by client ${missing.process} and done at ` +
      `${at(missing.complete)}, before ${what} began (appends only add to the end, and nothing reset ${op.key} in between).`
    )
  }
  // Two appends in the value in an order real time rules out.
  for (let i = 0; i < parts.appends.length; i++) {
    for (let j = i + 1; j < parts.appends.length; j++) {
      const first = parts.appends[i]
      const second = parts.appends[j]
      if (!unique.has(first) || !unique.has(second) || !(end(second) < first.invoke)) continue
      return (
        `${head}, which has ${formatValue(first.value)} (appended by client ${first.process}, invoked at ` +
        `${at(first.invoke)}) before ${formatValue(second.value)} (appended by client ${second.process}, done at ` +
        `${at(second.complete)}, before the other began).`
      )
    }
  }
  // Another read this one cannot continue (or that cannot continue this one), with no reset
  // of the key possible between the two.
  for (const g of x.keyOps) {
    if (g === op || g.f !== 'get' || g.type !== 'ok') continue
    const gv = str(g.value)
    const before = g.complete < op.invoke && !v.startsWith(gv) && !resetBetween(g.invoke)
    const after =
      g.invoke > op.complete &&
      !gv.startsWith(v) &&
      !resets.some((r) => end(r) > op.invoke && r.invoke < g.complete)
    if (!before && !after) continue
    const [p, q] = before ? [g, op] : [op, g]
    return (
      `${head}, but get by client ${g.process} ${before ? 'returned' : 'then returned'} ${formatValue(g.value)} at ` +
      `${at(g.complete)}, ${before ? 'before' : 'after'} ${what} ${before ? 'began' : 'returned'}: ${formatValue(q.value)} does not ` +
      `begin with ${formatValue(p.value)}, and only appends (which add to the end) could fall between the two.`
    )
  }
  return null
}
