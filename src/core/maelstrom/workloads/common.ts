// Small helpers the Maelstrom workloads share: JSON equality and one-line op descriptions.
import type { MaelstromOp } from '../types'

/** Deep equality of two JSON values (key order of objects ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  const ra = a as Record<string, unknown>
  const rb = b as Record<string, unknown>
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && sameJson(ra[k], rb[k]))
}

/** Compact JSON of a value, cut to `max` characters. */
export function jsonBrief(v: unknown, max = 200): string {
  const s = JSON.stringify(v) ?? String(v)
  return s.length > max ? `${s.slice(0, max - 3)}...` : s
}

/** `c2 -> n1 {"type":"echo",...} => {"type":"echo_ok",...}` */
export function describeOpBriefly(o: MaelstromOp): string {
  const reply = o.reply === undefined ? '(no reply)' : jsonBrief(o.reply, 120)
  return `op ${o.id} c${o.client} -> ${o.node} ${jsonBrief(o.request, 120)} => ${reply}`
}
