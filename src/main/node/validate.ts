// Explicit checks for everything decoded from a socket: protocol messages (per algorithm),
// client requests and replies (the hello has its own module, hello.ts). Each returns null when the value is good, or
// a reason naming the offending field (the caller logs it and closes the connection).
import {
  checkKvCommand,
  isObj,
  MAX_ID,
  MAX_VALUE,
  natField as nat,
  show,
  strField as str,
} from '../../core/protocols/fields'
import { algorithmModule } from '../../core/protocols/registry'
import type { ClientReply, ClientRequest } from '../../core/protocols/types'

export { checkKvCommand, MAX_ID, MAX_VALUE }
/** Largest frame body on a client connection: a cas (value and expected) with room to spare. */
export const MAX_CLIENT_BODY = 4 * MAX_VALUE

const KEYS = new Set(['get', 'put', 'cas'])

export function checkClientRequest(v: unknown): string | null {
  if (!isObj(v)) return `request: must be an object, got ${show(v)}`
  const bad = str(v, 'id', 'request.', MAX_ID)
  if (bad) return bad
  if ((v.id as string).length === 0) return 'request.id: must not be empty'
  return checkKvCommand(v.cmd, 'request.cmd')
}

export function asClientRequest(v: unknown): ClientRequest | string {
  const bad = checkClientRequest(v)
  return bad ?? (v as ClientRequest)
}

export function checkClientReply(v: unknown): string | null {
  if (!isObj(v)) return `reply: must be an object, got ${show(v)}`
  const p = 'reply.'
  const bad = str(v, 'id', p, MAX_ID)
  if (bad) return bad
  if (v.ok === true) {
    if (typeof v.f !== 'string' || !KEYS.has(v.f)) return `${p}f: must be get, put or cas, got ${show(v.f)}`
    const bv = str(v, 'value', p, MAX_VALUE, true)
    if (bv) return bv
    if (v.result !== undefined && typeof v.result !== 'boolean')
      return `${p}result: must be true or false, got ${show(v.result)}`
    return null
  }
  if (v.ok !== false) return `${p}ok: must be true or false, got ${show(v.ok)}`
  if (v.error !== 'not_leader' && v.error !== 'rejected')
    return `${p}error: must be not_leader or rejected, got ${show(v.error)}`
  return str(v, 'leaderHint', p, MAX_ID, true)
}

export function asClientReply(v: unknown): ClientReply | string {
  const bad = checkClientReply(v)
  return bad ?? (v as ClientReply)
}

const ROLES = new Set(['follower', 'pre-candidate', 'candidate', 'leader', 'replica', 'down'])
/** Most counters one status may carry. */
const MAX_STATS = 32

/** A node's status as its host reports it to the lab (telemetry); `stats` are optional counters. */
export function checkNodeStatus(v: unknown, path: string): string | null {
  if (!isObj(v)) return `${path}: must be an object, got ${show(v)}`
  const p = `${path}.`
  if (typeof v.role !== 'string' || !ROLES.has(v.role)) return `${p}role: not a role, got ${show(v.role)}`
  const bad =
    str(v, 'id', p, MAX_ID) ??
    nat(v, 'term', p) ??
    str(v, 'leader', p, MAX_ID, true) ??
    nat(v, 'commitIndex', p) ??
    nat(v, 'lastIndex', p)
  if (bad) return bad
  if (v.config !== undefined) {
    const c = v.config
    if (!isObj(c)) return `${p}config: must be an object, got ${show(c)}`
    for (const f of ['voters', 'learners', 'oldVoters'] as const) {
      const list = c[f]
      if (list === undefined && f === 'oldVoters') continue
      if (!Array.isArray(list) || list.length > 64) return `${p}config.${f}: must be a list of node ids`
      for (const x of list)
        if (typeof x !== 'string' || x.length > MAX_ID) return `${p}config.${f}: must be a list of node ids`
    }
  }
  if (v.stats === undefined) return null
  if (!isObj(v.stats)) return `${p}stats: must be an object, got ${show(v.stats)}`
  const keys = Object.keys(v.stats)
  if (keys.length > MAX_STATS) return `${p}stats: more than ${MAX_STATS} counters (${keys.length})`
  for (const k of keys) {
    if (k.length > MAX_ID) return `${p}stats: a counter name longer than ${MAX_ID} characters`
    const badN = nat(v.stats, k, `${p}stats.`)
    if (badN) return badN
  }
  return null
}

// ---------------------------------------------------------------- protocol messages

/** Check a decoded protocol message of algorithm `kind` (its module's validator). */
export function checkProtocolMessage(kind: string, m: unknown): string | null {
  const check = algorithmModule(kind).factory.validate
  if (check === undefined) return isObj(m) ? null : `message: must be an object, got ${show(m)}`
  return check(m)
}
