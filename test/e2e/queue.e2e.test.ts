// End to end: a processes-mode run waiting for a slot (limit 1) in real Chromium through
// browser mode: the Runs list and the Run view show it as queued, and Stop ends it there.
//
// Needs `electron-vite build` first (`npm test` does it) and /usr/bin/chromium.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { defaultSpec, type ExperimentSpec } from '../../src/shared/spec'
import { connect, openLab, screenshotThemes, type Lab } from './browser'

const spec = (name: string): ExperimentSpec => ({
  ...defaultSpec(),
  name,
  mode: 'processes',
  durationMs: 60_000,
  cluster: { ...defaultSpec().cluster, nodes: 3 },
  faults: [],
})

describe('a queued run in the browser UI', () => {
  let lab: Lab
  let page: Page

  beforeAll(async () => {
    lab = await openLab({ name: 'queue', service: { processRunLimit: 1 } })
    page = lab.page
  }, 60_000)

  afterAll(() => lab?.close())

  test('shows queued in the Runs list and the Run view, and can be stopped while it waits', async () => {
    const first = await lab.service.startRun({ spec: spec('takes-the-slot') })
    const second = await lab.service.startRun({ spec: spec('waits-for-it') })
    expect([first.status, second.status]).toEqual(['running', 'queued'])

    await connect(page, lab.server.url)
    await page.getByTestId('nav-runs').click()
    await page.getByTestId('runs-table').waitFor()
    await page.getByTestId(`runs-row-${second.runId}`).locator('[data-status="queued"]').waitFor()
    await page.getByTestId(`runs-row-${first.runId}`).locator('[data-status="running"]').waitFor()
    expect(await page.getByTestId(`runs-row-${second.runId}`).textContent()).toContain('queued')
    await page.waitForTimeout(300)
    await screenshotThemes(page, 'runs-queued')

    // Its Run view: queued, nothing to chart yet, and Stop works.
    await page.getByTestId(`runs-row-${second.runId}`).click()
    await page.getByTestId('run-view').waitFor()
    await page.locator('[data-testid="status"][data-status="queued"]').waitFor()
    expect(await page.locator('.run-head h2').textContent()).toBe('waits-for-it')
    expect(await page.getByTestId('stop-button').isDisabled()).toBe(false)
    await screenshotThemes(page, 'run-queued')
    await page.getByTestId('stop-button').click()
    await page.locator('[data-testid="status"][data-status="stopped"]').waitFor()
    expect((await lab.service.getRun({ runId: second.runId })).status).toBe('stopped')

    await lab.service.stopRun({ runId: first.runId })
    expect(lab.problems).toEqual([])
  }, 120_000)
})
