// End to end: the Replay screen in real Chromium through browser mode. Three short runs
// recorded through the LabService (a run with a crash of the leader, its re-run with the
// same seed, and the same spec with another network latency), then: the empty state, open
// a run, the space-time diagram draws, zoom and pan, hover a message for its summary, space
// plays and pauses, f jumps to the fault (the crashed node shows down), → steps, and diffs
// (identical with the re-run, a divergence with the changed run). Screenshots in light and
// dark: test-results/replay-diagram.png, replay-diagram-dark.png.
//
// Needs `electron-vite build` first (`npm test` does it) and /usr/bin/chromium.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import type { RunInfo } from '../../src/shared/api'
import { defaultSpec, type ExperimentSpec } from '../../src/shared/spec'
import { RESULTS_DIR, connect, openLab, pickFromMenu, recordRun, waitRunEnd, type Lab } from './browser'

function spec(latencyMs: number): ExperimentSpec {
  const s = defaultSpec()
  return {
    ...s,
    name: `replay-e2e-${latencyMs}ms`,
    seed: 11,
    durationMs: 2500,
    cluster: { ...s.cluster, nodes: 3 },
    network: { ...s.network, latencyMs },
    workload: { ...s.workload, clients: 2, ratePerSec: 40 },
    faults: [{ kind: 'crash', atMs: 1000, target: 'leader', restartAfterMs: 700 }],
  } as ExperimentSpec
}

async function view(page: Page): Promise<{ from: number; to: number; drawn: number }> {
  return page.getByTestId('std').evaluate((el) => ({
    from: Number(el.getAttribute('data-view-from')),
    to: Number(el.getAttribute('data-view-to')),
    drawn: Number(el.getAttribute('data-drawn')),
  }))
}

async function cursorUs(page: Page): Promise<number> {
  return Number(await page.getByTestId('replay-time').getAttribute('data-us'))
}

async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => {
    window.location.hash = h
  }, hash)
}

describe('replay view in the browser UI', () => {
  let lab: Lab
  let page: Page
  let run: RunInfo
  let rerun: RunInfo
  let changed: RunInfo

  beforeAll(async () => {
    lab = await openLab({ name: 'replay' })
    page = lab.page
    const { service } = lab
    run = await recordRun(service, spec(1))
    rerun = await waitRunEnd(service, (await service.rerun({ runId: run.runId, speed: 'max' })).runId)
    changed = await recordRun(service, spec(2))
  }, 120_000)

  afterAll(() => lab?.close())

  test('opens a run, draws the diagram, zooms, pans, hovers, plays, jumps and diffs', async () => {
    await connect(page, lab.server.url)
    await page.getByTestId('nav-replay').click()
    // Nothing picked: the empty state says what to do.
    await page.getByTestId('replay-empty').waitFor()
    expect(await page.getByTestId('replay-empty').textContent()).toContain('Pick a recorded run')

    // Pick the run in the selector.
    await pickFromMenu(
      page,
      page.getByTestId('replay-pick'),
      page.locator('.n-base-select-option', { hasText: 'replay-e2e-1ms' }).first(),
      async () => (await page.evaluate(() => window.location.hash)).startsWith('#/replay?run='),
      'picking the run',
    )
    await page.locator('[data-testid="std"][data-ready="1"]').waitFor({ timeout: 15_000 })
    // The run or its re-run (same name; the newest is listed first).
    expect([`#/replay?run=${run.runId}`, `#/replay?run=${rerun.runId}`]).toContain(
      await page.evaluate(() => window.location.hash),
    )
    const v0 = await view(page)
    expect(v0.drawn).toBeGreaterThan(0)
    expect(await page.getByTestId('std-legend').textContent()).toContain('AppendEntries')
    // The state at the start: three nodes, none leader yet.
    await page.getByTestId('replay-node-n3').waitFor()

    // Zoom in around the middle (wheel), then pan (drag).
    const box = (await page.getByTestId('std-canvas').boundingBox())!
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.mouse.wheel(0, -400)
    await expect
      .poll(async () => {
        const v = await view(page)
        return v.to - v.from
      })
      .toBeLessThan((v0.to - v0.from) * 0.8)
    const v1 = await view(page)
    await page.mouse.move(box.x + box.width / 2, box.y + 60)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width / 2 - 300, box.y + 60, { steps: 8 })
    await page.mouse.up()
    await expect.poll(async () => (await view(page)).from).toBeGreaterThan(v1.from)
    // Zoom back out so plenty of arrows are on screen.
    await page.mouse.wheel(0, 400)
    await page.locator('[data-testid="std"][data-drawn]:not([data-drawn="0"])').waitFor()

    // Hover: sweep across the band between lanes n1 and n2 until a message's tooltip shows.
    const laneMid = box.y + 30 + 30 + 58 // axis + fault label strip + one lane: between n1 and n2
    let found = false
    for (let x = box.x + 70; x < box.x + box.width - 10 && !found; x += 3) {
      await page.mouse.move(x, laneMid)
      found = (await page.getByTestId('std-tooltip').count()) > 0
    }
    expect(found).toBe(true)
    const summary = (await page.getByTestId('std-tooltip-summary').textContent()) ?? ''
    expect(summary.length).toBeGreaterThan(3)
    expect(summary).not.toContain('not loaded')
    expect(await page.getByTestId('std-tooltip').textContent()).toMatch(/sent .* (delivered|dropped)/)
    await page.screenshot({ path: join(RESULTS_DIR, 'replay-diagram.png'), fullPage: true })
    await page.mouse.move(box.x + 5, box.y - 40)

    // Space plays, space pauses; the cursor moved.
    const before = await cursorUs(page)
    await page.keyboard.press('Space')
    await page.locator('[data-testid="replay-play"][data-playing="1"]').waitFor()
    await expect.poll(() => cursorUs(page)).toBeGreaterThan(before)
    await page.keyboard.press('Space')
    await page.locator('[data-testid="replay-play"][data-playing="0"]').waitFor()

    // → steps to the next event (later than the cursor).
    const at = await cursorUs(page)
    await page.keyboard.press('ArrowRight')
    await expect.poll(() => cursorUs(page)).toBeGreaterThan(at)

    // f: the next fault (the leader's crash); the crashed node is down there.
    await page.getByTestId('replay-slider').waitFor()
    await go(page, `#/replay?run=${run.runId}`)
    await page.keyboard.press('Home') // harmless: no handler
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    await expect.poll(async () => (await page.getByTestId('std').getAttribute('data-ready')) ?? '').toBe('1')
    await page.keyboard.press('f')
    await expect
      .poll(async () => (await page.getByTestId('replay-notice').textContent()) ?? '')
      .toContain('Fault')
    await expect.poll(() => page.locator('[data-testid^="replay-node-"][data-role="down"]').count()).toBe(1)
    expect(await page.getByTestId('replay-faults').textContent()).toContain('crash')
    const crashAt = await cursorUs(page)
    expect(crashAt).toBeGreaterThan(900_000)

    // l: the next leader change after the crash (a new leader is elected).
    await page.keyboard.press('l')
    await expect
      .poll(async () => (await page.getByTestId('replay-notice').textContent()) ?? '')
      .toContain('became leader')
    expect(await cursorUs(page)).toBeGreaterThan(crashAt)
    await page.screenshot({ path: join(RESULTS_DIR, 'replay-state.png'), fullPage: true })

    // Diff with the re-run: identical.
    await go(page, `#/replay?run=${run.runId}&diff=${rerun.runId}`)
    await page.getByTestId('replay-diff-identical').waitFor({ timeout: 30_000 })
    // Diff with the changed run: the first divergence, and jump there.
    await go(page, `#/replay?run=${run.runId}&diff=${changed.runId}`)
    await page.getByTestId('replay-diff-divergence').waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('replay-diff-reason').textContent()).toMatch(/ vs /)
    const diff = await lab.service.diffRuns({ a: run.runId, b: changed.runId })
    await page.getByTestId('replay-diff-show').click()
    await expect.poll(() => cursorUs(page)).toBe(diff.first!.tUs)
    const v2 = await view(page)
    expect(v2.from).toBeLessThanOrEqual(diff.first!.tUs)
    expect(v2.to).toBeGreaterThanOrEqual(diff.first!.tUs)

    // The Runs screen's Replay action opens a run here.
    await page.getByTestId('nav-runs').click()
    await page.getByTestId(`runs-replay-${changed.runId}`).click()
    await page.getByTestId('replay-view').waitFor()
    expect(await page.evaluate(() => window.location.hash)).toBe(`#/replay?run=${changed.runId}`)
    await page.locator('[data-testid="std"][data-ready="1"]').waitFor({ timeout: 15_000 })
    expect(await page.getByTestId('replay-size').textContent()).toContain('3 nodes')

    // Dark theme: the diagram redraws with the dark palette.
    await go(page, `#/replay?run=${run.runId}`)
    await page.getByTestId('theme-toggle').click()
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark')
    await page.locator('[data-testid="std"][data-ready="1"]').waitFor()
    const cv = (await page.getByTestId('std-canvas').boundingBox())!
    await page.mouse.move(cv.x + cv.width * 0.4, cv.y + 40)
    await page.mouse.wheel(0, 2000) // zoom out: more of the run
    await page.mouse.move(cv.x + 5, cv.y - 40)
    await page.waitForTimeout(300) // let the diagram redraw with the new palette (screenshot only)
    await page.screenshot({ path: join(RESULTS_DIR, 'replay-diagram-dark.png'), fullPage: true })
    await page.getByTestId('theme-toggle').click()

    expect(lab.problems).toEqual([])
  }, 120_000)

  test('an unknown run is an error shown in place', async () => {
    await go(page, '#/replay?run=no-such-run')
    await page.getByTestId('replay-error').waitFor({ timeout: 15_000 })
    expect(await page.getByTestId('replay-error').textContent()).toContain('no-such-run')
  })
})
