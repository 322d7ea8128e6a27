// End to end, for real: the live run view in Chromium. Start a 3-node Raft run at real
// speed, watch the cluster ring and the charts fill in, crash the leader by clicking it
// (drawn down, listed as an active fault, a new leader), cut one link by clicking it (that
// link alone drawn cut), slow another, end a fault from the list, and save light and dark
// screenshots of the picture.
//
// Needs `electron-vite build` first (QUORUM_LAB_OUT selects the output) and /usr/bin/chromium.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { LabService } from '../../src/main/lab/service'
import { startWebServer, type WebServer } from '../../src/main/web/server'
import { CHROMIUM, RENDERER_DIR, launchChromium, watchConsole } from './browser'

const resultsDir = resolve('test-results')

describe('live run view in the browser UI', () => {
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let server: WebServer
  let service: LabService
  let dataDir: string
  let problems: string[]

  beforeAll(async () => {
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
      throw new Error(`${RENDERER_DIR}/index.html is missing: run \`npx electron-vite build\` first`)
    }
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`)
    mkdirSync(resultsDir, { recursive: true })
    dataDir = mkdtempSync(join(tmpdir(), 'quorum-lab-live-e2e-'))
    service = new LabService({ bridge: 'browser', dataDir })
    server = await startWebServer({ port: 0, service, rendererDir: RENDERER_DIR })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1360, height: 1000 }, colorScheme: 'light' })
    page = await context.newPage()
    problems = watchConsole(page)
  })

  afterAll(async () => {
    await context?.close()
    await browser?.close()
    service?.close()
    await server?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  const leaderOf = async (p: Page): Promise<string> =>
    (await p.getByTestId('cluster-ring').getAttribute('data-leader')) ?? ''

  test('crash the leader and cut a link by clicking the cluster picture', async () => {
    await page.goto(server.url)
    await page.locator('[data-testid="connection"][data-state="open"]').waitFor({ timeout: 15_000 })
    await page.getByTestId('design-view').waitFor()
    await page.getByTestId('input-cluster.nodes').fill('3')
    await page.getByTestId('input-durationMs').fill('60000')
    await page.getByTestId('input-durationMs').press('Tab')
    await page.getByTestId('speed-1').click()
    await expect.poll(() => page.getByTestId('validity').textContent()).toContain('Valid')
    await page.getByTestId('run-button').click()

    // The ring: three nodes, one of them leads.
    await page.getByTestId('cluster-ring').waitFor()
    await expect.poll(() => page.locator('[data-testid^="ring-node-n"]').count()).toBe(3)
    await page.locator('[data-testid^="ring-node-n"][data-role="leader"]').waitFor({ timeout: 30_000 })
    const old = await leaderOf(page)
    expect(old).toMatch(/^n[1-3]$/)
    expect(await page.getByTestId(`ring-stats-${old}`).textContent()).toMatch(/t\d+ · c\d+/)
    expect(await page.locator('[data-testid^="ring-link-n"]').count()).toBe(3)
    expect(await page.getByTestId('live-faults-empty').count()).toBe(1)

    // Charts have data (the open window counts too) and the legend names message types.
    for (const id of ['ops-chart', 'latency-chart', 'messages-chart']) {
      await page.locator(`[data-testid="${id}"] canvas`).first().waitFor()
      await expect.poll(() => page.locator(`[data-testid="${id}"] .time-chart__empty`).count()).toBe(0)
    }
    await expect.poll(() => page.getByTestId('ring-legend').textContent()).toContain('AppendEntries')

    // Click the leader: crash it.
    await page.getByTestId(`ring-node-${old}`).locator('.ring-node__disc').click()
    await page.getByTestId('ring-action-crash').click()
    await page.locator(`[data-testid="ring-node-${old}"][data-role="down"]`).waitFor({ timeout: 10_000 })
    const crash = page.locator('[data-testid^="live-fault-"][data-kind="crash"]')
    await crash.waitFor()
    expect(await crash.textContent()).toContain(`crash ${old}`)
    expect(await crash.textContent()).toContain('live')
    // A new leader among the other two.
    await expect.poll(() => leaderOf(page), { timeout: 20_000 }).toMatch(/^n[1-3]$/)
    const now = await leaderOf(page)
    expect(now).not.toBe(old)

    // Click the link between the two live nodes: cut that link only (both directions).
    const [a, b] = ['n1', 'n2', 'n3'].filter((x) => x !== old)
    await page.getByTestId(`ring-link-hit-${a}-${b}`).click()
    await page.getByTestId('ring-action-link-cut').waitFor()
    await page.waitForTimeout(400) // let the menu finish fading in
    await page.screenshot({ path: join(resultsDir, 'live-link-menu.png') })
    await page.getByTestId('ring-action-link-cut').click()
    await page
      .locator(`[data-testid="ring-link-${a}-${b}"][data-state="cut"]`)
      .waitFor({ state: 'attached', timeout: 10_000 })
    const partition = page.locator('[data-testid^="live-fault-"][data-kind="partition"]')
    await partition.waitFor()
    expect(await partition.textContent()).toContain(`link ${a} <-> ${b}`)
    // Exactly one link is drawn cut: the other two (to the crashed node) are not.
    expect(await page.locator('[data-testid^="ring-link-n"][data-state="cut"]').count()).toBe(1)
    // Bad or refused calls show in place, not only in the console: none so far.
    expect(await page.getByTestId('ring-error').count()).toBe(0)

    // Let a few messages fly and the fault shading appear, then look at it.
    await page.waitForTimeout(1200)
    const grid = page.locator('.live-grid')
    await grid.screenshot({ path: join(resultsDir, 'live-ring.png') })
    await page.getByTestId('theme-toggle').click()
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' })
    await page.waitForTimeout(300)
    await grid.screenshot({ path: join(resultsDir, 'live-ring-dark.png') })
    await page.getByTestId('theme-toggle').click()

    // End the crash from the list: the node comes back.
    const crashIndex = (await crash.getAttribute('data-testid'))!.replace('live-fault-', '')
    await page.getByTestId(`end-fault-${crashIndex}`).click()
    await expect
      .poll(async () => page.getByTestId(`ring-node-${old}`).getAttribute('data-role'), { timeout: 10_000 })
      .not.toBe('down')
    await expect.poll(() => crash.count()).toBe(0)

    // (A horizontal line has an empty bounding box, so link states are checked attached, not visible.)
    // Slow one link that is not cut (the restarted node and the other live node): only it.
    const [c, d] = [old, b].sort()
    await page.getByTestId(`ring-link-hit-${c}-${d}`).click()
    await page.getByTestId('ring-action-link-slow').click()
    await page
      .locator(`[data-testid="ring-link-${c}-${d}"][data-state="slow"]`)
      .waitFor({ state: 'attached', timeout: 10_000 })
    await page.locator('[data-testid^="live-fault-"][data-kind="delay"]').waitFor()
    expect(await page.locator('[data-testid^="ring-link-n"][data-state="slow"]').count()).toBe(1)
    expect(await page.locator('[data-testid^="ring-link-n"][data-state="cut"]').count()).toBe(1)

    // The run's spec records every live fault (a re-run replays them).
    const runId = (await service.listRuns())[0].runId
    const info = await service.getRun({ runId })
    expect(info.spec.faults.map((f) => f.kind)).toEqual(['crash', 'partition', 'delay'])
    expect(info.spec.faults[0].kind === 'crash' && info.spec.faults[0].restartAfterMs).toBeGreaterThan(0)

    await page.getByTestId('stop-button').click()
    await page.locator('[data-testid="status"][data-status="stopped"]').waitFor({ timeout: 15_000 })
    expect(problems).toEqual([])
  }, 120_000)
})
