// Field-by-field checks of a quorum message decoded from a socket (processes mode): null when
// it is a well-formed QuorumMsg, else a reason naming the offending field.
import { RANGES } from './ring'
import { QUORUM_MSG_TYPES } from './types'
import { isNat, isObj, show, type Obj } from '../fields'

/** Longest request id, key or value accepted. */
const MAX_ID = 256
const MAX_VALUE = 1024 * 1024
/** Most versions (siblings) or key entries in one message. */
const MAX_ITEMS = 100_000

const NODE = /^n[1-9][0-9]*$/

function str(o: Obj, f: string, path: string, max = MAX_ID): string | null {
  const v = o[f]
  if (typeof v !== 'string') return `${path}.${f}: must be a string, got ${show(v)}`
  return v.length > max ? `${path}.${f}: longer than ${max} characters (${v.length})` : null
}

function node(o: Obj, f: string, path: string): string | null {
  return typeof o[f] === 'string' && NODE.test(o[f])
    ? null
    : `${path}.${f}: must be a node id like n1, got ${show(o[f])}`
}

function nat(o: Obj, f: string, path: string): string | null {
  return isNat(o[f]) ? null : `${path}.${f}: must be a whole number >= 0, got ${show(o[f])}`
}

function version(v: unknown, path: string): string | null {
  if (!isObj(v)) return `${path}: must be an object, got ${show(v)}`
  const bad =
    str(v, 'id', path) ?? str(v, 'value', path, MAX_VALUE) ?? nat(v, 'ts', path) ?? node(v, 'node', path)
  if (bad) return bad
  if (!isObj(v.vc)) return `${path}.vc: must be an object, got ${show(v.vc)}`
  for (const [n, c] of Object.entries(v.vc)) {
    if (!NODE.test(n)) return `${path}.vc: ${show(n)} is not a node id`
    if (!isNat(c)) return `${path}.vc.${n}: must be a whole number >= 0, got ${show(c)}`
  }
  return null
}

function versions(o: Obj, f: string, path: string): string | null {
  const vs = o[f]
  if (!Array.isArray(vs)) return `${path}.${f}: must be an array, got ${show(vs)}`
  if (vs.length > MAX_ITEMS) return `${path}.${f}: more than ${MAX_ITEMS} items`
  for (let i = 0; i < vs.length; i++) {
    const bad = version(vs[i], `${path}.${f}[${i}]`)
    if (bad) return bad
  }
  return null
}

const TYPES: ReadonlySet<string> = new Set(QUORUM_MSG_TYPES)

export function validateQuorumMsg(m: unknown): string | null {
  const P = 'message'
  if (!isObj(m)) return `${P}: must be an object, got ${show(m)}`
  if (typeof m.type !== 'string' || !TYPES.has(m.type))
    return `${P}.type: must be one of ${[...TYPES].join(', ')}, got ${show(m.type)}`
  switch (m.type) {
    case 'Get':
    case 'RepairAck':
      return str(m, 'rid', P) ?? str(m, 'key', P)
    case 'GetReply':
    case 'ReadRepair':
      return str(m, 'rid', P) ?? str(m, 'key', P) ?? versions(m, 'versions', P)
    case 'Put':
      return str(m, 'rid', P) ?? str(m, 'key', P) ?? version(m.version, `${P}.version`)
    case 'PutAck':
      return str(m, 'rid', P) ?? str(m, 'key', P) ?? str(m, 'id', P)
    case 'Hint':
      return str(m, 'rid', P) ?? node(m, 'owner', P) ?? str(m, 'key', P) ?? version(m.version, `${P}.version`)
    case 'HintAck':
      return str(m, 'rid', P) ?? node(m, 'owner', P) ?? str(m, 'key', P) ?? str(m, 'id', P)
    case 'Handoff':
      return str(m, 'key', P) ?? version(m.version, `${P}.version`)
    case 'HandoffAck':
      return str(m, 'key', P) ?? str(m, 'id', P)
    case 'MerkleRoot':
      return nat(m, 'round', P) ?? str(m, 'root', P, 16)
    case 'MerkleDiff': {
      const bad = nat(m, 'round', P)
      if (bad) return bad
      const l = m.leaves
      if (!Array.isArray(l) || l.length !== RANGES)
        return `${P}.leaves: must be an array of ${RANGES} hashes, got ${show(l)}`
      const i = l.findIndex((x) => typeof x !== 'string' || x.length > 16)
      return i < 0 ? null : `${P}.leaves[${i}]: must be a hash string, got ${show(l[i])}`
    }
    case 'SyncKeys': {
      const bad = nat(m, 'round', P)
      if (bad) return bad
      if (typeof m.reply !== 'boolean') return `${P}.reply: must be true or false, got ${show(m.reply)}`
      const b = m.buckets
      if (!Array.isArray(b) || b.length > RANGES)
        return `${P}.buckets: must be an array of range numbers, got ${show(b)}`
      const i = b.findIndex((x) => !isNat(x) || x >= RANGES)
      if (i >= 0) return `${P}.buckets[${i}]: must be a range number 0..${RANGES - 1}, got ${show(b[i])}`
      const e = m.entries
      if (!Array.isArray(e) || e.length > MAX_ITEMS) return `${P}.entries: must be an array, got ${show(e)}`
      for (let j = 0; j < e.length; j++) {
        const path = `${P}.entries[${j}]`
        const x: unknown = e[j]
        if (!isObj(x)) return `${path}: must be an object, got ${show(x)}`
        const bad2 = str(x, 'key', path) ?? versions(x, 'versions', path)
        if (bad2) return bad2
      }
      return null
    }
  }
  return null
}
