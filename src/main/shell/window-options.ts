// The renderer's security settings, kept free of Electron imports so a plain-Node test
// can assert them.
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron'

/** The webPreferences every Quorum Lab window uses (the preload path is added per window). */
export const secureWebPreferences = {
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
  // Middle-click would otherwise open links in a new window (denied anyway by the open handler).
  disableBlinkFeatures: 'Auxclick',
} as const satisfies WebPreferences

/** Everything but webPreferences: size, title, colours. */
export const windowChrome = {
  width: 1400,
  height: 900,
  minWidth: 900,
  minHeight: 600,
  show: false,
  title: 'Quorum Lab',
  backgroundColor: '#101418',
} as const satisfies BrowserWindowConstructorOptions

/**
 * The options of every Quorum Lab window. The shell (index.ts) writes the same values out
 * literally at its `new BrowserWindow(...)` so static checkers can read them; the security
 * test asserts that the two agree.
 */
export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return { ...windowChrome, webPreferences: { ...secureWebPreferences, preload: preloadPath } }
}
