// Every example spec in examples/ is valid, so the README's commands work as written.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ALGORITHMS, parseSpecJson } from '../src/shared/spec'

const files = readdirSync('examples').filter((f) => f.endsWith('.json'))

describe('examples/', () => {
  it.each(files)('%s is a valid spec named after its file', (f) => {
    const r = parseSpecJson(readFileSync(join('examples', f), 'utf8'))
    expect(r.ok ? [] : r.errors).toEqual([])
    if (r.ok) expect(`${r.spec.name}.json`).toBe(f)
  })

  it('has at least one example per algorithm', () => {
    const kinds = new Set(
      files.map(
        (f) =>
          (JSON.parse(readFileSync(join('examples', f), 'utf8')) as { algorithm?: { kind?: string } })
            .algorithm?.kind ?? 'raft',
      ),
    )
    expect([...kinds].sort()).toEqual([...ALGORITHMS].sort())
  })
})
