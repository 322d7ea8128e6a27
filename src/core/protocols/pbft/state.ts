// The replicated key-value state of PBFT, serializable so replicas can agree on a digest
// at checkpoints and a lagging replica can install a checkpoint's state (state transfer).
// Requests are idempotent by id: a re-executed id returns its remembered result.
import type { ClientRequest } from '../types'
import type { PbftResult, PbftSnapshot } from './types'

/** How many executed request ids are remembered for deduplication (oldest forgotten first). */
export const DEDUP_WINDOW = 256

export class PbftState {
  private readonly data = new Map<string, string>()
  /** Executed request ids -> result, in execution order (same on every correct replica). */
  private readonly done = new Map<string, PbftResult>()

  static fromSnapshot(s: PbftSnapshot): PbftState {
    const st = new PbftState()
    for (const [k, v] of s.data) st.data.set(k, v)
    for (const [id, r] of s.done) st.done.set(id, r)
    return st
  }

  /** The result of an executed request id still remembered, else undefined. */
  resultOf(id: string): PbftResult | undefined {
    return this.done.get(id)
  }

  get(key: string): string | null {
    return this.data.get(key) ?? null
  }

  /** Execute a request (a duplicate id returns its first result and changes nothing). */
  execute(req: ClientRequest): PbftResult {
    const prev = this.done.get(req.id)
    if (prev) return prev
    const c = req.cmd
    let r: PbftResult
    switch (c.f) {
      case 'get':
        r = { f: 'get', value: this.get(c.key) }
        break
      case 'put':
        this.data.set(c.key, c.value)
        r = { f: 'put', value: null }
        break
      case 'cas': {
        const ok = this.get(c.key) === c.expected
        if (ok) this.data.set(c.key, c.value)
        r = { f: 'cas', value: null, result: ok }
        break
      }
    }
    this.done.set(req.id, r)
    if (this.done.size > DEDUP_WINDOW) this.done.delete(this.done.keys().next().value as string)
    return r
  }

  snapshot(): PbftSnapshot {
    const data = [...this.data.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    return { data, done: [...this.done.entries()] }
  }
}
