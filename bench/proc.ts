// Processes mode, measured: the proxy, Raft over real processes, and memory.
//
//   proxy   frames/s the proxy forwards with no faults (one destination: consecutive frames
//           leave as one write; two destinations alternating: per-frame writes, corked), and
//           the latency it adds: ping-pong RTT through the proxy vs a direct connection
//           (the far end in another process; added per traversal = (proxy RTT - direct RTT) / 2).
//   raft    3 nodes, fsync on, every message through the proxy (no added latency), puts of
//           100-byte values: committed ops/s and latency p50/p99 with 64 clients (closed
//           loop), and p50 with 1 client. Throughput counts windows after the first second.
//   memory  RSS of the lab and of every child process of a 5-node run at full load (64
//           clients, message events on and streamed to a listener, as when recorded) after
//           --seconds (default 60).
//
// Run: npx tsx bench/proc.ts [--only proxy|raft|memory] [--seconds 60] [--raft-seconds 10]
import { fork, type ChildProcess, type Serializable } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { rssKb } from './proc-rss'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { startProcessRun, type ProcessRun } from '../src/main/lab/processes'
import { ProxyController } from '../src/main/lab/proxy'
import { dialWithHello, serveWithHello } from '../src/main/node/hello'
import { ExperimentSpecSchema } from '../src/shared/spec'
import { FrameStream, MAX_BODY, encodeFrame } from '../src/shared/wire'

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt
}
const only = arg('only', '')
const memSeconds = Number(arg('seconds', '60'))
const raftSeconds = Number(arg('raft-seconds', '10'))

const fmt = (x: number, d = 0): string =>
  x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function pct(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

// ---------------------------------------------------------------- proxy

function listen(onConn: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConn)
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address()
      resolve({ server, port: typeof a === 'object' && a ? a.port : 0 })
    }),
  )
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => resolve(s))
    s.setNoDelay(true)
    s.once('error', reject)
  })
}

/** A fake node's peer port: takes the proxy's hello (as a node does), then hands it every frame. */
function peerPort(
  secret: string,
  onFrame: (buf: Uint8Array, off: number, len: number) => void,
): Promise<{ server: Server; port: number }> {
  return listen((s) => {
    s.setNoDelay(true)
    serveWithHello(s, {
      secret,
      admit: (c) => (c.role === 'proxy' ? null : `role ${c.role}`),
      maxBody: MAX_BODY,
      onHello: () => {},
      onFrame: (b, o, len) => {
        onFrame(b, o, len)
        return null
      },
      onRejected: (why) => console.log(`  fake node: refused ${why}`),
      onClosed: (why) => console.log(`  fake node: closed ${why}`),
    })
  })
}

/** A fake node's connection to the proxy, once its hello went out. */
function dialProxy(port: number, secret: string, node: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = dialWithHello({
      port,
      secret,
      claim: { role: 'node', node },
      maxBody: 0,
      onReady: () => resolve(s),
      onFailed: (why) => reject(new Error(why)),
    })
    s.once('error', reject)
  })
}

interface FakeCluster {
  proxy: ProxyController
  /** Each fake node's connection to the proxy (its outgoing frames). */
  out: Socket[]
  /** Frames each fake node received from the proxy. */
  onFrame: Array<(buf: Uint8Array, off: number, len: number) => void>
  close(): Promise<void>
}

/** A proxy process with n fake nodes living in this process. */
async function fakeCluster(n: number): Promise<FakeCluster> {
  const secret = randomBytes(24).toString('hex')
  const proxy = await ProxyController.start({
    n,
    kind: 'raft',
    secret,
    seed: 1,
    msgEvents: false,
    onEvents: () => {},
    log: (l) => console.log(`  ${l}`),
  })
  proxy.start(process.hrtime.bigint().toString())
  const onFrame: FakeCluster['onFrame'] = Array.from({ length: n }, () => () => {})
  const servers: Server[] = []
  for (let i = 0; i < n; i++) {
    const { server, port } = await peerPort(secret, (b, o, len) => onFrame[i](b, o, len))
    servers.push(server)
    proxy.setNode(i, port, 'up')
  }
  const out: Socket[] = []
  for (let i = 0; i < n; i++) out.push(await dialProxy(proxy.port, secret, i))
  await sleep(300) // let the proxy dial the fake nodes
  return {
    proxy,
    out,
    onFrame,
    async close() {
      for (const s of out) s.destroy()
      for (const s of servers) s.close()
      await proxy.close()
    },
  }
}

function msgFrame(src: number, dst: number, n: number, bodyBytes: number, id = 1): Uint8Array {
  return encodeFrame(
    { type: 4, src, dst, lc: id, msgId: id, vc: new Array<number>(n).fill(id) },
    new Uint8Array(bodyBytes).fill(7),
  )
}

/**
 * The far end of a ping-pong, in its own process (so both paths cross processes like real
 * nodes): 'direct' listens and echoes every frame; 'proxy' acts as node 1 behind the proxy
 * (peer port for frames from node 0, a connection to the proxy for its answers).
 */
async function echoChild(): Promise<void> {
  const send = (m: unknown): void => void process.send?.(m)
  process.on('disconnect', () => process.exit(0))
  process.on('message', (m: { mode: 'direct' } | { mode: 'proxy'; proxyPort: number; secret: string }) => {
    void (async () => {
      if (m.mode === 'direct') {
        const { port } = await listen((s) => {
          s.setNoDelay(true)
          const st = new FrameStream()
          s.on('data', (c: Buffer) =>
            st.feed(c, (b, o, len) => s.write(Uint8Array.prototype.slice.call(b, o, o + len))),
          )
          s.on('error', () => {})
        })
        send({ port })
        return
      }
      const f10 = msgFrame(1, 0, 2, 64)
      const out = await dialProxy(m.proxyPort, m.secret, 1)
      const { port } = await peerPort(m.secret, () => out.write(f10))
      send({ port })
    })()
  })
}

function forkEcho(): { child: ChildProcess; ask: (m: unknown) => Promise<number> } {
  const child = fork(fileURLToPath(import.meta.url), ['--echo'], {
    execArgv: process.execArgv,
    stdio: 'inherit',
  })
  return {
    child,
    ask: (m) =>
      new Promise((resolve) => {
        child.once('message', (r: { port: number }) => resolve(r.port))
        child.send(m as Serializable)
      }),
  }
}

/** RTTs (µs) of `rounds` ping-pongs: send `f` on `out`, wait for one frame back via `setRecv`. */
async function pingPong(
  out: Socket,
  f: Uint8Array,
  setRecv: (r: () => void) => void,
  rounds: number,
): Promise<number[]> {
  const rtts: number[] = []
  let t = 0
  let left = rounds
  await new Promise<void>((done) => {
    setRecv(() => {
      rtts.push((performance.now() - t) * 1000)
      if (--left <= 0) return done()
      t = performance.now()
      out.write(f)
    })
    t = performance.now()
    out.write(f)
  })
  return rtts
}

interface PingPath {
  ping(rounds: number): Promise<number[]>
  close(): Promise<void>
}

/** A direct connection to an echo process. */
async function directPath(): Promise<PingPath> {
  const echo = forkEcho()
  const port = await echo.ask({ mode: 'direct' })
  const client = await dial(port)
  const st = new FrameStream()
  let recv: () => void = () => {}
  client.on('data', (c: Buffer) => st.feed(c, () => recv()))
  const f = msgFrame(0, 1, 2, 64)
  return {
    ping: (rounds) => pingPong(client, f, (r) => (recv = r), rounds),
    async close() {
      client.destroy()
      echo.child.kill()
    },
  }
}

/** Node 0 (here) to node 1 (an echo process) and back, both ways through the proxy process. */
async function proxyPath(): Promise<PingPath> {
  const secret = randomBytes(24).toString('hex')
  const proxy = await ProxyController.start({
    n: 2,
    kind: 'raft',
    secret,
    seed: 1,
    msgEvents: false,
    onEvents: () => {},
    log: (l) => console.log(`  ${l}`),
  })
  proxy.start(process.hrtime.bigint().toString())
  const echo = forkEcho()
  const port1 = await echo.ask({ mode: 'proxy', proxyPort: proxy.port, secret })
  let recv: () => void = () => {}
  const { server, port: port0 } = await peerPort(secret, () => recv())
  proxy.setNode(0, port0, 'up')
  proxy.setNode(1, port1, 'up')
  const out = await dialProxy(proxy.port, secret, 0)
  await sleep(300)
  const f = msgFrame(0, 1, 2, 64)
  return {
    ping: (rounds) => pingPong(out, f, (r) => (recv = r), rounds),
    async close() {
      out.destroy()
      server.close()
      echo.child.kill()
      await proxy.close()
    },
  }
}

/** Pump frames node0 -> (node1 [, node2 alternating]) for `ms`; frames/s received. */
async function throughput(
  dsts: number[],
  ms: number,
  bodyBytes: number,
): Promise<{ fps: number; mbps: number }> {
  const n = 1 + dsts.length
  const c = await fakeCluster(n)
  let received = 0
  let bytes = 0
  for (const d of dsts)
    c.onFrame[d] = (_b, _o, len) => {
      received++
      bytes += len
    }
  // One 64 KiB-ish batch of frames, destinations round-robin.
  const parts: Uint8Array[] = []
  let size = 0
  for (let k = 0; size < 64 * 1024; k++) {
    const f = msgFrame(0, dsts[k % dsts.length], n, bodyBytes, k + 1)
    parts.push(f)
    size += f.length
  }
  const batch = Buffer.concat(parts)
  const out = c.out[0]
  const t0 = performance.now()
  let stop = false
  const pump = (): void => {
    while (!stop) {
      if (!out.write(batch)) {
        out.once('drain', pump)
        return
      }
    }
  }
  pump()
  // Let it run, then measure a window in the steady state.
  await sleep(500)
  const r0 = received
  const b0 = bytes
  const w0 = performance.now()
  await sleep(ms)
  const r1 = received
  const b1 = bytes
  const w1 = performance.now()
  stop = true
  void t0
  await c.close()
  const sec = (w1 - w0) / 1000
  return { fps: (r1 - r0) / sec, mbps: (b1 - b0) / sec / 1e6 }
}

async function benchProxy(): Promise<void> {
  console.log('\n-- proxy (no faults) --')
  // Alternate short batches on both paths (load on a shared machine drifts; each batch pair
  // sees the same conditions), then report medians of the batch p50s and pooled p99s.
  const direct = await directPath()
  const proxied = await proxyPath()
  await direct.ping(2000)
  await proxied.ping(2000)
  const batches = 10
  const rounds = 2000
  const d50s: number[] = []
  const p50s: number[] = []
  const added: number[] = []
  const dAll: number[] = []
  const pAll: number[] = []
  for (let b = 0; b < batches; b++) {
    const d = (await direct.ping(rounds)).sort((x, y) => x - y)
    const p = (await proxied.ping(rounds)).sort((x, y) => x - y)
    d50s.push(pct(d, 0.5))
    p50s.push(pct(p, 0.5))
    added.push((pct(p, 0.5) - pct(d, 0.5)) / 2)
    dAll.push(...d)
    pAll.push(...p)
  }
  await direct.close()
  await proxied.close()
  const med = (xs: number[]): number =>
    pct(
      [...xs].sort((x, y) => x - y),
      0.5,
    )
  dAll.sort((x, y) => x - y)
  pAll.sort((x, y) => x - y)
  console.log(
    `ping-pong RTT direct (2 processes):        p50 ${fmt(med(d50s))} µs  p99 ${fmt(pct(dAll, 0.99))} µs  (${batches} x ${fmt(rounds)} rounds, alternating)`,
  )
  console.log(
    `ping-pong RTT via the proxy (3 processes): p50 ${fmt(med(p50s))} µs  p99 ${fmt(pct(pAll, 0.99))} µs`,
  )
  console.log(
    `added per proxy traversal: p50 ${fmt(med(added))} µs (median of batch differences; range ${fmt(Math.min(...added))}..${fmt(Math.max(...added))})  p99 ${fmt((pct(pAll, 0.99) - pct(dAll, 0.99)) / 2)} µs  (target p50 < 50 µs)`,
  )
  const one = await throughput([1], 3000, 84)
  console.log(
    `forwarded, one destination:        ${fmt(one.fps)} frames/s (${fmt(one.mbps, 1)} MB/s, 128-byte frames)  (target >= 500,000)`,
  )
  const two = await throughput([1, 2], 3000, 76)
  console.log(
    `forwarded, two destinations mixed: ${fmt(two.fps)} frames/s (${fmt(two.mbps, 1)} MB/s, 128-byte frames)`,
  )
}

// ---------------------------------------------------------------- raft

interface RaftResult {
  opsPerSec: number
  p50: number | null
  p99: number | null
  ok: number
  verdict: string
}

async function raftRun(clients: number, seconds: number, nodes: number): Promise<RaftResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ql-bench-'))
  const spec = ExperimentSpecSchema.parse({
    name: `bench-raft-${nodes}-${clients}c`,
    mode: 'processes',
    cluster: { nodes, tickMs: 10, fsync: true },
    durationMs: seconds * 1000,
    network: { latencyMs: 0, jitterMs: 0 },
    workload: {
      clients,
      ratePerSec: 1_000_000,
      keys: 1000,
      mix: { read: 0, write: 1, cas: 0 },
      timeoutMs: 5000,
    },
  })
  const run = await startProcessRun(spec, { dataDir: dir, keepTrace: false, valueBytes: 100 })
  const wins: ReturnType<ProcessRun['takeWindows']> = []
  const timer = setInterval(() => wins.push(...run.takeWindows()), 500)
  await run.whenDone()
  clearInterval(timer)
  wins.push(...run.takeWindows())
  const s = run.summary(0)
  rmSync(dir, { recursive: true, force: true })
  const steady = wins.filter((w) => w.startMs >= 1000 && w.endMs - w.startMs >= 999)
  const ok = steady.reduce((a, w) => a + w.ok, 0)
  const sec = steady.reduce((a, w) => a + (w.endMs - w.startMs), 0) / 1000
  return {
    opsPerSec: sec > 0 ? ok / sec : 0,
    p50: s.latencyMs.p50,
    p99: s.latencyMs.p99,
    ok: s.ops.ok,
    verdict: s.verdict,
  }
}

async function benchRaft(): Promise<void> {
  console.log(`\n-- raft: 3 nodes, fsync on, through the proxy, 100-byte puts, ${raftSeconds} s each --`)
  const many = await raftRun(64, raftSeconds, 3)
  console.log(
    `64 clients: ${fmt(many.opsPerSec)} committed puts/s  p50 ${fmt(many.p50 ?? NaN, 2)} ms  p99 ${fmt(many.p99 ?? NaN, 2)} ms  (verdict ${many.verdict}; etcd ref ~5,400/s, p99 26 ms)`,
  )
  const one = await raftRun(1, raftSeconds, 3)
  console.log(
    `1 client:   ${fmt(one.opsPerSec)} committed puts/s  p50 ${fmt(one.p50 ?? NaN, 2)} ms  p99 ${fmt(one.p99 ?? NaN, 2)} ms  (verdict ${one.verdict}; etcd ref ~850/s, p50 1.1 ms)`,
  )
}

// ---------------------------------------------------------------- memory

async function benchMemory(): Promise<void> {
  console.log(
    `\n-- memory: 5 nodes at full load (64 clients, trace streamed to a listener) for ${memSeconds} s --`,
  )
  const dir = mkdtempSync(join(tmpdir(), 'ql-bench-'))
  const spec = ExperimentSpecSchema.parse({
    name: 'bench-mem-5',
    mode: 'processes',
    cluster: { nodes: 5, tickMs: 10, fsync: true },
    durationMs: (memSeconds + 30) * 1000,
    network: { latencyMs: 0, jitterMs: 0 },
    workload: {
      clients: 64,
      ratePerSec: 1_000_000,
      keys: 1000,
      mix: { read: 0.5, write: 0.4, cas: 0.1 },
      timeoutMs: 5000,
    },
  })
  let events = 0
  const run = await startProcessRun(spec, {
    dataDir: dir,
    keepTrace: false,
    valueBytes: 100,
    onTrace: () => void events++,
  })
  await sleep(memSeconds * 1000)
  const pids = run.pids()
  const mem = process.memoryUsage()
  const lab = mem.rss / 1024
  const labHeap = mem.heapUsed / 1024
  const proxy = pids.proxy === null ? NaN : rssKb(pids.proxy)
  const nodes = pids.nodes.map((p) => (p === null ? NaN : rssKb(p)))
  const s = run.summary(0)
  run.stop()
  await run.whenDone()
  rmSync(dir, { recursive: true, force: true })
  const mb = (kb: number): string => `${fmt(kb / 1024, 1)} MB`
  const total = lab + proxy + nodes.reduce((a, b) => a + b, 0)
  console.log(`after ${memSeconds} s: ${fmt(s.ops.ok)} ops ok, ${fmt(events)} trace events streamed`)
  console.log(
    `RSS lab ${mb(lab)}, proxy ${mb(proxy)}, nodes ${nodes.map(mb).join(' / ')}; total ${mb(total)}`,
  )
  console.log(
    `(lab JS heap in use ${mb(labHeap)}: mostly the safety checkers' retained history; a node's memory is mostly its in-memory Raft log, never compacted)`,
  )
}

async function main(): Promise<void> {
  if (process.argv.includes('--echo')) return echoChild()
  console.log(
    `load average at start: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} (2 cores shared)`,
  )
  if (!only || only === 'proxy') await benchProxy()
  if (!only || only === 'raft') await benchRaft()
  if (!only || only === 'memory') await benchMemory()
}

main().then(
  () => {
    if (!process.argv.includes('--echo')) process.exit(0)
  },
  (e: unknown) => {
    console.error(e)
    process.exit(1)
  },
)
