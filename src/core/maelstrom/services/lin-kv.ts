// The lin-kv service: one map, every request applied to it in arrival order, so every read
// sees every write acknowledged before it (linearizable). Pure.
import type { MaelstromBody, MaelstromService } from '../types'
import { valueKey } from '../values'
import { applyKv, parseKvRequest } from './kv-request'

export class LinKvService implements MaelstromService {
  readonly name = 'lin-kv'
  private readonly store = new Map<string, { value: unknown }>()

  handle(_src: string, body: MaelstromBody): MaelstromBody {
    const req = parseKvRequest(body)
    if ('error' in req) return req.error
    const k = valueKey(req.key)
    const out = applyKv(body, req, this.store.get(k))
    if (out.write) this.store.set(k, out.write)
    return out.reply
  }
}
