// The UI's figures, measured in real Chromium (browser mode, a temporary data dir):
//   0. first paint: a fresh browser context (no cache) loads the app's URL; first paint and
//      first contentful paint (the page's own paint timing entries), when the Design screen
//      appeared in the page and the JavaScript downloaded by then, median of --loads N loads
//      (default 9). `--paint-only` stops there.
// The Replay screen:
//   1. open: time from navigating to the replay of a run with 1,000,000 trace events until
//      the space-time diagram has drawn its first window (all of its tiles loaded), the first
//      time (the server computes the trace summary) and again (summary cached);
//   2. pan: frames/s of the page (a requestAnimationFrame counter) while the diagram is
//      dragged every frame across a run with 100,000 messages: zoomed in (arrows drawn one by
//      one, tiles loading as the view moves) and zoomed out to the whole run (density view);
//   3. server side: the replay index build, getReplayState and a diff of two 100k-message runs.
// The runs are synthesized through the real RunRecorder from a real 5-node Raft trace
// repeated with shifted times, message ids, op ids, log indexes and terms.
// Needs the built UI (`npx electron-vite build`; QUORUM_LAB_OUT picks another output dir)
// and /usr/bin/chromium. Run: npm run bench -- ui [--paint-only] [--loads N] [--events N] [--messages N]
// (or npx tsx bench/ui.ts ...). Two builds side by side in one sitting:
//   QUORUM_LAB_OUT=/tmp/before npx tsx bench/ui.ts --paint-only; npx tsx bench/ui.ts --paint-only
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { chromium, type Page } from 'playwright-core'
import { createSimulation } from '../src/core/sim'
import { ExperimentSpecSchema, type ExperimentSpec } from '../src/shared/spec'
import type { TraceEvent } from '../src/shared/trace'
import { LabStore } from '../src/main/store'
import { LabService } from '../src/main/lab/service'
import { diffRuns, replayState, traceInfo } from '../src/main/lab/replay'
import { startWebServer } from '../src/main/web/server'

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}
const EVENTS = arg('events', 1_000_000)
const LOADS = arg('loads', 9)
const PAINT_ONLY = process.argv.includes('--paint-only')
const MESSAGES = arg('messages', 100_000)
const RENDERER_DIR = resolve(process.env.QUORUM_LAB_OUT ?? 'out', 'renderer')
const CHROMIUM = process.env.QUORUM_LAB_CHROMIUM ?? '/usr/bin/chromium'
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
const ms = (n: number): string => `${n.toFixed(0)} ms`

const SPEC: ExperimentSpec = ExperimentSpecSchema.parse({
  name: 'bench-ui',
  cluster: { nodes: 5 },
  durationMs: 10_000,
  workload: { clients: 16, ratePerSec: 400, keys: 100, distribution: 'zipf' },
  faults: [
    { atMs: 3000, forMs: 1500, kind: 'partition', shape: 'majorities-ring' },
    { atMs: 6500, kind: 'crash', target: 'leader', restartAfterMs: 1000 },
  ],
})

function sampleTrace(): TraceEvent[] {
  const sim = createSimulation(SPEC, { keepTrace: true })
  sim.runUntil(SPEC.durationMs)
  return sim.trace()
}

/** The sample repeated (times, message ids, op ids and fault ids shifted per lap) until `stop` says so. */
async function synthesize(
  store: LabStore,
  runId: string,
  sample: TraceEvent[],
  stop: (events: number, sends: number) => boolean,
): Promise<{ events: number; sends: number }> {
  const seq = store.createRun({
    id: runId,
    spec: { ...SPEC, name: runId },
    startedAt: new Date().toISOString(),
    appVersion: 'bench',
  })
  const rec = store.recorder(seq)
  const span = sample[sample.length - 1].t + 1000
  let maxMsg = 0
  let maxFault = 0
  let maxIndex = 0
  let maxTerm = 0
  for (const e of sample) {
    if ('msgId' in e) maxMsg = Math.max(maxMsg, e.msgId)
    if (e.kind === 'fault') maxFault = Math.max(maxFault, e.faultId)
    if (e.kind === 'log') maxIndex = Math.max(maxIndex, e.index + e.entries.length)
    if (e.kind === 'state') maxTerm = Math.max(maxTerm, e.term)
  }
  let events = 0
  let sends = 0
  let i = 0
  while (!stop(events, sends)) {
    for (let k = 0; k < 2000 && !stop(events, sends); k++, i++) {
      const e = sample[i % sample.length]
      const lap = Math.floor(i / sample.length)
      const t = e.t + lap * span
      let x: TraceEvent
      if (e.kind === 'op') x = { ...e, t, opId: `${e.opId}#${lap}` }
      else if ('msgId' in e) x = { ...e, t, msgId: e.msgId + lap * (maxMsg + 1) }
      else if (e.kind === 'fault') x = { ...e, t, faultId: e.faultId + lap * (maxFault + 1) }
      // Logs and terms go on growing lap after lap, as one long run's would.
      else if (e.kind === 'log' || e.kind === 'apply') x = { ...e, t, index: e.index + lap * maxIndex }
      else if (e.kind === 'state')
        x = {
          ...e,
          t,
          term: e.term + lap * maxTerm,
          commitIndex: e.commitIndex + lap * maxIndex,
          lastIndex: e.lastIndex + lap * maxIndex,
        }
      else x = { ...e, t }
      rec.event(x)
      events++
      if (e.kind === 'send') sends++
    }
    if (rec.backlog > 50_000) await new Promise((r) => setImmediate(r))
  }
  rec.finish()
  store.finishRun(seq, {
    status: 'done',
    endedAt: new Date().toISOString(),
    progress: 1,
    summary: null,
    error: null,
  })
  return { events, sends }
}

// In-page scripts are strings: bench/ is typechecked without the DOM library, and tsx would
// wrap named functions in helpers the page does not have.

/** ms from setting the hash to the diagram's first window drawn with all its tiles. */
async function openTime(page: Page, runId: string): Promise<number> {
  return page.evaluate(`(async () => {
    const start = performance.now()
    window.location.hash = '#/replay?run=' + ${JSON.stringify(runId)}
    for (;;) {
      await new Promise((r) => requestAnimationFrame(r))
      const err = document.querySelector('[data-testid="replay-error"]')
      if (err) throw new Error(err.textContent || 'error')
      const el = document.querySelector('[data-testid="std"]')
      if (el && el.getAttribute('data-ready') === '1') return performance.now() - start
      if (performance.now() - start > 180000) throw new Error('the diagram did not draw within 180 s')
    }
  })()`) as Promise<number>
}

async function setHash(page: Page, hash: string): Promise<void> {
  await page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`)
}

/** Drag the diagram leftwards by `step` px every animation frame for `secs`; frames/s and the worst frame. */
interface PanResult {
  fps: number
  worst: number
  frames: number
  /** Mean time of the diagram's last 30 draws, ms. */
  drawMs: number
  drawn: number
  fromUs: number
}

async function panFps(page: Page, step: number, secs: number): Promise<PanResult> {
  return page.evaluate(`(async () => {
    const cv = document.querySelector('[data-testid="std-canvas"]')
    const r = cv.getBoundingClientRect()
    const y = r.top + 50
    const right = r.right - 20
    const left = r.left + 80
    let x = right
    const ev = (type) =>
      cv.dispatchEvent(new PointerEvent(type, { clientX: x, clientY: y, button: 0, pointerId: 7, bubbles: true }))
    ev('pointerdown')
    let frames = 0
    let worst = 0
    const start = performance.now()
    let last = start
    await new Promise((done) => {
      const tick = (now) => {
        frames++
        worst = Math.max(worst, now - last)
        last = now
        x -= ${step}
        if (x < left) {
          ev('pointerup')
          x = right
          ev('pointerdown')
        } else ev('pointermove')
        if (now - start < ${secs * 1000}) requestAnimationFrame(tick)
        else {
          ev('pointerup')
          done()
        }
      }
      requestAnimationFrame(tick)
    })
    const elapsed = (performance.now() - start) / 1000
    const std = document.querySelector('[data-testid="std"]')
    return {
      fps: frames / elapsed,
      worst,
      frames,
      drawMs: Number(std.getAttribute('data-draw-ms')),
      drawn: Number(std.getAttribute('data-drawn')),
      fromUs: Number(std.getAttribute('data-view-from')),
    }
  })()`) as Promise<PanResult>
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
]

interface PaintFigures {
  fp: number
  fcp: number
  /** ms from navigation start until the Design screen is in the page. */
  usable: number
  /** JavaScript bytes transferred until then, and how many files. */
  jsBytes: number
  jsFiles: number
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/**
 * First paint of the app, median of LOADS loads, each in a fresh context (no HTTP cache, no
 * code cache), navigating to the token URL (its cookie redirect included, as a user's first
 * visit). An empty data dir: the Design screen is the first view.
 */
async function firstPaint(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ql-bench-paint-'))
  const service = new LabService({ bridge: 'browser', dataDir: dir })
  const server = await startWebServer({ port: 0, service, rendererDir: RENDERER_DIR })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  const runs: PaintFigures[] = []
  try {
    for (let i = 0; i < LOADS + 1; i++) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
      // When the Design screen first appears in the DOM (works for any build).
      await context.addInitScript(`new MutationObserver((_, obs) => {
        if (document.querySelector('[data-testid="design-view"]')) {
          performance.mark('ql-usable')
          obs.disconnect()
        }
      }).observe(document, { childList: true, subtree: true })`)
      const page = await context.newPage()
      await page.goto(server.url)
      await page.getByTestId('design-view').waitFor({ timeout: 60_000 })
      await page.locator('[data-testid="connection"][data-state="open"]').waitFor({ timeout: 60_000 })
      const f = (await page.evaluate(`(async () => {
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))
        const paint = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN
        const mark = performance.getEntriesByName('ql-usable')[0]
        const js = performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.js'))
        return {
          fp: paint('first-paint'),
          fcp: paint('first-contentful-paint'),
          usable: mark ? mark.startTime : NaN,
          jsBytes: js.reduce((s, r) => s + (r.encodedBodySize || r.transferSize || 0), 0),
          jsFiles: js.length,
        }
      })()`)) as PaintFigures
      await context.close()
      if (i > 0) runs.push(f) // the first load warms the server and the OS file cache
    }
  } finally {
    await browser.close()
    service.close()
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
  const med = (k: keyof PaintFigures) => median(runs.map((r) => r[k]))
  const range = (k: keyof PaintFigures) =>
    `${ms(Math.min(...runs.map((r) => r[k])))}–${ms(Math.max(...runs.map((r) => r[k])))}`
  console.log(
    `first paint (${RENDERER_DIR}, Chromium headless, 1440x900, median of ${runs.length} cold loads):\n` +
      `  first paint ${ms(med('fp'))} (${range('fp')}), first contentful paint ${ms(med('fcp'))} (${range('fcp')}), ` +
      `Design screen in the page ${ms(med('usable'))} (${range('usable')})\n` +
      `  JavaScript loaded before that: ${(med('jsBytes') / 1024).toFixed(0)} KiB in ${med('jsFiles')} file(s)`,
  )
}

async function main(): Promise<void> {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    console.error(`${RENDERER_DIR}/index.html is missing: run \`npx electron-vite build\` first`)
    process.exit(2)
  }
  await firstPaint()
  if (PAINT_ONLY) return
  const dir = mkdtempSync(join(tmpdir(), 'ql-bench-ui-'))
  try {
    const sample = sampleTrace()
    const store = LabStore.openDir(dir)
    const t0 = performance.now()
    const big = await synthesize(store, 'bench-1m', sample, (ev) => ev >= EVENTS)
    const msgs = await synthesize(store, 'bench-100k', sample, (_ev, s) => s >= MESSAGES)
    await synthesize(store, 'bench-100k-b', sample, (_ev, s) => s >= MESSAGES)
    console.log(
      `synthesized: ${fmt(big.events)} events (${fmt(big.sends)} messages); ${fmt(msgs.events)} events ` +
        `(${fmt(msgs.sends)} messages) x2, in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    )

    // Server side, on this store: trace info (SQL), the state at the run's end the first time
    // (reads every state / log / apply / crash / fault row once), then at 20 instants.
    let t = performance.now()
    const info = traceInfo(store, 'bench-1m')
    const infoMs = performance.now() - t
    t = performance.now()
    replayState(store, 'bench-1m', info.lastUs, 20)
    const firstStateMs = performance.now() - t
    const times: number[] = []
    for (let k = 1; k <= 20; k++) {
      t = performance.now()
      replayState(store, 'bench-1m', info.firstUs + ((info.lastUs - info.firstUs) * k) / 21, 20)
      times.push(performance.now() - t)
    }
    times.sort((a, b) => a - b)
    t = performance.now()
    const d = await diffRuns(store, 'bench-100k', 'bench-100k-b')
    const diffMs = performance.now() - t
    console.log(
      `server (${fmt(info.events)}-event run): getTraceInfo ${ms(infoMs)}; getReplayState at the end, first time ` +
        `${ms(firstStateMs)} (reads the run's sparse events once), then median ${times[10].toFixed(2)} ms, ` +
        `max ${times[times.length - 1].toFixed(2)} ms (5 nodes, log tail 20)\n` +
        `diff of two ${fmt(msgs.events)}-event runs: ${d.identical ? 'identical' : 'different'}, ` +
        `${fmt(d.compared)} events compared in ${ms(diffMs)}`,
    )
    store.close()

    const service = new LabService({ bridge: 'browser', dataDir: dir })
    const server = await startWebServer({ port: 0, service, rendererDir: RENDERER_DIR })
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    try {
      const page = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage()
      await page.goto(server.url)
      await page.locator('[data-testid="connection"][data-state="open"]').waitFor({ timeout: 30_000 })
      await setHash(page, '#/replay')
      await page.getByTestId('replay-view').waitFor()

      const cold = await openTime(page, 'bench-1m')
      await setHash(page, '#/replay')
      await page.getByTestId('replay-empty').waitFor()
      const warm = await openTime(page, 'bench-1m')
      console.log(
        `open: replay of the ${fmt(big.events)}-event run, navigate -> first window drawn: ` +
          `${ms(cold)} the first time (trace summary computed), ${ms(warm)} again (summary cached)`,
      )

      await openTime(page, 'bench-100k')
      await page.waitForTimeout(500)
      const box = (await page.getByTestId('std-canvas').boundingBox())!
      await page.mouse.move(box.x + box.width / 2, box.y + 80)
      // Zoom out 5x from the first view (about 2,000 messages in view).
      await page.mouse.wheel(0, 1073)
      await page.waitForTimeout(800)
      const drawnIn = Number(await page.getByTestId('std').getAttribute('data-drawn'))
      const zin = await panFps(page, 12, 6)
      // Zoomed out to the whole run: density view.
      await page.mouse.move(box.x + box.width / 2, box.y + 80)
      for (let k = 0; k < 6; k++) await page.mouse.wheel(0, 1500)
      await page.waitForTimeout(1500)
      const zout = await panFps(page, 8, 4)
      const line = (r: PanResult): string =>
        `${r.fps.toFixed(1)} frames/s over ${r.frames} frames, worst frame ${ms(r.worst)}, ` +
        `one draw ${r.drawMs.toFixed(1)} ms on average (${fmt(r.drawn)} arrows in the last)`
      console.log(
        `pan over the ${fmt(msgs.sends)}-message run (Chromium, software rendering, 1360 px wide):\n` +
          `  zoomed in (${fmt(drawnIn)} arrows in view at rest; panned to ${(zin.fromUs / 1e6).toFixed(2)} s): ${line(zin)}\n` +
          `  zoomed out (the whole run: density + sampled arrows): ${line(zout)}`,
      )
    } finally {
      await browser.close()
      service.close()
      await server.close()
    }
    console.log(
      `load average: ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')} (2 cores shared)`,
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
