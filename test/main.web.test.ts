import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { WS_SUBPROTOCOL, WS_TOKEN_PROTOCOL_PREFIX, type LabEvent, type WireMessage } from '../src/shared/api'
import { LabService } from '../src/main/lab/service'
import { startWebServer, type WebServer } from '../src/main/web/server'

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'"

let dir: string
let server: WebServer
let service: LabService

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ql-web-'))
  mkdirSync(join(dir, 'assets'))
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>Quorum Lab</title><script src="/assets/app.js"></script>',
  )
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log("app")')
  writeFileSync(join(dir, 'assets', 'app.css'), 'body{}')
  service = new LabService({ dataDir: join(dir, 'data') })
  server = await startWebServer({ port: 0, service, rendererDir: dir })
})

afterAll(async () => {
  await server?.close()
  service?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A raw HTTP GET (no URL normalisation, so `..` reaches the server as sent). */
function rawGet(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

const auth = (): Record<string, string> => ({ Authorization: `Bearer ${server.token}` })

function openWs(headers: Record<string, string> = auth()): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

function wsRefusal(headers: Record<string, string>, path = '/ws'): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers })
    ws.once('open', () => reject(new Error('connection was accepted')))
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      ws.terminate()
    })
    ws.once('error', () => {
      /* follows unexpected-response */
    })
  })
}

/** Collects every message on a socket; `next` waits for one matching a predicate. */
function inbox(ws: WebSocket) {
  const messages: WireMessage[] = []
  const waiters: Array<{ pred: (m: WireMessage) => boolean; resolve: (m: WireMessage) => void }> = []
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as WireMessage
    messages.push(m)
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(m)
      }
    }
  })
  return {
    messages,
    next(pred: (m: WireMessage) => boolean, timeoutMs = 20_000): Promise<WireMessage> {
      const found = messages.find(pred)
      if (found) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('timed out waiting for a message')), timeoutMs)
        waiters.push({
          pred,
          resolve: (m) => {
            clearTimeout(t)
            resolve(m)
          },
        })
      })
    },
  }
}

const byId = (id: number | null) => (m: WireMessage) => 'id' in m && m.id === id
let nextId = 1
async function call(
  ws: WebSocket,
  box: ReturnType<typeof inbox>,
  method: string,
  arg?: unknown,
): Promise<WireMessage> {
  const id = nextId++
  ws.send(JSON.stringify({ id, method, ...(arg !== undefined ? { arg } : {}) }))
  return box.next(byId(id))
}

describe('browser-mode HTTP', () => {
  it('prints a loopback URL carrying the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`)
    expect(server.token.length).toBeGreaterThanOrEqual(32)
  })

  it('serves the app without the token (public code, no data) and never sets a cookie', async () => {
    for (const p of ['/', `/?token=${server.token}`, '/assets/app.js', '/runs/7?tab=trace']) {
      const r = await rawGet(p)
      expect(r.status, p).toBe(200)
      expect(r.headers['set-cookie'], p).toBeUndefined()
    }
    const page = await rawGet(`/?token=${server.token}`)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.body).toContain('<title>Quorum Lab</title>')
    expect(page.body).not.toContain(server.token)
    expect(page.headers['content-security-policy']).toBe(CSP)
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    expect(page.headers['referrer-policy']).toBe('no-referrer')
  })

  it('answers 401 on the API without the token, with a wrong one, and with the right one in a query or cookie', async () => {
    for (const p of ['/export/runs.csv', '/ws']) {
      expect((await rawGet(p)).status, p).toBe(401)
      expect((await rawGet(p, { Authorization: 'Bearer nope' })).status, p).toBe(401)
      expect((await rawGet(`${p}?token=${server.token}`)).status, p).toBe(401)
      expect((await rawGet(p, { Cookie: `quorum_lab_token_${server.port}=${server.token}` })).status, p).toBe(
        401,
      )
      expect((await rawGet(p, auth())).status, p).not.toBe(401)
    }
  })

  it('serves static files with their content types and falls back to index.html for routes', async () => {
    const js = await rawGet('/assets/app.js', auth())
    expect(js.status).toBe(200)
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.body).toBe('console.log("app")')
    expect((await rawGet('/assets/app.css', auth())).headers['content-type']).toBe('text/css; charset=utf-8')
    const route = await rawGet('/runs/abc', auth())
    expect(route.status).toBe(200)
    expect(route.body).toContain('<title>Quorum Lab</title>')
    expect((await rawGet('/assets/missing.js', auth())).status).toBe(404)
  })

  it('refuses directory traversal', async () => {
    for (const p of [
      '/../package.json',
      '/assets/../../package.json',
      '/%2e%2e/package.json',
      '/assets/..%2f..%2fpackage.json',
      '/..%5c..%5cpackage.json',
    ]) {
      const r = await rawGet(p, auth())
      expect(r.status, p).toBe(403)
      expect(r.body).not.toContain('"name"')
    }
  })

  it('refuses other methods and foreign Host headers (DNS rebinding)', async () => {
    const post = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path: '/', method: 'POST', headers: auth() },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      req.end()
    })
    expect(post).toBe(405)
    expect((await rawGet('/', { ...auth(), Host: `evil.example:${server.port}` })).status).toBe(403)
  })

  it('listens on 127.0.0.1 only', async () => {
    expect(server.host).toBe('127.0.0.1')
    await expect(startWebServer({ host: '0.0.0.0', service, rendererDir: dir })).rejects.toThrow(/loopback/)
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)
    if (external) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = connect({ host: external.address, port: server.port })
        s.once('connect', () => {
          s.destroy()
          resolve(false)
        })
        s.once('error', () => resolve(true))
      })
      expect(refused).toBe(true)
    }
  })
})

describe('browser-mode WebSocket', () => {
  it('rejects a foreign Origin, a missing token and other paths', async () => {
    expect(await wsRefusal({ ...auth(), Origin: 'https://evil.example' })).toBe(403)
    expect(await wsRefusal({ ...auth(), Origin: `http://127.0.0.1:${server.port + 1}` })).toBe(403)
    expect(await wsRefusal({})).toBe(401)
    expect(await wsRefusal({ Origin: `http://127.0.0.1:${server.port}` })).toBe(401)
    expect(await wsRefusal(auth(), '/other')).toBe(404)
  })

  it('accepts the token as a bearer header or as a subprotocol (a browser), answering the plain protocol', async () => {
    const a = await openWs({ Origin: `http://127.0.0.1:${server.port}`, ...auth() })
    a.close()
    const b = await new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(
        `ws://127.0.0.1:${server.port}/ws`,
        [WS_SUBPROTOCOL, `${WS_TOKEN_PROTOCOL_PREFIX}${server.token}`],
        { headers: { Origin: `http://localhost:${server.port}` } },
      )
      ws.once('open', () => resolve(ws))
      ws.once('error', reject)
    })
    // The server names the plain protocol: the token is never echoed back.
    expect(b.protocol).toBe(WS_SUBPROTOCOL)
    b.close()
    // Not by query string or cookie.
    expect(await wsRefusal({}, `/ws?token=${server.token}`)).toBe(401)
    expect(await wsRefusal({ Cookie: `quorum_lab_token_${server.port}=${server.token}` })).toBe(401)
  })

  it('answers garbage with clear errors and keeps serving', async () => {
    const ws = await openWs()
    const box = inbox(ws)
    const errorOf = (m: WireMessage): string =>
      'ok' in m && !m.ok ? m.error.message : `not an error: ${JSON.stringify(m)}`

    ws.send('this is not json')
    expect(errorOf(await box.next(byId(null)))).toMatch(/^not JSON: /)
    box.messages.length = 0

    ws.send(JSON.stringify({ id: 1 }))
    const noMethod = await box.next(byId(1))
    expect(errorOf(noMethod)).toContain('method')

    ws.send(JSON.stringify({ id: 2, method: 'rm -rf', arg: {} }))
    expect(errorOf(await box.next(byId(2)))).toContain('unknown method "rm -rf"')

    ws.send(JSON.stringify({ id: 3, method: 'getRun', arg: { runId: 42 } }))
    const badArg = await box.next(byId(3))
    expect(errorOf(badArg)).toContain('runId: must be a string')
    expect('ok' in badArg && !badArg.ok && badArg.error.code).toBe('bad_input')

    ws.send(JSON.stringify({ id: 4, method: 'getRun', arg: { runId: 'missing' } }))
    expect(await box.next(byId(4))).toMatchObject({ ok: false, error: { code: 'not_found' } })

    ws.send(Buffer.from([1, 2, 3]), { binary: true })
    expect(errorOf(await box.next(byId(null)))).toContain('binary frames')
    box.messages.length = 0

    ws.send('x'.repeat(2 * 1024 * 1024))
    expect(errorOf(await box.next(byId(null)))).toContain('frame too large')
    box.messages.length = 0

    ws.send('[1,2]')
    expect(errorOf(await box.next(byId(null)))).toContain('bad request')

    const info = await call(ws, box, 'appInfo')
    expect(info).toMatchObject({ ok: true, result: { name: 'quorum-lab', bridge: 'browser' } })
    expect(ws.readyState).toBe(WebSocket.OPEN)
    ws.close()
  })

  it('starts a run and pushes run-progress and run-status events', async () => {
    const ws = await openWs()
    const box = inbox(ws)
    const started = await call(ws, box, 'startRun', {
      spec: {
        name: 'ws-run',
        cluster: { nodes: 3 },
        durationMs: 1500,
        workload: { clients: 2, ratePerSec: 50 },
      },
      speed: 'max',
    })
    expect(started).toMatchObject({ ok: true, result: { status: 'running', name: 'ws-run' } })
    const runId = 'ok' in started && started.ok ? (started.result as { runId: string }).runId : ''
    const isEvent = (type: LabEvent['type'], status?: string) => (m: WireMessage) =>
      'event' in m &&
      m.event.type === type &&
      (m.event.type === 'run-progress'
        ? m.event.runId === runId
        : m.event.type === 'run-status' && m.event.run.runId === runId && m.event.run.status === status)

    await box.next(isEvent('run-status', 'running'))
    const progress = await box.next(isEvent('run-progress'))
    expect('event' in progress && progress.event.type === 'run-progress' && progress.event.nodes.length).toBe(
      3,
    )
    const end = await box.next(isEvent('run-status', 'done'))
    expect('event' in end && end.event.type === 'run-status' && end.event.run.summary).toBeTruthy()

    const runs = await call(ws, box, 'listRuns')
    expect('ok' in runs && runs.ok && (runs.result as Array<{ runId: string }>)[0].runId).toBe(runId)
    const trace = await call(ws, box, 'getTrace', { runId, kinds: ['state'], limit: 5 })
    expect('ok' in trace && trace.ok && (trace.result as unknown[]).length).toBe(5)
    ws.close()
  })
})
