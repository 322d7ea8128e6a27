// Field-by-field check of a Multi-Paxos message decoded from a socket (processes mode):
// null when it is a well-formed MpMsg, else a reason naming the offending field.
import { CHECKPOINT_CHUNK, type MpMsg } from './types'
import { isNat, isObj, natField as nat, show, strField as str, type Obj } from '../fields'

/** Longest request id, key or value accepted (same bounds as the node's client checks). */
const MAX_ID = 256
const MAX_VALUE = 1024 * 1024
/** Most entries one Accept / CatchUp may carry (the spec caps maxBatch at 10000). */
export const MAX_ENTRIES = 10_000
/** Most slots one Promise may report. */
export const MAX_PROMISE_SLOTS = 1_000_000

/** A slot number: a whole number >= 1. */
function slotNo(o: Obj, field: string, path: string): string | null {
  const v = o[field]
  return isNat(v) && v >= 1 ? null : `${path}${field}: must be a whole number >= 1, got ${show(v)}`
}

function checkCmd(v: unknown, path: string): string | null {
  if (v === null) return null
  if (!isObj(v)) return `${path}: must be an object or null, got ${show(v)}`
  const p = `${path}.`
  if (v.f !== 'get' && v.f !== 'put' && v.f !== 'cas')
    return `${p}f: must be get, put or cas, got ${show(v.f)}`
  const bad = str(v, 'key', p, MAX_ID)
  if (bad || v.f === 'get') return bad
  return str(v, 'value', p, MAX_VALUE) ?? (v.f === 'cas' ? str(v, 'expected', p, MAX_VALUE, true) : null)
}

function checkEntry(v: unknown, path: string): string | null {
  if (!isObj(v)) return `${path}: must be an object, got ${show(v)}`
  const p = `${path}.`
  const bad = nat(v, 'term', p) ?? str(v, 'id', p, MAX_ID)
  if (bad) return bad
  if ((v.id as string).length === 0) return `${p}id: must not be empty`
  if (v.id === 'noop' && v.cmd !== null) return `${p}cmd: must be null for a noop`
  if (v.id !== 'noop' && v.cmd === null) return `${p}cmd: must be a command (only a noop has none)`
  return checkCmd(v.cmd, `${p}cmd`)
}

function checkEntries(m: Obj, p: string, max: number): string | null {
  const es = m.entries
  if (!Array.isArray(es)) return `${p}entries: must be an array, got ${show(es)}`
  if (es.length > max) return `${p}entries: more than ${max} entries (${es.length})`
  for (let i = 0; i < es.length; i++) {
    const bad = checkEntry(es[i], `${p}entries[${i}]`)
    if (bad) return bad
  }
  return null
}

function checkPromiseSlots(m: Obj, p: string): string | null {
  const ss = m.slots
  if (!Array.isArray(ss)) return `${p}slots: must be an array, got ${show(ss)}`
  if (ss.length > MAX_PROMISE_SLOTS) return `${p}slots: more than ${MAX_PROMISE_SLOTS} slots (${ss.length})`
  for (let i = 0; i < ss.length; i++) {
    const s: unknown = ss[i]
    const q = `${p}slots[${i}]`
    if (!isObj(s)) return `${q}: must be an object, got ${show(s)}`
    const bad = slotNo(s, 'slot', `${q}.`) ?? nat(s, 'ballot', `${q}.`) ?? checkEntry(s.entry, `${q}.entry`)
    if (bad) return bad
    if (typeof s.decided !== 'boolean') return `${q}.decided: must be true or false, got ${show(s.decided)}`
  }
  return null
}

export function validateMpMsg(m: unknown): string | null {
  if (!isObj(m)) return `message: must be an object, got ${show(m)}`
  const p = 'message.'
  switch (m.type) {
    case 'Prepare':
      return nat(m, 'ballot', p) ?? nat(m, 'from', p)
    case 'Promise':
      return nat(m, 'ballot', p) ?? nat(m, 'from', p) ?? checkPromiseSlots(m, p)
    case 'Accept':
      return (
        nat(m, 'ballot', p) ?? slotNo(m, 'slot', p) ?? nat(m, 'commit', p) ?? checkEntries(m, p, MAX_ENTRIES)
      )
    case 'Accepted':
      return nat(m, 'ballot', p) ?? slotNo(m, 'slot', p) ?? nat(m, 'count', p)
    case 'Nack':
      return nat(m, 'ballot', p) ?? nat(m, 'promised', p)
    case 'Heartbeat':
      return nat(m, 'ballot', p) ?? nat(m, 'commit', p)
    case 'HeartbeatAck':
      return nat(m, 'ballot', p) ?? nat(m, 'commit', p) ?? nat(m, 'leaderCommit', p)
    case 'CatchUp':
      return nat(m, 'ballot', p) ?? slotNo(m, 'slot', p) ?? checkEntries(m, p, MAX_ENTRIES)
    case 'Checkpoint':
      return (
        nat(m, 'ballot', p) ??
        slotNo(m, 'slot', p) ??
        nat(m, 'term', p) ??
        nat(m, 'offset', p) ??
        str(m, 'data', p, CHECKPOINT_CHUNK) ??
        (typeof m.done === 'boolean' ? null : `${p}done: must be true or false, got ${show(m.done)}`)
      )
    case 'CheckpointAck':
      return (
        nat(m, 'ballot', p) ??
        slotNo(m, 'slot', p) ??
        nat(m, 'next', p) ??
        (typeof m.done === 'boolean' ? null : `${p}done: must be true or false, got ${show(m.done)}`)
      )
    default:
      return `${p}type: unknown Multi-Paxos message type ${show(m.type)}`
  }
}

/** Type guard form of validateMpMsg. */
export function isMpMsg(m: unknown): m is MpMsg {
  return validateMpMsg(m) === null
}
