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
} as const satisfies WebPreferences

export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Quorum Lab',
    backgroundColor: '#101418',
    webPreferences: { ...secureWebPreferences, preload: preloadPath },
  }
}
