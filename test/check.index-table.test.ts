// IndexTable (src/core/check/index-table.ts) answers as a Map<number, T> would: random
// sets, deletes and trims over in-order, gapped, far, fractional and negative indices.
import { describe, expect, it } from 'vitest'
import { IndexTable } from '../src/core/check/index-table'
import { createRng } from '../src/core/rng'

describe('IndexTable', () => {
  it('gives the same answers as a Map under random use', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rng = createRng(seed)
      const table = new IndexTable<{ v: number }>()
      const map = new Map<number, { v: number }>()
      let next = 1
      const pick = (): number => {
        const r = rng.next()
        if (r < 0.6) return next++
        if (r < 0.75) return rng.int(-3, next + 5)
        if (r < 0.85) return next + rng.int(0, 3000)
        if (r < 0.9) return rng.int(0, next) + 0.5
        return rng.int(1, Math.max(1, next))
      }
      for (let step = 0; step < 3000; step++) {
        const i = pick()
        const r = rng.next()
        if (r < 0.7) {
          const v = { v: step }
          table.set(i, v)
          map.set(i, v)
        } else if (r < 0.9) {
          table.delete(i)
          map.delete(i)
        } else {
          // Pruning: delete a run of whole indices from the bottom, then trim.
          const lo = rng.int(0, next)
          for (let k = lo; k < lo + rng.int(0, 50); k++) {
            table.delete(k)
            map.delete(k)
          }
          table.trim()
        }
        expect(table.size).toBe(map.size)
        for (const k of [i, i - 1, i + 1, next, 0, -1, i + 0.5]) expect(table.get(k)).toBe(map.get(k))
      }
      for (const [k, v] of map) expect(table.get(k)).toBe(v)
    }
  })
})
