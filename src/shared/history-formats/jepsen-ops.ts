// Jepsen's operations in the checker's terms: Knossos's cas-register (:read, :write, :cas
// [from to], every key starting absent), optionally with jepsen.independent keys (:value
// [key v]); nemesis operations become fault reports, not operations. Shared by
// history.edn and the older text log, which carry the same op maps.
//
// - :invoke starts an op; the next :ok / :fail / :info of the same process ends it.
// - :ok read: the value read (nil = absent). :ok write: written. :ok cas: written.
// - :fail cas: the compare failed, an observation that the register held another value
//   (Knossos's and Porcupine's cas-register reading); :fail read / write: not applied.
// - :info (and, in the text log, a :fail whose error is :timed-out): outcome unknown; the
//   op stays in doubt to the end of the history (it may take effect at any time, or never).
// - An :invoke with no completion by the end is in doubt too.
import type { EDNVal } from 'edn-data'
import type { HistoryFn, HistoryOp, HistoryOpType } from '../history'
import { ednText, keyword } from './edn-values'
import { Pairer } from './pairing'
import type { ErrorList, HistoryFault } from './types'

/** One Jepsen event: an op map, from either file format. */
export interface JepsenEvent {
  line: number
  process: EDNVal | undefined
  type: EDNVal | undefined
  f: EDNVal | undefined
  value: EDNVal | undefined
  /** Absent in files without timestamps (then the line is the time). */
  time: EDNVal | undefined
  error: EDNVal | undefined
  /** The text log writes a timeout as `:fail ... :timed-out`: outcome unknown. */
  timeoutIsInfo: boolean
}

const FNS: Record<string, HistoryFn> = { read: 'get', write: 'put', cas: 'cas' }
const TYPES = ['invoke', 'ok', 'fail', 'info']

/** A register value as the checker's string (nil = absent); undefined if not a scalar. */
export function scalar(v: EDNVal | undefined): string | null | undefined {
  if (v === null) return null
  if (typeof v === 'string') return v
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v)
  const k = keyword(v)
  return k === null ? undefined : `:${k}`
}

function isPair(v: EDNVal | undefined): v is [EDNVal, EDNVal] {
  return Array.isArray(v) && v.length === 2
}

export interface JepsenOps {
  ops: HistoryOp[]
  faults: HistoryFault[]
  independent: boolean
  timed: boolean
}

export function jepsenOps(events: readonly JepsenEvent[], errors: ErrorList): JepsenOps {
  const faults: HistoryFault[] = []
  const openFault = new Map<string, HistoryFault>()
  // Timestamps: used when the first op has :time (then every op needs one), else lines.
  const timed = events.length > 0 && events[0].time !== undefined
  // jepsen.independent: decided by the first client op whose shape says so.
  let independent: boolean | null = null
  let decidedAt = 0
  const pairer = new Pairer(errors, (p) => `process ${p}`, {
    process: ':process',
    f: ':f',
    key: ':value',
    time: ':time',
  })
  for (const e of events) {
    if (errors.full) break
    let time = e.line
    if (timed) {
      if (typeof e.time !== 'number' || !Number.isFinite(e.time)) {
        errors.add(
          e.line,
          ':time',
          e.time === undefined ? 'required (the first op has one)' : 'must be a number',
        )
        continue
      }
      time = e.time
    }
    const type = keyword(e.type)
    if (type === null || !TYPES.includes(type)) {
      errors.add(
        e.line,
        ':type',
        e.type === undefined ? 'required' : 'must be one of :invoke, :ok, :fail, :info',
      )
      continue
    }
    const fk = keyword(e.f)
    // The nemesis: a fault, reported with the history, not checked.
    if (keyword(e.process) === 'nemesis') {
      const f = fk ?? ednText(e.f)
      const open = openFault.get(f)
      const value = e.value === undefined || e.value === null ? null : ednText(e.value)
      if (open && open.end === null) {
        open.end = time
        if (value !== null) open.value = value
        openFault.delete(f)
      } else {
        const fault: HistoryFault = { line: e.line, f, start: time, end: null, value }
        faults.push(fault)
        openFault.set(f, fault)
      }
      continue
    }
    if (typeof e.process !== 'number' || !Number.isInteger(e.process)) {
      errors.add(e.line, ':process', e.process === undefined ? 'required' : 'must be an integer or :nemesis')
      continue
    }
    const process = e.process
    const f = fk === null ? undefined : FNS[fk]
    if (f === undefined) {
      errors.add(
        e.line,
        ':f',
        `${e.f === undefined ? 'required' : `${ednText(e.f)} is not in the register model`}: it knows :read, :write and :cas`,
      )
      continue
    }
    // The key and the register value, out of [key v] for independent histories.
    let value = e.value
    let key = 'register'
    const looksIndependent = isPair(value) && (f !== 'cas' || isPair(value[1]))
    if (independent === null && type === 'invoke') {
      independent = looksIndependent
      decidedAt = e.line
    }
    if (independent) {
      if (!isPair(value)) {
        errors.add(e.line, ':value', `must be [key value] (jepsen.independent, as on line ${decidedAt})`)
        continue
      }
      const k = scalar(value[0])
      if (k === null || k === undefined) {
        errors.add(e.line, ':value', `the key ${ednText(value[0])} must be a number, string or keyword`)
        continue
      }
      key = k
      value = value[1]
    }
    if (type === 'invoke') {
      const op: HistoryOp = {
        id: `L${e.line}`,
        process,
        f,
        key,
        invoke: time,
        complete: Infinity,
        type: 'info',
        value: null,
      }
      if (f === 'put') {
        const v = scalar(value)
        if (v === undefined) {
          errors.add(e.line, ':value', `${ednText(value)}: a write needs a number, string, keyword or nil`)
          continue
        }
        op.value = v
      } else if (f === 'cas') {
        const from = isPair(value) ? scalar(value[0]) : undefined
        const to = isPair(value) ? scalar(value[1]) : undefined
        if (from === undefined || to === undefined) {
          errors.add(e.line, ':value', `${ednText(value)}: a cas needs [from to]`)
          continue
        }
        op.expected = from
        op.value = to
      }
      pairer.invoke(e.line, op)
      continue
    }
    const error = e.error === undefined || e.error === null ? undefined : ednText(e.error)
    let outcome = type as HistoryOpType
    let result: boolean | undefined
    if (type === 'fail' && e.timeoutIsInfo && keyword(e.error) === 'timed-out') outcome = 'info'
    else if (type === 'fail' && f === 'cas') {
      outcome = 'ok'
      result = false
    } else if (type === 'ok' && f === 'cas') result = true
    let read: string | null | undefined
    if (outcome === 'ok' && f === 'get') {
      read = scalar(value)
      if (read === undefined) {
        errors.add(e.line, ':value', `${ednText(value)}: a read returns a number, string, keyword or nil`)
        continue
      }
    }
    pairer.complete(e.line, process, {
      type: outcome,
      f,
      key: independent ? key : undefined,
      time,
      read,
      result,
      error,
    })
  }
  return { ops: pairer.finish(), faults, independent: independent === true, timed }
}
