// A small, pure key-value state machine shared by the log-based protocols.
// get / put / cas, with per-client request deduplication so that a request retried
// (and therefore possibly appended to a log twice) is applied at most once.
import type { ClientReply, KvCommand } from './types'
import type { OpFn } from '../../shared/trace'

export interface KvResult {
  f: OpFn
  /** get: the value read (null = absent); put / cas: null. */
  value: string | null
  /** cas only: whether the compare matched and the write happened. */
  result?: boolean
  /** True when this request id had already been applied (nothing changed this time). */
  duplicate?: boolean
}

/** The client's ok reply for its command applied with `res` (`result` only when set: cas). */
export function kvReply(id: string, res: KvResult): ClientReply {
  return res.result === undefined
    ? { id, ok: true, f: res.f, value: res.value }
    : { id, ok: true, f: res.f, value: res.value, result: res.result }
}

/** Split a request id of the form `c<client>.<seq>` (e.g. `c3.17`) at its dot; -1 if it is not one. */
function clientIdDot(id: string): number {
  if (id.charCodeAt(0) !== 99 /* c */) return -1
  const dot = id.indexOf('.')
  if (dot < 2 || dot === id.length - 1) return -1
  for (let i = 1; i < id.length; i++) {
    if (i === dot) continue
    const ch = id.charCodeAt(i)
    if (ch < 48 || ch > 57) return -1
  }
  return dot
}

const PUT: KvResult = Object.freeze({ f: 'put', value: null })
const CAS_TRUE: KvResult = Object.freeze({ f: 'cas', value: null, result: true })
const CAS_FALSE: KvResult = Object.freeze({ f: 'cas', value: null, result: false })

/** How many recent results are remembered per client (answers for retried requests). */
const PER_CLIENT = 16
/** Bound of the fallback set for ids that do not follow the `cN.M` pattern. */
const OTHER_IDS = 100_000

interface ClientSession {
  /** Ring of the last PER_CLIENT applied seqs and their results (no allocation per apply). */
  seqs: number[]
  results: KvResult[]
  /** Next ring slot to overwrite. */
  head: number
  /** Highest seq evicted from the ring: anything <= this counts as already handled. */
  floor: number
}

export class KvStore {
  private readonly data = new Map<string, string>()
  private readonly sessions = new Map<string, ClientSession>()
  private readonly others = new Map<string, KvResult>()
  /** Number of commands applied (duplicates included). */
  applied = 0

  /** Read a key (null = absent). No side effect. */
  get(key: string): string | null {
    return this.data.get(key) ?? null
  }

  get size(): number {
    return this.data.size
  }

  /** A copy of the contents (tests, debugging). */
  entries(): Array<[string, string]> {
    return [...this.data.entries()]
  }

  /**
   * Apply a command under request id `id`. A request id already applied is not applied
   * again: the remembered result is returned (marked `duplicate`).
   */
  apply(id: string, cmd: KvCommand): KvResult {
    this.applied++
    const dot = clientIdDot(id)
    if (dot > 0) {
      const client = id.slice(0, dot)
      const seq = Number(id.slice(dot + 1))
      let s = this.sessions.get(client)
      if (!s) {
        s = {
          seqs: new Array<number>(PER_CLIENT).fill(-1),
          results: new Array<KvResult>(PER_CLIENT),
          head: 0,
          floor: -1,
        }
        this.sessions.set(client, s)
      }
      const at = s.seqs.indexOf(seq)
      if (at >= 0) return { ...s.results[at], duplicate: true }
      if (seq <= s.floor) {
        // Too old to remember its answer; the client gave up on it long ago. Do not re-apply.
        return cmd.f === 'cas'
          ? { f: 'cas', value: null, result: false, duplicate: true }
          : { f: cmd.f, value: cmd.f === 'get' ? this.get(cmd.key) : null, duplicate: true }
      }
      const res = this.exec(cmd)
      const evicted = s.seqs[s.head]
      if (evicted > s.floor) s.floor = evicted
      s.seqs[s.head] = seq
      s.results[s.head] = res
      s.head = (s.head + 1) % PER_CLIENT
      return res
    }
    const prev = this.others.get(id)
    if (prev) return { ...prev, duplicate: true }
    const res = this.exec(cmd)
    this.others.set(id, res)
    if (this.others.size > OTHER_IDS) this.others.delete(this.others.keys().next().value as string)
    return res
  }

  private exec(cmd: KvCommand): KvResult {
    switch (cmd.f) {
      case 'get':
        return { f: 'get', value: this.get(cmd.key) }
      case 'put':
        this.data.set(cmd.key, cmd.value)
        return PUT
      case 'cas': {
        const cur = this.get(cmd.key)
        if (cur !== cmd.expected) return CAS_FALSE
        this.data.set(cmd.key, cmd.value)
        return CAS_TRUE
      }
    }
  }
}
