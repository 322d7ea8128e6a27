// Browser mode: the app's static files are public, everything else needs the token (as a
// bearer header, or a WebSocket subprotocol; never a query string or a cookie, and no
// cookie is ever set); a foreign Origin, a request the browser marks as from another site
// and a DNS-rebinding Host header are refused everywhere, even with the token. Downloads go
// through single-use links. The route list is checked against the server's source, so a
// route added later without a line here fails this test.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { LabService } from '../src/main/lab/service'
import * as web from '../src/main/web/server'
import { startWebServer, type WebServer } from '../src/main/web/server'
import { DownloadLinks } from '../src/main/web/download-links'
import { WS_SUBPROTOCOL, WS_TOKEN_PROTOCOL_PREFIX } from '../src/shared/api'

let dir: string
let server: WebServer
let service: LabService
/** A finished run, for the export routes. */
let runId = ''

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ql-sec-web-'))
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Quorum Lab</title>')
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log("secret app code")')
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  service = new LabService({ dataDir: join(dir, 'data') })
  server = await startWebServer({ service, rendererDir: dir })
  const run = await service.startRun({
    spec: {
      name: 'export-me',
      cluster: { nodes: 3 },
      durationMs: 500,
      workload: { clients: 1, ratePerSec: 20 },
    },
    speed: 'max',
  })
  runId = run.runId
  for (let i = 0; i < 600 && (await service.getRun({ runId })).status === 'running'; i++) {
    await new Promise((r) => setTimeout(r, 50))
  }
})

afterAll(async () => {
  await server?.close()
  service?.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** Status of a WebSocket upgrade: 101 when it opened, else the HTTP status it was refused with. */
function upgrade(path: string, headers: Record<string, string>): Promise<number> {
  // Subprotocols go through the client's own parameter (it checks the server's answer).
  const { 'Sec-WebSocket-Protocol': offered, ...rest } = headers
  const protocols = offered === undefined ? [] : offered.split(',').map((p) => p.trim())
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, protocols, { headers: rest })
    ws.once('open', () => {
      ws.close()
      resolve(101)
    })
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      ws.terminate()
    })
    ws.once('error', (e) => {
      // 'unexpected-response' already resolved; anything else is a real failure.
      if (!/Unexpected server response/.test(e.message)) reject(e)
    })
  })
}

function http(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const bearer = (): Record<string, string> => ({ Authorization: `Bearer ${server.token}` })
const WRONG = 'wrong-token-wrong-token-wrong-token'
const own = (): string => `http://127.0.0.1:${server.port}`

/** Ways to send a token that must not be accepted: wrong ones, and the right one where it does not belong. */
const wrongTokens = (): Array<{
  how: string
  path: (p: string) => string
  headers: Record<string, string>
}> => [
  { how: 'wrong bearer', path: (p) => p, headers: { Authorization: `Bearer ${WRONG}` } },
  { how: 'empty bearer', path: (p) => p, headers: { Authorization: 'Bearer ' } },
  { how: 'bearer prefix', path: (p) => p, headers: { Authorization: `Bearer ${server.token.slice(0, -1)}` } },
  // The right token in a query string or a cookie: never accepted (those leak).
  { how: 'query', path: (p) => `${p}${p.includes('?') ? '&' : '?'}token=${server.token}`, headers: {} },
  { how: 'cookie', path: (p) => p, headers: { Cookie: `quorum_lab_token_${server.port}=${server.token}` } },
  {
    how: 'basic auth',
    path: (p) => p,
    headers: { Authorization: `Basic ${Buffer.from(`x:${server.token}`).toString('base64')}` },
  },
]

type Access = 'public' | 'token' | 'link'
interface Route {
  path: string
  method?: string
  body?: string
  access: Access
  ok: number
}

/** Every HTTP route, who may use it, and what it answers to a right request. */
const routes = (): Route[] => [
  // The app's static files: public.
  { path: '/', access: 'public', ok: 200 },
  { path: '/index.html', access: 'public', ok: 200 },
  { path: '/assets/app.js', access: 'public', ok: 200 },
  { path: '/favicon.svg', access: 'public', ok: 200 },
  { path: '/', method: 'HEAD', access: 'public', ok: 200 },
  { path: '/runs/r1', access: 'public', ok: 200 }, // SPA fallback
  { path: '/assets/missing.js', access: 'public', ok: 404 },
  { path: '/no/such/file.txt', access: 'public', ok: 404 },
  { path: '/../package.json', access: 'public', ok: 403 },
  { path: '/', method: 'POST', access: 'public', ok: 405 },
  { path: '/', method: 'DELETE', access: 'public', ok: 405 },
  // The API: the token.
  { path: '/ws', access: 'token', ok: 426 }, // plain GET of the WebSocket path
  { path: '/export/runs.csv', access: 'token', ok: 200 },
  { path: `/export/${runId}/summary.csv`, access: 'token', ok: 200 },
  { path: `/export/${runId}/ops.csv`, access: 'token', ok: 200 },
  { path: '/export/no-such-run/ops.csv', access: 'token', ok: 404 },
  { path: '/export/%E0%A4%A/ops.csv', access: 'token', ok: 400 }, // malformed percent-encoding
  { path: `/export/${runId}/ops%zz.csv`, access: 'token', ok: 400 },
  { path: `/export/${runId}/ops.csv`, method: 'POST', access: 'token', ok: 405 },
  {
    path: web.DOWNLOAD_LINKS_PATH,
    method: 'POST',
    body: JSON.stringify({ path: `/export/${runId}/ops.csv` }),
    access: 'token',
    ok: 201,
  },
  { path: web.DOWNLOAD_LINKS_PATH, access: 'token', ok: 405 },
  // A download link is its own credential.
  { path: `${web.DOWNLOAD_PREFIX}no-such-link`, access: 'link', ok: 404 },
]

const send = (r: Route, headers: Record<string, string>, path = r.path): Promise<Reply> =>
  http(path, headers, r.method, r.body)
const what = (r: Route, extra = ''): string => `${r.method ?? 'GET'} ${r.path}${extra}`

/** Route paths the server's source compares the request path against. */
function routesInSource(): string[] {
  const src = readFileSync('src/main/web/server.ts', 'utf8')
  const exported = web as unknown as Record<string, unknown>
  const out = new Set<string>()
  for (const m of src.matchAll(
    /pathname\s*(?:===|==|\.startsWith\()\s*([A-Za-z_$][\w$]*|'[^']*'|"[^"]*"|`[^`]*`)/g,
  )) {
    const expr = m[1]
    const value = /^['"`]/.test(expr) ? expr.slice(1, -1) : exported[expr]
    expect(typeof value, `route constant ${expr} must be exported from server.ts`).toBe('string')
    out.add(value as string)
  }
  for (const m of src.matchAll(/(?:case|startsWith\()\s*'(\/[^']*)'/g)) out.add(m[1])
  return [...out]
}

describe('browser-mode routes', () => {
  it('this test covers every route the server has', () => {
    const found = routesInSource()
    expect(found).toContain(web.WS_PATH)
    const covered = routes().map((r) => r.path)
    for (const route of found) {
      expect(
        covered.some((p) => p === route || p.startsWith(route.endsWith('/') ? route : `${route}/`)),
        `route ${route} is in src/main/web/server.ts but not in routes() of this test`,
      ).toBe(true)
    }
  })

  it('answers each route as expected to a right request (the routes exist)', async () => {
    for (const r of routes()) {
      const res = await send(r, bearer())
      expect(res.status, `${what(r)}: ${res.body}`).toBe(r.ok)
    }
  })

  it('serves the public routes without the token, refuses the API without it (401), revealing nothing', async () => {
    for (const r of routes()) {
      const res = await send(r, {})
      if (r.access === 'token') {
        expect(res.status, what(r)).toBe(401)
        expect(res.body, what(r)).not.toContain('run_id')
      } else expect(res.status, what(r)).toBe(r.ok)
    }
  })

  it('refuses the API with a wrong token, or the right one in a query string or cookie (401)', async () => {
    for (const r of routes().filter((x) => x.access === 'token')) {
      for (const w of wrongTokens()) {
        expect((await send(r, w.headers, w.path(r.path))).status, what(r, ` by ${w.how}`)).toBe(401)
      }
    }
  })

  it('never sets a cookie, on any route, however the token is sent', async () => {
    for (const r of routes()) {
      for (const headers of [{}, bearer()]) {
        for (const path of [r.path, `${r.path}${r.path.includes('?') ? '&' : '?'}token=${server.token}`]) {
          expect((await send(r, headers, path)).headers['set-cookie'], what(r, ` as ${path}`)).toBeUndefined()
        }
      }
    }
  })

  it('refuses a foreign Origin (403) on every route, even with the token', async () => {
    for (const r of routes()) {
      for (const origin of [
        'https://evil.example',
        'null',
        `http://127.0.0.1:${server.port + 1}`,
        `http://localhost:${server.port + 1}`,
        `https://127.0.0.1:${server.port}`,
      ]) {
        const res = await send(r, { ...bearer(), Origin: origin })
        expect(res.status, what(r, ` Origin: ${origin}`)).toBe(403)
        expect(res.body).not.toContain('secret app code')
      }
    }
    // Its own Origin is fine.
    expect((await http('/export/runs.csv', { ...bearer(), Origin: own() })).status).toBe(200)
  })

  it('refuses an API request the browser marks as from another site (another port is same-site), even with the token', async () => {
    for (const r of routes().filter((x) => x.access !== 'public')) {
      for (const site of ['same-site', 'cross-site']) {
        const res = await send(r, { ...bearer(), 'Sec-Fetch-Site': site })
        expect(res.status, what(r, ` Sec-Fetch-Site: ${site}`)).toBe(403)
      }
    }
    expect((await http('/export/runs.csv', { ...bearer(), 'Sec-Fetch-Site': 'same-origin' })).status).toBe(
      200,
    )
  })

  it('refuses a DNS-rebinding Host header (403) on every route, even with the token', async () => {
    for (const r of routes()) {
      for (const host of [
        'evil.example',
        `evil.example:${server.port}`,
        `127.0.0.1.evil.example:${server.port}`,
        `127.0.0.1:${server.port + 1}`,
        '127.0.0.1',
      ]) {
        const res = await send(r, { ...bearer(), Host: host })
        expect(res.status, what(r, ` Host: ${host}`)).toBe(403)
        expect(res.body).not.toContain('secret app code')
      }
    }
  })

  it('accepts its own names as Host', async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LOCALHOST:${server.port}`]) {
      expect((await http('/export/runs.csv', { ...bearer(), Host: host })).status, host).toBe(200)
    }
  })
})

describe('download links', () => {
  const mint = (path: string, headers = bearer()): Promise<Reply> =>
    http(
      web.DOWNLOAD_LINKS_PATH,
      { ...headers, 'Content-Type': 'application/json' },
      'POST',
      JSON.stringify({ path }),
    )

  it('a link serves its export once, without the token, then is gone', async () => {
    const res = await mint(`/export/${runId}/summary.csv`)
    expect(res.status).toBe(201)
    const { url, expiresInMs } = JSON.parse(res.body) as { url: string; expiresInMs: number }
    expect(url.startsWith(web.DOWNLOAD_PREFIX)).toBe(true)
    expect(url).not.toContain(server.token)
    expect(expiresInMs).toBeLessThanOrEqual(60_000)
    const first = await http(url)
    expect(first.status).toBe(200)
    expect(first.headers['content-disposition']).toContain('.csv')
    expect(first.body.split('\r\n')[1]).toContain(runId)
    expect((await http(url)).status).toBe(404)
  })

  it('checks the export when the link is asked for: 400 bad path, 404 no run, 413 huge body', async () => {
    expect((await mint('/export/%E0%A4%A/ops.csv')).status).toBe(400)
    expect((await mint('/etc/passwd')).status).toBe(400)
    expect((await mint('/export/no-such-run/ops.csv')).status).toBe(404)
    expect((await mint(`/export/${runId}/nope.csv`)).status).toBe(400)
    const big = await http(
      web.DOWNLOAD_LINKS_PATH,
      bearer(),
      'POST',
      JSON.stringify({ path: 'x'.repeat(10_000) }),
    )
    expect(big.status).toBe(413)
    expect((await http(web.DOWNLOAD_LINKS_PATH, bearer(), 'POST', '{')).status).toBe(400)
  })

  it('a link expires, and a forged one is nothing', () => {
    let now = 1000
    const links = new DownloadLinks<string>(60_000, () => now)
    const a = links.mint('a')
    const b = links.mint('b')
    now += 59_999
    expect(links.redeem(a)).toBe('a')
    now += 2
    expect(links.redeem(b)).toBeNull()
    expect(links.redeem('/download/forged')).toBeNull()
  })
})

describe('browser-mode WebSocket upgrade', () => {
  /** The token as a browser sends it: a subprotocol. */
  const protocol = (token: string): Record<string, string> => ({
    'Sec-WebSocket-Protocol': `${WS_SUBPROTOCOL}, ${WS_TOKEN_PROTOCOL_PREFIX}${token}`,
  })

  it('opens with the token and its own Origin (positive control)', async () => {
    expect(await upgrade('/ws', { ...bearer(), Origin: own() })).toBe(101)
    expect(await upgrade('/ws', bearer())).toBe(101) // non-browser client: no Origin
    expect(await upgrade('/ws', { ...protocol(server.token), Origin: own() })).toBe(101) // a browser
  })

  it('refuses an upgrade without the token (401)', async () => {
    expect(await upgrade('/ws', {})).toBe(401)
    expect(await upgrade('/ws', { Origin: own() })).toBe(401)
    expect(await upgrade('/ws', { 'Sec-WebSocket-Protocol': WS_SUBPROTOCOL, Origin: own() })).toBe(401)
  })

  it('refuses an upgrade with a wrong token, or the right one in a query string or cookie (401)', async () => {
    for (const w of wrongTokens()) {
      expect(await upgrade(w.path('/ws'), { ...w.headers, Origin: own() }), w.how).toBe(401)
    }
    expect(await upgrade('/ws', { ...protocol(WRONG), Origin: own() })).toBe(401)
    expect(await upgrade('/ws', { ...protocol(server.token.slice(1)), Origin: own() })).toBe(401)
  })

  it('refuses a foreign Origin (403), even with the token', async () => {
    for (const origin of [
      'https://evil.example',
      'http://evil.example',
      'null',
      `http://127.0.0.1:${server.port + 1}`,
      `https://127.0.0.1:${server.port}`,
      `http://127.0.0.1.evil.example:${server.port}`,
      'file://',
    ]) {
      expect(await upgrade('/ws', { ...bearer(), Origin: origin }), origin).toBe(403)
      expect(await upgrade('/ws', { ...protocol(server.token), Origin: origin }), origin).toBe(403)
    }
  })

  it('refuses an upgrade the browser marks as from another site (403), even with the token', async () => {
    for (const site of ['same-site', 'cross-site'])
      expect(await upgrade('/ws', { ...protocol(server.token), 'Sec-Fetch-Site': site }), site).toBe(403)
  })

  it('refuses a DNS-rebinding Host header on the upgrade (403)', async () => {
    for (const host of [`evil.example:${server.port}`, 'evil.example', `127.0.0.1:${server.port + 1}`]) {
      expect(await upgrade('/ws', { ...bearer(), Host: host }), host).toBe(403)
      // A page on the rebound name would send its own (matching) Origin as well.
      expect(await upgrade('/ws', { ...bearer(), Host: host, Origin: `http://${host}` }), host).toBe(403)
    }
  })

  it('upgrades no other path', async () => {
    for (const r of routes().filter((x) => x.path !== web.WS_PATH && !x.method)) {
      expect(await upgrade(r.path, bearer()), r.path).not.toBe(101)
    }
  })
})
