// Building blocks of the field-by-field checks of messages decoded from a socket (processes
// mode), shared by the protocols' validate.ts: shape tests and how a bad value reads in a reason.

export type Obj = Record<string, unknown>

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A whole number >= 0 that is exactly representable. */
export const isNat = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER

/** A received value in a reason: short strings quoted, others by kind. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (v === undefined) return 'missing'
  if (Array.isArray(v)) return `an array of ${v.length}`
  return typeof v === 'object' ? 'an object' : typeof v
}

/** `o[field]` is a whole number >= 0 (reasons name it as `${path}${field}`). */
export function natField(o: Obj, field: string, path: string): string | null {
  return isNat(o[field]) ? null : `${path}${field}: must be a whole number >= 0, got ${show(o[field])}`
}

/** `o[field]` is a string of at most `max` characters (or null, when `nullable`). */
export function strField(o: Obj, field: string, path: string, max: number, nullable = false): string | null {
  const v = o[field]
  if (nullable && v === null) return null
  if (typeof v !== 'string')
    return `${path}${field}: must be a string${nullable ? ' or null' : ''}, got ${show(v)}`
  if (v.length > max) return `${path}${field}: longer than ${max} characters (${v.length})`
  return null
}

/** `o[field]` is true or false. */
export function boolField(o: Obj, field: string, path: string): string | null {
  return typeof o[field] === 'boolean'
    ? null
    : `${path}${field}: must be true or false, got ${show(o[field])}`
}

/** Longest string accepted in a request id, key or node id. */
export const MAX_ID = 256
/** Longest value accepted in a put / cas. */
export const MAX_VALUE = 1024 * 1024

const KV_FNS = new Set(['get', 'put', 'cas'])

/** A KV command (get / put / cas) as carried in client requests and log entries. */
export function checkKvCommand(v: unknown, path: string): string | null {
  if (!isObj(v)) return `${path}: must be an object, got ${show(v)}`
  const p = `${path}.`
  if (typeof v.f !== 'string' || !KV_FNS.has(v.f)) return `${p}f: must be get, put or cas, got ${show(v.f)}`
  const bad = strField(v, 'key', p, MAX_ID)
  if (bad) return bad
  if (v.f === 'get') return null
  const badV = strField(v, 'value', p, MAX_VALUE)
  if (badV) return badV
  if (v.f === 'cas') return strField(v, 'expected', p, MAX_VALUE, true)
  return null
}
