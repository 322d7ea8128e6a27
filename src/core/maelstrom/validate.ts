// Checks of Maelstrom messages crossing a boundary (a program's stdout, a frame body, a client
// port): null when well formed, else the reason naming the field.
import type { MaelstromBody, MaelstromMessage } from './types'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const isId = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v)

/** Why `b` is not a message body (`type` a string; msg_id / in_reply_to whole numbers when present). */
export function bodyProblem(b: unknown, where = 'body'): string | null {
  if (!isObj(b)) return `${where}: must be an object`
  if (typeof b.type !== 'string' || b.type.length === 0) return `${where}.type: must be a non-empty string`
  if (b.msg_id !== undefined && !isId(b.msg_id)) return `${where}.msg_id: must be a whole number`
  if (b.in_reply_to !== undefined && !isId(b.in_reply_to))
    return `${where}.in_reply_to: must be a whole number`
  return null
}

/** Why `m` is not a message `{src, dest, body}`. */
export function messageProblem(m: unknown): string | null {
  if (!isObj(m)) return 'must be a JSON object {"src", "dest", "body"}'
  if (typeof m.src !== 'string' || m.src.length === 0) return 'src: must be a non-empty string'
  if (typeof m.dest !== 'string' || m.dest.length === 0) return 'dest: must be a non-empty string'
  return bodyProblem(m.body)
}

export function isMaelstromMessage(m: unknown): m is MaelstromMessage {
  return messageProblem(m) === null
}

export function isMaelstromBody(b: unknown): b is MaelstromBody {
  return bodyProblem(b) === null
}
