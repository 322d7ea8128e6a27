// Field-by-field validation of PBFT messages decoded from a socket (processes mode): null
// when the value is a well-formed PbftMsg, else a reason naming the offending field.
// (Authenticity is checked by the replica itself, with the MAC.)
import type { PbftMsgType } from './types'
import { PBFT_WIRE_TYPES } from './types'
import { isObj, natField as nat, show, strField, type Obj } from '../fields'

const MAX_ID = 256
const MAX_VALUE = 1024 * 1024
/** Most prepared certificates / ViewChanges / snapshot entries accepted in one message. */
const MAX_ITEMS = 1_000_000

const str = (o: Obj, f: string, p: string, max = MAX_ID, nullable = false): string | null =>
  strField(o, f, p, max, nullable)

const DIGEST = /^([0-9a-f]{64}|null)$/
function digest(o: Obj, f: string, p: string, allowEmpty = false): string | null {
  const v = o[f]
  if (typeof v === 'string' && (DIGEST.test(v) || (allowEmpty && v === ''))) return null
  return `${p}${f}: must be a SHA-256 digest in hex or "null", got ${show(v)}`
}

function list(
  o: Obj,
  f: string,
  p: string,
  each: (v: unknown, path: string) => string | null,
): string | null {
  const v = o[f]
  if (!Array.isArray(v)) return `${p}${f}: must be an array, got ${show(v)}`
  if (v.length > MAX_ITEMS) return `${p}${f}: more than ${MAX_ITEMS} items`
  for (let i = 0; i < v.length; i++) {
    const bad = each(v[i], `${p}${f}[${i}]`)
    if (bad) return bad
  }
  return null
}

function request(v: unknown, path: string, nullable: boolean): string | null {
  if (nullable && v === null) return null
  if (!isObj(v))
    return `${path}: must be a client request object${nullable ? ' or null' : ''}, got ${show(v)}`
  const p = `${path}.`
  const bad = str(v, 'id', p)
  if (bad) return bad
  if (!isObj(v.cmd)) return `${p}cmd: must be an object, got ${show(v.cmd)}`
  const c = v.cmd
  const cp = `${p}cmd.`
  if (c.f !== 'get' && c.f !== 'put' && c.f !== 'cas')
    return `${cp}f: must be get, put or cas, got ${show(c.f)}`
  const bk = str(c, 'key', cp)
  if (bk) return bk
  if (c.f === 'get') return null
  const bv = str(c, 'value', cp, MAX_VALUE)
  if (bv) return bv
  return c.f === 'cas' ? str(c, 'expected', cp, MAX_VALUE, true) : null
}

function cert(v: unknown, path: string): string | null {
  if (!isObj(v)) return `${path}: must be an object, got ${show(v)}`
  const p = `${path}.`
  return nat(v, 'seq', p) ?? nat(v, 'view', p) ?? digest(v, 'digest', p) ?? request(v.req, `${p}req`, true)
}

function viewChangeBody(v: unknown, path: string): string | null {
  if (!isObj(v)) return `${path}: must be an object, got ${show(v)}`
  const p = `${path}.`
  return (
    str(v, 'from', p) ??
    nat(v, 'view', p) ??
    nat(v, 'stable', p) ??
    digest(v, 'stableDigest', p, true) ??
    list(v, 'prepared', p, cert)
  )
}

function result(v: unknown, path: string): string | null {
  if (!isObj(v)) return `${path}: must be an object, got ${show(v)}`
  if (v.f !== 'get' && v.f !== 'put' && v.f !== 'cas')
    return `${path}.f: must be get, put or cas, got ${show(v.f)}`
  if (v.value !== null && typeof v.value !== 'string')
    return `${path}.value: must be a string or null, got ${show(v.value)}`
  if (v.result !== undefined && typeof v.result !== 'boolean')
    return `${path}.result: must be true or false, got ${show(v.result)}`
  return null
}

function pair(second: (v: unknown, path: string) => string | null) {
  return (v: unknown, path: string): string | null => {
    if (!Array.isArray(v) || v.length !== 2) return `${path}: must be a [key, value] pair, got ${show(v)}`
    if (typeof v[0] !== 'string') return `${path}[0]: must be a string, got ${show(v[0])}`
    return second(v[1], `${path}[1]`)
  }
}
const stringValue = (v: unknown, path: string): string | null =>
  typeof v === 'string' ? null : `${path}: must be a string, got ${show(v)}`

/** Every message type: the wire's list (shared/wire.ts, the one list). */
const TYPES: ReadonlySet<string> = new Set<PbftMsgType>(PBFT_WIRE_TYPES)

// Compile-time: the wire list names every message type (the Set's type: nothing else).
type MissingFromWire = Exclude<PbftMsgType, (typeof PBFT_WIRE_TYPES)[number]>
const _everyTypeOnTheWire: [MissingFromWire] extends [never] ? true : MissingFromWire = true

export function validatePbftMsg(v: unknown): string | null {
  if (!isObj(v)) return `message: must be an object, got ${show(v)}`
  const p = 'message.'
  if (typeof v.type !== 'string' || !TYPES.has(v.type))
    return `${p}type: must be a PBFT message type, got ${show(v.type)}`
  const base = str(v, 'from', p) ?? str(v, 'mac', p, 64)
  if (base) return base
  switch (v.type as PbftMsgType) {
    case 'Request':
      return request(v.req, `${p}req`, false) ?? nat(v, 'executed', p)
    case 'PrePrepare':
      return (
        nat(v, 'view', p) ?? nat(v, 'seq', p) ?? digest(v, 'digest', p) ?? request(v.req, `${p}req`, true)
      )
    case 'Prepare':
    case 'Commit':
      return nat(v, 'view', p) ?? nat(v, 'seq', p) ?? digest(v, 'digest', p)
    case 'Checkpoint':
      return nat(v, 'seq', p) ?? digest(v, 'digest', p)
    case 'ViewChange':
      return viewChangeBody(v, 'message')
    case 'NewView':
      return nat(v, 'view', p) ?? list(v, 'vcs', p, viewChangeBody)
    case 'FetchState':
      return nat(v, 'seq', p)
    case 'State': {
      const bad = nat(v, 'seq', p) ?? digest(v, 'digest', p)
      if (bad) return bad
      if (!isObj(v.snap)) return `${p}snap: must be an object, got ${show(v.snap)}`
      return (
        list(v.snap, 'data', `${p}snap.`, pair(stringValue)) ??
        list(v.snap, 'done', `${p}snap.`, pair(result))
      )
    }
  }
}
