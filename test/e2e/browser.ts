// Shared by the e2e tests: the system Chromium (never a downloaded one), a console watcher
// that collects anything that went wrong in the page, and the lab every test drives: a
// LabService on a temp data dir behind the real web server, a Chromium page on its token
// URL, runs recorded through the service, screenshots in test-results/.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Download,
  type Locator,
  type Page,
} from 'playwright-core'
import { LabService, type LabServiceOptions } from '../../src/main/lab/service'
import { startWebServer, type WebServer } from '../../src/main/web/server'
import type { RunInfo } from '../../src/shared/api'
import type { ExperimentSpec } from '../../src/shared/spec'

/** The built UI: out/renderer, or $QUORUM_LAB_OUT/renderer (see electron.vite.config.ts). */
export const RENDERER_DIR = resolve(process.env.QUORUM_LAB_OUT ?? 'out', 'renderer')

export const CHROMIUM = process.env.QUORUM_LAB_CHROMIUM ?? '/usr/bin/chromium'

/** Where screenshots and exported files go. */
export const RESULTS_DIR = resolve('test-results')

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

/** Fails early, saying what to do, when the UI is not built or Chromium is not installed. */
export function checkPrerequisites(): void {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    throw new Error(`${RENDERER_DIR}/index.html is missing: run \`npx electron-vite build\` first`)
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`)
  mkdirSync(RESULTS_DIR, { recursive: true })
}

/** A LabService on its own temp data dir, served by the real web server. */
export interface LabServer {
  service: LabService
  /** Replaceable (a test may restart the server); close() closes the current one. */
  server: WebServer
  dataDir: string
  close(): Promise<void>
}

export async function startLabServer(
  name: string,
  options: Omit<LabServiceOptions, 'dataDir'> = {},
): Promise<LabServer> {
  const dataDir = mkdtempSync(join(tmpdir(), `quorum-lab-e2e-${name}-`))
  const service = new LabService({ bridge: 'browser', ...options, dataDir })
  const lab: LabServer = {
    service,
    server: await startWebServer({ port: 0, service, rendererDir: RENDERER_DIR }),
    dataDir,
    async close() {
      service.close()
      await lab.server.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return lab
}

export interface OpenLabOptions {
  /** Names the temp data dir (quorum-lab-e2e-<name>-*). */
  name: string
  /** Default 1360 x 900. */
  viewport?: { width: number; height: number }
  service?: Omit<LabServiceOptions, 'dataDir'>
}

/** A lab server and a light-theme Chromium page whose console is watched (`problems`). */
export interface Lab extends LabServer {
  browser: Browser
  context: BrowserContext
  page: Page
  problems: string[]
}

export async function openLab(opts: OpenLabOptions): Promise<Lab> {
  checkPrerequisites()
  const served = await startLabServer(opts.name, opts.service)
  const browser = await launchChromium().catch(async (err: unknown) => {
    await served.close()
    throw err
  })
  const viewport = opts.viewport ?? { width: 1360, height: 900 }
  const context = await browser.newContext({ viewport, colorScheme: 'light' })
  const page = await context.newPage()
  const lab: Lab = {
    ...served,
    browser,
    context,
    page,
    problems: watchConsole(page),
    async close() {
      await context.close()
      await browser.close()
      served.server = lab.server // the one the test may have restarted
      await served.close()
    },
  }
  return lab
}

/** Opens the token URL and waits for the app's WebSocket to connect. */
export async function connect(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await page.locator('[data-testid="connection"][data-state="open"]').waitFor({ timeout: 15_000 })
}

/** Waits (up to a minute) for a run to end and returns how it ended. */
export async function waitRunEnd(service: LabService, runId: string): Promise<RunInfo> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const info = await service.getRun({ runId })
    if (info.status !== 'running') return info
    if (Date.now() > deadline) throw new Error(`run ${runId} did not end`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Records a run through the service at full speed and waits for its end. */
export async function recordRun(service: LabService, spec: ExperimentSpec): Promise<RunInfo> {
  return waitRunEnd(service, (await service.startRun({ spec, speed: 'max' })).runId)
}

/** Switches the theme and lets Naive UI's colour transitions finish (for screenshots). */
export async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  const html = page.locator(`html[data-theme="${theme}"]`)
  if ((await html.count()) > 0) return
  await page.getByTestId('theme-toggle').click()
  await html.waitFor({ state: 'attached' })
  await page.waitForTimeout(600)
}

/** A full-page screenshot test-results/<file>, from the top (the sticky header where it belongs). */
export async function screenshot(page: Page, file: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: join(RESULTS_DIR, file), fullPage: true })
}

/** test-results/<name>.png in the light theme and <name>-dark.png in the dark one; ends light. */
export async function screenshotThemes(page: Page, name: string): Promise<void> {
  await setTheme(page, 'light')
  await screenshot(page, `${name}.png`)
  await setTheme(page, 'dark')
  await screenshot(page, `${name}-dark.png`)
  await setTheme(page, 'light')
}

/**
 * Open a Naive UI menu (a select or a dropdown), click one of its items and wait until
 * `applied()` sees the effect. On a loaded machine a click can land while the menu is still
 * opening and do nothing: then the menu is closed and opened again (at most three times; the
 * effect must still happen, or this throws).
 */
export async function pickFromMenu(
  page: Page,
  open: Locator,
  item: Locator,
  applied: () => Promise<boolean>,
  what: string,
): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    await openMenu(open, item)
    const clicked = await item.click({ timeout: 5000 }).then(
      () => true,
      () => false,
    )
    for (const until = clicked ? Date.now() + 5000 : 0; Date.now() < until; await page.waitForTimeout(100)) {
      if (await applied()) return
    }
    if (await applied()) return
    await page.keyboard.press('Escape')
  }
  throw new Error(`${what}: the click had no effect`)
}

/** Let a menu that is still closing finish, then open it and wait for `item`. */
async function openMenu(open: Locator, item: Locator): Promise<void> {
  await item.waitFor({ state: 'hidden', timeout: 3000 }).catch(() => {})
  await open.click()
  await item.waitFor({ state: 'visible', timeout: 10_000 })
}

/** `pickFromMenu` for a menu item that downloads a file: resolves with the download. */
export async function downloadFromMenu(
  page: Page,
  open: Locator,
  item: Locator,
  what: string,
): Promise<Download> {
  for (let attempt = 0; attempt < 3; attempt++) {
    await openMenu(open, item)
    const download = page.waitForEvent('download', { timeout: 8000 })
    download.catch(() => {}) // a missed click is retried below
    const clicked = await item.click({ timeout: 5000 }).then(
      () => true,
      () => false,
    )
    if (clicked) {
      const d = await download.catch(() => null)
      if (d !== null) return d
    }
    await page.keyboard.press('Escape')
  }
  throw new Error(`${what}: no download`)
}
