// How a Maelstrom client op reads as the lab's op events (the trace, History, CSV, Compare):
// Maelstrom's KV requests (read / write / cas with a key) become get / put / cas with keys and
// values as JSON text, exactly as the program sent them (1 -> "1", "a" -> "\"a\""); any other
// request is a `call` whose key is its type and whose values are the bodies as JSON.
import type { OpFn } from '../../shared/trace'
import { toJson } from './json'
import { ERROR_CODES, type MaelstromBody } from './types'

export interface OpView {
  f: OpFn
  key: string
  /** put / cas: the value written; call: the request body; get: null. */
  value: string | null
  /** cas: the expected value. */
  expected?: string | null
}

/** JSON text of a value the program sent or will receive (undefined reads as null). */
export function jsonText(v: unknown): string {
  return toJson(v === undefined ? null : v)
}

/** Compact JSON of a body without the protocol's bookkeeping fields (msg_id, in_reply_to). */
export function bodyText(b: MaelstromBody): string {
  const { msg_id: _m, in_reply_to: _r, ...rest } = b
  return toJson(rest)
}

/** The op event fields of a request. */
export function requestView(req: MaelstromBody): OpView {
  if ('key' in req) {
    const key = jsonText(req.key)
    if (req.type === 'read') return { f: 'get', key, value: null }
    if (req.type === 'write') return { f: 'put', key, value: jsonText(req.value) }
    if (req.type === 'cas') return { f: 'cas', key, value: jsonText(req.to), expected: jsonText(req.from) }
  }
  return { f: 'call', key: req.type, value: bodyText(req) }
}

/**
 * The value an op event records on completion: get ok: the value read (a read answered
 * key-does-not-exist read the absent value, null); call: the reply body; otherwise the
 * request's value.
 */
export function completionValue(view: OpView, reply: MaelstromBody | undefined): string | null {
  if (view.f === 'get') {
    if (reply === undefined || reply.type === 'error') return null
    return jsonText(reply.value)
  }
  if (view.f === 'call') return reply === undefined ? null : bodyText(reply)
  return view.value
}

/**
 * A KV read (a `read` with a key, as lin-kv sends) answered with key-does-not-exist (code 20)
 * saw the absent key: an ok read of null for the lab's checkers, not a failed op. A read
 * without a key (broadcast, g-set, the counters) answered with code 20 is a definite error
 * like any other: the op failed, as Maelstrom records it.
 */
export function readOfAbsentKey(req: MaelstromBody, reply: MaelstromBody | undefined): boolean {
  return (
    req.type === 'read' &&
    'key' in req &&
    reply?.type === 'error' &&
    reply.code === ERROR_CODES['key-does-not-exist']
  )
}
