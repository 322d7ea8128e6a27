// Maelstrom's values are any JSON: their identity (object key order does not matter) and how
// they read in a message. Pure.
import { encodeValue } from '../explore/encode'
import { toJson } from './json'

/** The identity of a JSON value: equal values (whatever their key order) get the same text. */
export const valueKey = (v: unknown): string => encodeValue(v)

/** A value as it reads in a detail (long values cut). */
export function show(v: unknown): string {
  const s = v === undefined ? 'nothing' : toJson(v)
  return s.length > 80 ? `${s.slice(0, 77)}...` : s
}
