// The canonical encoding of a protocol node's state, for the explorer's state hashes: two
// nodes that would behave the same get the same text. Generic: any value a protocol holds
// (numbers, strings, arrays, plain objects, class instances by their own fields, Maps and
// Sets, typed arrays, the seeded Rng's state, prototype methods held in fields by name).
// Canonical: object keys sorted, Map entries sorted by key, Set members sorted, so neither
// the order fields were assigned nor the order entries were inserted matters. Strings are
// length-prefixed, so no escaping is needed and no two values share an encoding. Pure.

/** Thrown for a value the generic encoding (or copy) cannot take, saying which. */
export class StateShapeError extends Error {}

/** Deeper than this is taken to be a cycle (protocol state is a tree of small depth). */
const MAX_DEPTH = 200

/** The canonical text of `v`. */
export function encodeValue(v: unknown): string {
  return enc(v, 0)
}

export function className(o: object): string {
  const c = (o as { constructor?: { name?: string } }).constructor
  return c && typeof c.name === 'string' ? c.name : ''
}

function enc(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'string':
      return `s${v.length}:${v}`
    case 'number':
      return Object.is(v, -0) ? 'd-0;' : `d${v};`
    case 'boolean':
      return v ? 't' : 'f'
    case 'undefined':
      return 'u'
    case 'bigint':
      return `b${v};`
    case 'function':
      return `F${v.name};`
    case 'symbol':
      throw new StateShapeError('a symbol cannot be encoded')
    default:
      break
  }
  if (v === null) return 'n'
  if (depth > MAX_DEPTH) throw new StateShapeError(`state nested deeper than ${MAX_DEPTH} levels (a cycle?)`)
  const d = depth + 1
  if (Array.isArray(v)) {
    let s = '['
    for (let i = 0; i < v.length; i++) s += enc(v[i], d)
    return s + ']'
  }
  if (v instanceof Map) {
    const parts: string[] = []
    for (const [k, x] of v) parts.push(enc(k, d) + '=' + enc(x, d))
    parts.sort()
    return 'M' + parts.length + '{' + parts.join('') + '}'
  }
  if (v instanceof Set) {
    const parts: string[] = []
    for (const x of v) parts.push(enc(x, d))
    parts.sort()
    return 'S' + parts.length + '{' + parts.join('') + '}'
  }
  if (ArrayBuffer.isView(v)) {
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
    return `T${className(v)}${v.byteOffset}:${bytes.join(',')};`
  }
  if (v instanceof ArrayBuffer) return `B${new Uint8Array(v).join(',')};`
  const o = v as Record<string, unknown>
  const keys = Object.keys(o).sort()
  let s = 'C' + className(o) + '{'
  for (const k of keys) s += `${k.length}:${k}` + enc(o[k], d)
  return s + '}'
}
