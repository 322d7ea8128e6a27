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

/**
 * Client names (`c<n>`) by client number, shared by every store: every replica applies every
 * command, and a session lookup by a fresh slice of the id hashes and compares new text each
 * time. Only values are cached (the same text as the slice), so nothing behaves differently.
 */
const CLIENT_NAMES: string[] = []
/** Client numbers below this have their name cached. */
const CACHED_CLIENTS = 4096
const DIGIT_0 = 48

/** The client part (`c<n>`) of a request id whose dot is at `dot` (see clientIdDot). */
function clientName(id: string, dot: number): string {
  // Up to four digits without a leading zero: the number names exactly one text.
  if (dot <= 5 && (dot === 2 || id.charCodeAt(1) !== DIGIT_0)) {
    let n = 0
    for (let i = 1; i < dot; i++) n = n * 10 + (id.charCodeAt(i) - DIGIT_0)
    if (n < CACHED_CLIENTS) return (CLIENT_NAMES[n] ??= id.slice(0, dot))
  }
  return id.slice(0, dot)
}

/** The sequence number after the dot (all digits, see clientIdDot): Number(text), without the slice. */
function seqOf(id: string, dot: number): number {
  // Up to 15 digits the running value stays an exact integer, as Number() would read it.
  if (id.length - dot - 1 > 15) return Number(id.slice(dot + 1))
  let n = 0
  for (let i = dot + 1; i < id.length; i++) n = n * 10 + (id.charCodeAt(i) - DIGIT_0)
  return n
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

/**
 * The whole state of a KvStore as plain data (JSON-safe): what a snapshot or checkpoint of a
 * replicated log keeps, so a node restored from it answers retried requests as before.
 */
export interface KvSnapshot {
  v: 1
  applied: number
  data: Array<[string, string]>
  /** Per client: [client, seqs ring, results ring, head, floor]. */
  sessions: Array<[string, number[], Array<KvResult | null>, number, number]>
  /** Ids outside the `cN.M` pattern, oldest first. */
  others: Array<[string, KvResult]>
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
      const client = clientName(id, dot)
      const seq = seqOf(id, dot)
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

  /** Everything this store holds, as plain data (a copy: later applies do not change it). */
  snapshot(): KvSnapshot {
    const sessions: KvSnapshot['sessions'] = []
    for (const [c, s] of this.sessions) {
      const results: Array<KvResult | null> = []
      for (let i = 0; i < PER_CLIENT; i++) results.push(s.results[i] ?? null)
      sessions.push([c, s.seqs.slice(), results, s.head, s.floor])
    }
    return {
      v: 1,
      applied: this.applied,
      data: [...this.data.entries()],
      sessions,
      others: [...this.others.entries()],
    }
  }

  /** Replace everything with the state `snap` describes (a snapshot checked by parseKvSnapshot). */
  restore(snap: KvSnapshot): void {
    this.data.clear()
    this.sessions.clear()
    this.others.clear()
    this.applied = snap.applied
    for (const [k, v] of snap.data) this.data.set(k, v)
    for (const [c, seqs, results, head, floor] of snap.sessions) {
      const rs = new Array<KvResult>(PER_CLIENT)
      for (let i = 0; i < PER_CLIENT; i++) {
        const r = results[i]
        if (r) rs[i] = r
      }
      this.sessions.set(c, { seqs: seqs.slice(), results: rs, head, floor })
    }
    for (const [id, r] of snap.others) this.others.set(id, r)
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

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v)

function kvResultError(r: unknown, path: string): string | null {
  if (!isObj(r)) return `${path}: must be an object`
  if (r.f !== 'get' && r.f !== 'put' && r.f !== 'cas') return `${path}.f: must be get, put or cas`
  if (r.value !== null && typeof r.value !== 'string') return `${path}.value: must be a string or null`
  if (r.result !== undefined && typeof r.result !== 'boolean') return `${path}.result: must be true or false`
  return null
}

/**
 * Decode and check a serialized KvSnapshot (from a peer or from disk): the snapshot, or a
 * reason naming the offending field. Never throws.
 */
export function parseKvSnapshot(text: string): KvSnapshot | string {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (e) {
    return `snapshot: not JSON (${(e as Error).message})`
  }
  if (!isObj(v) || v.v !== 1) return 'snapshot: not a version 1 KV snapshot'
  if (!isInt(v.applied) || v.applied < 0) return 'snapshot.applied: must be a whole number >= 0'
  if (!Array.isArray(v.data)) return 'snapshot.data: must be an array'
  for (let i = 0; i < v.data.length; i++) {
    const d: unknown = v.data[i]
    if (!Array.isArray(d) || d.length !== 2 || typeof d[0] !== 'string' || typeof d[1] !== 'string')
      return `snapshot.data[${i}]: must be [key, value] strings`
  }
  if (!Array.isArray(v.sessions)) return 'snapshot.sessions: must be an array'
  for (let i = 0; i < v.sessions.length; i++) {
    const s: unknown = v.sessions[i]
    const p = `snapshot.sessions[${i}]`
    if (!Array.isArray(s) || s.length !== 5 || typeof s[0] !== 'string')
      return `${p}: must be [client, seqs, results, head, floor]`
    const [, seqs, results, head, floor] = s as unknown[]
    if (!Array.isArray(seqs) || seqs.length !== PER_CLIENT || !seqs.every(isInt))
      return `${p}: seqs must be ${PER_CLIENT} whole numbers`
    if (!Array.isArray(results) || results.length !== PER_CLIENT)
      return `${p}: results must have ${PER_CLIENT} slots`
    for (let k = 0; k < PER_CLIENT; k++) {
      const bad = results[k] === null ? null : kvResultError(results[k], `${p}.results[${k}]`)
      if (bad) return bad
    }
    if (!isInt(head) || head < 0 || head >= PER_CLIENT) return `${p}: head must be a ring position`
    if (!isInt(floor)) return `${p}: floor must be a whole number`
  }
  if (!Array.isArray(v.others)) return 'snapshot.others: must be an array'
  for (let i = 0; i < v.others.length; i++) {
    const o: unknown = v.others[i]
    if (!Array.isArray(o) || o.length !== 2 || typeof o[0] !== 'string')
      return `snapshot.others[${i}]: must be [id, result]`
    const bad = kvResultError(o[1], `snapshot.others[${i}][1]`)
    if (bad) return bad
  }
  return v as unknown as KvSnapshot
}
