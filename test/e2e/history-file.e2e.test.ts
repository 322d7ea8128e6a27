// End to end: a history file from another tool opened in the History view, in real
// Chromium through browser mode. Each format's example file is opened with "Open history…"
// in the Runs screen (Jepsen history.edn with a stale read on key 2, Porcupine key-value
// data with a read that does not continue an earlier one, a Jepsen text log that is
// linearizable): the format is named, the ops are drawn per process, the nemesis faults
// listed, and a violation's counterexample outlined and explained as for a run. A file
// dropped on the app opens the same way; a broken file is refused naming its line.
//
// Needs `electron-vite build` first (`npm test` does it) and /usr/bin/chromium.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { connect, openLab, screenshotThemes, type Lab } from './browser'

async function openFile(page: Page, file: string): Promise<void> {
  await page.getByTestId('open-history-input').setInputFiles(resolve(file))
  await page.locator('[data-testid="history-view"][data-state="ready"]').waitFor({ timeout: 30_000 })
}

async function dropFile(page: Page, name: string, text: string): Promise<void> {
  const dt = await page.evaluateHandle(
    ([n, t]) => {
      const d = new DataTransfer()
      d.items.add(new File([t], n, { type: 'text/plain' }))
      return d
    },
    [name, text] as const,
  )
  await page.dispatchEvent('[data-testid="app"]', 'drop', { dataTransfer: dt })
}

describe('history files in the browser UI', () => {
  let lab: Lab
  let page: Page

  beforeAll(async () => {
    lab = await openLab({ name: 'history-file' })
    page = lab.page
    await connect(page, lab.server.url)
    await page.getByTestId('nav-runs').click()
    await page.getByTestId('runs-view').waitFor()
  }, 60_000)

  afterAll(async () => {
    await lab?.close()
  })

  test("Jepsen history.edn: independent keys, nemesis faults, the stale read's counterexample", async () => {
    await openFile(page, 'examples/history-jepsen-independent.edn')
    expect(await page.getByTestId('history-file-format').getAttribute('data-format')).toBe('edn')
    expect(await page.getByTestId('history-file-format').textContent()).toContain('independent keys')
    expect(await page.getByTestId('history-file-fault').allTextContents()).toEqual([
      expect.stringContaining('start-partition'),
      expect.stringContaining('stop-partition'),
    ])
    const chart = page.getByTestId('history-chart')
    expect(await chart.getAttribute('data-ops')).toBe('7')
    expect(await chart.getAttribute('data-clients')).toBe('4')
    expect(await page.getByTestId('history-verdict').getAttribute('data-verdict')).toBe('violation')
    expect(await page.getByTestId('history-key').textContent()).toBe('2')
    expect(await page.getByTestId('history-explanation').textContent()).toContain(
      'get 2 by client 0 at 0.009 s returned "3", a value no operation ever wrote to 2.',
    )
    const cx = page.getByTestId('history-cx-op')
    expect(await cx.count()).toBe(1)
    expect(await cx.first().getAttribute('data-culprit')).toBe('true')
    expect(await cx.first().getAttribute('data-found')).toBe('true')
    await screenshotThemes(page, 'history-file-edn')
  }, 60_000)

  test("Porcupine's key-value data: appends per process, the read that does not continue an earlier one", async () => {
    await openFile(page, 'examples/history-porcupine-kv.txt')
    expect(await page.getByTestId('history-file-format').getAttribute('data-format')).toBe('porcupine-kv')
    expect(await page.getByTestId('history-file-faults').getAttribute('data-count')).toBe('0')
    expect(await page.getByTestId('history-chart').getAttribute('data-ops')).toBe('7')
    expect(await page.getByTestId('history-chart').getAttribute('data-clients')).toBe('3')
    expect(await page.getByTestId('history-chart').getAttribute('data-highlighted')).toBe('5')
    expect(await page.getByTestId('history-key').textContent()).toBe('a')
    const words = await page.getByTestId('history-explanation').textContent()
    expect(words).toContain('get a by client 2 at line 13 returned "x 0 0 yx 1 0 yx 0 2 y"')
    expect(words).toContain('does not begin with "x 1 0 yx 0 0 y"')
    expect(words).toContain('append a += "x 0 2 y"')
    expect(await page.getByTestId('history-cx-op').count()).toBe(5)
    await screenshotThemes(page, 'history-file-porcupine')
  }, 60_000)

  test('a Jepsen text log that is linearizable (an unknown write explains a failed cas)', async () => {
    await openFile(page, 'examples/history-jepsen.log')
    expect(await page.getByTestId('history-file-format').getAttribute('data-format')).toBe('jepsen-log')
    expect(await page.getByTestId('history-verdict').getAttribute('data-verdict')).toBe('ok')
    expect(await page.getByTestId('history-chart').getAttribute('data-ops')).toBe('8')
    expect(await page.getByTestId('history-file-fault').count()).toBe(2)
    // A file opens on the whole history (lines 2 to 21 here, drawn 1 s a line).
    expect(await page.getByTestId('history-chart').getAttribute('data-window')).toBe('0.000000-21.000000')
    await screenshotThemes(page, 'history-file-log')
  }, 60_000)

  test('a file dropped on the app opens in the History view; a broken one is refused naming its line', async () => {
    await page.getByTestId('nav-design').click()
    await dropFile(page, 'ours.jsonl', readFileSync('examples/history-stale-read.jsonl', 'utf8'))
    await page.locator('[data-testid="history-view"][data-state="ready"]').waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('history-file-name').textContent()).toBe('ours.jsonl')
    expect(await page.getByTestId('history-file-format').getAttribute('data-format')).toBe('jsonl')
    expect(await page.getByTestId('history-verdict').getAttribute('data-verdict')).toBe('violation')
    await dropFile(
      page,
      'broken.edn',
      '{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok\n',
    )
    const err = page.getByTestId('history-file-error')
    await err.waitFor({ timeout: 30_000 })
    expect(await err.textContent()).toContain(
      'broken.edn is not a valid history: line 2: not valid EDN (unbalanced brackets or an unterminated string)',
    )
    // Browser mode: a file past the WebSocket's frame limit is refused with a message, not sent.
    await dropFile(page, 'big.jsonl', 'x'.repeat(1024 * 1024))
    await page.getByText('big.jsonl is 1.0 MB: browser mode takes history files up to 0.9 MB').waitFor()
    expect(lab.problems.filter((p) => !/bad_input|is not a valid history/.test(p))).toEqual([])
  }, 60_000)
})
