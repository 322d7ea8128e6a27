// Browser mode: every route needs the token, the WebSocket refuses other Origins, and a
// DNS-rebinding Host header is refused everywhere. The route list is checked against the
// server's source, so a route added later without a line here fails this test.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { LabService } from '../src/main/lab/service'
import * as web from '../src/main/web/server'
import { cookieName, startWebServer, type WebServer } from '../src/main/web/server'

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

function http(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Status of a WebSocket upgrade: 101 when it opened, else the HTTP status it was refused with. */
function upgrade(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers })
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

const bearer = (): Record<string, string> => ({ Authorization: `Bearer ${server.token}` })
const WRONG = 'wrong-token-wrong-token-wrong-token'

/** How a wrong token can be sent (each must be refused). */
const wrongTokens = (): Array<{
  how: string
  path: (p: string) => string
  headers: Record<string, string>
}> => [
  { how: 'query', path: (p) => `${p}${p.includes('?') ? '&' : '?'}token=${WRONG}`, headers: {} },
  { how: 'bearer', path: (p) => p, headers: { Authorization: `Bearer ${WRONG}` } },
  { how: 'cookie', path: (p) => p, headers: { Cookie: `${cookieName(server.port)}=${WRONG}` } },
  { how: 'empty bearer', path: (p) => p, headers: { Authorization: 'Bearer ' } },
  // The right token under another port's cookie name is not this server's cookie.
  {
    how: 'cookie of another port',
    path: (p) => p,
    headers: { Cookie: `${cookieName(server.port + 1)}=${server.token}` },
  },
  {
    how: 'token prefix',
    path: (p) => `${p}${p.includes('?') ? '&' : '?'}token=${server.token.slice(0, -1)}`,
    headers: {},
  },
]

/** Every HTTP route and what it answers with the right token. */
const routes = (): Array<{ path: string; method?: string; ok: number }> => [
  { path: '/', ok: 200 },
  { path: '/index.html', ok: 200 },
  { path: '/assets/app.js', ok: 200 },
  { path: '/favicon.svg', ok: 200 },
  { path: '/', method: 'HEAD', ok: 200 },
  { path: '/runs/r1', ok: 200 }, // SPA fallback
  { path: '/assets/missing.js', ok: 404 },
  { path: '/no/such/file.txt', ok: 404 },
  { path: '/../package.json', ok: 403 },
  { path: '/ws', ok: 426 }, // plain GET of the WebSocket path
  { path: '/', method: 'POST', ok: 405 },
  { path: '/', method: 'DELETE', ok: 405 },
  // CSV downloads (when the service offers them).
  ...(typeof service.openCsv === 'function'
    ? [
        { path: '/export/runs.csv', ok: 200 },
        { path: `/export/${runId}/summary.csv`, ok: 200 },
        { path: `/export/${runId}/ops.csv`, ok: 200 },
        { path: '/export/no-such-run/ops.csv', ok: 404 },
      ]
    : [{ path: '/export/runs.csv', ok: 404 }]),
]

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

  it('answers each route as expected with the token (the routes exist)', async () => {
    for (const r of routes()) {
      const res = await http(r.path, bearer(), r.method)
      expect(res.status, `${r.method ?? 'GET'} ${r.path}`).toBe(r.ok)
    }
  })

  it('refuses every route without the token (401), revealing nothing', async () => {
    for (const r of routes()) {
      const res = await http(r.path, {}, r.method)
      const what = `${r.method ?? 'GET'} ${r.path}`
      expect(res.status, what).toBe(401)
      expect(res.body, what).not.toContain('Quorum Lab</title>')
      expect(res.body, what).not.toContain('secret app code')
      expect(res.headers['set-cookie'], what).toBeUndefined()
    }
  })

  it('refuses every route with a wrong token (401), however it is sent', async () => {
    for (const r of routes()) {
      for (const w of wrongTokens()) {
        const res = await http(w.path(r.path), w.headers, r.method)
        expect(res.status, `${r.method ?? 'GET'} ${r.path} with a wrong token by ${w.how}`).toBe(401)
        expect(res.headers['set-cookie']).toBeUndefined()
      }
    }
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
        const res = await http(r.path, { ...bearer(), Host: host }, r.method)
        expect(res.status, `${r.method ?? 'GET'} ${r.path} Host: ${host}`).toBe(403)
        expect(res.body).not.toContain('secret app code')
      }
    }
  })

  it('accepts its own names as Host', async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LOCALHOST:${server.port}`]) {
      expect((await http('/', { ...bearer(), Host: host })).status, host).toBe(200)
    }
  })
})

describe('browser-mode WebSocket upgrade', () => {
  const own = (): string => `http://127.0.0.1:${server.port}`

  it('opens with the token and its own Origin (positive control)', async () => {
    expect(await upgrade('/ws', { ...bearer(), Origin: own() })).toBe(101)
    expect(await upgrade('/ws', bearer())).toBe(101) // non-browser client: no Origin
  })

  it('refuses an upgrade without the token (401)', async () => {
    expect(await upgrade('/ws', {})).toBe(401)
    expect(await upgrade('/ws', { Origin: own() })).toBe(401)
  })

  it('refuses an upgrade with a wrong token (401)', async () => {
    for (const w of wrongTokens()) {
      expect(await upgrade(w.path('/ws'), { ...w.headers, Origin: own() }), w.how).toBe(401)
    }
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
      expect(
        await upgrade(`/ws?token=${server.token}`, {
          Cookie: `${cookieName(server.port)}=${server.token}`,
          Origin: origin,
        }),
        origin,
      ).toBe(403)
    }
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
