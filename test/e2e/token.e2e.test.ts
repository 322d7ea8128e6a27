// The browser-mode token never leaves its page. In real Chromium: open the lab from its
// printed URL, use it (the WebSocket, the runs CSV export, a run's CSV download), then
// let the browser visit a second web server on another 127.0.0.1 port, both as a page
// and as subresources the lab's page loads from it. That server logs every request: none
// may carry the token in a cookie, a header or its URL. A page on that other origin then
// tries to open the lab's WebSocket and read its runs: it cannot.
import { readFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { RunInfo } from '../../src/shared/api'
import { connect, downloadFromMenu, openLab, recordRun, type Lab } from './browser'

interface Seen {
  url: string
  headers: IncomingHttpHeaders
}

/** Another local web server: logs every request; /evil is a page that probes the lab. */
async function startOtherServer(labPort: number): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = []
  const lab = `127.0.0.1:${labPort}`
  const probe = `
    const report = (what, result) => fetch('/report?' + new URLSearchParams({ what, result }))
    const tryWs = (what, protocols) => new Promise((done) => {
      let ws
      try { ws = protocols ? new WebSocket('ws://${lab}/ws', protocols) : new WebSocket('ws://${lab}/ws') }
      catch (e) { report(what, 'threw ' + e.name).then(done); return }
      ws.onopen = () => { ws.send(JSON.stringify({ id: 1, method: 'listRuns' })) ; report(what, 'open').then(done) }
      ws.onerror = () => report(what, 'error').then(done)
    })
    const tryFetch = async (what, url, init) => {
      try { const r = await fetch(url, init); await report(what, 'status ' + r.status + ' ' + (await r.text()).slice(0, 40)) }
      catch (e) { await report(what, 'failed ' + e.name) }
    }
    ;(async () => {
      await tryWs('ws', null)
      await tryWs('ws-protocol', ['quorum-lab'])
      await tryFetch('export', 'http://${lab}/export/runs.csv', { credentials: 'include' })
      await tryFetch('link', 'http://${lab}/api/download-links', { method: 'POST', credentials: 'include', body: '{"path":"/export/runs.csv"}' })
      await report('done', 'yes')
    })()
  `
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers })
    if (req.url === '/evil') {
      res.writeHead(200, { 'Content-Type': 'text/html' })
      res.end(`<!doctype html><title>another local server</title><script>${probe}</script>`)
      return
    }
    if (req.url?.startsWith('/pixel')) {
      res.writeHead(200, { 'Content-Type': 'image/svg+xml' })
      res.end('<svg xmlns="http://www.w3.org/2000/svg"/>')
      return
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' })
    res.end('ok')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { server, port: (server.address() as AddressInfo).port, seen }
}

describe('the browser-mode token stays in its page', () => {
  let lab: Lab
  let run: RunInfo
  let other: Awaited<ReturnType<typeof startOtherServer>>

  beforeAll(async () => {
    lab = await openLab({ name: 'token' })
    run = await recordRun(lab.service, {
      ...(await lab.service.defaultSpec()),
      name: 'token-run',
      durationMs: 1000,
      faults: [],
    })
    other = await startOtherServer(lab.server.port)
  }, 60_000)

  afterAll(async () => {
    await lab?.close()
    await new Promise((r) => other?.server.close(r))
  })

  test('no cookie, no token in the address; the API, the CSV export and downloads still work', async () => {
    const { page, context } = lab
    await connect(page, lab.server.url)
    const address = new URL(page.url())
    expect(address.searchParams.has('token')).toBe(false)
    expect(address.href).not.toContain(lab.server.token)
    expect(await context.cookies()).toEqual([])
    expect(await page.evaluate(() => document.cookie)).toBe('')
    expect(await page.evaluate(() => sessionStorage.getItem('quorum-lab-token'))).toBe(lab.server.token)

    // Runs: listed over the WebSocket; the runs list and the run's ops as CSV (fetch + bearer).
    await page.getByTestId('nav-runs').click()
    const row = page.getByTestId(`runs-row-${run.runId}`)
    await row.waitFor()
    await page.getByTestId(`runs-select-${run.runId}`).click()
    const runsCsv = await downloadFromMenu(
      page,
      page.getByTestId('runs-export'),
      page.getByTestId('runs-export-ticked'),
      'ticked runs CSV',
    )
    expect(readFileSync(await runsCsv.path(), 'utf8')).toContain('token-run')

    // A run's CSV from the run view: a single-use download link asked for with the token.
    await row.click()
    await page.getByTestId('run-view').waitFor()
    const ops = await downloadFromMenu(
      page,
      page.getByTestId('export-csv'),
      page.getByTestId('export-ops'),
      'ops CSV',
    )
    expect(ops.suggestedFilename()).toBe(`${run.runId}-ops.csv`)
    expect(readFileSync(await ops.path(), 'utf8').split('\r\n')[0]).toMatch(/^run_id,op_id,/)
    // Reloading keeps the session (sessionStorage), still without a cookie.
    await page.reload()
    await page.locator('[data-testid="connection"][data-state="open"]').waitFor({ timeout: 15_000 })
    expect(await context.cookies()).toEqual([])
  }, 60_000)

  test('another server on 127.0.0.1 never receives the token; its page cannot reach the lab', async () => {
    const { page, context } = lab
    const base = `http://127.0.0.1:${other.port}`
    // The lab's page loads things from the other server (an image, a fetch)...
    await page.evaluate(async (b) => {
      const img = new Image()
      img.src = `${b}/pixel.svg`
      await new Promise((r) => {
        img.onload = r
        img.onerror = r
      })
      await fetch(`${b}/from-lab`, { mode: 'no-cors', credentials: 'include' }).catch(() => undefined)
    }, base)
    // ...and the browser visits it: a link followed from the lab's tab, and a new tab.
    await page.goto(`${base}/landing`)
    const tab = await context.newPage()
    await tab.goto(`${base}/evil`)
    await expect
      .poll(() => other.seen.some((s) => s.url.startsWith('/report?what=done')), { timeout: 20_000 })
      .toBe(true)
    await tab.close()

    // Every request the other server got, checked for the token anywhere.
    expect(other.seen.length).toBeGreaterThan(5)
    for (const s of other.seen) {
      expect(s.url).not.toContain(lab.server.token)
      for (const [name, value] of Object.entries(s.headers))
        expect(String(value), `${s.url} header ${name}`).not.toContain(lab.server.token)
      expect(s.headers.cookie, s.url).toBeUndefined()
    }

    // The other origin's page could open no WebSocket and read nothing.
    const reports = Object.fromEntries(
      other.seen
        .filter((s) => s.url.startsWith('/report?'))
        .map((s) => {
          const q = new URLSearchParams(s.url.slice('/report?'.length))
          return [q.get('what'), q.get('result')]
        }),
    )
    expect(reports.ws).toBe('error')
    expect(reports['ws-protocol']).toBe('error')
    expect(reports.export).toMatch(/^failed/)
    expect(reports.link).toMatch(/^failed/)
  }, 60_000)
})
