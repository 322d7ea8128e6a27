// Hostile requests to browser mode: the real server (`src/main/web/main.ts`, heap capped)
// in its own process, sent raw HTTP (malformed, oversized, smuggling-shaped), requests
// with wrong, misplaced or stolen-looking credentials, foreign Origins and Hosts, bad
// export and download paths, WebSocket upgrades and hostile WebSocket messages. After each
// input the server must still answer an authenticated request; if it does not, the
// outcome says "server down" and it is restarted for the next input.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import type { HostileResult, HostileSection } from './section'

interface Server {
  child: ChildProcess
  port: number
  token: string
}

async function startServer(dir: string, n: number): Promise<Server> {
  const renderer = join(dir, 'renderer')
  mkdirSync(join(renderer, 'assets'), { recursive: true })
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Quorum Lab</title>')
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)')
  const child = spawn(
    process.execPath,
    [
      '--max-old-space-size=768',
      '--import',
      'tsx',
      'src/main/web/main.ts',
      '--port',
      '0',
      '--data',
      join(dir, `data-${n}`),
      '--renderer',
      renderer,
      '--no-open',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${out}`)), 60_000)
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString()
      const m = /serving on (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1])
      }
    })
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()))
    child.once('exit', (code) => reject(new Error(`the server exited ${code}: ${out}`)))
  })
  const u = new URL(url)
  return { child, port: Number(u.port), token: u.searchParams.get('token') ?? '' }
}

/** Send raw bytes; the response's status line, or how the connection ended. */
function raw(port: number, bytes: string | Buffer, waitMs = 4000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port })
    let got = ''
    let done = false
    const finish = (what: string): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      s.destroy()
      resolve(what)
    }
    const timer = setTimeout(
      () => finish(got ? statusOf(got) : `held open ${waitMs / 1000} s, no answer`),
      waitMs,
    )
    s.on('connect', () => s.write(bytes))
    s.on('data', (c: Buffer) => {
      got += c.toString('latin1')
      if (/\r\n\r\n/.test(got)) finish(statusOf(got))
    })
    s.on('error', () => finish(got ? statusOf(got) : 'connection reset'))
    s.on('close', () => finish(got ? statusOf(got) : 'closed, no answer'))
  })
}

function statusOf(text: string): string {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text)
  return m ? `HTTP ${m[1]}` : 'not HTTP'
}

function request(
  srv: Server,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body = '',
): string {
  const h = { Host: `127.0.0.1:${srv.port}`, Connection: 'close', ...headers }
  if (body) (h as Record<string, string>)['Content-Length'] = String(Buffer.byteLength(body))
  return `${method} ${path} HTTP/1.1\r\n${Object.entries(h)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n${body}`
}

/** A WebSocket upgrade (`query` appended to /ws): "WS open" or the status it was refused with. */
function upgrade(
  srv: Server,
  headers: Record<string, string>,
  protocols: string[] = [],
  query = '',
): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/ws${query}`, protocols, {
      headers,
      handshakeTimeout: 4000,
    })
    ws.once('open', () => {
      ws.close()
      resolve('WS open')
    })
    ws.once('unexpected-response', (_req, res) => {
      resolve(`WS refused ${res.statusCode}`)
      ws.terminate()
    })
    ws.once('error', (e) => resolve(`WS error (${e.message.slice(0, 40)})`))
  })
}

/** Send frames on an authenticated socket; the first answer (an error code, ok) or how it closed. */
function wsSend(srv: Server, frames: Array<string | Buffer>, waitMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/ws`, {
      headers: { Authorization: `Bearer ${srv.token}` },
    })
    let done = false
    const finish = (what: string): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      ws.terminate()
      resolve(what)
    }
    const timer = setTimeout(() => finish('no answer'), waitMs)
    ws.once('open', () => {
      for (const f of frames) ws.send(f, { binary: Buffer.isBuffer(f) })
    })
    ws.on('message', (data) => {
      let m: { ok?: boolean; error?: { code?: string }; event?: unknown }
      try {
        m = JSON.parse(String(data)) as typeof m
      } catch {
        return finish('answer not JSON')
      }
      if (m.event !== undefined) return
      finish(m.ok ? 'reply ok' : `reply error ${m.error?.code ?? '?'}`)
    })
    ws.once('close', (code) => finish(`closed ${code}`))
    ws.once('error', () => finish('socket error'))
  })
}

async function healthy(srv: Server): Promise<boolean> {
  const r = await raw(
    srv.port,
    request(srv, 'GET', '/export/runs.csv', { Authorization: `Bearer ${srv.token}` }),
    10_000,
  )
  return r === 'HTTP 200'
}

type Input = { name: string; send: (srv: Server) => Promise<string> }

function inputs(): Input[] {
  const b = (srv: Server): Record<string, string> => ({ Authorization: `Bearer ${srv.token}` })
  const get = (
    name: string,
    path: string,
    headers: (srv: Server) => Record<string, string> = () => ({}),
  ): Input => ({
    name,
    send: (srv) => raw(srv.port, request(srv, 'GET', path, headers(srv))),
  })
  const msg = (name: string, frame: (srv: Server) => string | Buffer): Input => ({
    name: `WS ${name}`,
    send: (srv) => wsSend(srv, [frame(srv)]),
  })
  const call = (method: string, arg: unknown): string => JSON.stringify({ id: 1, method, arg })
  const hostileRun = (name: string, spec: unknown): Input => ({
    name: `WS startRun: ${name} (then health 10 s later)`,
    send: async (srv) => {
      const r = await wsSend(srv, [call('startRun', { spec, speed: 'max' })])
      await new Promise((res) => setTimeout(res, 10_000))
      return `${r}; ${(await healthy(srv)) ? 'still answering' : 'not answering'}`
    },
  })
  return [
    // Credentials.
    get('GET / (public app), no token', '/'),
    get('GET /export/runs.csv, no token', '/export/runs.csv'),
    {
      name: 'GET /export/runs.csv, right token in ?token=',
      send: (srv) => raw(srv.port, request(srv, 'GET', `/export/runs.csv?token=${srv.token}`)),
    },
    get('GET /export/runs.csv, right token in a cookie', '/export/runs.csv', (srv) => ({
      Cookie: `quorum_lab_token_${srv.port}=${srv.token}`,
    })),
    get('GET /export/runs.csv, wrong bearer', '/export/runs.csv', () => ({
      Authorization: 'Bearer x'.padEnd(60, 'x'),
    })),
    get('GET /export/runs.csv, bearer of 100 KB', '/export/runs.csv', () => ({
      Authorization: `Bearer ${'a'.repeat(100_000)}`,
    })),
    get('GET /export/runs.csv, token, foreign Origin', '/export/runs.csv', (srv) => ({
      ...b(srv),
      Origin: 'https://evil.example',
    })),
    get('GET /export/runs.csv, token, Origin of another port', '/export/runs.csv', (srv) => ({
      ...b(srv),
      Origin: `http://127.0.0.1:${srv.port + 1}`,
    })),
    get('GET /export/runs.csv, token, Origin null', '/export/runs.csv', (srv) => ({
      ...b(srv),
      Origin: 'null',
    })),
    get('GET /export/runs.csv, token, Sec-Fetch-Site same-site', '/export/runs.csv', (srv) => ({
      ...b(srv),
      'Sec-Fetch-Site': 'same-site',
    })),
    get('GET /, token, foreign Origin', '/', (srv) => ({ ...b(srv), Origin: 'https://evil.example' })),
    get('GET /export/runs.csv, token, Host evil.example', '/export/runs.csv', (srv) => ({
      ...b(srv),
      Host: 'evil.example',
    })),
    {
      name: 'GET /, no Host header',
      send: (srv) => raw(srv.port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n'),
    },
    // Export and download paths.
    get('export: malformed %E0%A4%A', '/export/%E0%A4%A/ops.csv', b),
    get('export: lone %', '/export/%/ops.csv', b),
    get('export: %00 in the run id', '/export/run%00x/ops.csv', b),
    get('export: ..%2f..%2f traversal', '/export/..%2f..%2fetc%2fpasswd/ops.csv', b),
    get('export: unknown kind', '/export/run-x/passwords.csv', b),
    get('export: runs ?limit=1e300', '/export/runs.csv?limit=1e300', b),
    get('export: runs ?limit=-1', '/export/runs.csv?limit=-1', b),
    get('export: runs ?since=yesterday', '/export/runs.csv?since=yesterday', b),
    get('export: runs ?status=evil', '/export/runs.csv?status=evil', b),
    get('export: runs ?__proto__[x]=1', '/export/runs.csv?__proto__=1&constructor=2', b),
    get('download: forged link', '/download/forged-forged-forged', () => ({})),
    {
      name: 'download-links: POST, bad JSON',
      send: (srv) => raw(srv.port, request(srv, 'POST', '/api/download-links', b(srv), '{')),
    },
    {
      name: 'download-links: POST, path /etc/passwd',
      send: (srv) =>
        raw(srv.port, request(srv, 'POST', '/api/download-links', b(srv), '{"path":"/etc/passwd"}')),
    },
    {
      name: 'download-links: POST, 1 MB body',
      send: (srv) =>
        raw(
          srv.port,
          request(srv, 'POST', '/api/download-links', b(srv), JSON.stringify({ path: 'x'.repeat(1 << 20) })),
        ),
    },
    {
      name: 'download-links: POST, no token',
      send: (srv) =>
        raw(srv.port, request(srv, 'POST', '/api/download-links', {}, '{"path":"/export/runs.csv"}')),
    },
    {
      name: 'download link used twice',
      send: async (srv) => {
        const res = await new Promise<string>((resolve) => {
          const s = connect({ host: '127.0.0.1', port: srv.port })
          let got = ''
          s.on('connect', () =>
            s.write(request(srv, 'POST', '/api/download-links', b(srv), '{"path":"/export/runs.csv"}')),
          )
          s.on('data', (c: Buffer) => (got += c.toString()))
          s.on('close', () => resolve(got))
          s.on('error', () => resolve(got))
        })
        const url = /"url":"([^"]+)"/.exec(res)?.[1]
        if (!url) return `no link (${statusOf(res)})`
        const first = await raw(srv.port, request(srv, 'GET', url))
        const second = await raw(srv.port, request(srv, 'GET', url))
        return `${first}, then ${second}`
      },
    },
    // Static files and traversal.
    get('GET /../package.json', '/../package.json'),
    get('GET /%2e%2e/package.json', '/%2e%2e/package.json'),
    get('GET /..%5c..%5cpackage.json', '/..%5c..%5cpackage.json'),
    get('GET //etc/passwd', '//etc/passwd'),
    get('GET /%00', '/%00'),
    get('GET malformed percent /%zz', '/%zz'),
    // Methods.
    {
      name: 'PUT /export/runs.csv',
      send: (srv) => raw(srv.port, request(srv, 'PUT', '/export/runs.csv', b(srv), 'x')),
    },
    { name: 'DELETE /', send: (srv) => raw(srv.port, request(srv, 'DELETE', '/')) },
    {
      name: 'OPTIONS preflight from evil.example',
      send: (srv) =>
        raw(
          srv.port,
          request(srv, 'OPTIONS', '/export/runs.csv', {
            Origin: 'https://evil.example',
            'Access-Control-Request-Method': 'GET',
            'Access-Control-Request-Headers': 'authorization',
          }),
        ),
    },
    { name: 'TRACE /', send: (srv) => raw(srv.port, request(srv, 'TRACE', '/')) },
    {
      name: 'CONNECT example.com:443',
      send: (srv) => raw(srv.port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'),
    },
    { name: 'method FOO', send: (srv) => raw(srv.port, request(srv, 'FOO', '/')) },
    // Malformed HTTP.
    { name: 'garbage line', send: (srv) => raw(srv.port, 'GARBAGE\r\n\r\n') },
    {
      name: 'binary noise',
      send: (srv) => raw(srv.port, Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 131) & 0xff))),
    },
    { name: 'HTTP/2 preface', send: (srv) => raw(srv.port, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n') },
    { name: 'HTTP/0.9 request', send: (srv) => raw(srv.port, 'GET /\r\n') },
    { name: '100 KB URL', send: (srv) => raw(srv.port, request(srv, 'GET', `/${'a'.repeat(100_000)}`)) },
    {
      name: '2,000 headers',
      send: (srv) =>
        raw(
          srv.port,
          request(
            srv,
            'GET',
            '/',
            Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`X-H${i}`, 'v'])),
          ),
        ),
    },
    {
      name: 'one 64 KB header',
      send: (srv) => raw(srv.port, request(srv, 'GET', '/', { 'X-Big': 'v'.repeat(65_536) })),
    },
    {
      name: 'header name with a space',
      send: (srv) => raw(srv.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nBad Name: x\r\n\r\n`),
    },
    {
      name: 'NUL in the request line',
      send: (srv) => raw(srv.port, `GET /\0 HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n\r\n`),
    },
    {
      name: 'Content-Length and Transfer-Encoding (smuggling shape)',
      send: (srv) =>
        raw(
          srv.port,
          `POST /api/download-links HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nAuthorization: Bearer ${srv.token}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /export/runs.csv HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n\r\n`,
        ),
    },
    {
      name: 'bad chunk size',
      send: (srv) =>
        raw(
          srv.port,
          `POST /api/download-links HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nAuthorization: Bearer ${srv.token}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nx\r\n0\r\n\r\n`,
        ),
    },
    {
      name: 'headers never finished (slow client)',
      send: (srv) => raw(srv.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n`, 3000),
    },
    // WebSocket upgrades.
    { name: 'WS upgrade, no token', send: (srv) => upgrade(srv, {}) },
    { name: 'WS upgrade, token in ?token=', send: (srv) => upgrade(srv, {}, [], `?token=${srv.token}`) },
    {
      name: 'WS upgrade, wrong subprotocol token',
      send: (srv) => upgrade(srv, {}, ['quorum-lab', 'quorum-lab.token.wrongwrongwrongwrong']),
    },
    {
      name: 'WS upgrade, 500 subprotocols',
      send: (srv) =>
        upgrade(
          srv,
          {},
          Array.from({ length: 500 }, (_, i) => `p${i}`),
        ),
    },
    {
      name: 'WS upgrade, token, foreign Origin',
      send: (srv) => upgrade(srv, { ...b(srv), Origin: 'https://evil.example' }),
    },
    {
      name: 'WS upgrade, subprotocol token, Origin of another port',
      send: (srv) =>
        upgrade(srv, { Origin: `http://127.0.0.1:${srv.port + 1}` }, [
          'quorum-lab',
          `quorum-lab.token.${srv.token}`,
        ]),
    },
    { name: 'WS upgrade, token (control)', send: (srv) => upgrade(srv, b(srv)) },
    // WebSocket messages (authenticated).
    msg('not JSON', () => 'hello'),
    msg('binary frame', () => Buffer.from([1, 2, 3])),
    msg('2 MB frame', () => 'x'.repeat(2 << 20)),
    msg('20 MB frame', () => 'x'.repeat(20 << 20)),
    msg('[1,2]', () => '[1,2]'),
    msg('id -1', () => '{"id":-1,"method":"appInfo"}'),
    msg('id 1e300', () => '{"id":1e300,"method":"appInfo"}'),
    msg('method __proto__', () => call('__proto__', {})),
    msg('method constructor', () => call('constructor', {})),
    msg('method toString', () => call('toString', {})),
    msg(
      'arg nested 100,000 deep',
      () => `{"id":1,"method":"getRun","arg":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    ),
    msg('getRun, 1 MB run id', () => call('getRun', { runId: 'r'.repeat(1 << 20) })),
    msg('getTrace, limit 1e300', () => call('getTrace', { runId: 'x', limit: 1e300 })),
    msg('getTrace, limit "NaN"', () => call('getTrace', { runId: 'x', limit: 'NaN' })),
    msg('listRuns, since garbage', () => call('listRuns', { since: 'garbage' })),
    msg('listRuns, limit 1e12', () => call('listRuns', { limit: 1e12 })),
    msg('compareRuns, 10,000 ids', () =>
      call('compareRuns', { runIds: Array.from({ length: 10_000 }, (_, i) => `r${i}`) }),
    ),
    msg('injectFault, no such run', () =>
      call('injectFault', { runId: 'x', fault: { kind: 'crash', target: 'n1' } }),
    ),
    msg('startRun, spec 1e300 everywhere', () =>
      call('startRun', { spec: { durationMs: 1e300, cluster: { nodes: 1e300 } } }),
    ),
    msg('startRun, speed -1', () => call('startRun', { spec: {}, speed: -1 })),
    {
      name: 'WS 1,000 requests in one burst',
      send: (srv) =>
        wsSend(
          srv,
          Array.from({ length: 1000 }, (_, i) => JSON.stringify({ id: i, method: 'appInfo' })),
        ),
    },
    // Runs that validate but may not be bounded (issue 17 item 1): what the server does.
    hostileRun('clock jumpMs 1e12', {
      name: 'jump',
      durationMs: 10_000,
      faults: [{ atMs: 100, forMs: 100, kind: 'clock', target: 'n1', jumpMs: 1e12 }],
    }),
    hostileRun('workload.timeoutMs 1e300', {
      name: 'timeout',
      durationMs: 10_000,
      workload: { timeoutMs: 1e300 },
    }),
  ]
}

export const webSection: HostileSection = {
  name: 'browser-mode HTTP / WebSocket requests',
  async run(): Promise<HostileResult[]> {
    const dir = mkdtempSync(join(tmpdir(), 'ql-hostile-web-'))
    let n = 0
    let srv = await startServer(dir, n++)
    const results: HostileResult[] = []
    try {
      for (const input of inputs()) {
        let outcome: string
        try {
          outcome = await input.send(srv)
        } catch (e) {
          outcome = `campaign error: ${(e as Error).message.slice(0, 60)}`
        }
        if (!(await healthy(srv))) {
          outcome += ' + server down'
          srv.child.kill('SIGKILL')
          srv = await startServer(dir, n++)
        }
        results.push({ input: input.name, outcome })
      }
      return results
    } finally {
      srv.child.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
