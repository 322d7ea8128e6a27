// End to end: the lab server goes away while the page is open. A banner says the lab is
// offline (and when it is retried), an action taken meanwhile fails at once, saying so,
// instead of spinning, and a screen not loaded yet says it will load when the server is back;
// when the server is back the banner goes, that screen loads and actions work again.
// Light and dark screenshots: test-results/offline.png, offline-dark.png.
//
// Needs `electron-vite build` first (`npm test` does it) and /usr/bin/chromium.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startWebServer } from '../../src/main/web/server'
import { defaultSpec } from '../../src/shared/spec'
import { RENDERER_DIR, connect, openLab, recordRun, screenshotThemes, type Lab } from './browser'

describe('offline: the lab server is gone', () => {
  let lab: Lab

  beforeAll(async () => {
    lab = await openLab({ name: 'offline', viewport: { width: 1440, height: 900 } })
    await recordRun(lab.service, { ...defaultSpec(), name: 'before-the-outage', durationMs: 1000 })
  })

  afterAll(() => lab?.close())

  test('a page opened without the token says so (not "offline"), and how to get the address', async () => {
    const context = await lab.browser.newContext({ viewport: { width: 1440, height: 900 } })
    try {
      const page = await context.newPage()
      await page.goto(`http://127.0.0.1:${lab.server.port}/`)
      const banner = page.getByTestId('no-token-banner')
      await banner.waitFor({ timeout: 15_000 })
      expect(await banner.textContent()).toContain('No access token.')
      expect(await banner.textContent()).toContain('npm run serve')
      expect(await page.getByTestId('offline-banner').count()).toBe(0)
      await page.screenshot({ path: 'test-results/no-token.png' })
    } finally {
      await context.close()
    }
  })

  test('says so, and actions fail at once with a message; back to normal when it returns', async () => {
    const { page, problems } = lab
    await connect(page, lab.server.url)
    await page.getByTestId('nav-runs').click()
    await page.locator('[data-testid^="runs-row-"]').first().waitFor()
    expect(await page.getByTestId('offline-banner').count()).toBe(0)

    const { port, token } = lab.server
    await lab.server.close()
    const banner = page.getByTestId('offline-banner')
    await banner.waitFor({ timeout: 15_000 })
    expect(await banner.textContent()).toContain('Offline: the lab server is not reachable.')
    expect(await banner.textContent()).toMatch(/retried (in \d+ s|soon)/)

    // Refresh while offline: an error right away (well under the 15 s a queued call waits).
    const t0 = Date.now()
    await page.getByTestId('runs-refresh').click()
    await page.getByTestId('runs-error').waitFor({ timeout: 5000 })
    expect(Date.now() - t0).toBeLessThan(5000)
    expect(await page.getByTestId('runs-error').textContent()).toContain(
      'offline: the lab server is not reachable',
    )
    expect(await page.getByTestId('runs-refresh').getAttribute('class')).not.toContain('n-button--loading')
    // Starting a run while offline: refused at once, with the reason.
    await page.getByTestId('nav-design').click()
    await page.getByTestId('speed-max').click()
    await page.getByTestId('run-button').click()
    await page.locator('.n-message', { hasText: 'offline' }).waitFor({ timeout: 5000 })
    expect(await page.getByTestId('design-view').count()).toBe(1)
    await screenshotThemes(page, 'offline')
    // Replay, not loaded yet: it says it loads when the server is back (and does then).
    await page.getByTestId('nav-replay').click()
    await page.getByTestId('view-loading').waitFor()
    expect(await page.getByTestId('view-loading').textContent()).toContain(
      'loads when the lab server is back',
    )
    expect(await page.getByTestId('replay-view').count()).toBe(0)
    await page.getByTestId('nav-design').click()

    // Back: same port and token (the page's cookie is still good).
    lab.server = await startWebServer({ port, token, service: lab.service, rendererDir: RENDERER_DIR })
    await page.locator('[data-testid="connection"][data-state="open"]').waitFor({ timeout: 20_000 })
    await banner.waitFor({ state: 'detached' })
    await page.getByTestId('nav-replay').click()
    await page.getByTestId('replay-view').waitFor({ timeout: 15_000 })
    await page.getByTestId('nav-design').click()
    await page.getByTestId('run-button').click()
    await page.getByTestId('run-view').waitFor()
    await page.locator('[data-testid="status"][data-status="done"]').waitFor({ timeout: 60_000 })
    // Only the browser's own reports of the refused connections (the socket, the icon).
    expect(problems.filter((p) => !/WebSocket connection to .* failed|favicon\.svg/.test(p))).toEqual([])
  })
})
