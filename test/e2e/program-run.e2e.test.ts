// A program's run in the browser UI (issue 14): the designer offers the program kind (clock
// faults greyed out, with the reason), runs the forwarding lin-kv example as real processes, and
// the Run view shows the ring, the messages and each node's stderr; Replay draws the program's
// messages with their bodies on hover and keeps the stderr panel.
// Screenshots: test-results/program-design, program-run, program-replay (.png, -dark.png).
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { connect, openLab, pickFromMenu, screenshotThemes, type Lab } from './browser'

describe('a program run in the browser UI', () => {
  let lab: Lab
  let page: Page

  beforeAll(async () => {
    lab = await openLab({ name: 'program-run' })
    page = lab.page
  })
  afterAll(() => lab?.close())

  test('designs, runs and replays a program', async () => {
    await connect(page, lab.server.url)
    await page.getByTestId('design-view').waitFor()

    await pickFromMenu(
      page,
      page.getByTestId('select-algorithm.kind'),
      page.locator('.n-base-select-option', { hasText: 'Your program' }).first(),
      async () => (await page.getByTestId('program-params').count()) > 0,
      'picking the program kind',
    )
    await page.getByTestId('algorithm-note').waitFor()
    expect(await page.getByTestId('algorithm-note').textContent()).toContain('processes mode')

    // Clock faults cannot reach a foreign process: greyed out, with the reason.
    await page.getByTestId('add-fault').click()
    const clock = page.getByTestId('add-fault-clock')
    await clock.waitFor()
    expect(await clock.getAttribute('title')).toContain('Not for programs: a program reads the OS clock')
    expect(await clock.evaluate((el) => el.className)).toContain('disabled')
    await page.keyboard.press('Escape')

    // A relative path with no working directory: found from where the lab started, so said.
    await page.getByTestId('input-program-command').fill('python3 lin_kv_forward.py')
    await page.getByTestId('warning-algorithm.params.cwd').waitFor()
    expect(await page.getByTestId('warning-algorithm.params.cwd').textContent()).toContain(
      '"lin_kv_forward.py" is a relative path',
    )
    await page
      .getByTestId('warning-algorithm.params.cwd')
      .evaluate((el) => el.scrollIntoView({ block: 'center' }))
    await page.screenshot({ path: 'test-results/program-relative-path.png' })
    const script = resolve('examples/programs/lin_kv_forward.py')
    await page.getByTestId('input-program-command').fill(`python3 ${script}`)
    await page.getByTestId('warning-algorithm.params.cwd').waitFor({ state: 'detached' })
    await page.getByTestId('input-name').fill('program-e2e')
    await page.getByTestId('input-cluster.nodes').fill('3')
    await page.getByTestId('input-durationMs').fill('4000')
    await page.getByTestId('input-durationMs').press('Tab')
    await page.getByTestId('speed-1').click()
    await expect.poll(() => page.getByTestId('validity').textContent()).toContain('Valid')
    await screenshotThemes(page, 'program-design')
    await page.getByTestId('run-button').click()

    await page.getByTestId('run-view').waitFor()
    await page.getByTestId('program-output').waitFor({ timeout: 30_000 })
    await expect
      .poll(() => page.getByTestId('program-stderr-n1').textContent(), { timeout: 30_000 })
      .toContain('n1: home is n1')
    await page.locator('[data-testid="status"][data-status="done"]').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('verdict').getAttribute('data-verdict')).toBe('ok')
    expect(await page.getByTestId('program-note-n1').textContent()).toContain(
      'kept: the newest 64.0 KB per node',
    )
    await screenshotThemes(page, 'program-run')

    await page.getByTestId('nav-replay').click()
    await pickFromMenu(
      page,
      page.getByTestId('replay-pick'),
      page.locator('.n-base-select-option', { hasText: 'program-e2e' }).first(),
      async () => (await page.evaluate(() => window.location.hash)).startsWith('#/replay?run='),
      'picking the run',
    )
    await page.locator('[data-testid="std"][data-ready="1"]').waitFor({ timeout: 15_000 })
    await page.getByTestId('program-output').waitFor()
    // Hover a message between n1 and n2: its body shows.
    const box = (await page.getByTestId('std-canvas').boundingBox())!
    const laneMid = box.y + 30 + 30 + 58
    let found = false
    for (let x = box.x + 70; x < box.x + box.width - 10 && !found; x += 3) {
      await page.mouse.move(x, laneMid)
      found = (await page.getByTestId('std-tooltip').count()) > 0
    }
    expect(found).toBe(true)
    expect(await page.getByTestId('std-tooltip-summary').textContent()).toMatch(
      /"type":"(read|write|cas|read_ok|write_ok|cas_ok|error)"/,
    )
    await screenshotThemes(page, 'program-replay')
    expect(lab.problems).toEqual([])
  }, 180_000)

  test("a Maelstrom workload's own options: broadcast's topology, read share and the final reads", async () => {
    await page.getByTestId('nav-design').click()
    await page.getByTestId('design-view').waitFor()
    await pickFromMenu(
      page,
      page.getByTestId('select-workload.kind'),
      page.locator('.n-base-select-option', { hasText: /^broadcast$/ }).first(),
      async () => (await page.getByTestId('field-workload.topology').count()) > 0,
      'picking the broadcast workload',
    )
    // Keys and the mix are lin-kv's and kv's: greyed out here, the help says why.
    expect(await page.getByTestId('input-workload.keys').isDisabled()).toBe(true)
    expect(await page.getByTestId('field-workload.keys').textContent()).toContain(
      'Not used by the broadcast workload',
    )
    await pickFromMenu(
      page,
      page.getByTestId('select-workload.topology'),
      page.locator('.n-base-select-option', { hasText: /^line$/ }).first(),
      async () =>
        (await page.getByTestId('field-workload.topology').textContent())?.includes('line') === true,
      'picking topology line',
    )
    await page.getByTestId('input-workload.finalMs').fill('1500')
    await page.getByTestId('input-workload.finalMs').press('Tab')
    await page.getByTestId('input-workload.readShare').fill('0.2')
    await page.getByTestId('input-workload.readShare').press('Tab')
    await expect.poll(() => page.getByTestId('validity').textContent()).toContain('Valid')
    // The draft the designer keeps (the spec it would run) holds all three.
    await expect
      .poll(async () =>
        JSON.parse((await page.evaluate(() => localStorage.getItem('quorum-lab.draft.v1'))) ?? '{}'),
      )
      .toMatchObject({ workload: { kind: 'broadcast', topology: 'line', finalMs: 1500, readShare: 0.2 } })
    await screenshotThemes(page, 'program-design-broadcast')
    expect(lab.problems).toEqual([])
  }, 60_000)
})
