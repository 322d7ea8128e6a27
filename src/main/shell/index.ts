// The Electron shell: one secure window over the LabService. Thin by design: all logic
// lives in src/main/lab and is exercised under plain Node; this file only wires Electron.
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { app, BrowserWindow, dialog, session } from 'electron'
import { CSP, devCsp } from '../csp'
import { LabService } from '../lab/service'
import { forwardEvents, registerLabIpc } from './ipc'
import { windowChrome } from './window-options'
import { shellPaths } from './paths'

const here = dirname(fileURLToPath(import.meta.url))
const devUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined
const { indexHtml, preload } = shellPaths(here)
const indexUrl = pathToFileURL(indexHtml)

/** Is this URL the app's own renderer (the built index.html, or the dev server)? */
function isAppUrl(raw: string): boolean {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    return false
  }
  if (devUrl) return u.origin === new URL(devUrl).origin
  return (
    u.protocol === 'file:' &&
    u.host === indexUrl.host &&
    decodeURIComponent(u.pathname) === decodeURIComponent(indexUrl.pathname)
  )
}

function createWindow(service: LabService): BrowserWindow {
  // The renderer's security settings are spelled out here, at the one place a window is
  // made, so that static checkers (Electronegativity, `npm run security`) see them.
  // They must equal `secureWebPreferences` in window-options.ts: test/security.electron.test.ts
  // captures what this constructor gets and checks both.
  const win = new BrowserWindow({
    ...windowChrome,
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
      preload,
    },
  })
  const unforward = forwardEvents(service, win.webContents)
  win.on('closed', unforward)
  win.once('ready-to-show', () => win.show())
  if (devUrl) void win.loadURL(devUrl)
  else void win.loadFile(indexHtml)
  return win
}

// Every renderer is sandboxed, whatever its webPreferences say (must precede 'ready').
app.enableSandbox()

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
  let service: LabService
  try {
    service = new LabService({
      bridge: 'electron',
      dataDir,
      version: app.getVersion(),
      onLeftovers: (lines) => lines.forEach((l) => console.warn(`quorum-lab: ${l}`)),
      // exportCsv: the user picks the file; the writing itself lives in src/main/store.
      chooseSavePath: async (suggestedName) => {
        const win = BrowserWindow.getFocusedWindow()
        const opts = {
          defaultPath: join(app.getPath('documents'), suggestedName),
          filters: [{ name: 'CSV', extensions: ['csv'] }],
        }
        const r = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts)
        return r.canceled || !r.filePath ? null : r.filePath
      },
    })
  } catch (e) {
    // A foreign, corrupt or newer database file: say which, leave it alone, quit.
    dialog.showErrorBox('Quorum Lab cannot open its data', e instanceof Error ? e.message : String(e))
    app.quit()
    return
  }
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
