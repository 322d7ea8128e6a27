// Latency statistics. Latencies are whole microseconds, so an exact histogram (value ->
// count) stays small however long the run is: its size is bounded by the number of distinct
// latencies (at most timeoutMs * 1000), not by the number of ops.

/** Nearest-rank quantile of an ascending array (q in (0, 1]); null when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number | null {
  const n = sorted.length
  if (n === 0) return null
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)))
  return sorted[rank - 1]
}

/**
 * Latencies below this many µs are counted in an array indexed by the latency (every ok op
 * adds one: an array slot is cheaper than a Map entry); larger or fractional ones in a Map.
 */
const DENSE_US = 1 << 17

export class LatencyHistogram {
  /** dense[us] = how many ops took `us` µs (whole µs below DENSE_US; grown on demand). */
  private dense: Uint32Array = new Uint32Array(0)
  private readonly counts = new Map<number, number>()
  private n = 0
  private maxUs = -1
  private sortedKeys: number[] | null = null

  get count(): number {
    return this.n
  }

  add(us: number): void {
    if (us >= 0 && us < DENSE_US && Number.isInteger(us)) {
      if (us >= this.dense.length) this.grow(us)
      this.dense[us]++
    } else this.counts.set(us, (this.counts.get(us) ?? 0) + 1)
    this.n++
    if (us > this.maxUs) this.maxUs = us
    this.sortedKeys = null
  }

  private grow(us: number): void {
    let len = Math.max(1024, this.dense.length)
    while (len <= us) len *= 2
    const next = new Uint32Array(Math.min(len, DENSE_US))
    next.set(this.dense)
    this.dense = next
  }

  private countOf(us: number): number {
    return us >= 0 && us < this.dense.length && Number.isInteger(us)
      ? this.dense[us]
      : (this.counts.get(us) ?? 0)
  }

  max(): number | null {
    return this.n === 0 ? null : this.maxUs
  }

  /** Exact nearest-rank quantile, µs; null when empty. */
  quantile(q: number): number | null {
    if (this.n === 0) return null
    if (this.sortedKeys === null) {
      const keys = [...this.counts.keys()]
      for (let us = 0; us < this.dense.length; us++) if (this.dense[us] > 0) keys.push(us)
      this.sortedKeys = keys.sort((a, b) => a - b)
    }
    const rank = Math.min(this.n, Math.max(1, Math.ceil(q * this.n)))
    let seen = 0
    for (const k of this.sortedKeys) {
      seen += this.countOf(k)
      if (seen >= rank) return k
    }
    return this.maxUs
  }
}
