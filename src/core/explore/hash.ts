// 53-bit hashes for the explorer's visited set: a string's hash (two independent 32-bit lanes
// over its UTF-16 code units, kept as one safe integer) and the hash of a sequence of hashes.
// With 53 bits, a million states collide with probability about 1e-4 (birthday bound), which
// the explorer states in its result. Pure.

const TWO_21 = 2 ** 21

function finish(h1: number, h2: number): number {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b)
  h1 = Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35)
  h1 ^= h1 >>> 16
  h2 = Math.imul(h2 ^ (h2 >>> 15), 0x2c1b3c6d)
  h2 = Math.imul(h2 ^ (h2 >>> 12), 0x297a2d39)
  h2 ^= h2 >>> 15
  return (h1 >>> 0) * TWO_21 + (h2 >>> 11)
}

/** The hash of a string. */
export function hashString(s: string): number {
  let h1 = 0x811c9dc5
  let h2 = 0x9747b28c ^ s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 0x01000193)
    h2 = Math.imul(h2 + c, 0x5bd1e995)
    h2 ^= h2 >>> 13
  }
  return finish(h1, h2)
}

/** The hash of a sequence of hashes (order matters: sort first for a multiset). */
export function hashList(xs: readonly number[], seed = 0): number {
  let h1 = 0x811c9dc5 ^ seed
  let h2 = 0x9747b28c ^ xs.length
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]
    const lo = (x % 0x100000000) | 0
    const hi = Math.floor(x / 0x100000000) | 0
    h1 = Math.imul(h1 ^ lo, 0x01000193)
    h1 = Math.imul(h1 ^ hi, 0x01000193)
    h2 = Math.imul(h2 + (hi ^ Math.imul(lo, 0x27d4eb2d)), 0x5bd1e995)
    h2 ^= h2 >>> 13
  }
  return finish(h1, h2)
}
