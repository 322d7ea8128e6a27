// End to end, for real: the built renderer (out/renderer) served by the real web server
// with a real LabService, driven in real Chromium. Design a 5-node Raft experiment, run
// it, watch a leader get elected and operations commit, and see it finish.
//
// Needs `electron-vite build` first (`npm test` does it) and /usr/bin/chromium.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { startWebServer } from '../../src/main/web/server'
import { RENDERER_DIR, openLab, screenshotThemes, type Lab } from './browser'

describe('raft run in the browser UI', () => {
  let lab: Lab
  let page: Page

  beforeAll(async () => {
    lab = await openLab({ name: 'raft-run' })
    page = lab.page
  })

  afterAll(() => lab?.close())

  test('designs a 5-node experiment, runs it and watches it finish', async () => {
    await page.goto(lab.server.url)
    // The page keeps the token in sessionStorage and drops it from the address.
    expect(new URL(page.url()).searchParams.has('token')).toBe(false)
    await page.locator('[data-testid="connection"][data-state="open"]').waitFor({ timeout: 15_000 })
    await page.getByTestId('design-view').waitFor()

    await page.getByTestId('input-cluster.nodes').fill('5')
    await page.getByTestId('input-durationMs').fill('3000')
    await page.getByTestId('input-durationMs').press('Tab')
    await page.getByTestId('speed-1').click()
    await expect.poll(() => page.getByTestId('validity').textContent()).toContain('Valid')

    const run = page.getByTestId('run-button')
    expect(await run.isDisabled()).toBe(false)
    await run.click()

    await page.getByTestId('run-view').waitFor()
    await page.getByTestId('status').waitFor()
    await expect.poll(() => page.locator('[data-testid^="node-n"]').count()).toBe(5)

    // A leader shows up on one of the node cards, colour-coded and in words.
    const leader = page.locator('[data-testid^="node-n"][data-role="leader"]')
    await leader.first().waitFor({ timeout: 30_000 })
    expect(await leader.first().getByText('leader').count()).toBeGreaterThan(0)

    // Operations commit...
    await expect
      .poll(async () => Number(await page.getByTestId('ops-ok').textContent()), {
        timeout: 30_000,
        interval: 200,
      })
      .toBeGreaterThan(0)
    // ...and the run ends on its own.
    await page.locator('[data-testid="status"][data-status="done"]').waitFor({ timeout: 60_000 })
    expect((await page.getByTestId('status').textContent())?.trim()).toBe('done')
    expect(await page.getByTestId('progress').getAttribute('data-progress')).toBe('1.000')
    // Nothing to stop any more: the button is gone.
    expect(await page.getByTestId('stop-button').count()).toBe(0)

    // The summary: counts and each check's verdict.
    const summary = page.getByTestId('summary')
    await summary.waitFor()
    expect(Number(await page.getByTestId('ops-ok').textContent())).toBeGreaterThan(0)
    expect(await summary.textContent()).toMatch(/leader changes/)
    expect(await page.getByTestId('verdict').getAttribute('data-verdict')).toMatch(/^(ok|violation|unknown)$/)

    // Both charts are drawn (a canvas each) and have data.
    for (const id of ['ops-chart', 'latency-chart']) {
      await page.locator(`[data-testid="${id}"] canvas`).first().waitFor()
      expect(await page.locator(`[data-testid="${id}"] .time-chart__empty`).count()).toBe(0)
    }

    await screenshotThemes(page, 'raft-run')

    // No CSP violations, no uncaught errors, no console errors along the way.
    expect(lab.problems).toEqual([])
  })

  test('an invalid value is named in place and Run is disabled', async () => {
    await page.getByTestId('nav-design').click()
    await page.getByTestId('design-view').waitFor()
    const input = page.getByTestId('input-durationMs')
    await input.fill('-5')
    await input.press('Tab')

    const error = page.getByTestId('error-durationMs')
    await error.waitFor()
    expect(await error.textContent()).toContain('durationMs')
    expect(await error.textContent()).toMatch(/must be between 10 and 86400000 ms/)
    expect(await page.getByTestId('run-button').isDisabled()).toBe(true)
    expect(await page.getByTestId('validity').textContent()).toMatch(/1 problem/)
    expect(await page.getByTestId('validity').getAttribute('data-valid')).toBe('false')

    // Fixing it clears the error and enables Run again.
    await input.fill('2000')
    await input.press('Tab')
    await expect.poll(() => page.getByTestId('error-durationMs').count()).toBe(0)
    expect(await page.getByTestId('run-button').isDisabled()).toBe(false)

    // Save JSON downloads the spec as edited.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('save-button').click(),
    ])
    expect(download.suggestedFilename()).toBe('raft-5.json')
    const saved = JSON.parse(readFileSync(await download.path(), 'utf8')) as {
      durationMs: number
      cluster: { nodes: number }
    }
    expect(saved.durationMs).toBe(2000)
    expect(saved.cluster.nodes).toBe(5)
    expect(lab.problems).toEqual([])
  })

  test('reconnects when the server comes back, and keeps working', async () => {
    const { problems } = lab
    problems.length = 0
    const { port, token } = lab.server
    await lab.server.close()
    await page.locator('[data-testid="connection"][data-state="closed"]').waitFor({ timeout: 15_000 })

    // Same port and token: the token the page keeps is still good.
    lab.server = await startWebServer({ port, token, service: lab.service, rendererDir: RENDERER_DIR })
    await page.locator('[data-testid="connection"][data-state="open"]').waitFor({ timeout: 20_000 })

    // A call over the new socket: a short run at full speed.
    await page.getByTestId('nav-design').click()
    await page.getByTestId('input-durationMs').fill('1500')
    await page.getByTestId('input-durationMs').press('Tab')
    await page.getByTestId('speed-max').click()
    await page.getByTestId('run-button').click()
    await page.locator('[data-testid="status"][data-status="done"]').waitFor({ timeout: 60_000 })
    expect(Number(await page.getByTestId('ops-ok').textContent())).toBeGreaterThan(0)

    // Only the expected failures while the server was away.
    expect(problems.filter((p) => !/WebSocket connection to .* failed/.test(p))).toEqual([])
  })
})
