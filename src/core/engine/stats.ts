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

export class LatencyHistogram {
  private readonly counts = new Map<number, number>()
  private n = 0
  private maxUs = -1
  private sortedKeys: number[] | null = null

  get count(): number {
    return this.n
  }

  add(us: number): void {
    this.counts.set(us, (this.counts.get(us) ?? 0) + 1)
    this.n++
    if (us > this.maxUs) this.maxUs = us
    this.sortedKeys = null
  }

  max(): number | null {
    return this.n === 0 ? null : this.maxUs
  }

  /** Exact nearest-rank quantile, µs; null when empty. */
  quantile(q: number): number | null {
    if (this.n === 0) return null
    if (this.sortedKeys === null) this.sortedKeys = [...this.counts.keys()].sort((a, b) => a - b)
    const rank = Math.min(this.n, Math.max(1, Math.ceil(q * this.n)))
    let seen = 0
    for (const k of this.sortedKeys) {
      seen += this.counts.get(k) as number
      if (seen >= rank) return k
    }
    return this.maxUs
  }
}
