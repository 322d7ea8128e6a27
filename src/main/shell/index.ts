// The Electron shell: one secure window over the LabService. Thin by design: all logic
// lives in src/main/lab and is exercised under plain Node; this file only wires Electron.
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { app, BrowserWindow, session } from 'electron'
import { CSP, devCsp } from '../csp'
import { LabService } from '../lab/service'
import { forwardEvents, registerLabIpc } from './ipc'
import { windowOptions } from './window-options'

const here = dirname(fileURLToPath(import.meta.url))
const devUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined
const indexHtml = join(here, '../renderer/index.html')
const indexUrl = pathToFileURL(indexHtml)

/** The preload as built by electron-vite (CommonJS is required for a sandboxed preload). */
function preloadPath(): string {
  for (const name of ['index.js', 'index.cjs', 'index.mjs']) {
    const p = join(here, '../preload', name)
    if (existsSync(p)) return p
  }
  return join(here, '../preload/index.js')
}

/** Is this URL the app's own renderer (the built index.html, or the dev server)? */
function isAppUrl(raw: string): boolean {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    return false
  }
  if (devUrl) return u.origin === new URL(devUrl).origin
  return u.protocol === 'file:' && decodeURIComponent(u.pathname) === decodeURIComponent(indexUrl.pathname)
}

function createWindow(service: LabService): BrowserWindow {
  const win = new BrowserWindow(windowOptions(preloadPath()))
  const unforward = forwardEvents(service, win.webContents)
  win.on('closed', unforward)
  win.once('ready-to-show', () => win.show())
  if (devUrl) void win.loadURL(devUrl)
  else void win.loadFile(indexHtml)
  return win
}

app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
  contents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url)) e.preventDefault()
  })
  contents.on('will-redirect', (e, url) => {
    if (!isAppUrl(url)) e.preventDefault()
  })
  contents.on('will-attach-webview', (e) => e.preventDefault())
})

void app.whenReady().then(() => {
  const ses = session.defaultSession
  const policy = devUrl ? devCsp(devUrl) : CSP
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } })
  })
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  ses.setPermissionCheckHandler(() => false)

  const dataDir = join(app.getPath('userData'), 'lab-data')
  mkdirSync(dataDir, { recursive: true })
  const service = new LabService({ bridge: 'electron', dataDir, version: app.getVersion() })
  registerLabIpc(service, isAppUrl)
  createWindow(service)

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(service)
  })
  app.on('before-quit', () => service.close())
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
