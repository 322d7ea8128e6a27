// End to end: the Replay screen in Chromium, for what issue 12 found there.
//   - Labels never overlap: two faults active at once stack their labels (cut short, whole on
//     hover), and the cursor's time never covers "first divergence".
//   - A diff of two different experiments says first that their specs differ, and in which
//     fields, then where the traces diverge, in words (no raw JSON).
//   - Each algorithm in its words: a PBFT replay has a primary, backups, views and view changes.
//   - Polish: real-time playback by default, one unit in the time readout, no zooming out past
//     the run, a mark per role or term change (not per heartbeat), the run id in the picker
//     where names repeat, dates in the one format.
// Light and dark screenshots: test-results/replay-labels*.png, replay-diff-spec*.png,
// replay-pbft*.png.
//
// Needs `electron-vite build` first (`npm test` does it) and /usr/bin/chromium.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import type { RunInfo } from '../../src/shared/api'
import { ExperimentSpecSchema, type ExperimentSpec } from '../../src/shared/spec'
import { connect, openLab, recordRun, screenshotThemes, type Lab } from './browser'

const POLL = { timeout: 15_000 }

interface Label {
  kind: 'fault' | 'mark'
  row: number
  x0: number
  x1: number
  y: number
  text: string
  full: string
}

async function labels(page: Page): Promise<Label[]> {
  return JSON.parse((await page.getByTestId('std').getAttribute('data-labels')) ?? '[]') as Label[]
}

function noOverlap(ls: Label[]): void {
  for (let i = 0; i < ls.length; i++)
    for (let j = i + 1; j < ls.length; j++) {
      const a = ls[i]
      const b = ls[j]
      if (a.y !== b.y) continue
      expect(a.x1 <= b.x0 || b.x1 <= a.x0, `"${a.text}" and "${b.text}" overlap`).toBe(true)
    }
}

async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => (window.location.hash = h), hash)
  await page.locator('[data-testid="std"][data-ready="1"]').waitFor(POLL)
}

const RAFT: ExperimentSpec = ExperimentSpecSchema.parse({
  name: 'replay-two-faults',
  durationMs: 4000,
  cluster: { nodes: 5 },
  faults: [
    { atMs: 1000, forMs: 1500, kind: 'partition', shape: 'majorities-ring' },
    { atMs: 1100, forMs: 1200, kind: 'drop', probability: 0.2 },
  ],
})

describe('replay: labels, diffs of different experiments, words', () => {
  let lab: Lab
  let page: Page
  let raft: RunInfo
  let again: RunInfo
  let pbft: RunInfo

  beforeAll(async () => {
    lab = await openLab({ name: 'replay-labels', viewport: { width: 1440, height: 900 } })
    page = lab.page
    raft = await recordRun(lab.service, RAFT)
    again = await recordRun(lab.service, { ...RAFT, seed: 2 })
    pbft = await recordRun(
      lab.service,
      ExperimentSpecSchema.parse({
        ...(JSON.parse(readFileSync('examples/pbft-byzantine-primary.json', 'utf8')) as object),
        durationMs: 3000,
      }),
    )
    await connect(page, lab.server.url)
  }, 180_000)

  afterAll(() => lab?.close())

  test('fault labels stack, marks are role / term changes only, the view stays on the run', async () => {
    await go(page, `#/replay?run=${raft.runId}`)
    // Real time by default; one unit in the readout.
    expect(
      await page.locator('[data-testid="replay-speed"] .n-base-selection-label').textContent(),
    ).toContain('1×')
    expect(await page.getByTestId('replay-time').textContent()).toMatch(/^0\.000 s \/ \d+\.\d{3} s$/)
    // Zoom all the way out: the whole run and no more (a sliver of margin).
    const cv = (await page.getByTestId('std-canvas').boundingBox())!
    await page.mouse.move(cv.x + cv.width / 2, cv.y + 80)
    for (let i = 0; i < 8; i++) await page.mouse.wheel(0, 1500)
    const info = await lab.service.getTraceInfo({ runId: raft.runId })
    const span = info.lastUs - info.firstUs
    await expect
      .poll(async () => Number(await page.getByTestId('std').getAttribute('data-view-from')), POLL)
      .toBeGreaterThanOrEqual(info.firstUs - span * 0.021)
    expect(Number(await page.getByTestId('std').getAttribute('data-view-to'))).toBeLessThanOrEqual(
      info.lastUs + span * 0.021,
    )
    await page.locator('[data-testid="std"][data-drawn]:not([data-drawn="0"])').waitFor(POLL)
    await page.waitForTimeout(500)
    // Both faults in view: their labels in rows, apart.
    await expect.poll(async () => (await labels(page)).filter((l) => l.kind === 'fault').length, POLL).toBe(2)
    const faults = (await labels(page)).filter((l) => l.kind === 'fault')
    noOverlap(faults)
    expect(new Set(faults.map((l) => l.row)).size).toBe(2)
    // Marks: role and term changes, far fewer than the state events (commits every heartbeat).
    const states = (await lab.service.getTrace({ runId: raft.runId, kinds: ['state'] })).length
    const marks = Number(await page.getByTestId('std').getAttribute('data-marks'))
    expect(marks).toBeGreaterThan(0)
    expect(marks * 5).toBeLessThan(states)
    // A label cut short shows whole on hover.
    const cut = faults.find((l) => l.text !== l.full) ?? faults[0]
    await page.mouse.move(cv.x + (cut.x0 + cut.x1) / 2, cv.y + cut.y - 4)
    await page.getByTestId('std-label-tip').waitFor()
    expect(await page.getByTestId('std-label-tip').textContent()).toContain(cut.full.replace('⚡ ', ''))
    await page.mouse.move(cv.x + 5, cv.y - 40)
    await screenshotThemes(page, 'replay-labels')
    expect(lab.problems).toEqual([])
  })

  test('a diff of different experiments names the spec fields first; the marks stay apart', async () => {
    await go(page, `#/replay?run=${raft.runId}&diff=${pbft.runId}`)
    const spec = page.getByTestId('replay-diff-spec')
    await spec.waitFor(POLL)
    const text = (await spec.textContent()) ?? ''
    expect(text).toContain('These runs differ in their spec')
    for (const field of ['algorithm.kind', 'cluster.nodes', 'seed'])
      await page.getByTestId(`replay-diff-field-${field}`).waitFor()
    expect(await page.getByTestId('replay-diff-field-algorithm.kind').textContent()).toMatch(/"raft".*"pbft"/)
    // Then the divergence, in words, after the spec.
    const divergence = page.getByTestId('replay-diff-divergence')
    await divergence.waitFor(POLL)
    const order = await page
      .getByTestId('replay-diff')
      .evaluate((el) => [...el.querySelectorAll('[data-testid]')].map((e) => e.getAttribute('data-testid')))
    expect(order.indexOf('replay-diff-spec')).toBeLessThan(order.indexOf('replay-diff-divergence'))
    const events = (await divergence.locator('.replay-diff__events').textContent()) ?? ''
    expect(events).not.toMatch(/[{}"]/)
    expect(events).toMatch(/state: role \w+, term \d+/)
    // Show it: the cursor and "first divergence" both labelled, apart.
    await page.getByTestId('replay-diff-show').click()
    await expect.poll(async () => (await labels(page)).filter((l) => l.kind === 'mark').length, POLL).toBe(2)
    const marks = (await labels(page)).filter((l) => l.kind === 'mark')
    expect(marks.map((m) => m.text)).toContain('first divergence')
    noOverlap(marks)
    // The same experiment with another seed: only the seed differs.
    await go(page, `#/replay?run=${raft.runId}&diff=${again.runId}`)
    await page.getByTestId('replay-diff-spec').waitFor(POLL)
    expect(await page.locator('[data-testid^="replay-diff-field-"]').count()).toBe(1)
    await page.getByTestId('replay-diff-field-seed').waitFor()
    await go(page, `#/replay?run=${raft.runId}&diff=${pbft.runId}`)
    await page.getByTestId('replay-diff-divergence').waitFor(POLL)
    await page.getByTestId('replay-diff').scrollIntoViewIfNeeded()
    await screenshotThemes(page, 'replay-diff-spec')
    expect(lab.problems).toEqual([])
  })

  test("a PBFT replay in PBFT's words; the picker names repeated runs by id", async () => {
    await go(page, `#/replay?run=${pbft.runId}`)
    await page.getByTestId('replay-state').waitFor(POLL)
    expect(await page.getByTestId('replay-next-leader').textContent()).toContain('Next view change (l)')
    await page.getByTestId('replay-next-leader').click()
    await expect
      .poll(async () => (await page.getByTestId('replay-notice').textContent()) ?? '', POLL)
      .toMatch(/became primary \(view \d+\)|No later view change/)
    await expect
      .poll(
        async () => (await page.locator('[data-testid^="replay-role-"]').allTextContents()).join(','),
        POLL,
      )
      .toMatch(/primary|backup/)
    for (const r of await page.locator('[data-testid^="replay-role-"]').allTextContents())
      expect(['primary', 'backup', 'view change', 'crashed']).toContain(r.trim())
    expect(await page.getByTestId('replay-node-n1').textContent()).toMatch(/view\s*\d+/)
    expect(await page.getByTestId('replay-node-n1').textContent()).not.toMatch(/term/)
    await screenshotThemes(page, 'replay-pbft')
    // The two raft runs share a name: the picker tells them apart by id; dates to the second.
    await page.getByTestId('replay-pick').click()
    const option = page.locator('.n-base-select-option', { hasText: raft.runId })
    await option.waitFor()
    expect(await option.textContent()).toMatch(
      /replay-two-faults · raft · seed 1 · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d · run-/,
    )
    await page.keyboard.press('Escape')
    expect(lab.problems).toEqual([])
  })
})
