// End to end: the Runs view (history of recorded runs) in real Chromium through browser
// mode. Three short runs recorded through the LabService, then: the table lists them,
// filters and sorts, opens a run, deletes one (confirmed), re-runs one (at the speed it was
// recorded at, marked as a re-run), exports exactly what the menu item says (the ticked runs'
// list, their ops, or every listed run); dates in the one format; and a fresh data dir shows
// the empty state.
//
// Needs `electron-vite build` first (`npm test` does it) and /usr/bin/chromium.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import type { RunInfo } from '../../src/shared/api'
import { defaultSpec } from '../../src/shared/spec'
import {
  RESULTS_DIR,
  connect,
  downloadFromMenu,
  openLab,
  recordRun,
  screenshot,
  screenshotThemes,
  startLabServer,
  watchConsole,
  type Lab,
} from './browser'

const NAMES = ['alpha-3', 'bravo-5', 'charlie-3']

async function rowNames(page: Page): Promise<string[]> {
  return page
    .locator('[data-testid^="runs-row-"]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name') ?? ''))
}

describe('runs view in the browser UI', () => {
  let lab: Lab
  let page: Page
  const runs: RunInfo[] = []

  beforeAll(async () => {
    lab = await openLab({ name: 'runs', viewport: { width: 1360, height: 800 } })
    page = lab.page
    for (const [i, name] of NAMES.entries()) {
      const spec = { ...defaultSpec(), name, durationMs: 1500 }
      spec.cluster = { ...spec.cluster, nodes: i === 1 ? 5 : 3 }
      runs.push(await recordRun(lab.service, spec))
    }
  }, 120_000)

  afterAll(() => lab?.close())

  test('lists, filters and sorts the recorded runs, and opens one', async () => {
    await connect(page, lab.server.url)
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

    // Dates: one format, to the second.
    expect(await bravo.locator('.runs-num').first().textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)

    // Export CSV: each menu item says what it writes, and writes just that.
    const exportMenu = page.getByTestId('runs-export')
    await exportMenu.click()
    await page.getByTestId('runs-export-ticked').waitFor()
    expect(await page.getByTestId('runs-export-ticked').textContent()).toBe(
      'runs.csv: the 2 ticked runs (one row each)',
    )
    expect(await page.getByTestId('runs-export-ops').textContent()).toBe(
      'RUN-ops.csv: the client history of the 2 ticked runs (2 files)',
    )
    expect(await page.getByTestId('runs-export-all').textContent()).toBe('runs.csv: all 3 runs listed')
    await page.keyboard.press('Escape')
    // The ticked runs' list: their two rows only.
    const ticked = await downloadFromMenu(
      page,
      exportMenu,
      page.getByTestId('runs-export-ticked'),
      'ticked list',
    )
    expect(ticked.suggestedFilename()).toBe('runs.csv')
    const tickedRows = readFileSync(await ticked.path(), 'utf8')
      .trim()
      .split('\r\n')
      .slice(1)
    expect(tickedRows).toHaveLength(2)
    expect(tickedRows.map((r) => r.split(',')[0]).sort()).toEqual([runs[0].runId, runs[1].runId].sort())
    await page.getByTestId('runs-export-done').waitFor()
    expect(await page.getByTestId('runs-export-done').textContent()).toContain('2 runs')
    // Their ops: one file each, nothing else.
    const downloads: string[] = []
    const onDownload = (d: { suggestedFilename(): string }) => downloads.push(d.suggestedFilename())
    page.on('download', onDownload)
    await downloadFromMenu(page, exportMenu, page.getByTestId('runs-export-ops'), 'ticked ops')
    await expect.poll(() => downloads.length, { timeout: 10_000 }).toBe(2)
    await page.waitForTimeout(500)
    page.off('download', onDownload)
    expect(downloads.sort()).toEqual([`${runs[0].runId}-ops.csv`, `${runs[1].runId}-ops.csv`].sort())
    // Every listed run.
    const all = await downloadFromMenu(page, exportMenu, page.getByTestId('runs-export-all'), 'all runs')
    const text = readFileSync(await all.path(), 'utf8')
    for (const n of NAMES) expect(text).toContain(n)
    await expect.poll(() => page.getByTestId('runs-export-done').textContent()).toContain('3 runs')

    await page.waitForTimeout(300)
    await screenshotThemes(page, 'runs')

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
    await screenshot(page, 'runs-opened.png')
    expect(lab.problems).toEqual([])
  })

  test('deletes a selected run after confirming', async () => {
    await page.getByTestId('nav-runs').click()
    await expect.poll(() => page.locator('[data-testid^="runs-row-"]').count()).toBe(3)
    const victim = runs[0]
    await page.getByTestId(`runs-select-${victim.runId}`).click()
    await page.getByTestId('runs-delete').click()
    // Cancel first: nothing happens.
    // (A click that lands while the dialog is still opening is retried, bounded.)
    for (let i = 0; i < 5 && (await page.getByTestId('runs-delete-confirm').count()) > 0; i++) {
      await page
        .getByTestId('runs-delete-cancel')
        .click({ timeout: 5000 })
        .catch(() => undefined)
      await page
        .getByTestId('runs-delete-confirm')
        .waitFor({ state: 'detached', timeout: 3000 })
        .catch(() => undefined)
    }
    await page.getByTestId('runs-delete-confirm').waitFor({ state: 'detached' })
    expect(await page.locator('[data-testid^="runs-row-"]').count()).toBe(3)
    await page.getByTestId('runs-delete').click()
    await page.getByTestId('runs-delete-confirm').click()
    await expect.poll(() => page.locator('[data-testid^="runs-row-"]').count()).toBe(2)
    expect(await page.getByTestId(`runs-row-${victim.runId}`).count()).toBe(0)
    const listed = await lab.service.listRuns()
    expect(listed.map((r) => r.runId)).not.toContain(victim.runId)
    expect(listed).toHaveLength(2)
    expect(lab.problems).toEqual([])
  })

  test('re-runs a selected run at the speed it was recorded at, marked as a re-run', async () => {
    const source = runs[1]
    expect(source.speed).toBe('max')
    // The designer's speed is real time: the re-run must not use it.
    await page.getByTestId('nav-design').click()
    await page.getByTestId('speed-1').click()
    await page.getByTestId('nav-runs').click()
    await page.getByTestId(`runs-select-${source.runId}`).click()
    expect(await page.getByTestId('runs-rerun').isDisabled()).toBe(false)
    await page.getByTestId('runs-rerun').click()
    await page.getByTestId('run-view').waitFor()
    expect(await page.locator('.run-head h2').textContent()).toBe(source.name)
    await page.getByTestId('run-rerun-of').waitFor()
    expect(await page.getByTestId('run-rerun-of').textContent()).toContain(`re-run of ${source.runId}`)
    await page.locator('[data-testid="status"][data-status="done"]').waitFor({ timeout: 60_000 })
    const listed = await lab.service.listRuns()
    const fresh = listed.find((r) => r.rerunOf === source.runId)
    expect(fresh).toBeDefined()
    expect(fresh?.seed).toBe(source.seed)
    expect(fresh?.speed).toBe('max')
    // 1.5 s of run time at 'max', not in real time.
    expect(fresh?.summary?.wallMs).toBeLessThan(1500)

    await page.getByTestId('nav-runs').click()
    await page.getByTestId(`runs-row-${fresh?.runId}`).waitFor()
    expect(await page.locator('[data-testid^="runs-row-"]').count()).toBe(3)
    // The new row says it is a re-run (of which), and the repeated name shows the source's id.
    expect(await page.getByTestId(`runs-rerun-of-${fresh?.runId}`).textContent()).toBe(
      `↻ re-run of ${source.runId}`,
    )
    expect(await page.getByTestId(`runs-id-${source.runId}`).textContent()).toBe(source.runId)
    await page.waitForTimeout(300)
    await screenshotThemes(page, 'runs-rerun')
    expect(lab.problems).toEqual([])
  })

  test('shows an empty state with a fresh data dir', async () => {
    const empty = await startLabServer('runs-empty')
    // A context of its own: cookies are per host, not per port.
    const ctx = await lab.browser.newContext({ viewport: { width: 1360, height: 700 }, colorScheme: 'light' })
    const p = await ctx.newPage()
    const pageProblems = watchConsole(p)
    try {
      await connect(p, empty.server.url)
      await p.getByTestId('nav-runs').click()
      const text = p.getByTestId('runs-empty')
      await text.waitFor()
      expect(await text.textContent()).toContain('No runs yet. Design an experiment and press Run.')
      // Empty-state text reads as text: the muted colour, not Naive UI's watermark grey.
      expect(await text.locator('.n-empty__description').evaluate((e) => getComputedStyle(e).color)).toBe(
        'rgb(107, 114, 128)',
      )
      await p.waitForTimeout(600) // let the nav button transition finish
      await p.screenshot({ path: join(RESULTS_DIR, 'runs-empty.png'), fullPage: true })
      expect(pageProblems).toEqual([])
    } finally {
      await ctx.close()
      await empty.close()
    }
  })
})
