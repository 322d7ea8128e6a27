// Browser mode: the built renderer and the LabApi over HTTP + WebSocket, on loopback only.
//
// Security model: anyone who can reach 127.0.0.1 (any local process, any web page the
// user visits, any other local web server's pages) could otherwise drive the lab. So:
//  - a random token is made at start and printed inside the URL (?token=...). The page
//    reads it from its address once, keeps it in sessionStorage (per origin, so per port)
//    and removes it from the address bar. The server never sets a cookie: cookies are not
//    isolated by port, and every other server on 127.0.0.1 would receive it;
//  - the app's static files (index.html, the built assets) are public: they are the same
//    code for everyone and hold no data and no token;
//  - everything else needs the token: the WebSocket (in its handshake: `Authorization:
//    Bearer` from programs, the subprotocol WS_TOKEN_PROTOCOL_PREFIX + token from a
//    browser), the CSV exports (`Authorization: Bearer`) and the download-link API;
//    browser downloads use single-use links minted through that API (download-links.ts);
//    a token in a query string or a cookie is never accepted;
//  - a request whose Origin is not this server's own is refused (403), with or without
//    the token, and so is a fetch the browser marks as coming from another site
//    (Sec-Fetch-Site: same-site / cross-site; another port on 127.0.0.1 is "same-site");
//  - the Host header must name this server (defeats DNS rebinding);
//  - responses carry a strict CSP and friends; no CORS headers are ever sent.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { extname, resolve, sep } from 'node:path'
import { WebSocketServer, WebSocket, type RawData } from 'ws'
import {
  DOWNLOAD_LINKS_PATH,
  LabError,
  TOKEN_PATTERN,
  WS_SUBPROTOCOL,
  WS_TOKEN_PROTOCOL_PREFIX,
  type LabEvent,
  type WireMessage,
} from '../../shared/api'
import { WireRequestSchema } from '../../shared/api-schemas'
import { formatErrors, toFieldErrors } from '../../shared/spec'
import { CSP } from '../csp'
import { createDispatch, toErrorData } from '../lab/handlers'
import type { LabBackend } from '../lab/service'
import type { CsvRequest } from '../store'
import { DOWNLOAD_PREFIX, DOWNLOAD_TTL_MS, DownloadLinks } from './download-links'
import { EXPORT_PREFIX, parseExportPath } from './export-route'

export { DOWNLOAD_LINKS_PATH } from '../../shared/api'
export { DOWNLOAD_PREFIX } from './download-links'
export { EXPORT_PREFIX } from './export-route'

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
  /** `http://127.0.0.1:PORT/?token=TOKEN`: the URL to open (the page keeps the token, the address loses it). */
  url: string
  port: number
  host: string
  token: string
  /** Close every connection and stop listening. */
  close(): Promise<void>
}

export const WS_PATH = '/ws'
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024
/** Largest accepted body of a download-link request. */
const MAX_LINK_BODY = 4096
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

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization
  if (!h) return undefined
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h)
  return m ? m[1] : undefined
}

/** The token a browser offers as a WebSocket subprotocol (see WS_TOKEN_PROTOCOL_PREFIX). */
function protocolToken(req: IncomingMessage): string | undefined {
  const h = req.headers['sec-websocket-protocol']
  if (typeof h !== 'string') return undefined
  for (const p of h.split(',')) {
    const v = p.trim()
    if (v.startsWith(WS_TOKEN_PROTOCOL_PREFIX)) return v.slice(WS_TOKEN_PROTOCOL_PREFIX.length)
  }
  return undefined
}

/** A fetch the browser says comes from another site (another port on 127.0.0.1 is "same-site"). */
function fromAnotherSite(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site']
  return site === 'same-site' || site === 'cross-site'
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
  if (!TOKEN_PATTERN.test(token)) {
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
  const links = new DownloadLinks<CsvRequest>()

  const hostOk = (req: IncomingMessage): boolean => allowedHosts.has((req.headers.host ?? '').toLowerCase())
  /** No Origin (a program, a same-origin GET) or this server's own. */
  const originOk = (req: IncomingMessage): boolean =>
    req.headers.origin === undefined || allowedOrigins.has(req.headers.origin.toLowerCase())

  /** The token, by `Authorization: Bearer` (or, on a WebSocket upgrade, its subprotocol). Never a query or a cookie. */
  const authorized = (req: IncomingMessage, upgrade = false): boolean =>
    tokenOk(bearer(req)) || (upgrade && tokenOk(protocolToken(req)))

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

  const unauthorized = (res: ServerResponse): void =>
    send(
      res,
      401,
      'unauthorized: this needs the token, sent as `Authorization: Bearer TOKEN` (the page does it; open the URL printed by quorum-lab)\n',
      { 'WWW-Authenticate': 'Bearer realm="quorum-lab"' },
    )

  const handleHttp = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostOk(req)) return send(res, 403, 'forbidden: unexpected Host header\n')
    if (!originOk(req)) return send(res, 403, 'forbidden: cross-origin request refused\n')
    const rawUrl = req.url ?? '/'
    let url: URL
    try {
      url = new URL(rawUrl, `http://127.0.0.1:${port}`)
    } catch {
      return send(res, 400, 'bad request: malformed URL\n')
    }
    const pathname = url.pathname
    const api =
      pathname === WS_PATH ||
      pathname === DOWNLOAD_LINKS_PATH ||
      pathname.startsWith(EXPORT_PREFIX) ||
      pathname.startsWith(DOWNLOAD_PREFIX)
    if (api && fromAnotherSite(req)) return send(res, 403, 'forbidden: request from another site refused\n')

    if (pathname === DOWNLOAD_LINKS_PATH) {
      if (!authorized(req)) return unauthorized(res)
      if (req.method !== 'POST') return send(res, 405, 'method not allowed\n', { Allow: 'POST' })
      return mintLink(req, res)
    }
    if (pathname.startsWith(DOWNLOAD_PREFIX)) {
      // The link is the credential (single use, short-lived).
      if (req.method !== 'GET') return send(res, 405, 'method not allowed\n', { Allow: 'GET' })
      const csv = links.redeem(pathname)
      if (csv === null) return send(res, 404, 'not found: this download link is unknown, used or expired\n')
      return streamCsv(req, res, csv)
    }
    if (pathname === WS_PATH) {
      if (!authorized(req)) return unauthorized(res)
      return send(res, 426, 'this endpoint speaks WebSocket\n', { Upgrade: 'websocket' })
    }
    if (pathname.startsWith(EXPORT_PREFIX)) {
      if (!authorized(req)) return unauthorized(res)
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' })
      if (!service.openCsv) return send(res, 404, 'not found\n')
      const route = parseExportPath(pathname, url.searchParams)
      if (!route.ok) return send(res, route.status, `${route.message}\n`)
      return streamCsv(req, res, route.req)
    }

    // The app's static files: public (the built renderer, no data, no token).
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' })
    }
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

  /** POST {"path": "/export/..."}: a single-use link to that export, checked now (400 / 404 now, not later). */
  const mintLink = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!service.openCsv) return send(res, 404, 'not found\n')
    const chunks: Buffer[] = []
    let size = 0
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length
      if (size > MAX_LINK_BODY)
        return send(res, 413, `request body too large (limit ${MAX_LINK_BODY} bytes)\n`)
      chunks.push(c)
    }
    let body: unknown
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      return send(res, 400, 'bad request: the body must be JSON: {"path": "/export/..."}\n')
    }
    const target = typeof body === 'object' && body !== null ? (body as { path?: unknown }).path : undefined
    if (typeof target !== 'string' || !target.startsWith(EXPORT_PREFIX))
      return send(res, 400, 'bad request: path: must be a string starting with /export/\n')
    let u: URL
    try {
      u = new URL(target, `http://127.0.0.1:${port}`)
    } catch {
      return send(res, 400, 'bad request: path: malformed\n')
    }
    const route = parseExportPath(u.pathname, u.searchParams)
    if (!route.ok) return send(res, route.status, `${route.message}\n`)
    try {
      // Checks the run exists now, so the page can say so before starting a download.
      service.openCsv(route.req)
    } catch (e) {
      return sendLabError(res, e)
    }
    const link = links.mint(route.req)
    return send(res, 201, JSON.stringify({ url: link, expiresInMs: DOWNLOAD_TTL_MS }), {
      'Content-Type': 'application/json; charset=utf-8',
    })
  }

  const sendLabError = (res: ServerResponse, e: unknown): void => {
    const status =
      e instanceof LabError ? (e.code === 'not_found' ? 404 : e.code === 'bad_input' ? 400 : 503) : 500
    send(res, status, `${e instanceof Error ? e.message : String(e)}\n`)
  }

  /** Stream one CSV export (errors before the first byte get a status; later ones cut the response). */
  const streamCsv = async (req: IncomingMessage, res: ServerResponse, csv: CsvRequest): Promise<void> => {
    const open = service.openCsv
    if (!open) return send(res, 404, 'not found\n')
    let download: ReturnType<NonNullable<LabBackend['openCsv']>>
    try {
      download = open.call(service, csv)
    } catch (e) {
      return sendLabError(res, e)
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

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: HARD_MAX_PAYLOAD,
    perMessageDeflate: false,
    // Answer with the plain protocol name, never the one carrying the token.
    handleProtocols: (offered) => (offered.has(WS_SUBPROTOCOL) ? WS_SUBPROTOCOL : false),
  })

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
    if (!originOk(req)) return reject(socket, 403, 'Forbidden: cross-origin WebSocket refused')
    if (fromAnotherSite(req)) return reject(socket, 403, 'Forbidden: request from another site refused')
    if (!authorized(req, true)) return reject(socket, 401, 'Unauthorized: missing or wrong token')
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
