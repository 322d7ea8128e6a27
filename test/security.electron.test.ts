// The Electron shell's security settings, asserted from the code that creates windows.
// Electron's binary is not available here, so `electron` is replaced by fakes that record
// what src/main/shell/index.ts asks of them; the shell is then imported and app.whenReady
// driven, and everything it set up (window options, CSP header, navigation, permission and
// IPC handlers) is exercised the way Electron would.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { LAB_METHODS } from '../src/shared/api-schemas'
import { secureWebPreferences, windowOptions } from '../src/main/shell/window-options'

type Fn = (...args: never[]) => unknown
type AnyFn = (...args: unknown[]) => unknown

/** What the fake `electron` records; reset before each import of the shell. */
const fake = vi.hoisted(() => {
  const state = {
    isPackaged: true,
    userData: '',
    ready: null as null | { promise: Promise<void>; resolve: () => void },
    sandboxEnabled: 0,
    appHandlers: new Map<string, Fn[]>(),
    windows: [] as Array<{
      options: Record<string, unknown>
      loaded: { file?: string; url?: string }
      handlers: Map<string, Fn[]>
    }>,
    headersHandler: null as Fn | null,
    permissionRequest: null as Fn | null,
    permissionCheck: null as Fn | null,
    ipc: new Map<string, Fn>(),
    reset(): void {
      let resolve = (): void => {}
      const promise = new Promise<void>((r) => (resolve = r))
      state.ready = { promise, resolve }
      state.sandboxEnabled = 0
      state.appHandlers.clear()
      state.windows.length = 0
      state.headersHandler = null
      state.permissionRequest = null
      state.permissionCheck = null
      state.ipc.clear()
    },
  }
  return state
})

vi.mock('electron', () => {
  const on = (map: Map<string, Fn[]>) => (event: string, fn: Fn) => {
    if (!map.has(event)) map.set(event, [])
    map.get(event)!.push(fn)
  }
  class BrowserWindow {
    readonly record: (typeof fake.windows)[number]
    readonly webContents = { send: () => {}, isDestroyed: () => false }
    constructor(options: Record<string, unknown>) {
      this.record = { options, loaded: {}, handlers: new Map() }
      fake.windows.push(this.record)
    }
    on(event: string, fn: Fn): this {
      on(this.record.handlers)(event, fn)
      return this
    }
    once(event: string, fn: Fn): this {
      return this.on(event, fn)
    }
    show(): void {}
    async loadFile(file: string): Promise<void> {
      this.record.loaded.file = file
    }
    async loadURL(url: string): Promise<void> {
      this.record.loaded.url = url
    }
    static getAllWindows(): unknown[] {
      return fake.windows
    }
  }
  return {
    app: {
      get isPackaged() {
        return fake.isPackaged
      },
      enableSandbox: () => void fake.sandboxEnabled++,
      whenReady: () => fake.ready!.promise,
      on: (event: string, fn: Fn) => on(fake.appHandlers)(event, fn),
      getPath: (name: string) => (name === 'userData' ? fake.userData : `/nonexistent/${name}`),
      getVersion: () => '0.0.0-test',
      quit: () => {},
    },
    BrowserWindow,
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (fn: Fn) => (fake.headersHandler = fn) },
        setPermissionRequestHandler: (fn: Fn) => (fake.permissionRequest = fn),
        setPermissionCheckHandler: (fn: Fn) => (fake.permissionCheck = fn),
      },
    },
    ipcMain: {
      handle: (channel: string, fn: Fn) => {
        if (fake.ipc.has(channel)) throw new Error(`second handler for ${channel}`)
        fake.ipc.set(channel, fn)
      },
      removeHandler: (channel: string) => fake.ipc.delete(channel),
    },
  }
})

// The shell's LabService is replaced by a stand-in: this test is about the shell, and the
// real service (its store, its runs) is tested elsewhere.
vi.mock('../src/main/lab/service', () => ({
  LabService: class {
    constructor(readonly opts: { bridge?: string; dataDir?: string; version?: string }) {}
    async appInfo() {
      return {
        name: 'quorum-lab',
        version: this.opts.version,
        bridge: this.opts.bridge,
        dataDir: this.opts.dataDir,
      }
    }
    on() {
      return () => {}
    }
    close() {}
  },
}))

/** Import the shell afresh against a reset fake and let app.whenReady resolve. */
async function bootShell(env: { packaged: boolean; rendererUrl?: string }): Promise<void> {
  fake.reset()
  fake.isPackaged = env.packaged
  if (env.rendererUrl === undefined) delete process.env['ELECTRON_RENDERER_URL']
  else process.env['ELECTRON_RENDERER_URL'] = env.rendererUrl
  vi.resetModules()
  await import('../src/main/shell/index')
  fake.ready!.resolve()
  await vi.waitFor(() => expect(fake.windows.length).toBe(1))
}

/** The 'web-contents-created' handler run on a fake WebContents; returns what it installed. */
function newContents() {
  const handlers = new Map<string, AnyFn[]>()
  let openHandler: AnyFn | null = null
  const contents = {
    setWindowOpenHandler: (fn: AnyFn) => (openHandler = fn),
    on: (event: string, fn: AnyFn) => {
      if (!handlers.has(event)) handlers.set(event, [])
      handlers.get(event)!.push(fn)
    },
  }
  const created = fake.appHandlers.get('web-contents-created') ?? []
  expect(created.length).toBe(1)
  for (const fn of created as AnyFn[]) fn({}, contents)
  /** Emit a navigation-like event; true if the shell called preventDefault. */
  const emit = (event: string, ...args: unknown[]): boolean => {
    const fns = handlers.get(event) ?? []
    expect(fns.length, `a ${event} handler`).toBeGreaterThan(0)
    let prevented = false
    const e = { preventDefault: () => (prevented = true) }
    for (const fn of fns) fn(e, ...args)
    return prevented
  }
  return { emit, open: (url: string) => openHandler!({ url, frameName: '', disposition: 'new-window' }) }
}

/** A CSP string as directive -> source list. */
function parseCsp(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/)
    if (name) out.set(name.toLowerCase(), sources)
  }
  return out
}

function expectStrictCsp(policy: string): void {
  const csp = parseCsp(policy)
  expect(policy).not.toContain("'unsafe-eval'")
  expect(policy).not.toContain("'wasm-unsafe-eval'")
  expect(csp.get('default-src')).toEqual(["'self'"])
  expect(csp.get('object-src')).toEqual(["'none'"])
  expect(csp.get('base-uri')).toEqual(["'none'"])
  // Scripts: no inline, no eval, no data:/blob:/wildcards; script-src falls back to default-src.
  const script = csp.get('script-src') ?? csp.get('default-src')!
  for (const bad of ["'unsafe-inline'", "'unsafe-eval'", 'data:', 'blob:', '*', 'http:', 'https:'])
    expect(script).not.toContain(bad)
}

/** The meta CSP of an index.html. */
function metaCsp(html: string): string {
  const m = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html)
  expect(m, 'a Content-Security-Policy meta tag').not.toBeNull()
  return m![1]
}

let userData: string

beforeAll(() => {
  userData = mkdtempSync(join(tmpdir(), 'ql-sec-electron-'))
  fake.userData = userData
})

afterAll(() => {
  delete process.env['ELECTRON_RENDERER_URL']
  rmSync(userData, { recursive: true, force: true })
})

describe('the packaged shell', () => {
  let appUrl: string

  beforeAll(async () => {
    await bootShell({ packaged: true, rendererUrl: 'http://localhost:5173/' })
    // Packaged: ELECTRON_RENDERER_URL is ignored, the built index.html is loaded from disk.
    const file = fake.windows[0].loaded.file
    expect(file).toMatch(/renderer[\\/]index\.html$/)
    expect(fake.windows[0].loaded.url).toBeUndefined()
    appUrl = pathToFileURL(file!).href
  })

  it('creates the window isolated, sandboxed and without Node', () => {
    const wp = fake.windows[0].options.webPreferences as Record<string, unknown>
    expect(wp).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
    })
    expect(wp).not.toHaveProperty('enableBlinkFeatures')
    expect(wp).not.toHaveProperty('additionalArguments')
    expect(String(wp.preload)).toMatch(/preload[\\/]index\.c?js$/)
    // The literal at the call site and the policy in window-options.ts agree.
    expect(fake.windows[0].options).toEqual(windowOptions(String(wp.preload)))
    expect(wp).toEqual({ ...secureWebPreferences, preload: wp.preload })
    expect(fake.sandboxEnabled).toBe(1)
  })

  it('applies the strict CSP to every response', () => {
    expect(fake.headersHandler).not.toBeNull()
    let got: { responseHeaders?: Record<string, string[]> } | null = null
    ;(fake.headersHandler as AnyFn)(
      { url: appUrl, responseHeaders: { 'X-Other': ['kept'] } },
      (r: { responseHeaders?: Record<string, string[]> }) => (got = r),
    )
    expect(got).not.toBeNull()
    const headers = got!.responseHeaders!
    expect(headers['X-Other']).toEqual(['kept'])
    const policy = headers['Content-Security-Policy']
    expect(policy).toHaveLength(1)
    expectStrictCsp(policy[0])
    expect(parseCsp(policy[0]).get('frame-ancestors')).toEqual(["'none'"])
  })

  it('ships the same strictness in the renderer index.html meta CSP', () => {
    expectStrictCsp(metaCsp(readFileSync('src/renderer/index.html', 'utf8')))
    if (existsSync('out/renderer/index.html')) {
      expectStrictCsp(metaCsp(readFileSync('out/renderer/index.html', 'utf8')))
    }
  })

  it('blocks navigation away from the app, new windows and webviews', () => {
    const c = newContents()
    for (const url of [
      'https://evil.example/',
      'http://127.0.0.1:8080/',
      'file:///etc/passwd',
      'file:///tmp/renderer/index.html',
      appUrl.replace('file:///', 'file://evilhost/'),
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'not a url',
    ]) {
      expect(c.emit('will-navigate', url), `will-navigate ${url}`).toBe(true)
      expect(c.emit('will-redirect', url), `will-redirect ${url}`).toBe(true)
    }
    expect(c.emit('will-navigate', appUrl)).toBe(false)
    expect(c.emit('will-navigate', `${appUrl}#/runs/r1`)).toBe(false)
    expect(c.emit('will-redirect', appUrl)).toBe(false)

    for (const url of ['https://evil.example/', appUrl]) expect(c.open(url)).toEqual({ action: 'deny' })
    expect(c.emit('will-attach-webview', {}, { src: appUrl })).toBe(true)
  })

  it('denies every permission request and check', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
      const answers: boolean[] = []
      ;(fake.permissionRequest as AnyFn)({}, permission, (ok: boolean) => answers.push(ok), {
        requestingUrl: appUrl,
      })
      expect(answers, permission).toEqual([false])
      expect((fake.permissionCheck as AnyFn)({}, permission, appUrl, {}), permission).toBe(false)
    }
  })

  it('answers IPC only from the app page itself', async () => {
    expect([...fake.ipc.keys()].sort()).toEqual(LAB_METHODS.map((m) => `lab:${m}`).sort())
    const call = (url: string | null, parent: unknown = null): Promise<unknown> =>
      (fake.ipc.get('lab:appInfo') as AnyFn)(
        { senderFrame: url === null ? null : { url, parent } },
        undefined,
      ) as Promise<unknown>

    expect(await call(appUrl)).toMatchObject({
      ok: true,
      result: { bridge: 'electron', version: '0.0.0-test' },
    })
    expect(await call(`${appUrl}#/runs/r1`)).toMatchObject({ ok: true })
    const refused = { ok: false, error: { message: expect.stringContaining('untrusted frame') } }
    for (const url of [
      'https://evil.example/',
      'https://evil.example/renderer/index.html',
      'file:///tmp/evil/index.html',
      'file:///tmp/renderer/index.html',
      appUrl.replace('file:///', 'file://evilhost/'),
      appUrl.replace(/index\.html$/, 'other.html'),
      'http://localhost:5173/',
      'about:blank',
      '',
    ]) {
      expect(await call(url), url).toMatchObject(refused)
    }
    // A subframe of the app page, and a call without a frame, are refused too.
    expect(await call(appUrl, { url: appUrl })).toMatchObject(refused)
    expect(await call(null)).toMatchObject(refused)
  })
})

describe('the dev shell (electron-vite dev server)', () => {
  const dev = 'http://localhost:5173/'

  beforeAll(async () => {
    await bootShell({ packaged: false, rendererUrl: dev })
    expect(fake.windows[0].loaded.url).toBe(dev)
  })

  it('keeps the same webPreferences', () => {
    expect(fake.windows[0].options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    })
  })

  it('allows only the dev server origin, with no eval in its CSP', async () => {
    let got: { responseHeaders?: Record<string, string[]> } | null = null
    ;(fake.headersHandler as AnyFn)({ url: dev, responseHeaders: {} }, (r: typeof got) => (got = r))
    const policy = got!.responseHeaders!['Content-Security-Policy'][0]
    expect(policy).not.toContain("'unsafe-eval'")
    expect(parseCsp(policy).get('script-src')).not.toContain("'unsafe-inline'")
    expect(parseCsp(policy).get('object-src')).toEqual(["'none'"])

    const c = newContents()
    expect(c.emit('will-navigate', `${dev}#/runs`)).toBe(false)
    expect(c.emit('will-navigate', 'http://localhost:5174/')).toBe(true)
    expect(c.emit('will-navigate', 'https://evil.example/')).toBe(true)
    const call = (url: string): Promise<unknown> =>
      (fake.ipc.get('lab:appInfo') as AnyFn)(
        { senderFrame: { url, parent: null } },
        undefined,
      ) as Promise<unknown>
    expect(await call(dev)).toMatchObject({ ok: true })
    expect(await call('https://evil.example/')).toMatchObject({ ok: false })
  })
})
