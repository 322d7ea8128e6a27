// The seq-kv service: sequentially consistent, as Maelstrom's. Every update (write, cas that
// took effect) gets the next place in one total order. A read may be served from any state in
// that order from the last one its client (the `src` node) already saw up to the newest: so
// reads may be stale, but a client never sees its own writes or anything it read undone, and
// never goes backwards. Updates always apply at the newest state (a cas compares against the
// newest value), which the total order allows. How stale a read may be is bounded (`maxLag`
// updates back), which also bounds the history kept. Pure; randomness from the Rng passed in.
import type { Rng } from '../../rng'
import type { MaelstromBody, MaelstromService } from '../types'
import { valueKey } from '../values'
import { applyKv, parseKvRequest, type Current } from './kv-request'

export interface SeqKvOptions {
  /** Chance a read is served from a past state rather than the newest (default 0.5). */
  staleChance: number
  /** A read lags at most this many updates behind the newest (default 32). */
  maxLag: number
}

export const SEQ_KV_DEFAULTS: SeqKvOptions = { staleChance: 0.5, maxLag: 32 }

interface Version {
  /** Place in the total order of updates (1, 2, ...). */
  index: number
  value: unknown
}

export class SeqKvService implements MaelstromService {
  readonly name = 'seq-kv'
  /** Each key's versions, oldest first (only those a read may still reach, plus one before). */
  private readonly versions = new Map<string, Version[]>()
  /** The newest state's place in the order (0 = the empty store). */
  private latest = 0
  /** The newest state each client has seen. */
  private readonly floor = new Map<string, number>()
  private readonly options: SeqKvOptions

  constructor(options: Partial<SeqKvOptions> = {}) {
    this.options = { ...SEQ_KV_DEFAULTS, ...options }
  }

  handle(src: string, body: MaelstromBody, rng: Rng): MaelstromBody {
    const req = parseKvRequest(body)
    if ('error' in req) return req.error
    const k = valueKey(req.key)
    const seen = this.floor.get(src) ?? 0
    let at = this.latest
    if (req.op === 'read') {
      const lo = Math.max(seen, this.latest - this.options.maxLag)
      if (lo < this.latest && rng.chance(this.options.staleChance)) at = rng.int(lo, this.latest)
    }
    const out = applyKv(body, req, this.valueAt(k, at))
    if (out.write) {
      at = ++this.latest
      this.append(k, { index: at, value: out.write.value })
    }
    this.floor.set(src, Math.max(seen, at))
    return out.reply
  }

  /** The value of key `k` in the state after `index` updates. */
  private valueAt(k: string, index: number): Current {
    const vs = this.versions.get(k)
    if (!vs) return undefined
    for (let i = vs.length - 1; i >= 0; i--) if (vs[i].index <= index) return { value: vs[i].value }
    return undefined
  }

  private append(k: string, v: Version): void {
    const vs = this.versions.get(k) ?? []
    vs.push(v)
    // Keep the versions a read can still reach: those after the horizon and the last one at or before it.
    const horizon = this.latest - this.options.maxLag
    let drop = 0
    while (drop + 1 < vs.length && vs[drop + 1].index <= horizon) drop++
    this.versions.set(k, drop > 0 ? vs.slice(drop) : vs)
  }
}
