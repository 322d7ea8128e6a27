// End to end: the Design screen in Chromium, for what issue 12 found there.
//   - Every file in examples/ loads through Load JSON exactly as written, with its own
//     algorithm's defaults for what it leaves out: "Valid", never Raft's params merged in.
//   - Each algorithm's spec saved with Save JSON and loaded back is unchanged.
//   - Switching to the quorum store sets the cas share to 0 (it refuses every cas) and says so;
//     a cas share set again is warned about.
//   - A number field keeps what was typed until it is a number and says "not a number".
//   - Polish: the algorithm menu shows every option whole, a preset in Replace mode can be
//     undone, faults added one after another do not land on one spot, a field path cut short
//     has its tooltip, the shortcut list does not wrap, toasts do not cover the navigation.
// Light and dark screenshots in test-results/design-*.png.
//
// Needs `electron-vite build` first (`npm test` does it) and /usr/bin/chromium.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { ALGORITHMS, ExperimentSpecSchema } from '../../src/shared/spec'
import { connect, openLab, pickFromMenu, screenshotThemes, type Lab } from './browser'

const POLL = { timeout: 10_000 }
const EXAMPLES = readdirSync('examples').filter((f) => f.endsWith('.json'))

describe('design screen: files, numbers, the quorum store, polish', () => {
  let lab: Lab
  let page: Page

  beforeAll(async () => {
    lab = await openLab({ name: 'design-files', viewport: { width: 1440, height: 900 } })
    page = lab.page
    await connect(page, lab.server.url)
    await page.getByTestId('design-view').waitFor()
  })

  afterAll(() => lab?.close())

  /** The draft spec as the JSON view shows it. */
  async function specJson(): Promise<Record<string, unknown>> {
    const pre = page.getByTestId('spec-json')
    if (!(await pre.isVisible())) await page.getByText('The spec as JSON').click()
    await pre.waitFor()
    return JSON.parse((await pre.textContent()) ?? '') as Record<string, unknown>
  }

  async function loadFile(name: string, text: string): Promise<void> {
    await page
      .getByTestId('load-input')
      .setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) })
    await expect
      .poll(async () => (await page.locator('.toolbar__file').textContent())?.trim(), POLL)
      .toBe(name)
  }

  const validity = () => page.getByTestId('validity').textContent()

  test('every example loads through Load JSON as written: Valid', async () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(6)
    for (const file of EXAMPLES) {
      const text = readFileSync(join('examples', file), 'utf8')
      await loadFile(file, text)
      await expect.poll(validity, POLL).toBe('Valid')
      // Exactly the file, with its own algorithm's defaults for what it leaves out.
      expect(await specJson(), file).toEqual(
        JSON.parse(JSON.stringify(ExperimentSpecSchema.parse(JSON.parse(text)))),
      )
      expect(await page.getByTestId('run-button').isDisabled()).toBe(false)
    }
    await loadFile('quorum-cap-partition.json', readFileSync('examples/quorum-cap-partition.json', 'utf8'))
    await expect.poll(validity, POLL).toBe('Valid')
    await page.waitForTimeout(300)
    await screenshotThemes(page, 'design-loaded-quorum')
    expect(lab.problems).toEqual([])
  })

  test("each algorithm's spec saved and loaded back is unchanged", async () => {
    const params = page.getByTestId('algorithm-params')
    for (const kind of ALGORITHMS) {
      await pickFromMenu(
        page,
        page.getByTestId('select-algorithm.kind'),
        page.locator('.n-base-select-option').filter({
          has: page.locator('.algo-option__name', {
            hasText: new RegExp(
              `^${{ raft: 'Raft', paxos: 'Paxos', multipaxos: 'Multi-Paxos', pbft: 'PBFT', quorum: 'Quorum store' }[kind]}$`,
            ),
          }),
        }),
        async () => (await params.getAttribute('data-algorithm')) === kind,
        `switching to ${kind}`,
      )
      if (kind === 'pbft') {
        await page.getByTestId('input-cluster.nodes').fill('4')
        await page.getByTestId('input-cluster.nodes').press('Tab')
      }
      await expect.poll(validity, POLL).toBe('Valid')
      const before = await specJson()
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('save-button').click(),
      ])
      const saved = readFileSync(await download.path(), 'utf8')
      expect(JSON.parse(saved)).toEqual(before)
      await page.getByTestId('reset-button').click()
      await loadFile(download.suggestedFilename(), saved)
      // Polled: the file name shown may already be this one (an earlier load of the same
      // name), and a reset draft is Valid too, so neither says the load has landed.
      await expect.poll(specJson, { ...POLL, message: kind }).toEqual(before)
      await expect.poll(validity, POLL).toBe('Valid')
    }
    expect(lab.problems).toEqual([])
  })

  test('the quorum store: cas set to 0 on switching, and a warning when set again', async () => {
    await page.getByTestId('reset-button').click()
    expect(await page.getByTestId('input-workload.mix.cas').inputValue()).toBe('0.1')
    await pickFromMenu(
      page,
      page.getByTestId('select-algorithm.kind'),
      page
        .locator('.n-base-select-option')
        .filter({ has: page.locator('.algo-option__name', { hasText: /^Quorum store$/ }) }),
      async () => (await page.getByTestId('algorithm-params').getAttribute('data-algorithm')) === 'quorum',
      'switching to the quorum store',
    )
    expect(await page.getByTestId('input-workload.mix.cas').inputValue()).toBe('0')
    expect(await page.getByTestId('algorithm-note').textContent()).toContain(
      'cas share set to 0 (was 0.1): the quorum store refuses every cas',
    )
    expect(await page.getByTestId('warning-workload.mix').count()).toBe(0)
    await page.getByTestId('input-workload.mix.cas').fill('0.2')
    await page.getByTestId('input-workload.mix.cas').press('Tab')
    await page.getByTestId('warning-workload.mix').waitFor()
    expect(await page.getByTestId('warning-workload.mix').textContent()).toMatch(
      /quorum store refuses every cas/,
    )
    // A warning, not an error: the run may still start.
    await expect.poll(validity, POLL).toBe('Valid')
    await page.getByTestId('field-workload.mix').scrollIntoViewIfNeeded()
    await screenshotThemes(page, 'design-quorum-cas')
    expect(lab.problems).toEqual([])
  })

  test('a number field keeps what was typed and says "not a number" until it is one', async () => {
    await page.getByTestId('reset-button').click()
    const clients = page.getByTestId('input-workload.clients')
    await clients.fill('abc')
    await clients.press('Tab')
    // Kept on blur, named, and the run is blocked.
    expect(await clients.inputValue()).toBe('abc')
    await page.getByTestId('error-workload.clients').waitFor()
    expect(await page.getByTestId('error-workload.clients').textContent()).toContain('not a number: "abc"')
    expect(await validity()).toBe('1 problem')
    expect(await page.getByTestId('run-button').isDisabled()).toBe(true)
    await page.getByTestId('field-workload.clients').scrollIntoViewIfNeeded()
    await screenshotThemes(page, 'design-not-a-number')
    // Empty: not a number either (no "got null").
    await clients.fill('')
    await clients.press('Tab')
    await expect
      .poll(() => page.getByTestId('error-workload.clients').textContent(), POLL)
      .toContain('not a number (empty)')
    expect(await page.getByTestId('error-workload.clients').textContent()).not.toContain('null')
    await clients.fill('8')
    await clients.press('Tab')
    await expect.poll(validity, POLL).toBe('Valid')
    expect((await specJson()).workload).toMatchObject({ clients: 8 })
    expect(lab.problems).toEqual([])
  })

  test('polish: algorithm menu, preset undo, added faults, path tooltips, shortcuts, toasts', async () => {
    await page.getByTestId('reset-button').click()
    // The algorithm menu shows all six options whole (five algorithms and a program of your own).
    await page.getByTestId('select-algorithm.kind').click()
    const options = page.locator('.n-base-select-menu .n-base-select-option')
    await expect.poll(() => options.count(), POLL).toBe(6)
    await page.waitForTimeout(300)
    await page.screenshot({ path: 'test-results/design-algorithm-menu.png' })
    // (Polled: the menu scales in.) Options whose bottom is below the menu's are cut off.
    const cutOff = async (): Promise<number[]> => {
      const menu = (await page.locator('.n-base-select-menu').boundingBox())!
      const out: number[] = []
      for (let i = 0; i < 6; i++) {
        const box = (await options.nth(i).boundingBox())!
        if (box.y + box.height > menu.y + menu.height + 1) out.push(i)
      }
      return out
    }
    await expect.poll(cutOff, POLL).toEqual([])
    await page.keyboard.press('Escape')

    // Faults added one after another do not stack on one spot.
    const bars = page.locator('[data-testid^="fault-bar-"][data-index]')
    for (let n = 1; n <= 3; n++)
      await pickFromMenu(
        page,
        page.getByTestId('add-fault'),
        page.getByTestId('add-fault-partition'),
        async () => (await bars.count()) === n,
        `adding fault ${n}`,
      )
    const spans = await bars.evaluateAll((els) =>
      els.map((e) => [Number(e.getAttribute('data-at-ms')), Number(e.getAttribute('data-len-ms'))]),
    )
    expect(new Set(spans.map((s) => s[0])).size).toBe(3)
    for (let i = 0; i < 3; i++)
      for (let j = i + 1; j < 3; j++)
        expect(spans[i][0] + spans[i][1] <= spans[j][0] || spans[j][0] + spans[j][1] <= spans[i][0]).toBe(
          true,
        )

    // A preset in Replace mode replaces them, and Undo brings them back.
    await page.getByTestId('preset-mode-replace').click()
    await page.getByTestId('preset-leader-crash').click()
    await expect.poll(() => bars.count(), POLL).toBe(1)
    expect(await page.getByTestId('preset-replaced').textContent()).toContain('Replaced 3 faults')
    await page.getByTestId('preset-undo').click()
    await expect.poll(() => bars.count(), POLL).toBe(3)
    expect(await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-at-ms'))))).toEqual(
      spans.map((s) => s[0]),
    )

    // A field path cut short has the whole path in a tooltip.
    const path = page.locator('[data-testid="field-workload.zipfExponent"] .spec-field__path')
    expect(await path.getAttribute('title')).toBe('workload.zipfExponent')

    // The shortcut list: one line per shortcut.
    await page.keyboard.press('?')
    const help = page.getByTestId('shortcuts-help')
    await help.waitFor()
    const heights = await help
      .locator('tr')
      .evaluateAll((rows) => rows.map((r) => r.getBoundingClientRect().height))
    for (const h of heights) expect(h).toBeLessThan(40)
    await page.screenshot({ path: 'test-results/design-shortcuts.png' })
    await page.keyboard.press('Escape')
    await help.waitFor({ state: 'hidden' })

    // A toast does not cover the navigation.
    await page.getByTestId('save-button').click()
    const toast = page.locator('.n-message').first()
    await toast.waitFor()
    const t = (await toast.boundingBox())!
    const nav = (await page.locator('.app-header').boundingBox())!
    expect(t.y).toBeGreaterThan(nav.y + nav.height)
    expect(lab.problems).toEqual([])
  })

  test('a file that is not JSON: its name and a message naming it, the draft kept', async () => {
    const before = await specJson()
    await loadFile('broken.json', '{ "name": ')
    await page.getByText('broken.json is not valid JSON').first().waitFor()
    expect(await specJson()).toEqual(before)
    expect(lab.problems).toEqual([])
  })
})
