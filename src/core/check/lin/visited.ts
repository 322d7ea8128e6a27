// The memo of visited search configurations (set of linearized ops, register state).
// Open addressing over one growable word pool: each entry is
// [h1, h2, state, len, ...signature words], where (h1, h2) is an incremental Zobrist hash
// of the linearized set and the signature is an exact, compact encoding of it, so a hash
// collision can never prune a configuration that was not actually visited.

const MIN_TABLE = 1 << 12

export class VisitedSet {
  private table = new Int32Array(MIN_TABLE)
  private mask = MIN_TABLE - 1
  private pool = new Uint32Array(1 << 14)
  private top = 0
  /** Entries stored. */
  size = 0
  /** True once the pool hit its cap: later configurations are no longer memoised. */
  full = false

  /** @param maxWords cap on the pool (32-bit words); beyond it the search runs unmemoised. */
  constructor(private readonly maxWords = 1 << 25) {}

  /** Whether a configuration was visited. */
  has(h1: number, h2: number, state: number, sig: Uint32Array, len: number): boolean {
    return this.find(h1 >>> 0, h2 >>> 0, state, sig, len) < 0
  }

  /** The free slot for a configuration, or -1 if it is present. */
  private find(h1: number, h2: number, state: number, sig: Uint32Array, len: number): number {
    const pool = this.pool
    let i = slot(h1, state) & this.mask
    for (;;) {
      const off = this.table[i]
      if (off === 0) return i
      const o = off - 1
      if (pool[o] === h1 && pool[o + 1] === h2 && pool[o + 2] === state && pool[o + 3] === len) {
        let same = true
        for (let k = 0; k < len; k++) {
          if (pool[o + 4 + k] !== sig[k]) {
            same = false
            break
          }
        }
        if (same) return -1
      }
      i = (i + 1) & this.mask
    }
  }

  /** Record a configuration; false if it was already visited. */
  add(h1: number, h2: number, state: number, sig: Uint32Array, len: number): boolean {
    h1 >>>= 0
    h2 >>>= 0
    const i = this.find(h1, h2, state, sig, len)
    if (i < 0) return false
    const need = this.top + 4 + len
    if (need > this.pool.length) {
      if (need > this.maxWords) {
        this.full = true
        return true
      }
      let cap = this.pool.length * 2
      while (cap < need) cap *= 2
      const grown = new Uint32Array(Math.min(cap, this.maxWords))
      grown.set(this.pool.subarray(0, this.top))
      this.pool = grown
    }
    const p = this.pool
    const o = this.top
    p[o] = h1
    p[o + 1] = h2
    p[o + 2] = state
    p[o + 3] = len
    for (let k = 0; k < len; k++) p[o + 4 + k] = sig[k]
    this.top = need
    this.table[i] = o + 1
    this.size++
    if (this.size * 2 > this.table.length) this.grow()
    return true
  }

  private grow(): void {
    const old = this.table
    const table = new Int32Array(old.length * 2)
    const mask = table.length - 1
    for (let j = 0; j < old.length; j++) {
      const off = old[j]
      if (off === 0) continue
      const o = off - 1
      let i = slot(this.pool[o], this.pool[o + 2]) & mask
      while (table[i] !== 0) i = (i + 1) & mask
      table[i] = off
    }
    this.table = table
    this.mask = mask
  }
}

function slot(h1: number, state: number): number {
  let h = (h1 ^ Math.imul(state + 1, 0x9e3779b1)) >>> 0
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** Deterministic 32-bit hash of an integer (Zobrist keys: no randomness needed). */
export function zobrist(i: number, seed: number): number {
  let z = (Math.imul(i + 1, 0x9e3779b9) ^ seed) >>> 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) | 0
}
