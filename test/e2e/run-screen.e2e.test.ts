// End to end: the Run screen in Chromium, for what issue 12 found misleading there.
//   - Each algorithm speaks its own words: a PBFT run has a primary, backups and view changes;
//     a Paxos node is a proposer with a ballot; the quorum store has no leader and no term but
//     stored writes, read repairs, hinted writes and anti-entropy syncs. A past run opened from
//     Runs shows its cluster as it was at the end.
//   - A check that could not be judged says "not judged" and why, never "pass".
//   - Live charts plot complete seconds only, on an axis fixed to the run's duration from the
//     start; fault labels sit in rows over the plot, never over each other; the speed-up
//     achieved shows while running; the Stop button goes when the run has ended.
//   - While a run is finishing (its checks running), the cluster's fault menu does not open.
// Light and dark screenshots of each in test-results/run-*.png.
//
// Needs `electron-vite build` first (`npm test` does it) and /usr/bin/chromium.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { createSimulation } from '../../src/core/sim'
import type { Simulation } from '../../src/core/sim'
import type { RunInfo } from '../../src/shared/api'
import { ExperimentSpecSchema, type ExperimentSpec } from '../../src/shared/spec'
import { connect, openLab, recordRun, screenshotThemes, type Lab } from './browser'

const POLL = { timeout: 20_000 }

const example = (file: string, patch: Record<string, unknown> = {}): ExperimentSpec =>
  ExperimentSpecSchema.parse({
    ...(JSON.parse(readFileSync(`examples/${file}`, 'utf8')) as object),
    ...patch,
  })

async function openRun(page: Page, run: RunInfo): Promise<void> {
  await page.getByTestId('nav-runs').click()
  await page.getByTestId(`runs-row-${run.runId}`).click()
  await page.getByTestId('run-view').waitFor()
  await expect.poll(() => page.locator('.run-head h2').getAttribute('title'), POLL).toBe(run.runId)
  await page.getByTestId('summary').waitFor()
}

/** An element's text, its parts (e.g. a figure's name and value) separated by spaces. */
const text = async (page: Page, testId: string): Promise<string> =>
  page
    .getByTestId(testId)
    .evaluate((el) => {
      const parts: string[] = []
      const walk = (n: Node): void => {
        if (n.nodeType === Node.TEXT_NODE) parts.push(n.textContent ?? '')
        else n.childNodes.forEach(walk)
      }
      walk(el)
      return parts.join(' ')
    })
    .then((t) => t.replace(/\s+/g, ' ').trim())

interface Box {
  x0: number
  x1: number
  row: number
  text: string
}
/** No two labels in one row overlap. */
function noOverlap(boxes: Box[]): void {
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]
      const b = boxes[j]
      if (a.row !== b.row) continue
      expect(a.x1 <= b.x0 || b.x1 <= a.x0, `"${a.text}" and "${b.text}" overlap`).toBe(true)
    }
}

describe('run screen: words, verdicts, live charts', () => {
  let lab: Lab
  let page: Page
  const runs: Record<string, RunInfo> = {}

  beforeAll(async () => {
    lab = await openLab({ name: 'run-screen', viewport: { width: 1440, height: 900 } })
    page = lab.page
    runs.pbft = await recordRun(lab.service, example('pbft-byzantine-primary.json'))
    runs.paxos = await recordRun(lab.service, example('paxos-dueling-proposers.json', { durationMs: 3000 }))
    runs.quorum = await recordRun(lab.service, example('quorum-cap-partition.json'))
    // A partition that never heals: convergence cannot be judged.
    runs.unhealed = await recordRun(
      lab.service,
      example('quorum-cap-partition.json', {
        name: 'quorum-unhealed',
        durationMs: 3000,
        algorithm: {
          kind: 'quorum',
          params: { replicas: 3, readQuorum: 2, writeQuorum: 2, hintedHandoff: false },
        },
        faults: [{ atMs: 1000, kind: 'partition', shape: 'halves' }],
      }),
    )
    await connect(page, lab.server.url)
  }, 180_000)

  afterAll(() => lab?.close())

  test('PBFT has a primary, backups and view changes; a past run shows its cluster at the end', async () => {
    await openRun(page, runs.pbft)
    expect(await text(page, 'leader-label')).toBe('primary')
    const roles = await page.locator('[data-testid^="node-role-"]').allTextContents()
    expect(roles.length).toBe(4)
    for (const r of roles) expect(['primary', 'backup', 'view change']).toContain(r.trim())
    expect(roles.map((r) => r.trim())).toContain('primary')
    expect(await text(page, 'node-fig-term-n1')).toMatch(/^view \d+$/)
    expect(await text(page, 'node-fig-commitIndex-n1')).toMatch(/^executed \d+$/)
    expect(await text(page, 'node-fig-leader-n1')).toMatch(/^primary n\d$/)
    // The summary counts view changes; nothing says leader or election.
    expect(await text(page, 'summary-count-leader-changes')).toMatch(
      /^view changes \d+ \d+ view-change votes?$/,
    )
    const summary = await text(page, 'summary')
    expect(summary).not.toMatch(/leader change|election/)
    // The cluster ring, as it was at the end.
    await page.getByTestId('cluster-ring').waitFor()
    expect(await page.getByTestId('ring-card').textContent()).toContain('Cluster at the end of the run')
    expect(await text(page, 'ring-leader')).toMatch(/^Primary n\d$/)
    expect(await text(page, 'ring-stats-n1')).toMatch(/^v\d+ · x\d+$/)
    await page.waitForTimeout(600)
    await screenshotThemes(page, 'run-pbft')
    expect(lab.problems).toEqual([])
  })

  test('a Paxos node is a proposer with a ballot; no leader', async () => {
    await openRun(page, runs.paxos)
    expect((await page.getByTestId('node-role-n1').textContent())?.trim()).toBe('proposer')
    expect(await text(page, 'node-fig-term-n1')).toMatch(/^ballot \d+$/)
    expect(await text(page, 'node-fig-commitIndex-n1')).toMatch(/^learned \d+$/)
    expect(await page.getByTestId('node-fig-leader-n1').count()).toBe(0)
    expect(await text(page, 'leader')).toMatch(/^none leaderless/)
    expect(await text(page, 'summary')).not.toMatch(/leader change|election|term/)
  })

  test('the quorum store has no leader and no term: stored writes and its own counters', async () => {
    await openRun(page, runs.quorum)
    expect(await page.getByTestId('node-fig-term-n1').count()).toBe(0)
    expect(await page.getByTestId('node-fig-leader-n1').count()).toBe(0)
    expect(await text(page, 'node-fig-commitIndex-n1')).toMatch(/^stored \d+$/)
    expect((await page.getByTestId('node-role-n1').textContent())?.trim()).toBe('replica')
    const summary = await text(page, 'summary')
    expect(summary).not.toMatch(/leader change|election/)
    for (const k of ['hintedWrites', 'readRepairs', 'antiEntropySyncs'])
      expect(await text(page, `summary-${k}`)).toBe(String(runs.quorum.summary?.counters?.[k]))
    expect(await text(page, 'summary-count-readRepairs')).toMatch(/^read repairs \d+/)
    expect(await page.getByTestId('ring-leader').count()).toBe(0)
    expect(await text(page, 'ring-stats-n1')).toMatch(/^stored \d+$/)
    // Not linearizable on several keys: each key's counterexample opens from the History.
    const keys = runs.quorum.summary?.checks.find((c) => c.name === 'Linearizability')?.failedKeys ?? []
    expect(keys.length).toBeGreaterThan(1)
    await page.getByTestId('history-keys').waitFor(POLL)
    expect(await text(page, 'history-key')).toBe(keys[0])
    await page.getByTestId(`history-open-key-${keys[1]}`).click()
    await expect.poll(() => text(page, 'history-key'), POLL).toBe(keys[1])
    expect(await page.getByTestId(`history-open-key-${keys[1]}`).getAttribute('data-current')).toBe('true')
    await expect
      .poll(async () => page.locator('[data-testid="history-cx-op"]').count(), POLL)
      .toBeGreaterThan(0)
    await page.getByTestId(`history-open-key-${keys[0]}`).click()
    await expect.poll(() => text(page, 'history-key'), POLL).toBe(keys[0])
    await page.waitForTimeout(600)
    await screenshotThemes(page, 'run-quorum')
    expect(lab.problems).toEqual([])
  })

  test('a check that could not be judged says "not judged" and why, never "pass"', async () => {
    expect(runs.unhealed.summary?.verdict).toBe('unknown')
    await openRun(page, runs.unhealed)
    const row = page.getByTestId('check-Convergence')
    expect(await row.getAttribute('data-judgement')).toBe('not judged')
    expect(await row.textContent()).toContain('not judged: faults still active at the end of the run')
    expect(await row.textContent()).not.toContain('pass')
    expect(await text(page, 'verdict')).toBe('1 check not judged')
    // The cluster as it was at the end: the partition still active then.
    expect(await text(page, 'fault-at-end-0')).toMatch(/^partition halves/)
    await page.getByTestId('checks').scrollIntoViewIfNeeded()
    await screenshotThemes(page, 'run-not-judged')
    expect(lab.problems).toEqual([])
  })

  test('live charts: complete seconds only, a fixed axis, fault labels apart, the speed-up shown', async () => {
    await page.getByTestId('nav-design').click()
    await page.getByTestId('design-view').waitFor()
    const live = await lab.service.startRun({
      spec: ExperimentSpecSchema.parse({
        name: 'raft-live-charts',
        durationMs: 30_000,
        faults: [
          { atMs: 1000, forMs: 4000, kind: 'partition', shape: 'majorities-ring' },
          { atMs: 1200, forMs: 3000, kind: 'drop', probability: 0.2 },
          { atMs: 1500, forMs: 2000, kind: 'pause', target: 'n2' },
        ],
      }),
      speed: 1,
    })
    // The page picks up the run in progress.
    await page.reload()
    await page.getByTestId('nav-run').click()
    await page.getByTestId('run-view').waitFor()
    const chart = page.locator('[data-testid="messages-chart"] .time-chart')
    await chart.waitFor()
    const charts = ['ops-chart', 'latency-chart', 'messages-chart'].map((id) =>
      page.locator(`[data-testid="${id}"] .time-chart`),
    )
    // Fixed to the run's duration from the start.
    expect(await chart.getAttribute('data-x-max')).toBe('30')
    const speedup = page.getByTestId('speedup')
    await speedup.waitFor(POLL)
    expect(Number(await speedup.getAttribute('data-speedup'))).toBeGreaterThan(0.5)
    expect(Number(await speedup.getAttribute('data-speedup'))).toBeLessThan(1.6)
    expect(await speedup.textContent()).toMatch(/× real time/)
    // Only complete 1 s windows are plotted: every point's x is a whole second.
    // Every chart keeps up as windows close (through and after the faults).
    for (let i = 0; i < 7; i++) {
      for (const c of charts) {
        await expect.poll(async () => Number(await c.getAttribute('data-last-x')), POLL).toBeGreaterThan(i)
        const lastX = Number(await c.getAttribute('data-last-x'))
        expect(Number.isInteger(lastX)).toBe(true)
        expect(await c.getAttribute('data-x-max')).toBe('30')
      }
    }
    // The three faults' labels: in rows, none over another.
    await expect
      .poll(
        async () => (JSON.parse((await chart.getAttribute('data-band-labels')) ?? '[]') as Box[]).length,
        POLL,
      )
      .toBe(3)
    const boxes = JSON.parse((await chart.getAttribute('data-band-labels')) ?? '[]') as Box[]
    noOverlap(boxes)
    expect(new Set(boxes.map((b) => b.row)).size).toBeGreaterThan(1)
    await page.waitForTimeout(300)
    await screenshotThemes(page, 'run-live')
    // Stop is there while running, and gone once the run has ended.
    expect(await page.getByTestId('stop-button').count()).toBe(1)
    await lab.service.stopRun({ runId: live.runId })
    await page.locator('[data-testid="status"][data-status="stopped"]').waitFor(POLL)
    expect(await page.getByTestId('stop-button').count()).toBe(0)
    expect(await page.getByTestId('speedup').count()).toBe(0)
    expect(lab.problems).toEqual([])
  })
})

describe('run screen: a finishing run takes no more live faults', () => {
  let lab: Lab

  beforeAll(async () => {
    // The simulation reports itself done 5 s after reaching its end: the run sits at 100%,
    // still running, as one does while its checks run on a long history.
    const slowToFinish = (
      spec: ExperimentSpec,
      opts?: Parameters<typeof createSimulation>[1],
    ): Simulation => {
      const sim = createSimulation(spec, opts)
      let reached: number | null = null
      const done = (): boolean => {
        if (!sim.done()) return false
        reached ??= Date.now()
        return Date.now() - reached > 5000
      }
      return new Proxy(sim, {
        get(target, key) {
          if (key === 'done') return done
          const v = Reflect.get(target, key, target) as unknown
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
        },
      })
    }
    lab = await openLab({ name: 'run-finishing', service: { createSimulation: slowToFinish } })
  })

  afterAll(() => lab?.close())

  test('at 100% the fault menu does not open; it says the run is finishing', async () => {
    const { page } = lab
    await connect(page, lab.server.url)
    await page.getByTestId('input-durationMs').fill('2000')
    await page.getByTestId('input-durationMs').press('Tab')
    await page.getByTestId('speed-max').click()
    await page.getByTestId('run-button').click()
    await page.getByTestId('run-view').waitFor()
    await page.getByTestId('finishing').waitFor(POLL)
    expect(await page.locator('[data-testid="status"]').getAttribute('data-status')).toBe('running')
    expect(await page.getByTestId('stop-button').isDisabled()).toBe(true)
    await page.getByTestId('ring-node-n1').click()
    await page.getByTestId('ring-notice').waitFor()
    expect(await page.getByTestId('ring-notice').textContent()).toContain('finishing')
    expect(await page.getByTestId('ring-action-crash').count()).toBe(0)
    expect(await page.getByTestId('ring-error').count()).toBe(0)
    await page.locator('[data-testid="status"][data-status="done"]').waitFor(POLL)
    expect(await page.getByTestId('stop-button').count()).toBe(0)
    expect(lab.problems).toEqual([])
  })
})
