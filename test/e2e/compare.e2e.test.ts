// End to end: the Compare screen in real Chromium through browser mode. Three short raft
// runs recorded through the LabService (one with a leader crash, two without, different
// seeds); then: the empty state; select them in Runs and press Compare; the headline
// table and the charts; add / remove a run with the picker; a bad run id shown in place;
// CSV (both kinds) and PNG downloads; keyboard shortcuts switch views and open the help;
// screenshots test-results/compare.png and compare-dark.png (+ compare-export.png, the
// exported image).
//
// Needs `electron-vite build` first (`npm test` does it) and /usr/bin/chromium.
import { copyFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { RunInfo } from '../../src/shared/api'
import { defaultSpec, type ExperimentSpec } from '../../src/shared/spec'
import {
  RESULTS_DIR,
  connect,
  downloadFromMenu,
  openLab,
  recordRun,
  screenshot,
  setTheme,
  type Lab,
} from './browser'

/** A 4 s, 3-node raft run with four clients, and `patch` on top. */
function spec(patch: Partial<ExperimentSpec>): ExperimentSpec {
  const s = defaultSpec()
  return {
    ...s,
    durationMs: 4000,
    ...patch,
    cluster: { ...s.cluster, nodes: 3 },
    workload: { ...s.workload, clients: 4, ratePerSec: 200 },
  } as ExperimentSpec
}

describe('compare view in the browser UI', () => {
  let lab: Lab
  const runs: RunInfo[] = []

  beforeAll(async () => {
    lab = await openLab({ name: 'compare' })
    const crash = { atMs: 1500, kind: 'crash', target: 'leader', restartAfterMs: 1000 }
    runs.push(
      await recordRun(
        lab.service,
        spec({ name: 'raft-leader-crash', seed: 3, faults: [crash] } as Partial<ExperimentSpec>),
      ),
    )
    runs.push(await recordRun(lab.service, spec({ name: 'raft-calm', seed: 5, faults: [] })))
    runs.push(await recordRun(lab.service, spec({ name: 'raft-calm-seed-9', seed: 9, faults: [] })))
  }, 120_000)

  afterAll(() => lab?.close())

  test('compares runs picked in Runs: table, charts, picker, exports, shortcuts, themes', async () => {
    const { page, server } = lab
    await connect(page, server.url)

    // Empty state first: it says what to do.
    await page.getByTestId('nav-compare').click()
    await page.getByTestId('compare-empty').waitFor()
    expect(await page.getByTestId('compare-empty').textContent()).toContain('Pick two to eight runs')

    // Runs: tick three, Compare.
    await page.getByTestId('compare-go-runs').click()
    await page.getByTestId('runs-table').waitFor()
    await expect.poll(() => page.locator('[data-testid^="runs-row-"]').count(), { timeout: 15_000 }).toBe(3)
    expect(await page.getByTestId('runs-compare').isDisabled()).toBe(true)
    for (const r of runs) await page.getByTestId(`runs-select-${r.runId}`).click()
    expect(await page.getByTestId('runs-compare').isDisabled()).toBe(false)
    await page.getByTestId('runs-compare').click()

    await page.getByTestId('compare-view').waitFor()
    await page.getByTestId('compare-table').waitFor({ timeout: 15_000 })
    expect(page.url()).toContain(`runs=${runs.map((r) => r.runId).join('%2C')}`)
    for (const r of runs) await page.getByTestId(`compare-col-${r.runId}`).waitFor()
    // The crash run had an election and an outage; the calm ones none.
    const elections = await page
      .locator('[data-testid="compare-row-elections"] td')
      .evaluateAll((tds) => tds.map((t) => t.textContent?.replace('★', '').trim()))
    expect(elections).toEqual(['1 election', '0 elections', '0 elections'])
    const unavail = await page
      .locator('[data-testid="compare-row-unavail"] td')
      .evaluateAll((tds) => tds.map((t) => t.textContent?.replace('★', '').trim() ?? ''))
    expect(unavail[0]).toMatch(/ms in 1/)
    expect(unavail.slice(1)).toEqual(['none', 'none'])
    // Best values are marked (the calm runs are best on unavailability: no, they tie at 0 and
    // the crash run is worse: both calm cells are best).
    expect(await page.locator('[data-testid="compare-row-unavail"] td[data-best]').count()).toBe(2)
    // Every chart drew (a canvas each).
    for (const c of ['throughput', 'latency', 'cdf', 'mpo', 'timeline'])
      await page.locator(`[data-testid="compare-chart-${c}"] canvas`).first().waitFor()
    await page.waitForTimeout(400)
    await screenshot(page, 'compare.png')

    // CSV: headline (one row per run) and per-window series.
    const csvMenu = page.getByTestId('compare-export-csv')
    const headline = await downloadFromMenu(
      page,
      csvMenu,
      page.getByTestId('compare-csv-headline'),
      'headline CSV',
    )
    expect(headline.suggestedFilename()).toMatch(/^compare-headline-\d{8}-\d{6}\.csv$/)
    const csv = readFileSync(await headline.path(), 'utf8')
    const lines = csv.trimEnd().split('\r\n')
    expect(lines).toHaveLength(4)
    expect(lines[0]).toContain('run_id,name,algorithm')
    for (const r of runs) expect(csv).toContain(r.runId)
    await page.getByTestId('compare-export-done').waitFor()
    expect(await page.getByTestId('compare-export-done').textContent()).toContain('3 rows')

    const windows = await downloadFromMenu(
      page,
      csvMenu,
      page.getByTestId('compare-csv-windows'),
      'windows CSV',
    )
    const wcsv = readFileSync(await windows.path(), 'utf8')
      .trimEnd()
      .split('\r\n')
    expect(wcsv[0]).toContain('window_start_ms')
    expect(wcsv).toHaveLength(1 + 3 * 4) // 3 runs x 4 one-second windows

    // PNG: every chart in one image.
    const [png] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('compare-export-png').click(),
    ])
    expect(png.suggestedFilename()).toMatch(/^compare-\d{8}-\d{6}\.png$/)
    const bytes = readFileSync(await png.path())
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG')
    expect(bytes.length).toBeGreaterThan(20_000)
    copyFileSync(await png.path(), join(RESULTS_DIR, 'compare-export.png'))

    // Dark theme.
    await setTheme(page, 'dark')
    await screenshot(page, 'compare-dark.png')
    await setTheme(page, 'light')

    // The picker removes a run (the URL follows) ...
    await page
      .locator(`[data-testid="compare-picker"] .n-tag`, { hasText: 'raft-calm-seed-9' })
      .locator('.n-base-close')
      .click()
    await expect.poll(() => page.locator('[data-testid^="compare-col-"]').count()).toBe(2)
    expect(page.url()).not.toContain(runs[2].runId)

    // ... and a run id that is not recorded is shown in place, naming it.
    await page.goto(`${new URL(server.url).origin}/#/compare?runs=${runs[0].runId},nope`)
    await page.getByTestId('compare-error').waitFor({ timeout: 15_000 })
    expect(await page.getByTestId('compare-error').textContent()).toContain('nope')

    // Shortcuts: g h goes to Runs, Alt+4 back to Compare (with its runs), ? opens the help,
    // Esc closes it; typing in a field does not switch views.
    await page.goto(`${new URL(server.url).origin}/#/compare?runs=${runs[0].runId},${runs[1].runId}`)
    await page.getByTestId('compare-table').waitFor({ timeout: 15_000 })
    await page.locator('body').click({ position: { x: 5, y: 300 } })
    await page.keyboard.press('g')
    await page.keyboard.press('h')
    await page.getByTestId('runs-view').waitFor()
    await page.getByTestId('runs-filter-name').focus()
    await page.keyboard.type('gd')
    expect(await page.getByTestId('runs-view').count()).toBe(1)
    await page.getByTestId('runs-filter-name').fill('')
    await page.locator('body').click({ position: { x: 5, y: 700 } })
    await page.keyboard.press('Alt+4')
    await page.getByTestId('compare-table').waitFor()
    expect(await page.locator('[data-testid^="compare-col-"]').count()).toBe(2)
    await page.keyboard.press('?')
    await page.getByTestId('shortcuts-help').waitFor()
    const help = (await page.getByTestId('shortcuts-help').textContent()) ?? ''
    for (const s of ['Go to Design', 'Go to Compare', 'Play / pause the replay', 'Alt+5'])
      expect(help).toContain(s)
    await page.screenshot({ path: join(RESULTS_DIR, 'compare-shortcuts.png') })
    await page.keyboard.press('Escape')
    await page.getByTestId('shortcuts-help').waitFor({ state: 'detached' })

    expect(lab.problems).toEqual([])
  }, 120_000)
})
