// A deep copy of a protocol node (or a checker), so the explorer can branch from a state
// without replaying the path to it. Generic, like encode.ts: arrays, plain objects, class
// instances (same prototype, own fields copied), Maps, Sets, typed arrays (views over one
// buffer stay over one copied buffer), frozen objects shared (they cannot change). Aliasing is
// kept: an object reached twice is copied once. Functions are kept only when they are
// methods of the holder's prototype chain (e.g. Raft's stepFn = this.stepFollower); a
// closure in a field would still act on the original, so it is refused, naming the field.
import { className, StateShapeError } from './encode'

/** A deep copy of `v` (see the file comment). */
export function cloneState<T>(v: T): T {
  return copy(v, new Map()) as T
}

/** Prototype -> the functions its chain defines (methods, getters' owners aside). */
const methodsOf = new WeakMap<object, Set<unknown>>()

function methods(proto: object | null): Set<unknown> {
  if (proto === null) return new Set()
  let s = methodsOf.get(proto)
  if (s !== undefined) return s
  s = new Set(methods(Object.getPrototypeOf(proto) as object | null))
  for (const name of Object.getOwnPropertyNames(proto)) {
    const d = Object.getOwnPropertyDescriptor(proto, name)
    if (d !== undefined && typeof d.value === 'function') s.add(d.value)
  }
  methodsOf.set(proto, s)
  return s
}

function copy(v: unknown, memo: Map<object, unknown>): unknown {
  if (typeof v !== 'object' || v === null) {
    if (typeof v === 'function') throw new StateShapeError('a function outside an object cannot be copied')
    return v
  }
  const seen = memo.get(v)
  if (seen !== undefined) return seen
  if (Object.isFrozen(v)) return v
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length)
    memo.set(v, out)
    for (let i = 0; i < v.length; i++) {
      const x = v[i] as unknown
      out[i] = typeof x === 'object' && x !== null ? copy(x, memo) : x
    }
    return out
  }
  if (v instanceof Map) {
    const out = new Map<unknown, unknown>()
    memo.set(v, out)
    for (const [k, x] of v) out.set(copy(k, memo), copy(x, memo))
    return out
  }
  if (v instanceof Set) {
    const out = new Set<unknown>()
    memo.set(v, out)
    for (const x of v) out.add(copy(x, memo))
    return out
  }
  if (v instanceof ArrayBuffer) {
    const out = v.slice(0)
    memo.set(v, out)
    return out
  }
  if (ArrayBuffer.isView(v)) {
    const buf = copy(v.buffer, memo) as ArrayBuffer
    const Ctor = v.constructor as new (b: ArrayBuffer, off: number, len: number) => ArrayBufferView
    const len = v instanceof DataView ? v.byteLength : (v as unknown as { length: number }).length
    const out = new Ctor(buf, v.byteOffset, len)
    memo.set(v, out)
    return out
  }
  const proto = Object.getPrototypeOf(v) as object | null
  const out = Object.create(proto) as Record<string, unknown>
  memo.set(v, out)
  const src = v as Record<string, unknown>
  for (const k of Object.keys(src)) {
    const x = src[k]
    if (typeof x === 'function') {
      if (!methods(proto).has(x))
        throw new StateShapeError(
          `${className(v)}.${k} holds a closure, which a copy cannot rebind; make it a method ` +
            `(or give the algorithm module its own state encoding and copy)`,
        )
      out[k] = x
    } else out[k] = typeof x === 'object' && x !== null ? copy(x, memo) : x
  }
  return out
}
