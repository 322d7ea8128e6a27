// The lww-kv service: deliberately weak, as Maelstrom's. It simulates `replicas` (default 5)
// independent copies; each request goes to one of them at random and is answered from that
// copy alone (reads may be stale or miss a key; a cas compares against that copy). Every write
// is stamped with the replica's clock: the count of requests so far plus the replica's own
// fixed skew (clocks only roughly in sync). Now and then (`gossipChance` per request) one
// replica merges another's copy into its own, keeping the higher stamp per key. So of two
// writes, the later one can lose to an earlier one with a higher stamp: acknowledged writes
// can be lost. Pure; randomness from the Rng passed in.
import type { Rng } from '../../rng'
import type { MaelstromBody, MaelstromService } from '../types'
import { valueKey } from '../values'
import { applyKv, parseKvRequest } from './kv-request'

export interface LwwKvOptions {
  replicas: number
  /** Largest clock skew of a replica, in requests (default 3). */
  maxSkew: number
  /** Chance of one gossip exchange per request (default 0.5). */
  gossipChance: number
}

export const LWW_KV_DEFAULTS: LwwKvOptions = { replicas: 5, maxSkew: 3, gossipChance: 0.5 }

interface Stamped {
  value: unknown
  /** The writing replica's clock. */
  ts: number
  /** Breaks equal stamps: the writing replica's number. */
  replica: number
}

const newer = (a: Stamped, b: Stamped): boolean => a.ts > b.ts || (a.ts === b.ts && a.replica > b.replica)

export class LwwKvService implements MaelstromService {
  readonly name = 'lww-kv'
  private readonly options: LwwKvOptions
  private copies: Array<Map<string, Stamped>> = []
  private skews: number[] = []
  private now = 0

  constructor(options: Partial<LwwKvOptions> = {}) {
    this.options = { ...LWW_KV_DEFAULTS, ...options }
    if (!Number.isInteger(this.options.replicas) || this.options.replicas < 1)
      throw new RangeError(`lww-kv replicas ${this.options.replicas} must be a whole number >= 1`)
  }

  handle(_src: string, body: MaelstromBody, rng: Rng): MaelstromBody {
    const req = parseKvRequest(body)
    if ('error' in req) return req.error
    this.start(rng)
    this.now++
    const n = this.options.replicas
    if (n > 1 && rng.chance(this.options.gossipChance)) this.merge(rng.int(0, n - 1), rng.int(0, n - 1))
    const r = rng.int(0, n - 1)
    const copy = this.copies[r]
    const k = valueKey(req.key)
    const out = applyKv(body, req, copy.get(k))
    if (out.write) copy.set(k, { value: out.write.value, ts: this.now + this.skews[r], replica: r })
    return out.reply
  }

  /** Gossip until every replica holds the same copy (what the store converges to once quiet). */
  settle(): void {
    for (let i = 1; i < this.copies.length; i++) this.merge(i, 0)
    for (let i = 1; i < this.copies.length; i++) this.merge(0, i)
  }

  private start(rng: Rng): void {
    if (this.copies.length > 0) return
    const { replicas, maxSkew } = this.options
    this.copies = Array.from({ length: replicas }, () => new Map<string, Stamped>())
    this.skews = Array.from({ length: replicas }, () => rng.int(-maxSkew, maxSkew))
  }

  /** Replica `into` takes every entry of `from` that is newer than its own. */
  private merge(from: number, into: number): void {
    if (from === into) return
    const dst = this.copies[into]
    for (const [k, v] of this.copies[from]) {
      const mine = dst.get(k)
      if (!mine || newer(v, mine)) dst.set(k, v)
    }
  }
}
