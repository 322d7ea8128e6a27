// End to end in real Chromium through browser mode: the Explore screen runs an exploration of
// Raft with the forgetPersistVote mutant in the lab, shows its progress and the counterexample,
// and opens it in Replay; a stop ends an exploration of the correct algorithm; the Fuzz screen
// runs a small campaign with a mutant over the worker threads, lists the violating seed with its
// reproduce line, and opens its recorded run in Replay. Screenshots: test-results/
// explore-screen*.png, fuzz-screen*.png (light and dark).
//
// Needs `electron-vite build` first (`npm test` does it) and /usr/bin/chromium.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { connect, openLab, pickFromMenu, screenshotThemes, type Lab } from './browser'

const POLL = { timeout: 30_000, interval: 200 }

describe('the Explore and Fuzz screens', () => {
  let lab: Lab

  beforeAll(async () => {
    lab = await openLab({ name: 'campaigns' })
    await connect(lab.page, lab.server.url)
  }, 60_000)

  afterAll(() => lab?.close())

  async function pickMutant(testid: string, name: string): Promise<void> {
    const page = lab.page
    const select = page.getByTestId(testid)
    await pickFromMenu(
      page,
      select,
      page.locator('.n-base-select-option', { hasText: new RegExp(`^${name}$`) }),
      async () => (await select.getAttribute('data-value')) === name,
      `picking ${name}`,
    )
    await page.keyboard.press('Escape')
  }

  test('explores Raft with a mutant, shows the counterexample and opens it in Replay', async () => {
    const page = lab.page
    await page.getByTestId('nav-explore').click()
    await page.getByTestId('explore-view').waitFor()
    await page.getByTestId('explore-start').waitFor()
    // A bad bound is refused in the form, naming the field.
    await page.getByTestId('explore-depth').fill('0')
    await page.getByTestId('explore-start').click()
    await expect
      .poll(() => page.getByTestId('explore-errors').textContent(), POLL)
      .toContain('depth: must be a whole number between 1 and 1,000 steps')
    await page.getByTestId('explore-depth').fill('8')
    await pickMutant('explore-mutants', 'forgetPersistVote')
    await page.getByTestId('explore-start').click()
    // Progress while it runs, then the counterexample.
    await page.getByTestId('explore-result').waitFor()
    const outcome = page.getByTestId('explore-outcome')
    await expect
      .poll(() => outcome.getAttribute('data-kind'), { timeout: 240_000, interval: 500 })
      .toBe('violation')
    expect(await outcome.textContent()).toMatch(
      /violation after 8 steps \([\d,]+ states, [\d,]+ transitions\): Election Safety/,
    )
    expect(
      Number((await page.getByTestId('explore-fig-states').textContent())?.replace(/,/g, '')),
    ).toBeGreaterThan(1000)
    expect(await page.getByTestId('explore-fig-depth').textContent()).toMatch(/of 8$/)
    expect(await page.getByTestId('explore-steps').locator('li').count()).toBe(8)
    await page.getByTestId('explore-open-replay').waitFor()
    await screenshotThemes(page, 'explore-screen')

    await page.getByTestId('explore-open-replay').click()
    await page.locator('[data-testid="std"][data-ready="1"]').waitFor({ timeout: 20_000 })
    expect(await page.evaluate(() => window.location.hash)).toMatch(/^#\/replay\?run=/)
    expect(Number(await page.getByTestId('std').getAttribute('data-drawn'))).toBeGreaterThan(0)
    expect(lab.problems).toEqual([])
  }, 300_000)

  test('a stop ends an exploration of the correct algorithm and says what it covered', async () => {
    const page = lab.page
    await page.getByTestId('nav-explore').click()
    await page.getByTestId('explore-view').waitFor()
    // Back on the screen, the last exploration is still shown.
    expect(await page.getByTestId('explore-outcome').getAttribute('data-kind')).toBe('violation')
    await page.getByTestId('explore-mutants').locator('.n-base-clear').click({ force: true })
    await expect.poll(() => page.getByTestId('explore-mutants').getAttribute('data-value'), POLL).toBe('')
    await page.getByTestId('explore-depth').fill('40')
    await page.getByTestId('explore-start').click()
    const outcome = page.getByTestId('explore-outcome')
    await expect.poll(() => outcome.getAttribute('data-kind'), POLL).toBe('running')
    await expect
      .poll(
        async () => Number((await page.getByTestId('explore-fig-states').textContent())?.replace(/,/g, '')),
        POLL,
      )
      .toBeGreaterThan(0)
    await screenshotThemes(page, 'explore-running')
    await page.getByTestId('explore-stop').click()
    await expect.poll(() => outcome.getAttribute('data-kind'), POLL).toBe('cut')
    expect(await outcome.textContent()).toMatch(/stopped: no violation in [\d,]+ states/)
    expect(lab.problems).toEqual([])
  }, 120_000)

  test('fuzzes Raft with a mutant, lists the violating seed and opens it in Replay', async () => {
    const page = lab.page
    await page.getByTestId('nav-fuzz').click()
    await page.getByTestId('fuzz-view').waitFor()
    await page.getByTestId('fuzz-start').waitFor()
    await pickMutant('fuzz-mutants', 'commitOldTermByCounting')
    await page.getByTestId('fuzz-seeds').fill('10')
    await page.getByTestId('fuzz-start').click()
    await page.getByTestId('fuzz-result').waitFor()
    const seed6 = page.locator('[data-testid="fuzz-finding"][data-seed="6"]')
    await seed6.waitFor({ timeout: 240_000 })
    expect(await seed6.getByTestId('fuzz-reproduce').textContent()).toContain(
      'reproduce with seed=6: quorum-lab fuzz --seed 6 --mutant commitOldTermByCounting',
    )
    const outcome = page.getByTestId('fuzz-outcome')
    await expect
      .poll(() => page.getByTestId('fuzz-result').getAttribute('data-status'), { timeout: 240_000 })
      .toBe('done')
    expect(await outcome.textContent()).toMatch(
      /violating seeds? in 10 of 10 seeds: mutant commitOldTermByCounting caught/,
    )
    expect(await page.getByTestId('fuzz-fig-done').textContent()).toBe('10 of 10 seeds')
    expect(await page.getByTestId('fuzz-fig-rate').textContent()).toMatch(/seeds\/s on \d+ workers?/)
    await seed6.getByTestId('fuzz-open-replay').waitFor({ timeout: 120_000 })
    await screenshotThemes(page, 'fuzz-screen')

    await seed6.getByTestId('fuzz-open-replay').click()
    await page.locator('[data-testid="std"][data-ready="1"]').waitFor({ timeout: 30_000 })
    expect(await page.evaluate(() => window.location.hash)).toMatch(/^#\/replay\?run=/)
    const runId = new URLSearchParams((await page.evaluate(() => window.location.hash)).split('?')[1]).get(
      'run',
    )
    const run = await lab.service.getRun({ runId: runId as string })
    expect(run.seed).toBe(6)
    expect(run.summary?.verdict).toBe('violation')
    expect(lab.problems).toEqual([])
  }, 300_000)

  test('holds a fuzz campaign to a cluster size and a fault style; a bad size is named', async () => {
    const page = lab.page
    await page.getByTestId('nav-fuzz').click()
    await page.getByTestId('fuzz-view').waitFor()
    await page.getByTestId('fuzz-nodes').fill('16')
    await page.getByTestId('fuzz-start').click()
    await expect.poll(() => page.getByTestId('fuzz-errors').textContent()).toContain('nodes:')
    await page.getByTestId('fuzz-nodes').fill('3')
    await pickFromMenu(
      page,
      page.getByTestId('fuzz-style'),
      page.locator('.n-base-select-option', { hasText: /^leader-churn$/ }),
      async () => (await page.getByTestId('fuzz-style').textContent())?.includes('leader-churn') === true,
      'picking the leader-churn style',
    )
    await page.getByTestId('fuzz-seeds').fill('4')
    await page.getByTestId('fuzz-start').click()
    await expect
      .poll(() => page.getByTestId('fuzz-title').textContent(), { timeout: 30_000 })
      .toContain('3 nodes')
    expect(await page.getByTestId('fuzz-title').textContent()).toContain('style leader-churn')
    await expect
      .poll(() => page.getByTestId('fuzz-result').getAttribute('data-status'), { timeout: 240_000 })
      .not.toBe('running')
    await screenshotThemes(page, 'fuzz-screen-style')
    expect(lab.problems).toEqual([])
  }, 300_000)
})
