// The hash of a value's canonical encoding (encode.ts), computed in one pass without building
// the text: what the explorer hashes a node's state and a message with. Canonical the same
// way: an object's fields, a Map's entries and a Set's members are combined order-free (each
// entry hashed on its own, then summed per lane, so insertion order does not matter and
// nothing is sorted); arrays and typed arrays in order; class instances with their class
// name; functions (prototype methods held in fields) by name. Two 32-bit lanes, kept as one
// 53-bit safe integer. Pure.
import { className, StateShapeError } from './encode'

const MAX_DEPTH = 200
const TWO_21 = 2 ** 21
const f64 = new Float64Array(1)
const u32 = new Uint32Array(f64.buffer)

// The hash of the value just digested (two lanes): hv() leaves its result here.
let R1 = 0
let R2 = 0

function mix(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x01000193)
  return (h ^ (h >>> 15)) | 0
}

function mix2(h: number, x: number): number {
  h = Math.imul(h + x, 0x5bd1e995)
  return (h ^ (h >>> 13)) | 0
}

/** Final avalanche of one lane (so sums of entry hashes stay well spread). */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) | 0
}

function str(s: string, tag: number): void {
  let h1 = mix(0x811c9dc5, tag)
  let h2 = mix2(0x9747b28c, s.length)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 0x01000193)
    h2 = mix2(h2, c)
  }
  R1 = fmix(h1)
  R2 = fmix(h2 ^ tag)
}

function num(n: number): void {
  if ((n | 0) === n && !Object.is(n, -0)) {
    R1 = fmix(mix(0x2545f491, n))
    R2 = fmix(mix2(0x4f1bbcdc, n))
    return
  }
  f64[0] = n
  R1 = fmix(mix(mix(0x3c6ef372, u32[0]), u32[1]))
  R2 = fmix(mix2(mix2(0x6a09e667, u32[1]), u32[0]))
}

const T_STR = 1
const T_FN = 2
const T_BIGINT = 3
const T_CLASS = 4

function hv(v: unknown, depth: number): void {
  switch (typeof v) {
    case 'string':
      return str(v, T_STR)
    case 'number':
      return num(v)
    case 'boolean':
      R1 = v ? 0x1b873593 : 0x7feb352d
      R2 = v ? 0x68e31da4 : 0x3a8f05c5
      return
    case 'undefined':
      R1 = 0x2f3c1a4b
      R2 = 0x5ad7e3c1
      return
    case 'function':
      return str(v.name, T_FN)
    case 'bigint':
      return str(v.toString(), T_BIGINT)
    case 'symbol':
      throw new StateShapeError('a symbol cannot be encoded')
    default:
      break
  }
  if (v === null) {
    R1 = 0x61c88647
    R2 = 0x0e7b6a45
    return
  }
  if (depth > MAX_DEPTH) throw new StateShapeError(`state nested deeper than ${MAX_DEPTH} levels (a cycle?)`)
  const d = depth + 1
  const o = v as object
  if (Object.isFrozen(o)) {
    // Frozen: taken never to change (clone.ts shares it), so its digest is computed once.
    const c = frozenDigests.get(o)
    if (c !== undefined) {
      R1 = c[0]
      R2 = c[1]
      return
    }
    hvObject(o, d)
    frozenDigests.set(o, [R1, R2])
    return
  }
  hvObject(o, d)
}

const frozenDigests = new WeakMap<object, [number, number]>()

function hvObject(v: object, d: number): void {
  if (Array.isArray(v)) {
    let h1 = mix(0x1234567, v.length)
    let h2 = mix2(0x7654321, v.length)
    for (let i = 0; i < v.length; i++) {
      hv(v[i], d)
      h1 = mix(h1, R1)
      h2 = mix2(h2, R2)
    }
    R1 = fmix(h1)
    R2 = fmix(h2)
    return
  }
  if (v instanceof Map) {
    let s1 = 0
    let s2 = 0
    for (const [k, x] of v) {
      hv(k, d)
      const k1 = R1
      const k2 = R2
      hv(x, d)
      s1 = (s1 + fmix(mix(k1, R1))) | 0
      s2 = (s2 + fmix(mix2(k2, R2))) | 0
    }
    R1 = fmix(mix(mix(0x5851f42d, v.size), s1))
    R2 = fmix(mix2(mix2(0x4c957f2d, v.size), s2))
    return
  }
  if (v instanceof Set) {
    let s1 = 0
    let s2 = 0
    for (const x of v) {
      hv(x, d)
      s1 = (s1 + R1) | 0
      s2 = (s2 + R2) | 0
    }
    R1 = fmix(mix(mix(0x27d4eb2f, v.size), s1))
    R2 = fmix(mix2(mix2(0x165667b1, v.size), s2))
    return
  }
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
    const bytes = ArrayBuffer.isView(v)
      ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
      : new Uint8Array(v)
    let h1 = 0x3243f6a8
    let h2 = mix2(0x13198a2e, bytes.length)
    for (let i = 0; i < bytes.length; i++) {
      h1 = mix(h1, bytes[i])
      h2 = mix2(h2, bytes[i])
    }
    R1 = fmix(h1)
    R2 = fmix(h2)
    return
  }
  const o = v as Record<string, unknown>
  let s1 = 0
  let s2 = 0
  let n = 0
  const keys = Object.keys(o)
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]
    n++
    str(k, 0)
    const k1 = R1
    const k2 = R2
    hv(o[k], d)
    s1 = (s1 + fmix(mix(k1, R1))) | 0
    s2 = (s2 + fmix(mix2(k2, R2))) | 0
  }
  str(className(o), T_CLASS)
  R1 = fmix(mix(mix(R1, n), s1))
  R2 = fmix(mix2(mix2(R2, n), s2))
}

/** The 53-bit hash of `v`'s canonical encoding (see the file comment). */
export function digest(v: unknown): number {
  hv(v, 0)
  return (R1 >>> 0) * TWO_21 + ((R2 >>> 0) >>> 11)
}

/** The digest of a sequence, extended by one more element (start from 0). */
export function digestAppend(prev: number, v: unknown): number {
  const h = digest(v)
  const pLo = (prev % 0x100000000) | 0
  const pHi = Math.floor(prev / 0x100000000) | 0
  const hLo = (h % 0x100000000) | 0
  const hHi = Math.floor(h / 0x100000000) | 0
  const h1 = fmix(mix(mix(mix(mix(0x9e3779b9, pLo), pHi), hLo), hHi))
  const h2 = fmix(mix2(mix2(mix2(mix2(0x7f4a7c15, pHi), pLo), hHi), hLo))
  return (h1 >>> 0) * TWO_21 + ((h2 >>> 0) >>> 11)
}
