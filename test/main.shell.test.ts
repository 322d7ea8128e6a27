// The Electron-only code cannot run here (no Electron binary), so this checks what can be
// checked without it: the window's security settings, the CSP, the IPC handlers (with a
// stand-in ipcMain) and the preload bundle (built with esbuild, run against a fake
// contextBridge/ipcRenderer).
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { describe, expect, it, vi } from 'vitest'
import { type LabEvent } from '../src/shared/api'
import { LAB_METHODS } from '../src/shared/api-schemas'
import { CSP, devCsp } from '../src/main/csp'
import { secureWebPreferences, windowOptions } from '../src/main/shell/window-options'

type Handler = (event: unknown, arg: unknown) => Promise<unknown>
const ipcHandlers = vi.hoisted(() => new Map<string, Handler>())
vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, fn: Handler) => ipcHandlers.set(channel, fn),
    removeHandler: (channel: string) => ipcHandlers.delete(channel),
  },
}))

describe('window options', () => {
  it('isolates and sandboxes the renderer', () => {
    expect(secureWebPreferences.contextIsolation).toBe(true)
    expect(secureWebPreferences.sandbox).toBe(true)
    expect(secureWebPreferences.nodeIntegration).toBe(false)
    expect(secureWebPreferences.webSecurity).toBe(true)
    expect(secureWebPreferences.webviewTag).toBe(false)
    const o = windowOptions('/app/out/preload/index.js')
    expect(o.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      preload: '/app/out/preload/index.js',
    })
  })

  it('uses the strict CSP (dev adds only the dev server)', () => {
    expect(CSP).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    )
    const dev = devCsp('http://localhost:5173/')
    expect(dev).toContain("script-src 'self' http://localhost:5173")
    expect(dev).toContain("connect-src 'self' http://localhost:5173 ws://localhost:5173")
    expect(dev).toContain("object-src 'none'")
    expect(dev).not.toContain('unsafe-eval')
  })
})

describe('IPC handlers', () => {
  it('registers lab:<method> for every method, checks the sender and returns envelopes', async () => {
    const { registerLabIpc } = await import('../src/main/shell/ipc')
    const { LabService } = await import('../src/main/lab/service')
    const dataDir = mkdtempSync(join(tmpdir(), 'ql-shell-'))
    const service = new LabService({ bridge: 'electron', dataDir, version: '9.9.9' })
    const trusted = 'file:///app/out/renderer/index.html'
    const unregister = registerLabIpc(service, (url) => url.startsWith(trusted))
    expect([...ipcHandlers.keys()].sort()).toEqual(LAB_METHODS.map((m) => `lab:${m}`).sort())

    const call = (method: string, arg: unknown, url = trusted, parent: unknown = null): Promise<unknown> =>
      ipcHandlers.get(`lab:${method}`)!({ senderFrame: { url, parent } }, arg)

    expect(await call('appInfo', undefined)).toEqual({
      ok: true,
      result: { name: 'quorum-lab', version: '9.9.9', bridge: 'electron', dataDir },
    })
    expect(await call('getRun', { runId: 7 })).toMatchObject({
      ok: false,
      error: { code: 'bad_input', fields: [{ path: 'runId' }] },
    })
    expect(await call('getRun', { runId: 'nope' })).toMatchObject({ ok: false, error: { code: 'not_found' } })
    // Another page, or a subframe of ours, is refused.
    expect(await call('appInfo', undefined, 'https://evil.example/')).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('untrusted frame') },
    })
    expect(await call('appInfo', undefined, trusted, {})).toMatchObject({ ok: false })
    expect(await ipcHandlers.get('lab:appInfo')!({ senderFrame: null }, undefined)).toMatchObject({
      ok: false,
    })

    unregister()
    expect(ipcHandlers.size).toBe(0)
  })
})

describe('preload', () => {
  async function loadPreload() {
    const result = await build({
      entryPoints: ['src/preload/index.ts'],
      bundle: true,
      format: 'cjs',
      platform: 'node',
      external: ['electron'],
      write: false,
      logLevel: 'silent',
    })
    const code = result.outputFiles[0].text
    const required: string[] = []
    const exposed: Record<string, unknown> = {}
    const invoked: Array<[string, unknown]> = []
    const listeners = new Map<string, Set<(...a: unknown[]) => void>>()
    let reply: unknown = { ok: true, result: 'R' }
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
      ipcRenderer: {
        invoke: async (channel: string, arg: unknown) => {
          invoked.push([channel, arg])
          return reply
        },
        on: (channel: string, fn: (...a: unknown[]) => void) => {
          if (!listeners.has(channel)) listeners.set(channel, new Set())
          listeners.get(channel)!.add(fn)
        },
        removeListener: (channel: string, fn: (...a: unknown[]) => void) =>
          listeners.get(channel)?.delete(fn),
      },
    }
    const mod = { exports: {} }
    const fakeRequire = (name: string): unknown => {
      required.push(name)
      if (name === 'electron') return electron
      throw new Error(`a sandboxed preload cannot require ${name}`)
    }
    new Function('require', 'module', 'exports', code)(fakeRequire, mod, mod.exports)
    return { code, required, exposed, invoked, listeners, electron, setReply: (r: unknown) => (reply = r) }
  }

  it('requires only electron and exposes one named function per call plus onEvent', async () => {
    const p = await loadPreload()
    expect(new Set(p.required)).toEqual(new Set(['electron']))
    expect(Object.keys(p.exposed)).toEqual(['lab'])
    const lab = p.exposed.lab as Record<string, unknown>
    expect(Object.keys(lab).sort()).toEqual([...LAB_METHODS, 'onEvent'].sort())
    for (const v of Object.values(lab)) expect(typeof v).toBe('function')
    // ipcRenderer itself is never handed to the page.
    expect(Object.values(lab)).not.toContain(p.electron.ipcRenderer)
    expect(Object.values(lab)).not.toContain(p.electron.ipcRenderer.invoke)
    expect(readFileSync('src/preload/index.ts', 'utf8')).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer/)
  })

  it('invokes lab:<method>, unwraps results and rejects with LabError data', async () => {
    const p = await loadPreload()
    const lab = p.exposed.lab as Record<string, (a?: unknown) => Promise<unknown>>
    expect(await lab.getRun({ runId: 'r1' })).toBe('R')
    expect(p.invoked).toEqual([['lab:getRun', { runId: 'r1' }]])
    p.setReply({
      ok: false,
      error: {
        code: 'bad_input',
        message: 'invalid spec',
        fields: [{ path: 'durationMs', message: 'must be > 0' }],
      },
    })
    const e = (await lab.startRun({ spec: {} }).catch((x: unknown) => x)) as Record<string, unknown>
    expect(e).toMatchObject({
      name: 'LabError',
      code: 'bad_input',
      message: 'invalid spec',
      fields: [{ path: 'durationMs', message: 'must be > 0' }],
    })
    expect(String(e)).toBe('LabError: invalid spec')
  })

  it('onEvent passes only the payload and unsubscribes', async () => {
    const p = await loadPreload()
    const lab = p.exposed.lab as { onEvent(l: (e: LabEvent) => void): () => void }
    const got: unknown[] = []
    const off = lab.onEvent((e) => got.push(e))
    const ev = { type: 'run-progress', runId: 'r', tMs: 1, progress: 0.1, nodes: [], windows: [] }
    for (const fn of p.listeners.get('lab:event') ?? []) fn({ sender: 'IPC RENDERER' }, ev)
    expect(got).toEqual([ev])
    off()
    expect(p.listeners.get('lab:event')?.size).toBe(0)
  })
})
