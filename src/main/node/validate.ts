// Explicit checks for everything decoded from a socket: protocol messages (per algorithm),
// client requests and replies, and handshakes. Each returns null when the value is good, or
// a reason naming the offending field (the caller logs it and closes the connection).
import { timingSafeEqual } from 'node:crypto'
import { isNat, isObj, natField as nat, show, strField as str, type Obj } from '../../core/protocols/fields'
import type { ClientReply, ClientRequest } from '../../core/protocols/types'

/** Longest string accepted in a request id, key or node id. */
export const MAX_ID = 256
/** Longest value accepted in a put / cas. */
export const MAX_VALUE = 1024 * 1024

function bool(o: Obj, field: string, path: string): string | null {
  return typeof o[field] === 'boolean'
    ? null
    : `${path}${field}: must be true or false, got ${show(o[field])}`
}

const KEYS = new Set(['get', 'put', 'cas'])

export function checkKvCommand(v: unknown, path: string): string | null {
  if (!isObj(v)) return `${path}: must be an object, got ${show(v)}`
  const p = `${path}.`
  if (typeof v.f !== 'string' || !KEYS.has(v.f)) return `${p}f: must be get, put or cas, got ${show(v.f)}`
  const bad = str(v, 'key', p, MAX_ID)
  if (bad) return bad
  if (v.f === 'get') return null
  const badV = str(v, 'value', p, MAX_VALUE)
  if (badV) return badV
  if (v.f === 'cas') return str(v, 'expected', p, MAX_VALUE, true)
  return null
}

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

function checkRaftEntry(v: unknown, path: string): string | null {
  if (!isObj(v)) return `${path}: must be an object, got ${show(v)}`
  const p = `${path}.`
  const bad = nat(v, 'term', p) ?? str(v, 'id', p, MAX_ID)
  if (bad) return bad
  if (v.cmd === null) return null
  return checkKvCommand(v.cmd, `${p}cmd`)
}

/** Most entries one AppendEntries may carry (the spec caps maxBatch at 10000). */
const MAX_ENTRIES = 10_000

function checkRaftMsg(m: unknown): string | null {
  if (!isObj(m)) return `message: must be an object, got ${show(m)}`
  const p = 'message.'
  switch (m.type) {
    case 'PreVote':
    case 'RequestVote':
      return nat(m, 'term', p) ?? nat(m, 'lastLogIndex', p) ?? nat(m, 'lastLogTerm', p)
    case 'PreVoteResp':
    case 'RequestVoteResp':
      return nat(m, 'term', p) ?? bool(m, 'granted', p)
    case 'AppendEntries': {
      const bad = nat(m, 'term', p) ?? nat(m, 'prevIndex', p) ?? nat(m, 'prevTerm', p) ?? nat(m, 'commit', p)
      if (bad) return bad
      if (!isNat(m.ctx)) return `${p}ctx: must be a whole number >= 0, got ${show(m.ctx)}`
      if (!Array.isArray(m.entries)) return `${p}entries: must be an array, got ${show(m.entries)}`
      if (m.entries.length > MAX_ENTRIES) return `${p}entries: more than ${MAX_ENTRIES} entries`
      for (let i = 0; i < m.entries.length; i++) {
        const e = checkRaftEntry(m.entries[i], `${p}entries[${i}]`)
        if (e) return e
      }
      return null
    }
    case 'AppendEntriesResp':
      return (
        nat(m, 'term', p) ??
        bool(m, 'success', p) ??
        nat(m, 'index', p) ??
        nat(m, 'conflictTerm', p) ??
        nat(m, 'conflictIndex', p) ??
        nat(m, 'ctx', p)
      )
    default:
      return `${p}type: unknown Raft message type ${show(m.type)}`
  }
}

const MESSAGE_CHECKS: Readonly<Record<string, (m: unknown) => string | null>> = {
  raft: checkRaftMsg,
}

/** Check a decoded protocol message of algorithm `kind`. */
export function checkProtocolMessage(kind: string, m: unknown): string | null {
  const check = MESSAGE_CHECKS[kind]
  if (check === undefined) return isObj(m) ? null : `message: must be an object, got ${show(m)}`
  return check(m)
}

// ---------------------------------------------------------------- handshake

export interface Hello {
  role: 'proxy' | 'node'
  node: number
  secret: string
}

export function asHello(v: unknown): Hello | string {
  if (!isObj(v)) return `hello: must be an object, got ${show(v)}`
  if (v.role !== 'proxy' && v.role !== 'node') return `hello.role: must be proxy or node, got ${show(v.role)}`
  const bad = nat(v, 'node', 'hello.') ?? str(v, 'secret', 'hello.', 128)
  if (bad) return bad
  return v as unknown as Hello
}

/** Compare two secrets in time independent of where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
