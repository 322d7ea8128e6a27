// Garbage, truncated and oversized frames thrown at every port of a running cluster (each
// node's client port and peer port, the proxy's port): each bad connection is closed with a
// logged reason naming the offending bytes or field, every process stays up, and the run
// keeps committing operations afterwards.
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ProcessRun } from '../src/main/lab/processes'
import { packBody } from '../src/main/node/codec'
import type { TraceEvent } from '../src/shared/trace'
import { MAX_BODY, T_CLIENT_REQ, T_HELLO, encodeFrame, writeU32 } from '../src/shared/wire'
import { ofKind, sleep, startRun, tempDir, until } from './proc.helpers'

const tmp = tempDir('ql-garbage-')
let run: ProcessRun
let trace: TraceEvent[]
let garbageEndUs = 0
const closed: Record<string, boolean> = {}
let pidsAliveAfterGarbage = false

const frame = (type: number, body: Uint8Array, src = 0, dst = 1): Uint8Array =>
  encodeFrame({ type, src, dst, lc: 0, msgId: 0, vc: null }, body)

function oversized(type: number): Uint8Array {
  const f = frame(type, new Uint8Array(0))
  writeU32(f, 8, MAX_BODY + 1)
  return f
}

const GARBAGE: Record<string, (() => Uint8Array)[]> = {
  random: [() => Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff)],
  http: [() => new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
  oversized: [() => oversized(T_CLIENT_REQ)],
  truncated: [() => frame(T_CLIENT_REQ, packBody({ id: 'x', cmd: { f: 'get', key: 'k' } })).subarray(0, 20)],
  undecodable: [() => frame(T_CLIENT_REQ, Uint8Array.from([0xc1, 0xc1, 0xff]))],
  badRequest: [() => frame(T_CLIENT_REQ, packBody({ id: 5, cmd: null }))],
  wrongSecret: [() => frame(T_HELLO, packBody({ role: 'proxy', node: 0, secret: 'x'.repeat(48) }))],
  noHandshake: [() => frame(1, packBody({ type: 'PreVote', term: 99, lastLogIndex: 0, lastLogTerm: 0 }))],
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
  run = await startRun(
    {
      name: 'proc-garbage',
      cluster: { nodes: 3 },
      durationMs: 60_000,
      workload: { clients: 2, ratePerSec: 100, keys: 3 },
    },
    { dataDir: tmp.dir },
  )
  await until(() => run.nodes().some((n) => n.role === 'leader'), 'a leader')
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
  // A connection that sends nothing at all is closed at the handshake deadline (peer, proxy).
  jobs.push(
    throwAt(ports['n1.peer'], new Uint8Array(0), true).then((ok) => void (closed['n1.peer/silent'] = ok)),
  )
  jobs.push(throwAt(ports.proxy, new Uint8Array(0), true).then((ok) => void (closed['proxy/silent'] = ok)))
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
    expect(Object.keys(closed).length).toBe(7 * Object.keys(GARBAGE).length + 2)
  })

  it('logs a reason naming the offending bytes or field', () => {
    const logs = run.logs().join('\n')
    expect(logs).toMatch(
      /client connection from 127\.0\.0\.1:\d+ closed: at stream byte 0: bad magic: bytes 0-1 are 0b 30/,
    )
    expect(logs).toMatch(/bad magic: bytes 0-1 are 47 45/) // "GE" of GET
    expect(logs).toMatch(/body size 16777217 \(bytes 8-11: 01 00 00 01\) exceeds the limit of 16777216/)
    expect(logs).toMatch(/request body does not decode .* body bytes \[c1 c1 ff\]/)
    expect(logs).toMatch(/request\.id: must be a string, got 5/)
    expect(logs).toMatch(/ended mid-frame: 20 bytes of an incomplete frame discarded/)
    expect(logs).toMatch(
      /peer connection .* closed: handshake refused: hello\.secret does not match this run/,
    )
    expect(logs).toMatch(
      /peer connection .* closed: handshake refused: first frame has type 1 \(expected HELLO 200\)/,
    )
    expect(logs).toMatch(/peer connection .* closed: no valid handshake within 2000 ms/)
    expect(logs).toMatch(
      /proxy: connection from .* closed: handshake refused: hello\.role is proxy \(expected node\)/,
    )
    expect(logs).toMatch(/proxy: connection from .* closed: at stream byte 0: bad magic/)
    expect(logs).toMatch(/proxy: connection from .* closed: no valid handshake within 2000 ms/)
    expect(logs).toMatch(/frame type 201 on the peer port|first frame has type 201/)
    // Control messages.
    expect(logs).toMatch(/n1: bad control message ignored: rate: .*/)
    expect(logs).toMatch(/bad control message ignored: type: .*/)
    expect(logs).toMatch(/proxy: bad control message ignored: rules\.0\.cut: .*/)
    expect(logs).toMatch(/proxy: bad control message ignored: idx: .*|node message ignored: index 99/)
  })

  it('every process stays up and the run keeps committing', () => {
    expect(pidsAliveAfterGarbage).toBe(true)
    expect(ofKind.node(trace).filter((e) => e.action === 'crash')).toEqual([])
    const okAfter = ofKind.op(trace).filter((o) => o.phase === 'ok' && o.t > garbageEndUs)
    expect(okAfter.length).toBeGreaterThan(20)
    expect(run.summary(0).verdict).toBe('ok')
  })
})
