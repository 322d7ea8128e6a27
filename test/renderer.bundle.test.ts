// The built renderer is minified and split (checked against a real build; `npm test` runs
// `electron-vite build` first): the page loads one small entry script whose static imports
// hold neither ECharts nor zod, and each view is its own chunk, imported when first shown.
// First paint itself is measured by `npm run bench -- ui --paint-only`, not here.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'

const RENDERER = resolve(process.env.QUORUM_LAB_OUT ?? 'out', 'renderer')
const read = (rel: string): string => readFileSync(join(RENDERER, rel), 'utf8')

/** The entry script index.html loads, and every chunk it imports statically (transitively). */
function initialScripts(): string[] {
  const html = read('index.html')
  const entries = [...html.matchAll(/<script[^>]+src="\.\/([^"]+\.js)"/g)].map((m) => m[1])
  const seen = new Set<string>()
  const visit = (rel: string): void => {
    if (seen.has(rel)) return
    seen.add(rel)
    const dir = rel.slice(0, rel.lastIndexOf('/') + 1)
    const code = read(rel)
    for (const m of code.matchAll(/(?:^|[;}\s])import\s*(?:[\w${},\s*]+from\s*)?"\.\/([^"]+\.js)"/g))
      visit(dir + m[1])
  }
  entries.forEach(visit)
  return [...seen]
}

/** Strings only ECharts' (zrender's) and zod's code hold, minified or not. */
const ECHARTS_MARK = 'zlevel'
const ZOD_MARK = 'invalid_union'

describe('renderer bundle', () => {
  beforeAll(() => {
    if (!existsSync(join(RENDERER, 'index.html')))
      throw new Error(`${RENDERER}/index.html is missing: run \`npx electron-vite build\` first`)
  })

  it('the first load is one small, minified script without ECharts or zod', () => {
    const scripts = initialScripts()
    expect(scripts.length).toBeGreaterThan(0)
    const bytes = scripts.reduce((n, f) => n + read(f).length, 0)
    expect(bytes).toBeLessThan(450 * 1024)
    for (const f of scripts) {
      const code = read(f)
      expect(code.includes(ECHARTS_MARK), `${f} holds ECharts`).toBe(false)
      expect(code.includes(ZOD_MARK), `${f} holds zod`).toBe(false)
      // Minified: no doc comments, long lines.
      expect(code.includes('/**'), `${f} is not minified`).toBe(false)
      expect(code.length / code.split('\n').length).toBeGreaterThan(300)
    }
  })

  it('each view is its own chunk, imported when first shown', () => {
    const entry = read(initialScripts()[0])
    for (const view of ['DesignView', 'RunView', 'RunsView', 'CompareView', 'ReplayView']) {
      expect(entry, view).toMatch(new RegExp(`import\\("\\./${view}-[\\w-]+\\.js"\\)`))
    }
    // The marks are real: ECharts and zod are in the build, in later chunks.
    const all = readdirSync(join(RENDERER, 'assets')).filter((f) => f.endsWith('.js'))
    expect(all.some((f) => read(`assets/${f}`).includes(ECHARTS_MARK))).toBe(true)
    expect(all.some((f) => read(`assets/${f}`).includes(ZOD_MARK))).toBe(true)
  })
})
