// The hello of every processes-mode connection (src/main/node/hello.ts), over real loopback
// sockets in this process: a valid hello gets in and its frames through; a hello recorded on
// one connection is worth nothing on another (fresh nonce); a frame declaring more than the
// pre-hello limit is refused when its size field arrives.
import { createServer, connect, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  HELLO_MAX_BODY,
  checkHello,
  dialWithHello,
  helloFrame,
  readChallenge,
  serveWithHello,
  type HelloClaim,
} from '../src/main/node/hello'
import { FrameStream, MAX_BODY, NO_NODE, T_CLIENT_REQ, encodeFrame, writeU32 } from '../src/shared/wire'

const SECRET = 'a'.repeat(48)
const cleanup: Array<() => void> = []
afterEach(() => {
  for (const f of cleanup.splice(0)) f()
})

interface Served {
  port: number
  hellos: HelloClaim[]
  frames: number
  rejected: string[]
}

async function serve(admit: (c: HelloClaim) => string | null = () => null): Promise<Served> {
  const out: Served = { port: 0, hellos: [], frames: 0, rejected: [] }
  const server: Server = createServer((s) =>
    serveWithHello(s, {
      secret: SECRET,
      admit,
      maxBody: MAX_BODY,
      onHello: (c) => out.hellos.push(c),
      onFrame: () => {
        out.frames++
        return null
      },
      onRejected: (why) => out.rejected.push(why),
      onClosed: () => {},
    }),
  )
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  cleanup.push(() => server.close())
  out.port = (server.address() as { port: number }).port
  return out
}

/** A raw connection: resolves with its challenge's nonce; `closed` resolves when the server closes it. */
async function raw(port: number): Promise<{ s: Socket; nonce: Uint8Array; closed: Promise<void> }> {
  const s = connect({ port, host: '127.0.0.1' })
  cleanup.push(() => s.destroy())
  s.on('error', () => {})
  const closed = new Promise<void>((r) => s.once('close', () => r()))
  const nonce = await new Promise<Uint8Array>((resolve, reject) => {
    const st = new FrameStream()
    s.on('data', (c: Buffer) =>
      st.feed(c, (buf, off, len) => {
        const n = readChallenge(buf, off, len)
        if (typeof n === 'string') reject(new Error(n))
        else resolve(Uint8Array.prototype.slice.call(n))
      }),
    )
  })
  return { s, nonce, closed }
}

const request = encodeFrame(
  { type: T_CLIENT_REQ, src: NO_NODE, dst: NO_NODE, lc: 0, msgId: 0, vc: null },
  new Uint8Array([0xc0]),
)

describe('the hello', () => {
  it('lets a connection that knows the secret in, with the frames that follow in the same write', async () => {
    const srv = await serve()
    await new Promise<void>((resolve) => {
      const s = dialWithHello({
        port: srv.port,
        secret: SECRET,
        claim: { role: 'client', node: 2 },
        maxBody: 0,
        onReady: () => {
          s.write(request)
          s.write(request)
          resolve()
        },
        onFailed: (why) => {
          throw new Error(why)
        },
      })
      cleanup.push(() => s.destroy())
    })
    for (let k = 0; k < 100 && srv.frames < 2; k++) await new Promise((r) => setTimeout(r, 10))
    expect(srv.hellos).toEqual([{ role: 'client', node: 2 }])
    expect(srv.frames).toBe(2)
    expect(srv.rejected).toEqual([])
  })

  it('refuses a hello made for another connection’s nonce (a replay)', async () => {
    const srv = await serve()
    const a = await raw(srv.port)
    const b = await raw(srv.port)
    const forA = helloFrame(SECRET, a.nonce, { role: 'client', node: 0 })
    // The recorded hello passes on its own connection's nonce only.
    expect(checkHello(forA, 0, forA.length, SECRET, a.nonce)).toEqual({ role: 'client', node: 0 })
    b.s.write(forA)
    b.s.write(request)
    await b.closed
    expect(srv.rejected).toEqual([expect.stringMatching(/hello\.mac does not match/)])
    expect(srv.frames).toBe(0)
    // Nor does a hello under another secret, or the right mac with another claim.
    const wrong = helloFrame('b'.repeat(48), a.nonce, { role: 'client', node: 0 })
    expect(checkHello(wrong, 0, wrong.length, SECRET, a.nonce)).toMatch(/does not match/)
  })

  it('refuses a claim the port does not take', async () => {
    const srv = await serve((c) => (c.role === 'proxy' ? null : `hello.role is ${c.role}`))
    const a = await raw(srv.port)
    a.s.write(helloFrame(SECRET, a.nonce, { role: 'client', node: 0 }))
    await a.closed
    expect(srv.rejected).toEqual(['hello refused: hello.role is client'])
  })

  it(`refuses a frame declaring more than ${HELLO_MAX_BODY} bytes before the hello, from its header alone`, async () => {
    const srv = await serve()
    const a = await raw(srv.port)
    const header = encodeFrame(
      { type: T_CLIENT_REQ, src: NO_NODE, dst: NO_NODE, lc: 0, msgId: 0, vc: null },
      new Uint8Array(0),
    ).subarray(0, 12)
    writeU32(header, 8, HELLO_MAX_BODY + 1)
    a.s.write(header)
    await a.closed
    expect(srv.rejected).toEqual([expect.stringMatching(/body size 257 .* exceeds the limit of 256/)])
  })
})
