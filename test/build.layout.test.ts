// The build output layout the desktop app relies on, checked against a real build (`npm test`
// runs `electron-vite build` first): the shell finds its renderer and preload, the lab finds
// the node and proxy programs next to the main bundle (no tsx, no sources), the built
// programs import only packaged dependencies and really run a cluster, and electron-builder
// packs all of it (app.asar with out/**, better-sqlite3 unpacked for its native binary).
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { builtinModules, createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveChildEntry } from '../src/main/lab/cluster/spawn'
import { driveProcessRun, startProcessRun } from '../src/main/lab/processes'
import { shellPaths } from '../src/main/shell/paths'
import { ExperimentSpecSchema } from '../src/shared/spec'

const OUT = resolve(process.env.QUORUM_LAB_OUT ?? 'out')
const MAIN = join(OUT, 'main')
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  main: string
  dependencies: Record<string, string>
  scripts: Record<string, string>
}
const builder = JSON.parse(readFileSync('electron-builder.json', 'utf8')) as Record<string, unknown>
const require = createRequire(import.meta.url)

/** Every bare module a built file imports (static, dynamic and require). */
function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8')
  const found = new Set<string>()
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s*)["']([@\w][\w@./:-]*)["']/gm
  for (const m of src.matchAll(re)) found.add(m[1])
  return [...found]
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageOf(spec: string): string {
  const parts = spec.split('/')
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

const builtins = new Set(builtinModules)
const isBuiltin = (s: string): boolean => s.startsWith('node:') || builtins.has(packageOf(s))

describe('build output layout', () => {
  beforeAll(() => {
    if (!existsSync(join(MAIN, 'index.js'))) {
      throw new Error(`${MAIN}/index.js is missing: run \`npx electron-vite build\` first`)
    }
  })

  it("package.json's main is the built shell", () => {
    expect(resolve(pkg.main)).toBe(join(MAIN, 'index.js'))
  })

  it('the shell finds the renderer page and the sandboxed (CommonJS) preload', () => {
    const p = shellPaths(MAIN)
    expect(p.indexHtml).toBe(join(OUT, 'renderer', 'index.html'))
    expect(existsSync(p.indexHtml)).toBe(true)
    expect(p.preload).toBe(join(OUT, 'preload', 'index.cjs'))
    expect(readFileSync(p.preload, 'utf8')).toMatch(/require\(["']electron["']\)/)
  })

  it('the node and proxy programs resolve to their built entries next to the main bundle', () => {
    const saved = [process.env.QUORUM_LAB_NODE_ENTRY, process.env.QUORUM_LAB_PROXY_ENTRY]
    delete process.env.QUORUM_LAB_NODE_ENTRY
    delete process.env.QUORUM_LAB_PROXY_ENTRY
    try {
      for (const kind of ['node', 'proxy'] as const) {
        const entry = resolveChildEntry(kind, MAIN)
        expect(entry.file).toBe(join(MAIN, `${kind}.js`))
        expect(entry.execArgv).toEqual([]) // plain JS: no tsx loader in the app
      }
    } finally {
      if (saved[0] !== undefined) process.env.QUORUM_LAB_NODE_ENTRY = saved[0]
      if (saved[1] !== undefined) process.env.QUORUM_LAB_PROXY_ENTRY = saved[1]
    }
  })

  it('built main-process files import only builtins and packaged dependencies', () => {
    const files = ['index.js', 'node.js', 'proxy.js'].map((f) => join(MAIN, f))
    const chunks = join(MAIN, 'chunks')
    if (existsSync(chunks)) for (const f of readdirSync(chunks)) files.push(join(chunks, f))
    const bad: string[] = []
    for (const file of files) {
      for (const spec of importsOf(file)) {
        if (isBuiltin(spec)) continue
        const name = packageOf(spec)
        // Only the shell may import electron; the children run as plain Node (run-as-node).
        if (name === 'electron' && file.endsWith('index.js')) continue
        if (!(name in pkg.dependencies)) bad.push(`${file.slice(OUT.length + 1)} imports ${spec}`)
      }
    }
    expect(bad).toEqual([])
  })

  it('the built node and proxy programs run a real cluster', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ql-built-'))
    try {
      const spec = ExperimentSpecSchema.parse({
        name: 'built-entries',
        mode: 'processes',
        cluster: { nodes: 3, tickMs: 10 },
        durationMs: 1500,
        workload: { clients: 2, ratePerSec: 100, keys: 3 },
      })
      const run = await startProcessRun(spec, {
        dataDir,
        nodeEntry: resolveChildEntry('node', MAIN),
        proxyEntry: resolveChildEntry('proxy', MAIN),
      })
      await new Promise<void>((done) => driveProcessRun(run, { onEnd: () => done() }))
      const s = run.summary(0)
      expect(s.ops.ok).toBeGreaterThan(0)
      expect(s.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([])
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

describe('packaging', () => {
  it('has a build script per platform', () => {
    expect(pkg.scripts['build:linux']).toMatch(/electron-builder --linux/)
    expect(pkg.scripts['build:win']).toMatch(/electron-builder --win/)
    expect(pkg.scripts['build:mac']).toMatch(/electron-builder --mac/)
  })

  it('electron-builder.json is valid and names the targets, icon and native-module handling', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      validateConfiguration(c: unknown, log: unknown): Promise<void>
    }
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (on: boolean) => unknown }
    await validateConfiguration(builder, new DebugLogger(false))
    // A typo must not pass silently: the same validator rejects an unknown key.
    await expect(validateConfiguration({ ...builder, bogus: 1 }, new DebugLogger(false))).rejects.toThrow(
      /unknown property 'bogus'/,
    )
    expect(builder).toMatchObject({
      appId: 'dev.quorumlab.app',
      productName: 'Quorum Lab',
      npmRebuild: true,
      linux: { target: ['AppImage', 'deb'], icon: 'resources/icon.png' },
      win: { target: ['nsis'] },
      mac: { target: ['dmg'] },
    })
    expect(builder.asarUnpack).toContain('**/node_modules/better-sqlite3/**')
    expect(existsSync('resources/icon.png')).toBe(true)
    // Fuses: run-as-node stays on (the lab forks its node and proxy programs with the app's
    // own binary); the rest are locked down (see SECURITY.md).
    expect(builder.electronFuses).toMatchObject({
      runAsNode: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    })
  })

  describe('an unpacked Linux package', () => {
    // electron-builder --dir with a stand-in Electron binary (Electron's own cannot be
    // downloaded here), no native rebuild (that needs Electron's headers) and no fuses (they
    // patch the real binary): what is checked is the layout of app.asar.
    const work = mkdtempSync(join(tmpdir(), 'ql-pack-'))
    const appDir = join(work, 'dist', 'linux-unpacked', 'resources')
    let listing: string[] = []

    beforeAll(async () => {
      const dist = join(work, 'electron')
      mkdirSync(dist)
      writeFileSync(join(dist, 'electron'), '#!/bin/sh\n', { mode: 0o755 })
      writeFileSync(join(dist, 'LICENSE'), '')
      const cfg = {
        ...builder,
        npmRebuild: false,
        electronDist: dist,
        directories: { output: join(work, 'dist') },
      }
      delete (cfg as Record<string, unknown>).electronFuses
      writeFileSync(join(work, 'builder.json'), JSON.stringify(cfg))
      const cli = require.resolve('electron-builder/cli.js')
      await promisify(execFile)(
        process.execPath,
        [cli, '--linux', 'dir', '--config', join(work, 'builder.json')],
        {
          env: { ...process.env, ELECTRON_BUILDER_CACHE: join(work, 'cache') },
          maxBuffer: 16 * 1024 * 1024,
        },
      )
      const asar = require('@electron/asar') as { listPackage(p: string, o: object): string[] }
      listing = asar.listPackage(join(appDir, 'app.asar'), {}).map((p) => p.replace(/\\/g, '/'))
    }, 240_000)

    afterAll(() => rmSync(work, { recursive: true, force: true }))

    it('app.asar holds the main bundle, both child programs, the preload and the renderer', () => {
      for (const f of [
        '/package.json',
        '/out/main/index.js',
        '/out/main/node.js',
        '/out/main/proxy.js',
        '/out/preload/index.cjs',
        '/out/renderer/index.html',
      ]) {
        expect(listing, f).toContain(f)
      }
      // Runtime dependencies of the main process are packed; the renderer's are bundled by vite.
      expect(listing).toContain('/node_modules/zod/package.json')
      expect(listing).not.toContain('/node_modules/vue/package.json')
    })

    it('better-sqlite3 is unpacked from the asar (its native binary must be loadable)', () => {
      const unpacked = join(appDir, 'app.asar.unpacked', 'node_modules', 'better-sqlite3')
      expect(existsSync(join(unpacked, 'package.json'))).toBe(true)
      expect(existsSync(join(unpacked, 'build', 'Release', 'better_sqlite3.node'))).toBe(true)
    })
  })
})
