// Browser mode: the built renderer and the LabApi over HTTP + WebSocket, on loopback only.
//
// Security model: anyone who can reach 127.0.0.1 (any local process, any web page the
// user visits) could otherwise drive the lab. So:
//  - a random token is made at start and printed inside the URL (?token=...);
//  - the first request carrying a valid ?token= gets it as an HttpOnly SameSite=Strict
//    cookie and is redirected to the same URL without the token (no token in history);
//  - every HTTP request and every WebSocket upgrade must carry the token (the cookie,
//    ?token=, or `Authorization: Bearer`), else 401;
//  - the Host header must name this server (defeats DNS rebinding), and a WebSocket
//    upgrade's Origin must be absent (non-browser clients) or this server's own origin
//    (defeats cross-site WebSocket hijacking), else 403;
//  - responses carry a strict CSP and friends.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { extname, resolve, sep } from 'node:path'
import { WebSocketServer, WebSocket, type RawData } from 'ws'
import { LabError, WireRequestSchema, type LabEvent, type WireMessage } from '../../shared/api'
import { formatErrors, toFieldErrors } from '../../shared/spec'
import { CSP } from '../csp'
import { createDispatch, toErrorData, validateArg } from '../lab/handlers'
import type { LabBackend } from '../lab/service'

export interface WebServerOptions {
  /** TCP port; 0 (default) lets the OS choose. */
  port?: number
  /** Loopback address to bind: '127.0.0.1' (default) or '::1'. Anything else is refused. */
  host?: string
  service: LabBackend
  /** The built renderer (index.html + assets), e.g. out/renderer. */
  rendererDir: string
  /** The access token; default 32 random bytes, base64url. */
  token?: string
  /** Largest accepted WebSocket request frame in bytes (default 1 MiB). */
  maxFrameBytes?: number
}

export interface WebServer {
  /** `http://127.0.0.1:PORT/?token=TOKEN`: the URL to open. */
  url: string
  port: number
  host: string
  token: string
  /** Close every connection and stop listening. */
  close(): Promise<void>
}

export const WS_PATH = '/ws'
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024
/** Frames above this are cut off by ws itself (connection closed with 1009); below it we answer with an error. */
const HARD_MAX_PAYLOAD = 16 * 1024 * 1024
/** Skip progress events for a client whose send buffer is this far behind. */
const SLOW_CLIENT_BYTES = 4 * 1024 * 1024

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
}

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest()

export function cookieName(port: number): string {
  // Cookies are not port-scoped: name it per port so two labs on one machine do not clash.
  return `quorum_lab_token_${port}`
}

function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>()
  if (!header) return out
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  return out
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization
  if (!h) return undefined
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h)
  return m ? m[1] : undefined
}

function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === '::1'
}

function rawDataBytes(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0)
  return data instanceof ArrayBuffer ? data.byteLength : data.length
}

function rawDataText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return (data instanceof ArrayBuffer ? Buffer.from(data) : data).toString('utf8')
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1'
  if (!isLoopbackHost(host)) {
    throw new Error(`refusing to listen on ${host}: browser mode binds to loopback only (127.0.0.1 or ::1)`)
  }
  const token = opts.token ?? randomBytes(32).toString('base64url')
  if (!/^[A-Za-z0-9_-]{16,256}$/.test(token)) {
    throw new Error('token must be 16-256 characters of A-Z a-z 0-9 _ -')
  }
  const tokenHash = sha256(token)
  const tokenOk = (candidate: string | undefined | null): boolean =>
    typeof candidate === 'string' && candidate.length > 0 && timingSafeEqual(sha256(candidate), tokenHash)
  const maxFrame = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
  const rendererDir = resolve(opts.rendererDir)
  const service = opts.service
  const dispatch = createDispatch(service)

  // Filled in once listening (they depend on the chosen port).
  let port = 0
  let allowedHosts = new Set<string>()
  let allowedOrigins = new Set<string>()
  let cookie = ''

  const hostOk = (req: IncomingMessage): boolean => allowedHosts.has((req.headers.host ?? '').toLowerCase())

  const authorized = (req: IncomingMessage, url: URL): boolean =>
    tokenOk(parseCookies(req.headers.cookie).get(cookie)) ||
    tokenOk(url.searchParams.get('token')) ||
    tokenOk(bearer(req))

  // ---------------------------------------------------------------- HTTP

  const send = (
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ): void => {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Length': String(Buffer.byteLength(body)),
      ...headers,
    })
    res.end(res.req.method === 'HEAD' ? undefined : body)
  }

  const serveFile = (req: IncomingMessage, res: ServerResponse, file: string, size: number): void => {
    const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': type,
      'Content-Length': String(size),
      // index.html must be revalidated (it names the hashed assets); assets may be cached.
      'Cache-Control': type.startsWith('text/html') ? 'no-store' : 'no-cache',
    })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    const stream = createReadStream(file)
    stream.on('error', () => res.destroy())
    stream.pipe(res)
  }

  /** A regular file inside rendererDir (symlinks resolved), or null. */
  const findFile = async (rel: string): Promise<{ file: string; size: number } | null> => {
    const file = resolve(rendererDir, '.' + rel)
    if (file !== rendererDir && !file.startsWith(rendererDir + sep)) return null
    try {
      const real = await realpath(file)
      const realRoot = await realpath(rendererDir)
      if (real !== realRoot && !real.startsWith(realRoot + sep)) return null
      const st = await stat(real)
      return st.isFile() ? { file: real, size: st.size } : null
    } catch {
      return null
    }
  }

  const handleHttp = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostOk(req)) return send(res, 403, 'forbidden: unexpected Host header\n')
    const rawUrl = req.url ?? '/'
    let url: URL
    try {
      url = new URL(rawUrl, `http://127.0.0.1:${port}`)
    } catch {
      return send(res, 400, 'bad request: malformed URL\n')
    }
    if (!authorized(req, url)) {
      return send(res, 401, 'unauthorized: open the URL printed by quorum-lab (it carries ?token=...)\n', {
        'WWW-Authenticate': 'Bearer realm="quorum-lab"',
      })
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' })
    }
    if (url.searchParams.has('token')) {
      // Trade the token in the URL for a cookie, then drop it from the address bar.
      url.searchParams.delete('token')
      const location = url.pathname + (url.searchParams.size > 0 ? `?${url.searchParams.toString()}` : '')
      return send(res, 303, 'see other\n', {
        Location: location,
        'Set-Cookie': `${cookie}=${token}; Path=/; HttpOnly; SameSite=Strict`,
      })
    }
    if (url.pathname === WS_PATH)
      return send(res, 426, 'this endpoint speaks WebSocket\n', { Upgrade: 'websocket' })
    if (url.pathname.startsWith('/export/')) return handleExport(req, res, url)

    // Refuse traversal before any normalisation: look at the raw path as sent.
    const q = rawUrl.indexOf('?')
    const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q)
    let decoded: string
    try {
      decoded = decodeURIComponent(rawPath)
    } catch {
      return send(res, 400, 'bad request: malformed path\n')
    }
    if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.split(/[\\/]/).includes('..')) {
      return send(res, 403, 'forbidden: path outside the app\n')
    }

    const found = await findFile(decoded === '/' ? '/index.html' : decoded)
    if (found) return serveFile(req, res, found.file, found.size)
    const last = decoded.slice(decoded.lastIndexOf('/') + 1)
    if (last.includes('.') && !last.endsWith('.html')) return send(res, 404, 'not found\n')
    // SPA fallback: client-side routes get index.html.
    const index = await findFile('/index.html')
    if (!index)
      return send(
        res,
        503,
        `the renderer is not built (no index.html in ${rendererDir}); run: npm run build\n`,
      )
    return serveFile(req, res, index.file, index.size)
  }

  /**
   * CSV downloads (same token as everything else): /export/RUN/{ops,trace,metrics,summary}.csv
   * and /export/runs.csv?algorithm=&status=&name=&since=&until=&ids= (the runs list; ids: a
   * comma-separated list of run ids, only those).
   */
  const handleExport = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (!service.openCsv) return send(res, 404, 'not found\n')
    const parts = url.pathname
      .split('/')
      .slice(2)
      .map((p) => decodeURIComponent(p))
    let download: ReturnType<NonNullable<LabBackend['openCsv']>>
    try {
      if (parts.length === 1 && parts[0] === 'runs.csv') {
        const q = Object.fromEntries(url.searchParams.entries()) as Record<string, unknown>
        if (typeof q.limit === 'string') q.limit = Number(q.limit)
        // ids=a,b,c: only those runs.
        if (typeof q.ids === 'string') q.ids = q.ids.split(',').filter((s) => s !== '')
        const filter = validateArg('listRuns', Object.keys(q).length ? q : undefined)
        download = service.openCsv({ what: 'runs', ...(filter ? { filter } : {}) })
      } else {
        const m = parts.length === 2 ? /^(.+)\.csv$/.exec(parts[1]) : null
        if (!m)
          return send(
            res,
            404,
            'not found: use /export/RUN/{ops,trace,metrics,summary}.csv or /export/runs.csv\n',
          )
        const arg = validateArg('exportCsv', { what: m[1], runId: parts[0] })
        download = service.openCsv({
          what: arg.what,
          ...(arg.runId !== undefined ? { runId: arg.runId } : {}),
        })
      }
    } catch (e) {
      const status =
        e instanceof LabError ? (e.code === 'not_found' ? 404 : e.code === 'bad_input' ? 400 : 503) : 500
      return send(res, status, `${e instanceof Error ? e.message : String(e)}\n`)
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${download.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
      'Cache-Control': 'no-store',
    })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    try {
      await download.pipeTo(res)
    } catch {
      // The client went away or the read failed mid-stream: the response is cut short.
      res.destroy()
    }
  }

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, `internal error: ${e instanceof Error ? e.message : String(e)}\n`)
      else res.destroy()
    })
  })
  server.headersTimeout = 20_000
  server.requestTimeout = 60_000

  // ---------------------------------------------------------------- WebSocket

  const wss = new WebSocketServer({ noServer: true, maxPayload: HARD_MAX_PAYLOAD, perMessageDeflate: false })

  const reject = (socket: Duplex, status: number, reason: string): void => {
    const body = `${reason}\n`
    socket.end(
      `HTTP/1.1 ${status} ${reason.split(':')[0]}\r\n` +
        'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
    socket.destroy()
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    let url: URL
    try {
      url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`)
    } catch {
      return reject(socket, 400, 'Bad Request')
    }
    if (url.pathname !== WS_PATH) return reject(socket, 404, 'Not Found')
    if (!hostOk(req)) return reject(socket, 403, 'Forbidden: unexpected Host header')
    const origin = req.headers.origin
    if (origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) {
      return reject(socket, 403, 'Forbidden: cross-origin WebSocket refused')
    }
    if (!authorized(req, url)) return reject(socket, 401, 'Unauthorized: missing or wrong token')
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws))
  })

  const onConnection = (ws: WebSocket): void => {
    const sendMsg = (m: WireMessage): void => {
      if (ws.readyState !== WebSocket.OPEN) return
      let text: string
      try {
        text = JSON.stringify(m)
      } catch (e) {
        if (!('id' in m)) return
        text = JSON.stringify({
          id: m.id,
          ok: false,
          error: { code: 'internal', message: `could not encode the result: ${(e as Error).message}` },
        } satisfies WireMessage)
      }
      ws.send(text)
    }
    const fail = (id: number | null, message: string): void =>
      sendMsg({ id, ok: false, error: { code: 'bad_input', message } })

    const unsubscribe = service.on((event: LabEvent) => {
      if (event.type === 'run-progress' && ws.bufferedAmount > SLOW_CLIENT_BYTES) return
      sendMsg({ event })
    })
    ws.on('close', unsubscribe)
    ws.on('error', () => ws.terminate())

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return fail(null, 'binary frames are not accepted: send JSON text frames')
      const bytes = rawDataBytes(data)
      if (bytes > maxFrame) return fail(null, `frame too large: ${bytes} bytes (limit ${maxFrame})`)
      let msg: unknown
      try {
        msg = JSON.parse(rawDataText(data))
      } catch (e) {
        return fail(null, `not JSON: ${(e as Error).message}`)
      }
      const r = WireRequestSchema.safeParse(msg, { reportInput: true })
      if (!r.success) {
        const rawId = typeof msg === 'object' && msg !== null ? (msg as { id?: unknown }).id : undefined
        const id = typeof rawId === 'number' && Number.isInteger(rawId) && rawId >= 0 ? rawId : null
        const fields = toFieldErrors(r.error).map((f) => ({
          ...f,
          path: f.path === '(spec)' ? '(request)' : f.path,
        }))
        return fail(
          id,
          `bad request (expected {"id": number, "method": string, "arg"?: any}): ${formatErrors(fields).split('\n').join('; ')}`,
        )
      }
      const { id, method, arg } = r.data
      dispatch(method, arg).then(
        (result) => sendMsg({ id, ok: true, result }),
        (e: unknown) => sendMsg({ id, ok: false, error: toErrorData(e) }),
      )
    })
  }

  // ---------------------------------------------------------------- listen

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen)
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', rejectListen)
      resolveListen()
    })
  })
  port = (server.address() as AddressInfo).port
  const urlHost = host === '::1' ? '[::1]' : host
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])
  allowedOrigins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`])
  cookie = cookieName(port)

  let closing: Promise<void> | null = null
  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    port,
    host,
    token,
    close(): Promise<void> {
      closing ??= new Promise<void>((done) => {
        for (const ws of wss.clients) ws.terminate()
        wss.close()
        server.close(() => done())
        server.closeAllConnections()
      })
      return closing
    },
  }
}
