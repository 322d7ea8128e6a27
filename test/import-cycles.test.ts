// No import loops in src/ (type-only imports count too: a loop of types is still two files
// that cannot be understood apart). Each concept points one way: shared <- core <- main, and
// the renderer on shared; shared and the renderer read of core only the algorithms' light
// descriptions (core/protocols/catalog.ts, <kind>/describe.ts; eslint.config.js holds them to it).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { describe, expect, it } from 'vitest'

const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]/g

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) sources(p, out)
    else if ((p.endsWith('.ts') || p.endsWith('.vue')) && !p.endsWith('.d.ts')) out.push(normalize(p))
  }
  return out
}

/** Strongly connected components with more than one file (Tarjan). */
export function importCycles(root: string): string[][] {
  const files = new Set(sources(root))
  const resolve = (from: string, spec: string): string | null => {
    const p = normalize(join(dirname(from), spec))
    for (const c of [p, `${p}.ts`, `${p}.vue`, join(p, 'index.ts')]) if (files.has(c)) return c
    return null
  }
  const graph = new Map<string, string[]>()
  for (const f of files) {
    const deps: string[] = []
    for (const m of readFileSync(f, 'utf8').matchAll(IMPORT)) {
      const r = resolve(f, m[1] ?? m[2])
      if (r !== null) deps.push(r)
    }
    graph.set(f, deps)
  }
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const on = new Set<string>()
  const sccs: string[][] = []
  let n = 0
  const visit = (v: string): void => {
    index.set(v, n)
    low.set(v, n++)
    stack.push(v)
    on.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = []
      for (;;) {
        const w = stack.pop()!
        on.delete(w)
        comp.push(w)
        if (w === v) break
      }
      if (comp.length > 1) sccs.push(comp.sort())
    }
  }
  for (const v of [...files].sort()) if (!index.has(v)) visit(v)
  return sccs
}

describe('import structure', () => {
  it('src/ has no import cycles', () => {
    expect(importCycles('src')).toEqual([])
  })

  it('the check finds a cycle when there is one', () => {
    // The test's own fixture: two files that import each other.
    expect(importCycles('test/fixtures/import-cycle')).toEqual([
      [normalize('test/fixtures/import-cycle/a.ts'), normalize('test/fixtures/import-cycle/b.ts')],
    ])
  })
})
