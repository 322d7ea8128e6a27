// End to end: the Compare screen in Chromium, for what issue 12 found there. A quorum store
// run that is fast but not linearizable (R = W = 1 in a partition), a PBFT run and a Raft run:
// the star never goes to the run whose checks found a violation (and the table says why), the
// leader figures are in each algorithm's words (PBFT: view changes; the quorum store: n/a),
// each run's faults are on its own lane, the screen is centred like the others, and dates
// read in the one format. Light and dark screenshots: test-results/compare-ranking*.png.
//
// Needs `electron-vite build` first (`npm test` does it) and /usr/bin/chromium.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { RunInfo } from '../../src/shared/api'
import { ExperimentSpecSchema, type ExperimentSpec } from '../../src/shared/spec'
import { connect, openLab, recordRun, screenshotThemes, type Lab } from './browser'

const example = (file: string, patch: Record<string, unknown> = {}): ExperimentSpec =>
  ExperimentSpecSchema.parse({
    ...(JSON.parse(readFileSync(`examples/${file}`, 'utf8')) as object),
    ...patch,
  })

describe('compare: ranking, words, lanes', () => {
  let lab: Lab
  const runs: RunInfo[] = []

  beforeAll(async () => {
    lab = await openLab({ name: 'compare-ranking', viewport: { width: 1440, height: 900 } })
    runs.push(await recordRun(lab.service, example('quorum-cap-partition.json')))
    runs.push(await recordRun(lab.service, example('pbft-byzantine-primary.json')))
    runs.push(await recordRun(lab.service, example('raft-5-faults.json', { durationMs: 8000 })))
  }, 180_000)

  afterAll(() => lab?.close())

  test('no star for a run with a violation; each algorithm in its words; centred', async () => {
    const [quorum, pbft, raft] = runs
    expect(quorum.summary?.verdict).toBe('violation')
    // The quorum run is the fastest: it would have had the throughput star.
    expect(quorum.summary!.ops.ok).toBeGreaterThan(pbft.summary!.ops.ok)
    expect(quorum.summary!.ops.ok).toBeGreaterThan(raft.summary!.ops.ok)
    const { page } = lab
    await connect(page, lab.server.url)
    await page.evaluate(
      (ids) => (window.location.hash = `#/compare?runs=${ids}`),
      runs.map((r) => r.runId).join(','),
    )
    await page.getByTestId('compare-table').waitFor({ timeout: 20_000 })

    const col = (r: RunInfo) => runs.indexOf(r)
    const cells = (row: string) => page.locator(`[data-testid="compare-row-${row}"] td`)
    // Throughput: the best among the runs without a violation.
    expect(await cells('ops').nth(col(quorum)).getAttribute('data-best')).toBeNull()
    expect(await page.locator('[data-testid="compare-row-ops"] td[data-best]').count()).toBe(1)
    // No row stars the quorum run.
    expect(
      await page.locator(`[data-testid^="compare-row-"] td:nth-child(${col(quorum) + 2})[data-best]`).count(),
    ).toBe(0)
    expect(await page.getByTestId('compare-unranked').textContent()).toContain(
      'a run with a violation is not ranked',
    )

    // Leader figures in each algorithm's words.
    const elections = await cells('elections').allTextContents()
    expect(elections[col(quorum)].trim()).toBe('n/a (leaderless)')
    expect(elections[col(pbft)].replace('★', '').trim()).toMatch(/^\d+ view changes?$/)
    expect(elections[col(raft)].replace('★', '').trim()).toMatch(/^\d+ elections?$/)
    expect(await page.locator('[data-testid="compare-row-noleader"] th').textContent()).toContain(
      'Time without leader / primary',
    )

    // Centred like the other screens (not the whole width).
    const box = (await page.getByTestId('compare-view').boundingBox())!
    expect(box.width).toBeLessThanOrEqual(1320)
    expect(Math.abs(box.x - (1440 - box.x - box.width))).toBeLessThan(20)

    // Dates in the one format, and the run id (names may repeat), in the picker.
    const tag = (await page.locator('[data-testid="compare-picker"] .n-tag').first().textContent()) ?? ''
    expect(tag).toMatch(/ · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d · run-/)

    for (const c of ['throughput', 'latency', 'cdf', 'mpo', 'timeline'])
      await page.locator(`[data-testid="compare-chart-${c}"] canvas`).first().waitFor()
    await page.waitForTimeout(500)
    await screenshotThemes(page, 'compare-ranking')
    await page
      .getByTestId('compare-chart-throughput')
      .screenshot({ path: 'test-results/compare-ranking-lanes.png' })
    expect(lab.problems).toEqual([])
  })
})
