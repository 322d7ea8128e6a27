// The prebuilt child programs (node_modules/.cache/quorum-lab) are reused only when every
// source they were built from is a file of this checkout and none changed since: a cache that
// came with a copied node_modules lists another checkout's files and must be rebuilt, or the
// children would run that checkout's code.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { prebuildIsFresh } from '../src/main/lab/cluster/spawn'
import { tempDir } from './proc.helpers'

const tmp = tempDir('ql-prebuild-')
afterAll(() => tmp.cleanup())

function source(root: string, name: string, mtimeS: number): string {
  mkdirSync(join(root, 'src'), { recursive: true })
  const f = join(root, 'src', name)
  writeFileSync(f, '// x\n')
  utimesSync(f, mtimeS, mtimeS)
  return f
}

describe('prebuilt child programs', () => {
  const here = join(tmp.dir, 'wt-a')
  const other = join(tmp.dir, 'wt-a-main')
  const built = 2_000_000 * 1000

  it('are fresh when every input is an unchanged file of this checkout', () => {
    expect(prebuildIsFresh([source(here, 'a.ts', 1_000_000)], here, built)).toBe(true)
  })

  it('are stale when an input is newer than the build', () => {
    expect(prebuildIsFresh([source(here, 'b.ts', 3_000_000)], here, built)).toBe(false)
  })

  it("are stale when they were built from another checkout's sources (a copied cache)", () => {
    const foreign = source(other, 'a.ts', 1_000_000)
    expect(prebuildIsFresh([foreign], other, built)).toBe(true)
    expect(prebuildIsFresh([foreign], here, built)).toBe(false)
  })

  it('are stale when the input list is empty or malformed', () => {
    expect(prebuildIsFresh([], here, built)).toBe(false)
    expect(prebuildIsFresh({ a: 1 }, here, built)).toBe(false)
    expect(prebuildIsFresh([42], here, built)).toBe(false)
  })
})
