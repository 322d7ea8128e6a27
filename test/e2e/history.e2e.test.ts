// End to end: the history view of a finished run, in real Chromium through browser mode.
// (1) A real short Raft run: bars for every client, verdict ok.
// (2) A stand-in simulation whose history holds a stale read on key x (client 1 put x="a",
//     client 2 put x="b", then client 3 get x -> "a"), among ~20k linearizable ops on other
//     keys, judged by the real checker: verdict violation, the explanation naming x, the
//     offending ops outlined, the culprit the read.
//
// Needs `electron-vite build` first (`npm test` does it) and /usr/bin/chromium.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { Simulation, SimulationOptions } from '../../src/core/sim'
import { CHECK_NAMES, overallVerdict } from '../../src/core/check'
import { checkLinearizable, linCheckResult } from '../../src/core/check/linearizability'
import type { CreateSimulation } from '../../src/main/lab/service'
import type { MetricsWindow, RunSummary } from '../../src/shared/api'
import { historyFromTrace } from '../../src/shared/history'
import type { ExperimentSpec } from '../../src/shared/spec'
import { nodeIds, type OpEvent, type OpFn } from '../../src/shared/trace'
import {
  RESULTS_DIR,
  checkPrerequisites,
  connect,
  launchChromium,
  setTheme,
  startLabServer,
  watchConsole,
  type LabServer,
} from './browser'

/** A client history: ~20k linearizable ops on per-client keys, plus a stale read on x. */
function staleReadTrace(durUs: number): OpEvent[] {
  const events: OpEvent[] = []
  let seq = 0
  const op = (
    client: number,
    f: OpFn,
    key: string,
    t0: number,
    t1: number,
    end: { phase: 'ok' | 'fail' | 'info'; value?: string | null; error?: string },
    written: string | null = null,
  ): void => {
    const opId = `c${client}-${++seq}`
    const base = { kind: 'op' as const, node: null, lc: 0, client, opId, f, key }
    events.push({ ...base, t: t0, phase: 'invoke', value: f === 'get' ? null : written })
    events.push({
      ...base,
      t: t1,
      phase: end.phase,
      value: f === 'get' ? (end.value ?? null) : written,
      ...(end.error ? { error: end.error } : {}),
    })
  }

  // The stale read, at 40% of the run; an earlier, fine exchange on x for context.
  const T = Math.round((durUs * 0.4) / 1000) * 1000
  op(1, 'put', 'x', T - 300_000, T - 295_000, { phase: 'ok' }, 'z')
  op(3, 'get', 'x', T - 290_000, T - 284_000, { phase: 'ok', value: 'z' })
  op(1, 'put', 'x', T, T + 8_000, { phase: 'ok' }, 'a')
  op(2, 'put', 'x', T + 12_000, T + 20_000, { phase: 'ok' }, 'b')
  op(3, 'get', 'x', T + 26_000, T + 33_000, { phase: 'ok', value: 'a' })

  // Background: each client on its own key, one op at a time, some failed, some unknown.
  for (let c = 1; c <= 11; c++) {
    const key = `k${c}`
    let last: string | null = null
    let t = c * 137
    for (let n = 0; ; n++) {
      const d = 600 + ((n * 7919 + c * 31) % 1400)
      if (t + d + 6_000 > durUs) break
      if (c <= 3 && t + d > T - 320_000 && t < T + 50_000) {
        t = T + 50_000
        continue
      }
      if (n % 2 === 0) {
        const v = `v${c}.${n}`
        if (n % 82 === 40) {
          op(c, 'put', key, t, t + d, { phase: 'fail', error: 'not_leader' }, v)
        } else if (n % 194 === 96) {
          op(c, 'put', key, t, t + 5_000, { phase: 'info', error: 'timeout' }, v)
          t += 4_000
        } else {
          op(c, 'put', key, t, t + d, { phase: 'ok' }, v)
          last = v
        }
      } else {
        op(c, 'get', key, t, t + d, { phase: 'ok', value: last })
      }
      t += d + 900
    }
  }
  // Time order (stable: an op's invoke stays before its completion).
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.t - b.e.t || a.i - b.i)
    .map((x) => x.e)
}

/**
 * A stand-in simulation replaying `staleReadTrace` (streamed to `onTrace` as virtual time
 * passes, which is what the lab records), its summary judged by the real checker.
 */
function staleReadSimulation(): CreateSimulation {
  return (spec: ExperimentSpec, simOpts?: SimulationOptions): Simulation => {
    const trace = staleReadTrace(spec.durationMs * 1000)
    const history = historyFromTrace(trace)
    let now = 0
    let emitted = 0
    let stopped = false
    let windowsTaken = 0
    const windows: MetricsWindow[] = []
    for (let s = 0; s * 1000 < spec.durationMs; s++) {
      const inWin = history.filter((o) => {
        const end = Number.isFinite(o.complete) ? o.complete : (o.infoTime ?? o.invoke)
        return end >= s * 1e6 && end < (s + 1) * 1e6
      })
      const lat = inWin.filter((o) => o.type === 'ok').map((o) => (o.complete - o.invoke) / 1000)
      lat.sort((a, b) => a - b)
      windows.push({
        startMs: s * 1000,
        endMs: Math.min((s + 1) * 1000, spec.durationMs),
        ok: lat.length,
        fail: inWin.filter((o) => o.type === 'fail').length,
        info: inWin.filter((o) => o.type === 'info').length,
        p50: lat.length ? lat[Math.floor(lat.length * 0.5)] : null,
        p99: lat.length ? lat[Math.floor(lat.length * 0.99)] : null,
        messages: 0,
      })
    }
    return {
      spec,
      nowMs: () => now,
      done: () => stopped || now >= spec.durationMs,
      runUntil(t: number) {
        now = Math.min(t, spec.durationMs)
        while (emitted < trace.length && trace[emitted].t <= now * 1000) simOpts?.onTrace?.(trace[emitted++])
      },
      stop: () => void (stopped = true),
      nodes: () =>
        nodeIds(spec.cluster.nodes).map((id) => ({
          id,
          role: id === 'n1' ? ('leader' as const) : ('follower' as const),
          term: 1,
          leader: 'n1',
          commitIndex: 0,
          lastIndex: 0,
        })),
      takeWindows: () => {
        const upTo = windows.findIndex((w) => w.endMs > now)
        const end = upTo < 0 ? windows.length : upTo
        const out = windows.slice(windowsTaken, end)
        windowsTaken = Math.max(windowsTaken, end)
        return out
      },
      currentWindow: () => null,
      injectFault: () => {
        throw new Error('this stand-in takes no live faults')
      },
      endFault: () => {},
      trace: () => trace.slice(0, emitted),
      summary: (wallMs: number): RunSummary => {
        const checks = [
          linCheckResult(checkLinearizable(history, { budgetMs: 10_000 }), CHECK_NAMES.linearizability),
        ]
        const ok = history.filter((o) => o.type === 'ok')
        const lat = ok.map((o) => (o.complete - o.invoke) / 1000).sort((a, b) => a - b)
        return {
          simulatedMs: now,
          wallMs,
          leaderChanges: 1,
          elections: 1,
          ops: {
            total: history.length,
            ok: ok.length,
            fail: history.filter((o) => o.type === 'fail').length,
            info: history.filter((o) => o.type === 'info').length,
          },
          latencyMs: {
            p50: lat[Math.floor(lat.length / 2)] ?? null,
            p99: lat[Math.floor(lat.length * 0.99)] ?? null,
            max: lat[lat.length - 1] ?? null,
          },
          messages: { sent: 0, delivered: 0, dropped: 0, duplicated: 0 },
          checks,
          verdict: overallVerdict(checks),
        }
      },
    }
  }
}

/** Pixels of the chart's canvas within `tol` of an RGB colour (proves something was drawn). */
function countColor(page: Page, rgb: [number, number, number], tol = 10): Promise<number> {
  return page
    .locator('[data-testid="history-chart"] canvas')
    .first()
    .evaluate(
      (el, [r, g, b, t]) => {
        const c = el as HTMLCanvasElement
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
        let n = 0
        for (let i = 0; i < data.length; i += 4) {
          if (
            data[i + 3] > 200 &&
            Math.abs(data[i] - r) <= t &&
            Math.abs(data[i + 1] - g) <= t &&
            Math.abs(data[i + 2] - b) <= t
          )
            n++
        }
        return n
      },
      [...rgb, tol] as const,
    )
}

/** Page coordinates of the first canvas pixel of an RGB colour (null if none). */
async function findColor(
  page: Page,
  rgb: [number, number, number],
): Promise<{ x: number; y: number } | null> {
  const canvas = page.locator('[data-testid="history-chart"] canvas').first()
  const at = await canvas.evaluate((el, [r, g, b]) => {
    const c = el as HTMLCanvasElement
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
    for (let i = 0; i < data.length; i += 4)
      if (data[i] === r && data[i + 1] === g && data[i + 2] === b && data[i + 3] === 255) {
        const px = (i / 4) % c.width
        const py = Math.floor(i / 4 / c.width)
        return { x: px / (c.width / c.clientWidth), y: py / (c.height / c.clientHeight) }
      }
    return null
  }, rgb)
  const box = await canvas.boundingBox()
  return at && box ? { x: box.x + at.x + 0.5, y: box.y + at.y + 0.5 } : null
}

async function runFromDesign(page: Page, url: string, durationMs: number): Promise<void> {
  await connect(page, url)
  await page.getByTestId('design-view').waitFor()
  await page.getByTestId('input-durationMs').fill(String(durationMs))
  await page.getByTestId('input-durationMs').press('Tab')
  await page.getByTestId('speed-max').click()
  await expect.poll(() => page.getByTestId('validity').textContent()).toContain('Valid')
  await page.getByTestId('run-button').click()
  await page.getByTestId('run-view').waitFor()
  await page.locator('[data-testid="status"][data-status="done"]').waitFor({ timeout: 60_000 })
}

describe('history view in the browser UI', () => {
  let browser: Browser
  let context: BrowserContext
  let real: LabServer
  let fake: LabServer

  beforeAll(async () => {
    checkPrerequisites()
    real = await startLabServer('history-real')
    fake = await startLabServer('history-fake', { createSimulation: staleReadSimulation() })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' })
  })

  afterAll(async () => {
    await context?.close()
    await browser?.close()
    await real?.close()
    await fake?.close()
  })

  test('a real Raft run shows every client as a row of bars, and verdict ok', async () => {
    const page = await context.newPage()
    const problems = watchConsole(page)
    await runFromDesign(page, real.server.url, 2000)

    const view = page.locator('[data-testid="history-view"][data-state="ready"]')
    await view.waitFor({ timeout: 30_000 })
    const chart = page.getByTestId('history-chart')
    await chart.locator('canvas').first().waitFor()
    expect(Number(await chart.getAttribute('data-ops'))).toBeGreaterThan(20)
    expect(Number(await chart.getAttribute('data-clients'))).toBe(4)
    expect(await chart.getAttribute('data-highlighted')).toBe('0')

    const verdict = page.getByTestId('history-verdict')
    expect(await verdict.getAttribute('data-verdict')).toBe('ok')
    expect((await verdict.textContent())?.trim()).toBe('linearizable')
    expect(await page.getByTestId('history-explanation').textContent()).toMatch(/Linearizable/)
    expect(await page.getByTestId('stale-reads').getAttribute('data-count')).toBe('0')
    expect(await page.getByTestId('history-show-counterexample').count()).toBe(0)
    // The summary's own check row agrees.
    expect(await page.getByTestId('check-Linearizability').getAttribute('data-ok')).toBe('true')

    // Bars are drawn: ok green on the canvas.
    await expect.poll(() => countColor(page, [0x18, 0xa0, 0x58]), { timeout: 5_000 }).toBeGreaterThan(500)

    // Hovering a bar names the op, its client, outcome and times.
    await view.scrollIntoViewIfNeeded()
    const green = await findColor(page, [0x18, 0xa0, 0x58])
    expect(green).not.toBeNull()
    await page.mouse.move(green!.x, green!.y)
    const tip = chart
      .locator('div')
      .filter({ hasText: /invoked .* s/ })
      .filter({ hasText: /client \d+/ })
      .last()
    await tip.waitFor({ timeout: 5_000 })
    expect(await tip.textContent()).toMatch(/^(get|put|cas) k\d+/)
    expect(await tip.textContent()).toMatch(/client \d+ · ● ok/)
    expect(await tip.textContent()).toMatch(/returned [\d.]+ s \([\d.]+ ms\)/)
    await page.mouse.move(5, 5)
    await tip.waitFor({ state: 'hidden' })

    await view.screenshot({ path: join(RESULTS_DIR, 'history-ok.png') })
    await setTheme(page, 'dark')
    await expect.poll(() => countColor(page, [0x3f, 0xb9, 0x7a]), { timeout: 5_000 }).toBeGreaterThan(500)
    await view.screenshot({ path: join(RESULTS_DIR, 'history-ok-dark.png') })
    await setTheme(page, 'light')

    expect(problems).toEqual([])
    await page.close()
  })

  test('a stale read is a violation: key named, offending ops outlined, culprit the read', async () => {
    const page = await context.newPage()
    const problems = watchConsole(page)
    await runFromDesign(page, fake.server.url, 5000)

    expect(await page.getByTestId('verdict').getAttribute('data-verdict')).toBe('violation')
    const view = page.locator('[data-testid="history-view"][data-state="ready"]')
    await view.waitFor({ timeout: 30_000 })
    const chart = page.getByTestId('history-chart')
    await chart.locator('canvas').first().waitFor()
    const ops = Number(await chart.getAttribute('data-ops'))
    expect(ops).toBeGreaterThan(15_000)
    expect(Number(await chart.getAttribute('data-clients'))).toBe(11)

    expect(await page.getByTestId('history-verdict').getAttribute('data-verdict')).toBe('violation')
    const explanation = page.getByTestId('history-explanation')
    expect(await explanation.getAttribute('data-verdict')).toBe('violation')
    expect((await page.getByTestId('history-key').textContent())?.trim()).toBe('x')
    expect(await explanation.textContent()).toMatch(/\bx\b/)
    expect(await explanation.textContent()).toMatch(/"a"/)
    expect((await page.getByTestId('history-state').textContent())?.trim()).toBe('x = "b"')
    expect(await page.getByTestId('stale-reads').getAttribute('data-count')).toBe('1')

    // The offending ops: both puts and the read, all found in the chart; the read is the culprit.
    const cxOps = page.getByTestId('history-cx-op')
    expect(await cxOps.count()).toBe(3)
    expect(await chart.getAttribute('data-highlighted')).toBe('3')
    for (let i = 0; i < 3; i++) expect(await cxOps.nth(i).getAttribute('data-found')).toBe('true')
    const culprit = page.locator('[data-testid="history-cx-op"][data-culprit="true"]')
    expect(await culprit.count()).toBe(1)
    expect(await culprit.textContent()).toMatch(/get x → "a"/)
    expect(await culprit.textContent()).toMatch(/client 3/)
    const texts = await cxOps.allTextContents()
    expect(texts.some((t) => /put x = "a"/.test(t) && /client 1/.test(t))).toBe(true)
    expect(texts.some((t) => /put x = "b"/.test(t) && /client 2/.test(t))).toBe(true)

    // The default window is the counterexample's neighbourhood (it is at 2.0 s of a 5 s run).
    const win = async () => ((await chart.getAttribute('data-window')) ?? '').split('-').map(Number)
    const [from, to] = await win()
    expect(from).toBeGreaterThan(1.9)
    expect(from).toBeLessThan(2.0)
    expect(to).toBeGreaterThan(2.033)
    expect(to).toBeLessThan(2.2)

    // Outlined on the canvas: the culprit's violet, the others' near-black outline.
    await expect.poll(() => countColor(page, [0x7c, 0x3a, 0xed]), { timeout: 5_000 }).toBeGreaterThan(100)
    expect(await countColor(page, [0x11, 0x18, 0x27])).toBeGreaterThan(100)

    // Hovering an offending op in the list shows its details over its bar.
    await culprit.hover()
    // The ECharts tooltip: the innermost element holding all of its lines.
    const tip = chart
      .locator('div')
      .filter({ hasText: 'the culprit: cannot take effect' })
      .filter({ hasText: 'client 3' })
      .last()
    await tip.waitFor({ timeout: 5_000 })
    expect(await tip.textContent()).toMatch(/get x → "a"/)
    expect(await tip.textContent()).toMatch(/client 3/)
    await page.mouse.move(5, 5)

    await view.scrollIntoViewIfNeeded()
    await view.screenshot({ path: join(RESULTS_DIR, 'history-violation.png') })

    // Zoom out to the whole run (every op drawn), then back to the counterexample.
    // Timed in the page: the click, ECharts' update and the next two frames.
    const wholeMs = await page.getByTestId('history-whole-run').evaluate(async (btn) => {
      const t0 = performance.now()
      ;(btn as HTMLElement).click()
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))
      return performance.now() - t0
    })
    await expect.poll(win).toEqual([0, 5])
    console.log(`history: whole run of ${ops} ops drawn in ${Math.round(wholeMs)} ms`)
    await view.screenshot({ path: join(RESULTS_DIR, 'history-violation-whole.png') })
    await page.getByTestId('history-show-counterexample').click()
    await expect.poll(async () => (await win())[0]).toBeGreaterThan(1.9)
    expect((await win())[1]).toBeLessThan(2.2)

    await setTheme(page, 'dark')
    await expect.poll(() => countColor(page, [0xc4, 0xb5, 0xfd]), { timeout: 5_000 }).toBeGreaterThan(100)
    await view.screenshot({ path: join(RESULTS_DIR, 'history-violation-dark.png') })
    await setTheme(page, 'light')

    expect(problems).toEqual([])
    await page.close()
  })
})
