// The KV requests every service answers (Maelstrom's lin-kv API): `read {key}` -> `read_ok
// {value}`, `write {key, value}` -> `write_ok`, `cas {key, from, to, create_if_not_exists?}`
// -> `cas_ok`; errors 20 key-does-not-exist, 22 precondition-failed, 10 not-supported,
// 12 malformed-request. What a request does to one key's current value is the same in every
// service; only which value counts as current differs (lin-kv: the one value; seq-kv: some
// past state; lww-kv: one replica's copy). Pure.
import { ERROR_CODES, type MaelstromBody } from '../types'
import { valueKey } from '../values'
import { toJson } from '../json'

export type KvRequest =
  | { op: 'read'; key: unknown }
  | { op: 'write'; key: unknown; value: unknown }
  | { op: 'cas'; key: unknown; from: unknown; to: unknown; create: boolean }

/** A key's current value; undefined = the key does not exist. */
export type Current = { value: unknown } | undefined

/** What a request does to a key: the reply, and the key's new value if it wrote one. */
export interface KvOutcome {
  reply: MaelstromBody
  write?: { value: unknown }
}

/** The reply body to `req`: `type` plus `fields`, in_reply_to set when the request had a msg_id. */
export function reply(req: MaelstromBody, type: string, fields: Record<string, unknown> = {}): MaelstromBody {
  return { type, ...(req.msg_id !== undefined ? { in_reply_to: req.msg_id } : {}), ...fields }
}

export function errorReply(req: MaelstromBody, code: number, text: string): MaelstromBody {
  return reply(req, 'error', { code, text })
}

/** The request in `body`, or the error reply to send when it is not a KV request. */
export function parseKvRequest(body: MaelstromBody): KvRequest | { error: MaelstromBody } {
  const missing = (field: string) => ({
    error: errorReply(body, ERROR_CODES['malformed-request'], `${body.type} needs a ${field} field`),
  })
  if (body.type !== 'read' && body.type !== 'write' && body.type !== 'cas')
    return {
      error: errorReply(
        body,
        ERROR_CODES['not-supported'],
        `unsupported request type ${JSON.stringify(body.type)}`,
      ),
    }
  if (!('key' in body)) return missing('key')
  if (body.type === 'read') return { op: 'read', key: body.key }
  if (body.type === 'write')
    return 'value' in body ? { op: 'write', key: body.key, value: body.value } : missing('value')
  if (!('from' in body)) return missing('from')
  if (!('to' in body)) return missing('to')
  return {
    op: 'cas',
    key: body.key,
    from: body.from,
    to: body.to,
    create: body.create_if_not_exists === true,
  }
}

/** What `req` does to a key whose current value is `current`. */
export function applyKv(body: MaelstromBody, req: KvRequest, current: Current): KvOutcome {
  const absent = (): KvOutcome => ({
    reply: errorReply(body, ERROR_CODES['key-does-not-exist'], `key ${toJson(req.key)} does not exist`),
  })
  switch (req.op) {
    case 'read':
      return current ? { reply: reply(body, 'read_ok', { value: current.value }) } : absent()
    case 'write':
      return { reply: reply(body, 'write_ok'), write: { value: req.value } }
    case 'cas':
      if (!current) return req.create ? { reply: reply(body, 'cas_ok'), write: { value: req.to } } : absent()
      if (valueKey(current.value) !== valueKey(req.from))
        return {
          reply: errorReply(
            body,
            ERROR_CODES['precondition-failed'],
            `current value ${toJson(current.value)} is not ${toJson(req.from)}`,
          ),
        }
      return { reply: reply(body, 'cas_ok'), write: { value: req.to } }
  }
}
