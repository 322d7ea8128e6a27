// Key and operation choice for the KV workload: uniform or Zipf keys, read/write/cas mix.
import type { WorkloadSpec } from '../../shared/spec'
import type { OpFn } from '../../shared/trace'
import type { Rng } from '../rng'

export interface KeyChooser {
  /** A key index in [0, keys). */
  next(rng: Rng): number
}

/** Uniform over k0..k{keys-1}. */
export function uniformKeys(keys: number): KeyChooser {
  return { next: (rng) => rng.int(0, keys - 1) }
}

/**
 * Zipf over ranks: key k_i has weight 1 / (i + 1)^s, so k0 is the hottest key. Sampling is a
 * binary search in the precomputed cumulative distribution (one draw per key).
 */
export function zipfKeys(keys: number, s: number): KeyChooser {
  const cdf = new Float64Array(keys)
  let sum = 0
  for (let i = 0; i < keys; i++) {
    sum += 1 / Math.pow(i + 1, s)
    cdf[i] = sum
  }
  for (let i = 0; i < keys; i++) cdf[i] /= sum
  cdf[keys - 1] = 1
  return {
    next(rng) {
      const u = rng.next()
      let lo = 0
      let hi = keys - 1
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (cdf[mid] > u) hi = mid
        else lo = mid + 1
      }
      return lo
    },
  }
}

export function keyChooser(w: WorkloadSpec): KeyChooser {
  return w.distribution === 'zipf' ? zipfKeys(w.keys, w.zipfExponent) : uniformKeys(w.keys)
}

/** Picks get / put / cas with the spec's mix weights (they need not sum to 1). */
export function opChooser(w: WorkloadSpec): (rng: Rng) => Exclude<OpFn, 'call'> {
  const { read, write, cas } = w.mix
  const total = read + write + cas
  return (rng) => {
    const u = rng.next() * total
    if (u < read) return 'get'
    if (u < read + write) return 'put'
    return cas > 0 ? 'cas' : 'put'
  }
}

/** Exponential inter-arrival time (µs) for a Poisson process of `perSec` arrivals a second. */
export function expInterval(rng: Rng, perSec: number): number {
  const u = rng.next()
  return Math.max(1, Math.round((-Math.log(1 - u) * 1_000_000) / perSec))
}
