// Field-by-field check of a Paxos message decoded from a socket (processes mode): null when
// it is a well-formed PaxosMsg, else a reason naming the offending field.

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Longest key / request id / value accepted on the wire. */
const MAX_STR = 1024 * 1024

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)
  if (v === undefined) return 'missing'
  try {
    return JSON.stringify(v)?.slice(0, 60) ?? String(v)
  } catch {
    return typeof v
  }
}

function str(o: Obj, field: string, path: string, nullable = false): string | null {
  const v = o[field]
  if (nullable && v === null) return null
  if (typeof v === 'string' && v.length <= MAX_STR) return null
  return `${path}.${field}: must be a string${nullable ? ' or null' : ''} (got ${show(v)})`
}

/** A positive integer (slot) or a non-negative one (ballot, with 0 = none). */
function int(o: Obj, field: string, path: string, min: number): string | null {
  const v = o[field]
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min) return null
  return `${path}.${field}: must be an integer >= ${min} (got ${show(v)})`
}

function checkCommand(v: unknown, path: string): string | null {
  if (v === null) return null
  if (!isObj(v)) return `${path}: must be a command object or null (got ${show(v)})`
  if (v.f !== 'get' && v.f !== 'put' && v.f !== 'cas')
    return `${path}.f: must be "get", "put" or "cas" (got ${show(v.f)})`
  const k = str(v, 'key', path)
  if (k) return k
  if (v.f === 'get') return null
  const val = str(v, 'value', path)
  if (val) return val
  return v.f === 'cas' ? str(v, 'expected', path, true) : null
}

function checkValue(v: unknown, path: string): string | null {
  if (!isObj(v)) return `${path}: must be a value object (got ${show(v)})`
  const id = str(v, 'id', path)
  if (id) return id
  if (v.id === '') return `${path}.id: must not be empty`
  return checkCommand(v.cmd, `${path}.cmd`)
}

const TYPES = new Set(['Prepare', 'Promise', 'Accept', 'Accepted', 'Nack', 'Decided'])

export function checkPaxosMsg(m: unknown): string | null {
  const path = 'message'
  if (!isObj(m)) return `${path}: must be an object (got ${show(m)})`
  if (typeof m.type !== 'string' || !TYPES.has(m.type))
    return `${path}.type: must be one of ${[...TYPES].join(', ')} (got ${show(m.type)})`
  const base = str(m, 'key', path) ?? int(m, 'slot', path, 1) ?? int(m, 'ballot', path, 1)
  if (base) return base
  switch (m.type) {
    case 'Prepare':
    case 'Accepted':
      return null
    case 'Promise': {
      const a = m.accepted
      if (a === null) return null
      if (!isObj(a)) return `${path}.accepted: must be null or {ballot, value} (got ${show(a)})`
      return int(a, 'ballot', `${path}.accepted`, 1) ?? checkValue(a.value, `${path}.accepted.value`)
    }
    case 'Accept':
    case 'Decided':
      return checkValue(m.value, `${path}.value`)
    case 'Nack':
      return int(m, 'promised', path, 1)
  }
  return null
}
