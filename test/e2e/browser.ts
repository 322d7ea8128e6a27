// Shared by the e2e tests: the system Chromium (never a downloaded one) and a console
// watcher that collects anything that went wrong in the page.
import { resolve } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'

/** The built UI: out/renderer, or $QUORUM_LAB_OUT/renderer (see electron.vite.config.ts). */
export const RENDERER_DIR = resolve(process.env.QUORUM_LAB_OUT ?? 'out', 'renderer')

export const CHROMIUM = process.env.QUORUM_LAB_CHROMIUM ?? '/usr/bin/chromium'

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

/** Console errors, CSP violations and uncaught exceptions, as they happen (the array fills up). */
export function watchConsole(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()} (${msg.location().url})`)
  })
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`))
  return problems
}
