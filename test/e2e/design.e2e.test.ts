// End to end, for real: the Design screen in Chromium against the real web server and
// LabService. Apply a preset, drag a fault bar to move and resize it (and nudge it with
// the keyboard), edit it in the side panel, see an error in place, follow the Byzantine
// preset's suggestion to switch to PBFT, see its params with help, and start a run.
//
// Needs `electron-vite build` first (`npm test` does it) and /usr/bin/chromium.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import {
  RESULTS_DIR,
  connect,
  openLab,
  pickFromMenu as pickMenuItem,
  screenshot,
  screenshotThemes,
  type Lab,
} from './browser'

/** The machine is shared: give re-renders time under load (no timing is asserted). */
const POLL = { timeout: 10_000 }

interface SpecJson {
  durationMs: number
  cluster: { nodes: number; fsync?: boolean; writebackMs?: number }
  algorithm: { kind: string; params: Record<string, unknown> }
  faults: Array<Record<string, unknown>>
}

describe('design screen: fault timeline, presets, params', () => {
  let lab: Lab
  let page: Page

  beforeAll(async () => {
    lab = await openLab({ name: 'design' })
    page = lab.page
  })

  afterAll(() => lab?.close())

  const bar = (i: number) => page.getByTestId(`fault-bar-${i}`)
  const attr = async (l: Locator, name: string) => Number(await l.getAttribute(name))

  const pickFromMenu = (open: Locator, item: Locator, applied: () => Promise<boolean>, what: string) =>
    pickMenuItem(page, open, item, applied, what)

  const chooseOption = (testId: string, text: RegExp, applied: () => Promise<boolean>): Promise<void> =>
    pickFromMenu(
      page.getByTestId(testId),
      page.locator('.n-base-select-option', { hasText: text }).first(),
      applied,
      `choosing ${String(text)} in ${testId}`,
    )

  /** The draft spec as the JSON view shows it. */
  async function specJson(): Promise<SpecJson> {
    const pre = page.getByTestId('spec-json')
    if (!(await pre.isVisible())) await page.getByText('The spec as JSON').click()
    await pre.waitFor()
    return JSON.parse((await pre.textContent()) ?? '') as SpecJson
  }

  /** Drag `handle` horizontally by `fraction` of the track's width (in pointer steps). */
  async function dragBy(handle: Locator, track: Locator, fraction: number): Promise<void> {
    await track.scrollIntoViewIfNeeded()
    const t = await track.boundingBox()
    const h = await handle.boundingBox()
    if (!t || !h) throw new Error('not laid out')
    const inner = t.width - 16 // the track keeps 8 px each side
    const x = h.x + h.width / 2
    const y = h.y + h.height / 2
    await page.mouse.move(x, y)
    await page.mouse.down()
    await page.mouse.move(x + inner * fraction, y, { steps: 8 })
    await page.mouse.up()
  }

  test('a preset lays out faults; bars move and resize by drag and keyboard', async () => {
    await connect(page, lab.server.url)
    await page.getByTestId('design-view').waitFor()

    // Empty states say what to do.
    expect(await page.getByTestId('timeline-empty').textContent()).toMatch(/preset|Add fault/)
    expect(await page.getByTestId('fault-panel-empty').textContent()).toMatch(/Click a bar/)

    // Every designer field has its one line, fsync included.
    expect(await page.getByTestId('field-cluster.fsync').textContent()).toContain(
      'fsync the write-ahead log before sending',
    )
    // The writeback interval only means something with fsync off: it shows once fsync is off.
    expect(await page.getByTestId('field-cluster.writebackMs').count()).toBe(0)
    await page.getByTestId('input-cluster.fsync').click()
    await page.getByTestId('field-cluster.writebackMs').waitFor()
    expect(await page.getByTestId('field-cluster.writebackMs').textContent()).toContain(
      "like the kernel's writeback",
    )
    await page.getByTestId('input-cluster.writebackMs').fill('5000')
    await page.getByTestId('input-cluster.writebackMs').press('Tab')
    await expect
      .poll(async () => (await specJson()).cluster, POLL)
      .toMatchObject({ fsync: false, writebackMs: 5000 })
    await screenshotThemes(page, 'design-writeback')
    await page.getByTestId('input-cluster.writebackMs').fill('')
    await page.getByTestId('input-cluster.writebackMs').press('Tab')
    await page.getByTestId('input-cluster.fsync').click()
    await expect.poll(async () => (await specJson()).cluster, POLL).not.toHaveProperty('writebackMs')
    await page.getByTestId('field-cluster.writebackMs').waitFor({ state: 'detached' })

    // An optional algorithm parameter says what leaving it empty means, and emptying it removes it.
    const snap = page.getByTestId('input-algorithm.params.snapshotEveryEntries')
    expect(await snap.getAttribute('placeholder')).toBe('0 (never)')
    await snap.fill('500')
    await snap.press('Tab')
    await expect.poll(async () => (await specJson()).algorithm.params.snapshotEveryEntries, POLL).toBe(500)
    await snap.fill('')
    await snap.press('Tab')
    await expect
      .poll(async () => 'snapshotEveryEntries' in (await specJson()).algorithm.params, POLL)
      .toBe(false)
    expect(await page.getByTestId('error-algorithm.params.snapshotEveryEntries').count()).toBe(0)

    await page.getByTestId('input-durationMs').fill('10000')
    await page.getByTestId('input-durationMs').press('Tab')
    await page.getByTestId('preset-flaky-network').click()
    await expect.poll(() => page.locator('[data-testid^="fault-bar-"][data-index]').count(), POLL).toBe(3)
    expect(await page.getByTestId('preset-note').textContent()).toMatch(/Watch /)
    expect(await bar(0).getAttribute('data-kind')).toBe('drop')
    expect(await attr(bar(0), 'data-at-ms')).toBe(1500)
    expect(await attr(bar(0), 'data-len-ms')).toBe(2500)
    expect(await page.getByTestId('timeline-empty').count()).toBe(0)
    // Applying selects the first new fault and opens it in the panel.
    expect(await page.getByTestId('fault-panel').textContent()).toContain('Fault #1')

    // Append another preset: a crash marker with its restart.
    await page.getByTestId('preset-mode-append').click()
    await page.getByTestId('preset-leader-crash').click()
    await expect.poll(() => page.locator('[data-testid^="fault-bar-"][data-index]').count(), POLL).toBe(4)
    expect(await bar(3).getAttribute('data-kind')).toBe('crash')
    expect(await attr(bar(3), 'data-at-ms')).toBe(3000)
    expect(await attr(bar(3), 'data-len-ms')).toBe(2500)

    const track0 = page.getByTestId('fault-lane-0').locator('.ftl__track')
    // Move: +10% of a 10 s run = +1 s.
    await dragBy(bar(0).locator('.ftl__text'), track0, 0.1)
    await expect.poll(() => attr(bar(0), 'data-at-ms'), POLL).toBe(2500)
    expect(await attr(bar(0), 'data-len-ms')).toBe(2500)
    // Resize the end: +5% = +500 ms.
    await dragBy(page.getByTestId('fault-bar-0-end'), track0, 0.05)
    await expect.poll(() => attr(bar(0), 'data-len-ms'), POLL).toBe(3000)
    expect(await attr(bar(0), 'data-at-ms')).toBe(2500)
    // Resize the start: -5% = starts 500 ms earlier, same end.
    await dragBy(page.getByTestId('fault-bar-0-start'), track0, -0.05)
    await expect.poll(() => attr(bar(0), 'data-at-ms'), POLL).toBe(2000)
    expect(await attr(bar(0), 'data-len-ms')).toBe(3500)
    // Dragging past the end clamps to the run.
    await dragBy(bar(0).locator('.ftl__text'), track0, 0.9)
    await expect.poll(() => attr(bar(0), 'data-at-ms'), POLL).toBe(6500)
    await dragBy(bar(0).locator('.ftl__text'), track0, -0.45)
    await expect.poll(() => attr(bar(0), 'data-at-ms'), POLL).toBe(2000)

    // The crash's restart ring resizes restartAfterMs.
    await dragBy(
      page.getByTestId('fault-bar-3-end'),
      page.getByTestId('fault-lane-3').locator('.ftl__track'),
      0.1,
    )
    await expect.poll(() => attr(bar(3), 'data-len-ms'), POLL).toBe(3500)

    // Keyboard: arrows move by one grid step (100 ms), Shift+arrows change the length.
    await bar(0).focus()
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('Shift+ArrowLeft')
    await expect.poll(() => attr(bar(0), 'data-at-ms'), POLL).toBe(2200)
    expect(await attr(bar(0), 'data-len-ms')).toBe(3400)

    // The spec itself changed (the JSON view shows the draft).
    const s = await specJson()
    expect(s.faults[0]).toMatchObject({ kind: 'drop', atMs: 2200, forMs: 3400, probability: 0.2 })
    expect(s.faults[3]).toMatchObject({ kind: 'crash', atMs: 3000, target: 'leader', restartAfterMs: 3500 })
    expect(lab.problems).toEqual([])
  })

  test('the side panel edits the selected fault and shows errors in place', async () => {
    await bar(0).click()
    const panel = page.getByTestId('fault-panel')
    expect(await panel.textContent()).toContain('Fault #1')
    // Each field explains itself.
    expect(await page.getByTestId('field-faults[0].probability').textContent()).toMatch(/lost/)

    const prob = page.getByTestId('input-faults[0].probability')
    await prob.fill('0.35')
    await prob.press('Tab')
    await expect.poll(() => bar(0).textContent(), POLL).toContain('35%')

    // Target picker: nodes and roles.
    await chooseOption('select-faults[0].target', /^majority/, async () =>
      ((await bar(0).textContent()) ?? '').includes('majority'),
    )
    expect(await bar(0).textContent()).toContain('majority')

    // A start past the end of the run: named on the bar and in the panel; Run is blocked.
    const at = page.getByTestId('input-faults[0].atMs')
    await at.fill('20000')
    await at.press('Tab')
    await expect.poll(() => bar(0).getAttribute('data-invalid'), POLL).toBe('true')
    expect(await page.getByTestId('fault-bar-error-0').textContent()).toContain('faults[0].atMs')
    expect(await page.getByTestId('error-faults[0].atMs').textContent()).toMatch(/must be <= durationMs/)
    expect(await page.getByTestId('run-button').isDisabled()).toBe(true)
    await screenshot(page, 'design-timeline-error.png')
    await at.fill('2000')
    await at.press('Tab')
    await expect.poll(() => bar(0).getAttribute('data-invalid'), POLL).toBe('false')
    expect(await page.getByTestId('fault-bar-error-0').count()).toBe(0)

    // Duplicate and delete.
    await page.getByTestId('fault-duplicate').click()
    await expect.poll(() => page.locator('[data-testid^="fault-bar-"][data-index]').count(), POLL).toBe(5)
    expect(await panel.textContent()).toContain('Fault #2')
    await page.getByTestId('fault-delete').click()
    await expect.poll(() => page.locator('[data-testid^="fault-bar-"][data-index]').count(), POLL).toBe(4)

    // An empty length means "until the end of the run": the bar runs off the end, open.
    await bar(2).click()
    const len = page.getByTestId('input-faults[2].forMs')
    await len.fill('')
    await len.press('Tab')
    await expect.poll(() => bar(2).getAttribute('data-len-ms'), POLL).toBe('')
    expect(await bar(2).getAttribute('class')).toContain('ftl__bar--open')
    expect((await specJson()).faults[2]).not.toHaveProperty('forMs')

    // Add a fault by kind: it lands on the grid where no other fault is, selected.
    const bars = page.locator('[data-testid^="fault-bar-"][data-index]')
    await pickFromMenu(
      page.getByTestId('add-fault'),
      page.getByTestId('add-fault-partition'),
      async () => (await bars.count()) === 5,
      'adding a partition',
    )
    expect(await bars.count()).toBe(5)
    expect(await bar(4).getAttribute('data-kind')).toBe('partition')
    const others = await Promise.all([0, 1, 2, 3].map((i) => attr(bar(i), 'data-at-ms')))
    expect(others).not.toContain(await attr(bar(4), 'data-at-ms'))
    expect(await panel.textContent()).toContain('Fault #5')
    // Delete on the focused bar removes it.
    await bar(4).focus()
    await page.keyboard.press('Delete')
    await expect.poll(() => page.locator('[data-testid^="fault-bar-"][data-index]').count(), POLL).toBe(4)

    await bar(3).click()
    if (await page.getByTestId('spec-json').isVisible()) await page.getByText('The spec as JSON').click()
    await page.getByTestId('faults').screenshot({ path: join(RESULTS_DIR, 'design-timeline-card.png') })
    await screenshotThemes(page, 'design-timeline')
    expect(lab.problems).toEqual([])
  })

  test('the Byzantine preset suggests PBFT; switching shows its params with help', async () => {
    await page.getByTestId('preset-mode-replace').click()
    await page.getByTestId('preset-byzantine-primary').click()
    const needs = page.getByTestId('preset-needs')
    await needs.waitFor()
    expect(await needs.textContent()).toMatch(/3f \+ 1/)
    expect(await bar(0).getAttribute('data-kind')).toBe('byzantine')
    expect(await page.getByTestId('fault-note').textContent()).toMatch(/Raft assumes nodes never lie/)
    await page.getByTestId('preset-adopt').click()
    await expect.poll(() => page.getByTestId('fault-note').count(), POLL).toBe(0)
    await expect
      .poll(() => page.getByTestId('algorithm-params').getAttribute('data-algorithm'), POLL)
      .toBe('pbft')
    expect(await page.getByTestId('preset-needs').count()).toBe(0)
    expect(await page.getByTestId('algorithm-summary').textContent()).toMatch(/Byzantine/)
    const field = page.getByTestId('field-algorithm.params.viewChangeTicks')
    expect(await field.textContent()).toMatch(/View-change timeout/)
    expect(await field.locator('.spec-field__help').textContent()).toMatch(/primary/)
    expect(await page.getByTestId('input-algorithm.params.viewChangeTicks').inputValue()).toBe('40')
    await screenshot(page, 'design-pbft.png')

    // Back to Raft through the picker: its params, reset to defaults, each with its line.
    const params = page.getByTestId('algorithm-params')
    await pickFromMenu(
      page.getByTestId('select-algorithm.kind'),
      page
        .locator('.n-base-select-option')
        .filter({ has: page.locator('.algo-option__name', { hasText: /^Raft$/ }) }),
      async () => (await params.getAttribute('data-algorithm')) === 'raft',
      'switching to Raft',
    )
    expect(await params.getAttribute('data-algorithm')).toBe('raft')
    expect(await page.getByTestId('input-algorithm.params.heartbeatTicks').inputValue()).toBe('5')
    expect(await page.getByTestId('field-algorithm.params.preVote').textContent()).toMatch(/deposes?|depose/)
    const s = await specJson()
    expect(s.algorithm).toEqual({
      kind: 'raft',
      params: {
        electionTimeoutTicks: [15, 30],
        heartbeatTicks: 5,
        preVote: true,
        readMode: 'readIndex',
        maxBatch: 64,
      },
    })
    expect(lab.problems).toEqual([])
  })

  test('a short simulation run starts from the designer', async () => {
    await page.getByTestId('input-durationMs').fill('2000')
    await page.getByTestId('input-durationMs').press('Tab')
    // Presets scale to the run: the crash lands at 30% of 2 s.
    await page.getByTestId('preset-leader-crash').click()
    await expect.poll(() => attr(bar(0), 'data-at-ms'), POLL).toBe(600)
    await page.getByTestId('speed-max').click()
    await expect.poll(() => page.getByTestId('validity').getAttribute('data-valid'), POLL).toBe('true')
    await page.getByTestId('run-button').click()
    await page.getByTestId('run-view').waitFor()
    await page.locator('[data-testid="status"][data-status="done"]').waitFor({ timeout: 60_000 })
    expect(lab.problems).toEqual([])
  })
})
