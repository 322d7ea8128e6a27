// Seeded PRNG (sfc32 seeded through splitmix32). Every random draw in src/core comes from
// one of these, so a seed reproduces a run bit for bit. No Math.random anywhere in core.

export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number
  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number
  /** True with probability p. */
  chance(p: number): boolean
  /** A new independent generator derived from this one's stream. */
  fork(): Rng
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

class Sfc32 implements Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number) {
    // Fold seeds above 2^32 in, so every safe integer seed gives its own stream.
    const hi = Math.floor(seed / 0x100000000) >>> 0
    const sm = splitmix32((seed >>> 0) ^ Math.imul(hi, 0x27d4eb2d))
    this.a = sm()
    this.b = sm()
    this.c = sm()
    this.d = sm()
    for (let i = 0; i < 12; i++) this.u32()
  }

  private u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0
    this.d = (this.d + 1) >>> 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) >>> 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) >>> 0
    return t
  }

  next(): number {
    return this.u32() / 0x100000000
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p
  }

  fork(): Rng {
    return new Sfc32(this.u32() * 0x10000 + (this.u32() >>> 16))
  }
}

export function createRng(seed: number): Rng {
  return new Sfc32(seed)
}
