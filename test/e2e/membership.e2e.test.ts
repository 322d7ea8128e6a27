// End to end, for real: membership changes on the Run view's cluster ring in Chromium. A Raft
// run (joint consensus) with 3 voters and room for 5 nodes: a scheduled fault adds n4 (drawn
// as a learner), n5 is drawn "not started" and is added by clicking it; with one voter paused
// and n4's links slowed, promoting n4 keeps the leader in C_old,new for a few seconds (drawn
// as two coloured rings) until the change completes; then n4 is made leader by clicking it,
// and the old leader is removed. Light and dark screenshots of the learner and the joint pictures.
//
// Needs `electron-vite build` first (QUORUM_LAB_OUT selects the output) and /usr/bin/chromium.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { ExperimentSpecSchema } from '../../src/shared/spec'
import { connect, openLab, pickFromMenu, RESULTS_DIR, screenshotThemes, setTheme, type Lab } from './browser'
import { join } from 'node:path'

const POLL = { timeout: 30_000 }

describe('membership on the cluster ring', () => {
  let lab: Lab
  let page: Page

  beforeAll(async () => {
    lab = await openLab({ name: 'membership', viewport: { width: 1360, height: 1000 } })
    page = lab.page
    await connect(page, lab.server.url)
  })

  afterAll(async () => {
    await lab?.close()
  })

  const ring = (): Locator => page.getByTestId('cluster-ring')
  const nodeEl = (id: string): Locator => page.getByTestId(`ring-node-${id}`)
  const member = (id: string) => nodeEl(id).getAttribute('data-member')
  const leader = async () => (await ring().getAttribute('data-leader')) ?? ''
  async function act(id: string, action: string): Promise<void> {
    await nodeEl(id).locator('.ring-node__disc').click()
    const item = page.getByTestId(`ring-action-${action}`)
    await item.waitFor()
    await page.waitForTimeout(300) // let the menu finish fading in
    await item.click()
    expect(await page.getByTestId('ring-error').count()).toBe(0)
  }
  async function shots(name: string): Promise<void> {
    const grid = page.locator('.live-grid')
    await setTheme(page, 'light')
    await grid.screenshot({ path: join(RESULTS_DIR, `${name}.png`) })
    await setTheme(page, 'dark')
    await grid.screenshot({ path: join(RESULTS_DIR, `${name}-dark.png`) })
    await setTheme(page, 'light')
  }

  test('add, promote (joint), make leader and remove by clicking nodes', async () => {
    const started = await lab.service.startRun({
      spec: ExperimentSpecSchema.parse({
        name: 'raft-membership-ring',
        algorithm: { kind: 'raft', params: { membership: 'joint' } },
        cluster: { nodes: 3, maxNodes: 5 },
        durationMs: 120_000,
        workload: { clients: 0 },
        faults: [{ atMs: 1000, kind: 'membership', action: 'add', target: 'n4' }],
      }),
      speed: 1,
    })
    const runId = started.runId
    await page.reload()
    await page.getByTestId('nav-run').click()
    await ring().waitFor()
    await expect.poll(() => page.locator('[data-testid^="ring-node-n"]').count(), POLL).toBe(5)
    // n4 joins as a learner at 1 s; n5 has not been started.
    await expect.poll(() => member('n4'), POLL).toBe('learner')
    expect(await member('n5')).toBe('absent')
    expect(await page.getByTestId('ring-config').textContent()).toContain('voters n1 n2 n3 · learner n4')
    const l0 = await leader()
    expect(l0).toMatch(/^n[123]$/)

    // Click n5: add it (the lab starts it; it joins as a learner too).
    await act('n5', 'add')
    await expect.poll(() => member('n5'), POLL).toBe('learner')
    await shots('membership-learners')

    // Make the joint configuration last long enough to look at: one other initial voter
    // paused and n4's links slowed (6 s each way), so C_old,new (old n1 n2 n3, new n1 n2 n3
    // n4) has a majority of the old voters but waits ~12 s for one of the new ones. (No client
    // load: n4 stays caught up, so the promotion starts at once.)
    const others = ['n1', 'n2', 'n3'].filter((n) => n !== l0)
    const held = [
      (await lab.service.injectFault({ runId, fault: { kind: 'pause', target: others[0], forMs: 60_000 } }))
        .index,
      (await lab.service.injectFault({ runId, fault: { kind: 'delay', target: 'n4', latencyMs: 6000 } }))
        .index,
    ]
    await page.waitForTimeout(13_000) // n4's acknowledgements flow again, 12 s late
    await act('n4', 'promote')
    await expect.poll(() => ring().getByTestId('ring-config').getAttribute('data-joint'), POLL).toBe('yes')
    expect(await page.getByTestId('ring-config').textContent()).toContain(
      'joint C_old,new: old voters n1 n2 n3 + new voters n1 n2 n3 n4',
    )
    expect(await member('n4')).toBe('joining')
    expect(await nodeEl('n4').getByTestId('ring-cfg-new').count()).toBe(1)
    expect(await nodeEl('n4').getByTestId('ring-cfg-old').count()).toBe(0)
    expect(await nodeEl(l0).getByTestId('ring-cfg-old').count()).toBe(1)
    await shots('membership-joint')

    // C_old,new commits, then C_new; n4 is a voter. Then the faults end.
    await expect.poll(() => ring().getByTestId('ring-config').getAttribute('data-joint'), POLL).toBe('no')
    await expect.poll(() => member('n4'), POLL).toBe('voter')
    for (const i of held) await lab.service.endFault({ runId, index: i })

    // Make n4 leader (leadership transfer), then remove the old leader.
    await act('n4', 'transfer')
    await expect.poll(leader, POLL).toBe('n4')
    await act(l0, 'remove')
    await expect.poll(() => member(l0), POLL).toBe('outside')
    expect(await page.getByTestId('ring-config').textContent()).not.toContain(l0 + ' ')
    await shots('membership-removed')
    await lab.service.stopRun({ runId })

    // The summary lists each cluster operation: outcome, how long it took, unavailability.
    const opsTable = page.getByTestId('cluster-ops')
    await opsTable.waitFor(POLL)
    expect(await page.getByTestId('cluster-op-0').textContent()).toMatch(/add n4.*done/)
    expect(await opsTable.textContent()).toContain(`remove ${l0}`)
    // The promotion waited ~24 s for n4's slowed acknowledgements (two configuration entries).
    expect(await page.getByTestId('cluster-op-4').textContent()).toMatch(/promote n4.*done/)
    await opsTable.scrollIntoViewIfNeeded()
    await setTheme(page, 'light')
    await opsTable.screenshot({ path: join(RESULTS_DIR, 'membership-summary.png') })
    await setTheme(page, 'dark')
    await opsTable.screenshot({ path: join(RESULTS_DIR, 'membership-summary-dark.png') })
    await setTheme(page, 'light')

    // Replay draws the recorded configuration the same way: at the joint configuration's
    // instant, the leader's C_old,new with its two rings.
    const trace = await lab.service.getTrace({ runId, limit: 1_000_000 })
    const joint = trace.find((e) => e.kind === 'config' && e.oldVoters !== undefined && e.node === l0)!
    expect(joint).toBeDefined()
    await page.evaluate((h) => {
      window.location.hash = h
    }, `#/replay?run=${runId}`)
    await page.getByTestId('replay-cluster').waitFor(POLL)
    // Seek as the slider does (the store's seek), to just after the joint entry was appended.
    await page.evaluate((t) => {
      const app = (
        document.querySelector('#app') as unknown as {
          __vue_app__: {
            config: { globalProperties: { $pinia: { _s: Map<string, { seek(t: number): void }> } } }
          }
        }
      ).__vue_app__
      app.config.globalProperties.$pinia._s.get('replay')!.seek(t)
    }, joint.t + 1)
    await expect.poll(() => page.getByTestId('replay-config').getAttribute('data-joint'), POLL).toBe('yes')
    expect(await page.getByTestId('replay-config').textContent()).toContain('joint C_old,new')
    expect(await page.getByTestId('replay-ring-n4').getAttribute('data-member')).toBe('joining')
    expect(await page.getByTestId('replay-ring-n5').getAttribute('data-member')).toBe('learner')
    const cluster = page.getByTestId('replay-cluster')
    await setTheme(page, 'light')
    await cluster.screenshot({ path: join(RESULTS_DIR, 'membership-replay-joint.png') })
    await setTheme(page, 'dark')
    await cluster.screenshot({ path: join(RESULTS_DIR, 'membership-replay-joint-dark.png') })
    await setTheme(page, 'light')
    expect(lab.problems).toEqual([])
  }, 180_000)

  test('the designer offers membership and transfer faults for Raft only', async () => {
    await page.getByTestId('nav-design').click()
    await page.getByTestId('design-view').waitFor()
    // Raft: Max nodes is a field; a membership fault takes an action and one node (up to maxNodes).
    await page.getByTestId('input-cluster.nodes').fill('3')
    await page.getByTestId('input-cluster.maxNodes').fill('5')
    await page.getByTestId('input-cluster.maxNodes').press('Tab')
    const bars = page.locator('[data-testid^="fault-bar-"][data-index]')
    const before = await bars.count()
    await pickFromMenu(
      page,
      page.getByTestId('add-fault'),
      page.getByTestId('add-fault-membership'),
      async () => (await bars.count()) === before + 1,
      'adding a membership fault',
    )
    const panel = page.getByTestId('fault-panel')
    expect(await panel.textContent()).toContain('Action')
    await page.getByTestId(`select-faults[${before}].target`).click()
    const options = page.locator('.n-base-select-option')
    await options.first().waitFor()
    const labels = await options.allTextContents()
    expect(labels.some((l) => l.startsWith('n5'))).toBe(true)
    expect(labels.some((l) => l.startsWith('leader'))).toBe(false)
    await page.keyboard.press('Escape')
    await expect.poll(() => page.getByTestId('validity').textContent(), POLL).toContain('Valid')
    await screenshotThemes(page, 'membership-design')

    // PBFT: the add menu has no cluster operations, and the existing one is refused by name.
    await pickFromMenu(
      page,
      page.getByTestId('select-algorithm.kind'),
      page
        .locator('.n-base-select-option')
        .filter({ has: page.locator('.algo-option__name', { hasText: /^PBFT$/ }) }),
      async () => (await page.getByTestId('algorithm-params').getAttribute('data-algorithm')) === 'pbft',
      'switching to PBFT',
    )
    await page.getByTestId('input-cluster.nodes').fill('4')
    await page.getByTestId('input-cluster.nodes').press('Tab')
    await expect
      .poll(async () => (await page.getByTestId(`error-faults[${before}].kind`).textContent()) ?? '', POLL)
      .toContain('PBFT has no membership operation')
    // Max nodes stays shown while it is set, with its error, so it can be cleared.
    expect(await page.getByTestId('error-cluster.maxNodes').textContent()).toContain(
      'PBFT has no membership changes',
    )
    await page.getByTestId('add-fault').click()
    await page.getByTestId('add-fault-crash').waitFor()
    expect(await page.getByTestId('add-fault-membership').count()).toBe(0)
    expect(await page.getByTestId('add-fault-transfer-leadership').count()).toBe(0)
    await page.keyboard.press('Escape')
    expect(lab.problems).toEqual([])
  }, 120_000)
})
