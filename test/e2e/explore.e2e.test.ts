// End to end: an explorer counterexample, recorded as a run, opens in Replay in real Chromium
// through browser mode: the space-time diagram draws the path's messages, and stepping through
// the events reaches the step where two nodes lead the same term (Raft with the
// forgetPersistVote mutant). Screenshots: test-results/explore-replay.png and -dark.png.
//
// Needs `electron-vite build` first (`npm test` does it) and /usr/bin/chromium.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { explore } from '../../src/core/explore'
import { counterexampleSpec, finalNodes, traceSummary } from '../../src/core/explore/run'
import { algorithmModule } from '../../src/core/protocols/registry'
import { recordTrace } from '../../src/main/lab/record-trace'
import { ExperimentSpecSchema } from '../../src/shared/spec'
import { connect, openLab, screenshotThemes, type Lab } from './browser'

describe('an explorer counterexample in Replay', () => {
  let lab: Lab
  let runId: string
  let steps: number

  beforeAll(async () => {
    lab = await openLab({ name: 'explore' })
    const spec = ExperimentSpecSchema.parse({
      name: 'explore-raft-3',
      algorithm: { kind: 'raft', params: { preVote: false } },
      cluster: { nodes: 3 },
    })
    const r = explore({
      spec,
      factory: algorithmModule('raft').mutant(['forgetPersistVote']),
      depth: 8,
      maxStates: 1_000_000,
      strategy: 'bfs',
      crashes: 1,
      drops: 0,
      ops: [],
      attempts: 2,
      time: 'timeout',
      rng: 'fixed',
      linearizability: true,
    })
    const ce = r.counterexample
    if (ce === null) throw new Error('no counterexample')
    steps = ce.steps.length
    const recorded = counterexampleSpec(spec, { mutant: 'forgetPersistVote', strategy: 'bfs', steps })
    runId = recordTrace(lab.service.store, {
      spec: recorded,
      trace: ce.trace,
      summary: traceSummary(ce.trace, ce.checks),
      nodes: finalNodes(ce.trace, 3),
      appVersion: 'e2e',
    })
  }, 300_000)

  afterAll(() => lab?.close())

  test('draws the path and steps to the second leader of term 1', async () => {
    const page = lab.page
    await connect(page, lab.server.url)
    await page.evaluate((id) => {
      window.location.hash = `#/replay?run=${id}`
    }, runId)
    await page.locator('[data-testid="std"][data-ready="1"]').waitFor({ timeout: 15_000 })
    const drawn = Number(await page.getByTestId('std').getAttribute('data-drawn'))
    expect(drawn).toBeGreaterThan(0)
    expect(await page.getByTestId('std-legend').textContent()).toContain('RequestVote')
    // Step through every event: at the end two nodes are leaders of term 1.
    for (let i = 0; i < 200; i++) {
      const leaders = await page.locator('[data-testid^="replay-node-"][data-role="leader"]').count()
      if (leaders >= 2) break
      await page.keyboard.press('ArrowRight')
      await page.waitForTimeout(30)
    }
    expect(await page.locator('[data-testid^="replay-node-"][data-role="leader"]').count()).toBe(2)
    await screenshotThemes(page, 'explore-replay')
    expect(lab.problems).toEqual([])
  }, 120_000)
})
