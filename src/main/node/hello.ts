// The hello every TCP connection of a processes-mode run opens with: the lab's proxy to a
// node's peer port, a node to the proxy, the lab's KV clients to a node's client port. One
// module, used by every side, so there is one way in.
//
//   accepting side                          connecting side
//   ---- CHALLENGE {nonce: 32 random bytes} -->
//   <--- HELLO {role, node, mac}  ------------
//        mac = HMAC-SHA256(secret, "quorum-lab hello 1" || nonce || role || ":" || node)
//
// `secret` is the run's secret: random per run, handed by the lab to its children over their
// IPC channel and never written to a socket. `role` says who connects (node, proxy, client)
// and `node` which node index it is (node) or wants (proxy, client); the accepting side
// admits only the roles its port serves. The nonce is fresh per connection, so a recorded
// hello is worth nothing on another connection.
//
// Until the hello is done a connection may send at most one small frame (body <=
// HELLO_MAX_BODY bytes, so at most ~800 bytes are ever held for it; a larger declared size
// closes it when the size field arrives), and must finish within HELLO_MS (a header sent one
// byte at a time is cut then). Only afterwards does the port's own frame limit apply.
// Connections that never complete the hello are "rejected": the accepting side closes them
// (or sees them go), logs why and counts them (the run's summary reports the counts).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { isObj, show } from '../../core/protocols/fields'
import {
  FrameStream,
  NO_NODE,
  T_CHALLENGE,
  T_HELLO,
  encodeFrame,
  frameHeaderLen,
  frameType,
  hexBytes,
} from '../../shared/wire'
import { packBody, unpackBody } from './codec'

/** A connection that has not completed its hello by then is closed, ms. */
export const HELLO_MS = 2000
/** Largest frame body accepted before the hello is done (the hello itself is ~60 bytes). */
export const HELLO_MAX_BODY = 256
const NONCE_BYTES = 32
const MAC_BYTES = 32
const DOMAIN = 'quorum-lab hello 1'

export type HelloRole = 'node' | 'proxy' | 'client'
const ROLES: ReadonlySet<string> = new Set<HelloRole>(['node', 'proxy', 'client'])

/** Who a connection says it is: a role and a node index (its own, or the one it wants). */
export interface HelloClaim {
  role: HelloRole
  node: number
}

/** Where a frame arrives (a receiver's frame callback, as FrameStream calls it). */
type FrameHandler = (buf: Uint8Array, off: number, len: number, stable: boolean) => string | null

export function helloMac(secret: string, nonce: Uint8Array, claim: HelloClaim): Buffer {
  return createHmac('sha256', secret)
    .update(DOMAIN)
    .update(nonce)
    .update(`${claim.role}:${claim.node}`)
    .digest()
}

const none = { src: NO_NODE, dst: NO_NODE, lc: 0, msgId: 0, vc: null }

export function challengeFrame(nonce: Uint8Array): Uint8Array {
  return encodeFrame({ type: T_CHALLENGE, ...none }, packBody({ nonce }))
}

export function helloFrame(secret: string, nonce: Uint8Array, claim: HelloClaim): Uint8Array {
  const mac = helloMac(secret, nonce, claim)
  return encodeFrame({ type: T_HELLO, ...none }, packBody({ role: claim.role, node: claim.node, mac }))
}

/** The body of the first frame of a connection, which must be of `type` (`name`), or why not. */
function firstFrame(
  buf: Uint8Array,
  off: number,
  len: number,
  type: number,
  name: 'CHALLENGE' | 'HELLO',
): Record<string, unknown> | string {
  const got = frameType(buf, off)
  if (got !== type)
    return `first frame has type ${got} (expected ${name} ${type}); bytes [${hexBytes(buf, off, len)}]`
  let v: unknown
  try {
    v = unpackBody(buf, off + frameHeaderLen(buf, off), off + len)
  } catch (e) {
    return `${name} body does not decode (${(e as Error).message}); bytes [${hexBytes(buf, off, len)}]`
  }
  return isObj(v) ? v : `${name.toLowerCase()}: must be an object, got ${show(v)}`
}

function bytesField(
  v: Record<string, unknown>,
  field: string,
  size: number,
  path: string,
): Uint8Array | string {
  const x = v[field]
  if (!(x instanceof Uint8Array) || x.length !== size)
    return `${path}.${field}: must be ${size} bytes, got ${x instanceof Uint8Array ? `${x.length} bytes` : show(x)}`
  return x
}

/** The nonce of a CHALLENGE frame, or why the frame is not one. */
export function readChallenge(buf: Uint8Array, off: number, len: number): Uint8Array | string {
  const v = firstFrame(buf, off, len, T_CHALLENGE, 'CHALLENGE')
  return typeof v === 'string' ? v : bytesField(v, 'nonce', NONCE_BYTES, 'challenge')
}

/** The claim of a HELLO frame whose mac answers `nonce` under `secret`, or why not. */
export function checkHello(
  buf: Uint8Array,
  off: number,
  len: number,
  secret: string,
  nonce: Uint8Array,
): HelloClaim | string {
  const v = firstFrame(buf, off, len, T_HELLO, 'HELLO')
  if (typeof v === 'string') return v
  if (typeof v.role !== 'string' || !ROLES.has(v.role))
    return `hello.role: must be node, proxy or client, got ${show(v.role)}`
  if (typeof v.node !== 'number' || !Number.isInteger(v.node) || v.node < 0 || v.node > 254)
    return `hello.node: must be a node index 0..254, got ${show(v.node)}`
  const mac = bytesField(v, 'mac', MAC_BYTES, 'hello')
  if (typeof mac === 'string') return mac
  const claim: HelloClaim = { role: v.role as HelloRole, node: v.node }
  if (!timingSafeEqual(mac, helloMac(secret, nonce, claim)))
    return "hello.mac does not match: the other side does not know this run's secret"
  return claim
}

/** "address:port" of the other end of a connection (read at once: it is gone after 'close'). */
export function remoteName(s: Socket): string {
  return `${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'}`
}

// ---------------------------------------------------------------- accepting side

export interface ServeOptions {
  secret: string
  /** Whether this port takes `claim` (null), or why not. */
  admit(claim: HelloClaim): string | null
  /** Largest frame body accepted once the hello is done. */
  maxBody: number
  /** The connection proved itself as `claim`; later frames go to onFrame. */
  onHello(claim: HelloClaim): void
  /** Each later frame; returns why the connection must close, or null. */
  onFrame: FrameHandler
  /** After the frames of each received chunk (e.g. to uncork writes they made). */
  onChunkEnd?(): void
  /** The connection never completed the hello (closed here, or it went away): log and count it. */
  onRejected(why: string): void
  /** A connection past its hello is closed here for `why` (a bad frame). */
  onClosed(why: string): void
}

/**
 * Serve one accepted connection: challenge it, admit it only with a valid hello within
 * HELLO_MS, then hand it its frames under `maxBody`. Every bad input closes the connection.
 */
export function serveWithHello(s: Socket, o: ServeOptions): void {
  const nonce = randomBytes(NONCE_BYTES)
  const stream = new FrameStream(HELLO_MAX_BODY)
  let claim: HelloClaim | null = null
  let rejected = false
  const close = (why: string): void => {
    if (s.destroyed) return
    if (claim === null) {
      rejected = true
      o.onRejected(why)
    } else o.onClosed(why)
    s.destroy()
  }
  const timer = setTimeout(() => close(`no valid hello within ${HELLO_MS} ms`), HELLO_MS)
  const onFrame = (buf: Uint8Array, off: number, len: number, stable: boolean): void => {
    if (s.destroyed) return
    if (claim !== null) {
      const why = o.onFrame(buf, off, len, stable)
      if (why !== null) close(why)
      return
    }
    const c = checkHello(buf, off, len, o.secret, nonce)
    if (typeof c === 'string') return close(`hello refused: ${c}`)
    const bad = o.admit(c)
    if (bad !== null) return close(`hello refused: ${bad}`)
    clearTimeout(timer)
    claim = c
    stream.maxBody = o.maxBody
    o.onHello(c)
  }
  s.on('data', (chunk: Buffer) => {
    if (s.destroyed) return
    const bad = stream.feed(chunk, onFrame)
    o.onChunkEnd?.()
    if (bad !== null) close(bad)
  })
  s.on('error', () => {
    // 'close' follows
  })
  s.on('end', () => {
    const held = stream.buffered
    if (claim !== null && held > 0)
      o.onClosed(`ended mid-frame: ${held} bytes of an incomplete frame discarded`)
  })
  s.on('close', () => {
    clearTimeout(timer)
    if (claim === null && !rejected) {
      rejected = true
      const held = stream.buffered
      o.onRejected(
        `went away before the hello${held > 0 ? ` (${held} bytes of an incomplete frame discarded)` : ''}`,
      )
    }
  })
  s.write(challengeFrame(nonce))
}

// ---------------------------------------------------------------- connecting side

export interface DialOptions {
  port: number
  secret: string
  claim: HelloClaim
  /** Largest frame body accepted from the other side after its challenge (0: it sends nothing more). */
  maxBody: number
  /** The hello is on its way: frames may be written now. */
  onReady(): void
  /** Each later frame from the other side; returns why the connection must close, or null. */
  onFrame?: FrameHandler
  /** The connection is being closed here for `why` (a bad challenge or frame, or no challenge in time). */
  onFailed(why: string): void
}

/**
 * Connect to 127.0.0.1:port and answer its challenge. Nothing may be written before onReady;
 * 'error' and 'close' are the caller's to watch.
 */
export function dialWithHello(o: DialOptions): Socket {
  const s = connect({ port: o.port, host: '127.0.0.1' })
  s.setNoDelay(true)
  const stream = new FrameStream(HELLO_MAX_BODY)
  let ready = false
  let timer: NodeJS.Timeout | null = null
  const fail = (why: string): void => {
    if (s.destroyed) return
    o.onFailed(why)
    s.destroy()
  }
  s.on('connect', () => {
    timer = setTimeout(() => {
      if (!ready) fail(`no challenge within ${HELLO_MS} ms`)
    }, HELLO_MS)
  })
  const onFrame = (buf: Uint8Array, off: number, len: number, stable: boolean): void => {
    if (s.destroyed) return
    if (ready) {
      const why =
        o.onFrame === undefined
          ? `unexpected frame of type ${frameType(buf, off)} after the hello`
          : o.onFrame(buf, off, len, stable)
      if (why !== null) fail(why)
      return
    }
    const nonce = readChallenge(buf, off, len)
    if (typeof nonce === 'string') return fail(`challenge refused: ${nonce}`)
    if (timer) clearTimeout(timer)
    s.write(helloFrame(o.secret, nonce, o.claim))
    ready = true
    stream.maxBody = o.maxBody
    o.onReady()
  }
  s.on('data', (chunk: Buffer) => {
    if (s.destroyed) return
    const bad = stream.feed(chunk, onFrame)
    if (bad !== null) fail(bad)
  })
  s.on('error', () => {
    // 'close' follows; the caller watches both
  })
  s.on('close', () => {
    if (timer) clearTimeout(timer)
  })
  return s
}
