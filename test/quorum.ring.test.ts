// Placement on the consistent-hashing ring (Dynamo §4.2-4.3), the version rules (§4.4) and the
// Merkle trees anti-entropy compares (§4.7), as pure functions.
import { describe, expect, it } from 'vitest'
import { Ring, RANGES } from '../src/core/protocols/quorum'
import { differingRanges, entriesIn, merkleLeaves, merkleRoot } from '../src/core/protocols/quorum/merkle'
import { covers, mergeAll, mergeVersion, newerLww } from '../src/core/protocols/quorum/version'
import type { Version } from '../src/core/protocols/quorum'
import { nodeIds } from '../src/shared/trace'

const keys = Array.from({ length: 1000 }, (_, i) => `k${i}`)

describe('§4.2 partitioning: consistent hashing with virtual nodes', () => {
  it('a preference list is the first N distinct nodes clockwise; the rest are stand-ins', () => {
    const ring = new Ring(nodeIds(5), 16, 3)
    for (const k of keys.slice(0, 100)) {
      const walk = ring.walk(k)
      expect([...walk].sort()).toEqual(nodeIds(5))
      expect(ring.preferenceList(k)).toEqual(walk.slice(0, 3))
      expect(ring.standIns(k)).toEqual(walk.slice(3))
      for (const n of nodeIds(5)) expect(ring.isReplica(k, n)).toBe(walk.indexOf(n) < 3)
    }
  })

  it('is a pure function of the nodes and parameters', () => {
    const a = new Ring(nodeIds(5), 16, 3)
    const b = new Ring(nodeIds(5), 16, 3)
    for (const k of keys) expect(a.preferenceList(k)).toEqual(b.preferenceList(k))
    expect(
      keys.some((k) => new Ring(nodeIds(5), 4, 3).preferenceList(k).join() !== a.preferenceList(k).join()),
    ).toBe(true)
  })

  it('more virtual nodes spread keys more evenly', () => {
    const spread = (vnodes: number): number => {
      const ring = new Ring(nodeIds(5), vnodes, 1)
      const count = new Map<string, number>()
      for (const k of keys)
        count.set(ring.preferenceList(k)[0], (count.get(ring.preferenceList(k)[0]) ?? 0) + 1)
      const c = nodeIds(5).map((n) => count.get(n) ?? 0)
      return Math.max(...c) - Math.min(...c)
    }
    expect(spread(128)).toBeLessThan(spread(1))
    expect(spread(128)).toBeLessThan(150) // ideal: 200 keys each
  })

  it('adding a node moves only the keys it takes over (consistent hashing)', () => {
    const before = new Ring(nodeIds(5), 16, 1)
    const after = new Ring(nodeIds(6), 16, 1)
    for (const k of keys) {
      const a = after.preferenceList(k)[0]
      if (a !== 'n6') expect(a).toBe(before.preferenceList(k)[0])
    }
  })
})

function ver(id: string, ts: number, node: string, vc: Record<string, number>): Version {
  return { id, value: id, ts, node, vc }
}

describe('§4.4 versioning', () => {
  const a = ver('a', 1, 'n1', { n1: 1 })
  const b = ver('b', 2, 'n2', { n1: 1, n2: 1 }) // follows a
  const c = ver('c', 1, 'n3', { n3: 1 }) // concurrent with a and b

  it('vector clocks order causally related versions only', () => {
    expect(covers(b.vc, a.vc)).toBe(true)
    expect(covers(a.vc, b.vc)).toBe(false)
    expect(covers(a.vc, c.vc) || covers(c.vc, a.vc)).toBe(false)
  })

  it('siblings keeps every version no other one follows; a later version replaces what it saw', () => {
    expect(mergeAll([[a], [c]], 'siblings').map((v) => v.id)).toEqual(['a', 'c'])
    expect(mergeAll([[a, c], [b]], 'siblings').map((v) => v.id)).toEqual(['b', 'c'])
    expect(mergeVersion([b], a, 'siblings')).toBeNull() // obsolete: nothing to store
    expect(mergeVersion([b], b, 'siblings')).toBeNull() // already held
  })

  it('lww keeps the one version with the highest (ts, coordinator)', () => {
    expect(newerLww(c, a)).toBe(true) // same ts: n3 > n1
    expect(mergeAll([[a], [c], [b]], 'lww').map((v) => v.id)).toEqual(['b'])
    expect(mergeVersion([b], c, 'lww')).toBeNull()
    expect(mergeVersion([b], c, 'lww', true)?.map((v) => v.id)).toEqual(['c']) // the lwwArrivalOrder mutant
  })
})

describe('§4.7 Merkle trees', () => {
  const ring = new Ring(nodeIds(3), 8, 3) // N = 3 of 3: every key is shared by every pair
  const data = (ids: string[]): Map<string, Version[]> =>
    new Map(ids.map((k, i) => [k, [ver(`w${k}`, i + 1, 'n1', { n1: i + 1 })]]))

  it('equal stores have equal roots; a difference shows in exactly the ranges of the keys that differ', () => {
    const mine = data(keys.slice(0, 50))
    const theirs = data(keys.slice(0, 50))
    expect(merkleRoot(merkleLeaves(mine, ring, 'n2'))).toBe(merkleRoot(merkleLeaves(theirs, ring, 'n1')))
    theirs.delete('k7')
    const diff = differingRanges(merkleLeaves(mine, ring, 'n2'), merkleLeaves(theirs, ring, 'n1'))
    expect(diff).toEqual([ring.range('k7')])
    expect(merkleLeaves(mine, ring, 'n2')).toHaveLength(RANGES)
    const sent = entriesIn(mine, ring, 'n2', diff)
    expect(sent.map((e) => e.key)).toContain('k7')
    expect(sent.every((e) => ring.range(e.key) === diff[0])).toBe(true)
  })

  it('only keys both nodes replicate are compared', () => {
    const small = new Ring(nodeIds(5), 8, 2)
    const mine = data(keys.slice(0, 200).filter((k) => small.isReplica(k, 'n1')))
    const shared = entriesIn(
      mine,
      small,
      'n2',
      Array.from({ length: RANGES }, (_, i) => i),
    )
    expect(shared.length).toBeGreaterThan(0)
    expect(shared.every((e) => small.isReplica(e.key, 'n2'))).toBe(true)
    expect(shared.length).toBeLessThan(mine.size)
  })
})
