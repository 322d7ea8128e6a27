// End to end: the Runs view (history of recorded runs) in real Chromium through browser
// mode. Three short runs recorded through the LabService, then: the table lists them,
// filters and sorts, opens a run, deletes one (confirmed), re-runs one, exports CSV; and a
// fresh data dir shows the empty state.
//
// Needs `electron-vite build` first (`npm test` does it) and /usr/bin/chromium.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { LabService } from '../../src/main/lab/service'
import { startWebServer, type WebServer } from '../../src/main/web/server'
import type { RunInfo } from '../../src/shared/api'
import { defaultSpec } from '../../src/shared/spec'
import { CHROMIUM, RENDERER_DIR, launchChromium, watchConsole } from './browser'

const rendererDir = RENDERER_DIR
const resultsDir = resolve('test-results')
const NAMES = ['alpha-3', 'bravo-5', 'charlie-3']

async function recordRun(service: LabService, name: string, nodes: number): Promise<RunInfo> {
  const spec = { ...defaultSpec(), name, durationMs: 1500 }
  spec.cluster = { ...spec.cluster, nodes }
  const started = await service.startRun({ spec, speed: 'max' })
  const deadline = Date.now() + 60_000
  for (;;) {
    const info = await service.getRun({ runId: started.runId })
    if (info.status !== 'running') return info
    if (Date.now() > deadline) throw new Error(`run ${name} did not end`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function rowNames(page: Page): Promise<string[]> {
  return page
    .locator('[data-testid^="runs-row-"]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name') ?? ''))
}

describe('runs view in the browser UI', () => {
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let server: WebServer
  let service: LabService
  let dataDir: string
  let problems: string[]
  const runs: RunInfo[] = []

  beforeAll(async () => {
    if (!existsSync(join(rendererDir, 'index.html'))) {
      throw new Error(`${rendererDir}/index.html is missing: run \`npx electron-vite build\` first`)
    }
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`)
    }
    mkdirSync(resultsDir, { recursive: true })
    dataDir = mkdtempSync(join(tmpdir(), 'quorum-lab-e2e-runs-'))
    service = new LabService({ bridge: 'browser', dataDir })
    for (const [i, name] of NAMES.entries()) runs.push(await recordRun(service, name, i === 1 ? 5 : 3))
    server = await startWebServer({ port: 0, service, rendererDir })
    browser = await launchChromium()
    context = await browser.newContext({
      viewport: { width: 1360, height: 800 },
      colorScheme: 'light',
      acceptDownloads: true,
    })
    page = await context.newPage()
    problems = watchConsole(page)
  }, 120_000)

  afterAll(async () => {
    await context?.close()
    await browser?.close()
    service?.close()
    await server?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  test('lists, filters and sorts the recorded runs, and opens one', async () => {
    await page.goto(server.url)
    await page.locator('[data-testid="connection"][data-state="open"]').waitFor({ timeout: 15_000 })
    await page.getByTestId('nav-runs').click()
    await page.getByTestId('runs-view').waitFor()
    await page.getByTestId('runs-table').waitFor()
    await expect.poll(() => page.locator('[data-testid^="runs-row-"]').count(), { timeout: 15_000 }).toBe(3)
    for (const r of runs) await page.getByTestId(`runs-row-${r.runId}`).waitFor()
    // Newest first by default.
    expect(await rowNames(page)).toEqual([...NAMES].reverse())
    // The columns: nodes, verdict tag, status.
    const bravo = page.getByTestId(`runs-row-${runs[1].runId}`)
    expect(await bravo.textContent()).toContain('raft')
    expect(await bravo.locator('[data-status="done"]').count()).toBe(1)
    expect(await bravo.locator('[data-verdict]').getAttribute('data-verdict')).toBe(runs[1].summary?.verdict)

    // Filter by name (server side): one row.
    await page.getByTestId('runs-filter-name').fill('bravo')
    await expect.poll(() => rowNames(page)).toEqual(['bravo-5'])
    await page.getByTestId('runs-filter-name').fill('')
    await expect.poll(() => page.locator('[data-testid^="runs-row-"]').count()).toBe(3)

    // Sort by name: click the header (ascending, then descending).
    const nameHeader = page.locator('[data-testid="runs-table"] th', { hasText: 'Name' })
    await nameHeader.click()
    await expect.poll(() => rowNames(page)).toEqual(NAMES)
    await nameHeader.click()
    await expect.poll(() => rowNames(page)).toEqual([...NAMES].reverse())
    await nameHeader.click()

    // Compare is enabled with 2 selected.
    expect(await page.getByTestId('runs-compare').isDisabled()).toBe(true)
    await page.getByTestId(`runs-select-${runs[0].runId}`).click()
    await page.getByTestId(`runs-select-${runs[1].runId}`).click()
    await page.getByTestId('runs-compare').waitFor()
    expect(await page.getByTestId('runs-compare').isDisabled()).toBe(false)
    expect(await page.getByTestId('runs-rerun').isDisabled()).toBe(true)

    // Export CSV: the runs list and each selected run's ops.
    const downloads: string[] = []
    const onDownload = (d: { suggestedFilename(): string }) => downloads.push(d.suggestedFilename())
    page.on('download', onDownload)
    const [runsCsv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('runs-export').click(),
    ])
    expect(runsCsv.suggestedFilename()).toBe('runs.csv')
    const text = readFileSync(await runsCsv.path(), 'utf8')
    for (const n of NAMES) expect(text).toContain(n)
    await expect.poll(() => downloads.length, { timeout: 10_000 }).toBe(3)
    page.off('download', onDownload)
    expect(downloads.sort()).toEqual(
      ['runs.csv', `${runs[0].runId}-ops.csv`, `${runs[1].runId}-ops.csv`].sort(),
    )
    // When done it says how many rows each file got.
    await page.getByTestId('runs-export-done').waitFor()
    expect(await page.getByTestId('runs-export-done').textContent()).toContain('3 runs')

    await page.waitForTimeout(300)
    await page.screenshot({ path: join(resultsDir, 'runs.png'), fullPage: true })
    await page.getByTestId('theme-toggle').click()
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' })
    await page.waitForTimeout(600) // let the theme transition finish
    await page.screenshot({ path: join(resultsDir, 'runs-dark.png'), fullPage: true })
    await page.getByTestId('theme-toggle').click()
    await page.locator('html[data-theme="light"]').waitFor({ state: 'attached' })

    // Unselect both.
    await page.getByTestId(`runs-select-${runs[0].runId}`).click()
    await page.getByTestId(`runs-select-${runs[1].runId}`).click()
    await expect.poll(() => page.getByTestId('runs-compare').isDisabled()).toBe(true)

    // A row click opens the ended run in the Run view: summary and charts from stored data.
    await page.getByTestId(`runs-row-${runs[2].runId}`).click()
    await page.getByTestId('run-view').waitFor()
    await page.locator('[data-testid="status"][data-status="done"]').waitFor()
    expect(await page.locator('.run-head h2').textContent()).toBe('charlie-3')
    await page.getByTestId('summary').waitFor()
    expect(Number(await page.getByTestId('ops-ok').textContent())).toBe(runs[2].summary?.ops.ok)
    await page.locator('[data-testid="ops-chart"] canvas').first().waitFor()
    expect(await page.locator('[data-testid="ops-chart"] .time-chart__empty').count()).toBe(0)
    await page.waitForTimeout(600) // chart animation
    await page.screenshot({ path: join(resultsDir, 'runs-opened.png'), fullPage: true })
    expect(problems).toEqual([])
  })

  test('deletes a selected run after confirming', async () => {
    await page.getByTestId('nav-runs').click()
    await expect.poll(() => page.locator('[data-testid^="runs-row-"]').count()).toBe(3)
    const victim = runs[0]
    await page.getByTestId(`runs-select-${victim.runId}`).click()
    await page.getByTestId('runs-delete').click()
    // Cancel first: nothing happens.
    await page.getByTestId('runs-delete-cancel').click()
    await page.getByTestId('runs-delete-confirm').waitFor({ state: 'detached' })
    expect(await page.locator('[data-testid^="runs-row-"]').count()).toBe(3)
    await page.getByTestId('runs-delete').click()
    await page.getByTestId('runs-delete-confirm').click()
    await expect.poll(() => page.locator('[data-testid^="runs-row-"]').count()).toBe(2)
    expect(await page.getByTestId(`runs-row-${victim.runId}`).count()).toBe(0)
    const listed = await service.listRuns()
    expect(listed.map((r) => r.runId)).not.toContain(victim.runId)
    expect(listed).toHaveLength(2)
    expect(problems).toEqual([])
  })

  test('re-runs a selected run and lists the new one', async () => {
    const source = runs[1]
    await page.getByTestId(`runs-select-${source.runId}`).click()
    expect(await page.getByTestId('runs-rerun').isDisabled()).toBe(false)
    await page.getByTestId('runs-rerun').click()
    await page.getByTestId('run-view').waitFor()
    expect(await page.locator('.run-head h2').textContent()).toBe(source.name)
    await page.locator('[data-testid="status"][data-status="done"]').waitFor({ timeout: 60_000 })
    const listed = await service.listRuns()
    const fresh = listed.find((r) => r.rerunOf === source.runId)
    expect(fresh).toBeDefined()
    expect(fresh?.seed).toBe(source.seed)

    await page.getByTestId('nav-runs').click()
    await page.getByTestId(`runs-row-${fresh?.runId}`).waitFor()
    expect(await page.locator('[data-testid^="runs-row-"]').count()).toBe(3)
    expect(problems).toEqual([])
  })

  test('shows an empty state with a fresh data dir', async () => {
    const emptyDir = mkdtempSync(join(tmpdir(), 'quorum-lab-e2e-runs-empty-'))
    const emptyService = new LabService({ bridge: 'browser', dataDir: emptyDir })
    const emptyServer = await startWebServer({ port: 0, service: emptyService, rendererDir })
    // A context of its own: cookies are per host, not per port.
    const ctx = await browser.newContext({ viewport: { width: 1360, height: 700 }, colorScheme: 'light' })
    const p = await ctx.newPage()
    const pageProblems = watchConsole(p)
    try {
      await p.goto(emptyServer.url)
      await p.locator('[data-testid="connection"][data-state="open"]').waitFor({ timeout: 15_000 })
      await p.getByTestId('nav-runs').click()
      const empty = p.getByTestId('runs-empty')
      await empty.waitFor()
      expect(await empty.textContent()).toContain('No runs yet. Design an experiment and press Run.')
      await p.waitForTimeout(600) // let the nav button transition finish
      await p.screenshot({ path: join(resultsDir, 'runs-empty.png'), fullPage: true })
      expect(pageProblems).toEqual([])
    } finally {
      await ctx.close()
      emptyService.close()
      await emptyServer.close()
      rmSync(emptyDir, { recursive: true, force: true })
    }
  })
})
