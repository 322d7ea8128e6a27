// Garbage, truncated and oversized frames thrown at every port of a running cluster (each
// node's client port and peer port, the proxy's port), before the hello (a stranger) and
// after a valid one (a buggy process of the run itself): each bad connection is closed with a
// logged reason naming the offending bytes or field, every process stays up, and the run
// keeps committing operations afterwards.
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ProcessRun } from '../src/main/lab/processes'
import { packBody } from '../src/main/node/codec'
import { dialWithHello, type HelloClaim } from '../src/main/node/hello'
import { MAX_CLIENT_BODY } from '../src/main/node/validate'
import type { TraceEvent } from '../src/shared/trace'
import { MAX_BODY, T_CLIENT_REQ, T_HELLO, encodeFrame, writeU32 } from '../src/shared/wire'
import { ofKind, sleep, startTargetRun, tempDir } from './proc.helpers'

const tmp = tempDir('ql-garbage-')
let run: ProcessRun
let trace: TraceEvent[]
let garbageEndUs = 0
const closed: Record<string, boolean> = {}
let pidsAliveAfterGarbage = false

const frame = (type: number, body: Uint8Array, src = 0, dst = 1): Uint8Array =>
  encodeFrame({ type, src, dst, lc: 0, msgId: 0, vc: null }, body)

function oversized(type: number, size = MAX_BODY + 1): Uint8Array {
  const f = frame(type, new Uint8Array(0))
  writeU32(f, 8, size)
  return f
}

const GARBAGE: Record<string, (() => Uint8Array)[]> = {
  random: [() => Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff)],
  http: [() => new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
  oversized: [() => oversized(T_CLIENT_REQ)],
  truncated: [() => frame(T_CLIENT_REQ, packBody({ id: 'x', cmd: { f: 'get', key: 'k' } })).subarray(0, 20)],
  undecodable: [() => frame(T_CLIENT_REQ, Uint8Array.from([0xc1, 0xc1, 0xff]))],
  badRequest: [() => frame(T_CLIENT_REQ, packBody({ id: 5, cmd: null }))],
  wrongMac: [() => frame(T_HELLO, packBody({ role: 'proxy', node: 0, mac: new Uint8Array(32) }))],
  oldHello: [() => frame(T_HELLO, packBody({ role: 'proxy', node: 0, secret: 'x'.repeat(48) }))],
  noHandshake: [() => frame(1, packBody({ type: 'PreVote', term: 99, lastLogIndex: 0, lastLogTerm: 0 }))],
}

const preVote = (src: number, dst: number): Uint8Array =>
  encodeFrame(
    { type: 0, src, dst, lc: 1, msgId: 1, vc: [0, 0, 0] },
    packBody({ type: 'PreVote', term: 1, lastLogIndex: 0, lastLogTerm: 0 }),
  )

/** Garbage after a valid hello (the port, the claim to make, the bytes), by name. */
function afterHello(
  ports: Record<string, number>,
): Record<string, { port: number; claim: HelloClaim; bytes: Uint8Array }> {
  const client: HelloClaim = { role: 'client', node: 0 }
  const proxy: HelloClaim = { role: 'proxy', node: 0 }
  return {
    'n1.client/oversized': {
      port: ports['n1.client'],
      claim: client,
      bytes: oversized(T_CLIENT_REQ, MAX_CLIENT_BODY + 1),
    },
    'n1.client/truncated': { port: ports['n1.client'], claim: client, bytes: GARBAGE.truncated[0]() },
    'n1.client/undecodable': { port: ports['n1.client'], claim: client, bytes: GARBAGE.undecodable[0]() },
    'n1.client/badRequest': { port: ports['n1.client'], claim: client, bytes: GARBAGE.badRequest[0]() },
    'n1.client/protocolFrame': { port: ports['n1.client'], claim: client, bytes: preVote(1, 0) },
    'n1.client/asProxy': { port: ports['n1.client'], claim: proxy, bytes: new Uint8Array(0) },
    'n1.client/otherNode': {
      port: ports['n1.client'],
      claim: { role: 'client', node: 1 },
      bytes: new Uint8Array(0),
    },
    'n1.peer/oversized': { port: ports['n1.peer'], claim: proxy, bytes: oversized(1) },
    'n1.peer/clientRequest': { port: ports['n1.peer'], claim: proxy, bytes: GARBAGE.badRequest[0]() },
    'n1.peer/asClient': { port: ports['n1.peer'], claim: client, bytes: new Uint8Array(0) },
    'proxy/asProxy': { port: ports.proxy, claim: proxy, bytes: new Uint8Array(0) },
    'proxy/noSuchNode': { port: ports.proxy, claim: { role: 'node', node: 9 }, bytes: new Uint8Array(0) },
    'proxy/forgedSource': { port: ports.proxy, claim: { role: 'node', node: 2 }, bytes: preVote(1, 0) },
  }
}

/** Answer the port's challenge with a valid hello, then write `bytes` and half-close; true once the other side closed. */
function throwAfterHello(port: number, claim: HelloClaim, bytes: Uint8Array): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dialWithHello({
      port,
      secret: (run as unknown as { secret: string }).secret,
      claim,
      maxBody: MAX_CLIENT_BODY,
      onReady: () => {
        if (bytes.length > 0) s.write(bytes)
        s.end()
      },
      onFrame: () => null,
      onFailed: () => {},
    })
    const timer = setTimeout(() => {
      s.destroy()
      resolve(false)
    }, 5000)
    s.on('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

/**
 * Connect, write, then half-close (or, with `hold`, keep the connection open and silent);
 * resolves true once the other side closed the connection.
 */
function throwAt(port: number, bytes: Uint8Array, hold = false): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' })
    const timer = setTimeout(() => {
      s.destroy()
      resolve(false)
    }, 5000)
    s.on('connect', () => {
      s.write(bytes)
      if (!hold) s.end()
    })
    s.on('data', () => {})
    s.on('error', () => {})
    s.on('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

beforeAll(async () => {
  run = await startTargetRun('proc-garbage', tmp.dir)
  const ports: Record<string, number> = { proxy: run.proxyPort() }
  run.clientPorts().forEach((p, i) => (ports[`n${i + 1}.client`] = p as number))
  run.peerPorts().forEach((p, i) => (ports[`n${i + 1}.peer`] = p as number))
  const jobs: Promise<void>[] = []
  for (const [where, port] of Object.entries(ports)) {
    for (const [what, makers] of Object.entries(GARBAGE)) {
      for (const make of makers) {
        jobs.push(throwAt(port, make()).then((ok) => void (closed[`${where}/${what}`] = ok)))
      }
    }
  }
  // A connection that sends nothing at all is closed at the hello deadline (every port).
  for (const where of ['n1.client', 'n1.peer', 'proxy']) {
    jobs.push(
      throwAt(ports[where], new Uint8Array(0), true).then((ok) => void (closed[`${where}/silent`] = ok)),
    )
  }
  for (const [what, a] of Object.entries(afterHello(ports))) {
    jobs.push(throwAfterHello(a.port, a.claim, a.bytes).then((ok) => void (closed[`hello+${what}`] = ok)))
  }
  await Promise.all(jobs)
  // Bad control messages (the IPC boundary): reported and ignored, the process keeps running.
  const internals = run as unknown as {
    cluster: { control(idx: number, m: unknown): boolean }
    proxy: { post(m: unknown): void }
  }
  internals.cluster.control(0, { type: 'clock', rate: -1, jumpTicks: 0 })
  internals.cluster.control(1, { type: 'warp', speed: 9 })
  internals.proxy.post({ type: 'rules', rules: [{ cut: 'yes' }] })
  internals.proxy.post({ type: 'node', idx: 99, port: 1, state: 'up' })
  await sleep(300)
  garbageEndUs = run.nowMs() * 1000
  const pids = run.pids()
  pidsAliveAfterGarbage = [pids.proxy, ...pids.nodes].every((p) => {
    try {
      process.kill(p as number, 0)
      return true
    } catch {
      return false
    }
  })
  await sleep(1500)
  run.stop()
  await run.whenDone()
  trace = run.trace()
}, 120_000)

afterAll(() => tmp.cleanup())

describe('bad input on every port', () => {
  it('closes every bad connection', () => {
    const notClosed = Object.entries(closed)
      .filter(([, ok]) => !ok)
      .map(([k]) => k)
    expect(notClosed).toEqual([])
    expect(Object.keys(closed).length).toBe(7 * Object.keys(GARBAGE).length + 3 + 13)
  })

  it('logs a reason naming the offending bytes or field', () => {
    const logs = run.logs().join('\n')
    // Strangers: refused at the hello, whatever they send.
    expect(logs).toMatch(
      /client connection from 127\.0\.0\.1:\d+ refused: at stream byte 0: bad magic: bytes 0-1 are 0b 30/,
    )
    expect(logs).toMatch(/bad magic: bytes 0-1 are 47 45/) // "GE" of GET
    // Before the hello a frame may not even declare more than 256 bytes.
    expect(logs).toMatch(
      /refused: at stream byte 0: body size 16777217 \(bytes 8-11: 01 00 00 01\) exceeds the limit of 256/,
    )
    expect(logs).toMatch(
      /client connection .* refused: hello refused: first frame has type 201 \(expected HELLO 200\)/,
    )
    expect(logs).toMatch(/refused: went away before the hello \(20 bytes of an incomplete frame discarded\)/)
    expect(logs).toMatch(/peer connection .* refused: hello refused: hello\.mac does not match/)
    expect(logs).toMatch(
      /peer connection .* refused: hello refused: hello\.mac: must be 32 bytes, got missing/,
    )
    expect(logs).toMatch(
      /peer connection .* refused: hello refused: first frame has type 1 \(expected HELLO 200\)/,
    )
    expect(logs).toMatch(/client connection .* refused: no valid hello within 2000 ms/)
    expect(logs).toMatch(/peer connection .* refused: no valid hello within 2000 ms/)
    expect(logs).toMatch(/proxy: connection from .* refused: hello refused: hello\.mac does not match/)
    expect(logs).toMatch(/proxy: connection from .* refused: at stream byte 0: bad magic/)
    expect(logs).toMatch(/proxy: connection from .* refused: no valid hello within 2000 ms/)
    // A valid hello, but not for this port.
    expect(logs).toMatch(
      /client connection .* refused: hello refused: hello\.role is proxy \(only clients may connect to the client port\)/,
    )
    expect(logs).toMatch(
      /client connection .* refused: hello refused: hello\.node 1 is not this node \(index 0\)/,
    )
    expect(logs).toMatch(
      /peer connection .* refused: hello refused: hello\.role is client \(only the proxy may connect to the peer port\)/,
    )
    expect(logs).toMatch(
      /proxy: connection from .* refused: hello refused: hello\.role is proxy \(expected node\)/,
    )
    expect(logs).toMatch(
      /proxy: connection from .* refused: hello refused: hello\.node 9 is not in a cluster of 3/,
    )
    // Past the hello: the port's own limits and checks.
    expect(logs).toMatch(
      /client connection .* closed: at stream byte \d+: body size 4194305 .* exceeds the limit of 4194304/,
    )
    expect(logs).toMatch(
      /peer connection .* closed: at stream byte \d+: body size 16777217 .* exceeds the limit of 16777216/,
    )
    expect(logs).toMatch(
      /client connection .* closed: request body does not decode .* body bytes \[c1 c1 ff\]/,
    )
    expect(logs).toMatch(/client connection .* closed: request\.id: must be a string, got 5/)
    expect(logs).toMatch(
      /client connection .* closed: ended mid-frame: 20 bytes of an incomplete frame discarded/,
    )
    expect(logs).toMatch(/client connection .* closed: frame type 0 on the client port/)
    expect(logs).toMatch(/peer connection .* closed: frame type 201 is not a protocol message \(peer port\)/)
    expect(logs).toMatch(
      /proxy: connection from .* closed: frame claims source index 1 on node 2's connection/,
    )
    // Control messages.
    expect(logs).toMatch(/n1: bad control message ignored: rate: .*/)
    expect(logs).toMatch(/bad control message ignored: type: .*/)
    expect(logs).toMatch(/proxy: bad control message ignored: rules\.0\.cut: .*/)
    expect(logs).toMatch(/proxy: bad control message ignored: idx: .*|node message ignored: index 99/)
  })

  it('counts every connection refused at the hello', () => {
    const r = run.summary(0).rejectedConnections
    // Strangers (8 kinds + silent) and wrong claims: 3 at n1's client port, 1 at its peer port, 2 at the proxy.
    const strangers = Object.keys(GARBAGE).length
    expect(r?.nodes.n1).toBeGreaterThanOrEqual(2 * (strangers + 1) + 3)
    expect(r?.nodes.n2).toBeGreaterThanOrEqual(2 * strangers)
    expect(r?.proxy).toBeGreaterThanOrEqual(strangers + 1 + 2)
  })

  it('every process stays up and the run keeps committing', () => {
    expect(pidsAliveAfterGarbage).toBe(true)
    expect(ofKind.node(trace).filter((e) => e.action === 'crash')).toEqual([])
    const okAfter = ofKind.op(trace).filter((o) => o.phase === 'ok' && o.t > garbageEndUs)
    expect(okAfter.length).toBeGreaterThan(20)
    expect(run.summary(0).verdict).toBe('ok')
  })
})
