// Hostile campaign, TCP section: a real processes-mode run (3 Raft nodes, the proxy, the lab's
// clients) and a stranger on the same machine who does not know the run's secret throwing
// malformed, unauthenticated, oversized and slow connections at every port: a node's client
// port, a node's peer port, the proxy. Each input reports how it ended: closed by the other
// side after how long and why (the reason the run logged for that connection, matched by
// its source port), refused at connect, or still open when the section gave up on it. Then
// the run itself: still committing, verdict, every process up, refusals counted.
//
// A section of bench/hostile.ts (exports `name` and `run`, also as the default export);
// runnable alone: `npx tsx bench/hostile/tcp.ts` prints the table.
import type { HostileResult, HostileSection } from './section'
import { readFileSync } from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startProcessRun, type ProcessRun } from '../../src/main/lab/processes'
import { packBody } from '../../src/main/node/codec'
import { ExperimentSpecSchema } from '../../src/shared/spec'
import {
  MAX_BODY,
  NO_NODE,
  T_CHALLENGE,
  T_CLIENT_REQ,
  T_HELLO,
  encodeFrame,
  writeU32,
  type FrameHeaderFields,
} from '../../src/shared/wire'

export const name = 'tcp'

/** One input and how it ended. */
export type Outcome = HostileResult

const MiB = 1024 * 1024
/** How long one input may take before the section stops waiting for the other side. */
const GIVE_UP_MS = 6000
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

const none: FrameHeaderFields = { type: T_CLIENT_REQ, src: NO_NODE, dst: NO_NODE, lc: 0, msgId: 0, vc: null }
const frame = (h: Partial<FrameHeaderFields>, body: Uint8Array): Uint8Array =>
  encodeFrame({ ...none, ...h }, body)

/** A header declaring `size` body bytes (nothing of the body). */
function declaring(size: number): Uint8Array {
  const f = frame({}, new Uint8Array(0))
  writeU32(f, 8, size)
  return f
}

const put = (i: number): Uint8Array =>
  frame({}, packBody({ id: `stranger.${i}`, cmd: { f: 'put', key: `k${i % 3}`, value: `stranger.${i}` } }))

/** What a stranger does on one connection once it is open. */
type Act = (s: Socket) => void | Promise<void>

const write =
  (...chunks: Uint8Array[]): Act =>
  (s) => {
    for (const c of chunks) s.write(c)
  }

/** The inputs: a name and what to do on the connection. */
const INPUTS: Array<{ what: string; act: Act }> = [
  { what: 'connect and close at once', act: (s) => void s.end() },
  { what: 'connect and say nothing', act: () => {} },
  { what: '64 random bytes', act: write(Uint8Array.from({ length: 64 }, (_, i) => (i * 151 + 7) & 0xff)) },
  {
    what: 'an HTTP request',
    act: write(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')),
  },
  {
    what: 'a TLS ClientHello',
    act: write(
      Uint8Array.from([
        0x16,
        0x03,
        0x01,
        0x00,
        0xa5,
        0x01,
        0x00,
        0x00,
        0xa1,
        0x03,
        0x03,
        ...new Array(32).fill(1),
      ]),
    ),
  },
  {
    what: 'a frame header with version 9',
    act: write(Uint8Array.from([0x51, 0x4c, 9, 201, 255, 255, 0, 0])),
  },
  { what: 'a header declaring 16 MiB + 1', act: write(declaring(MAX_BODY + 1)) },
  {
    what: 'a header declaring 15 MiB, then 1 MiB of it',
    act: write(declaring(15 * MiB), new Uint8Array(MiB).fill(0x61)),
  },
  {
    what: 'a header one byte every 100 ms',
    act: async (s) => {
      const bytes = put(1)
      for (let i = 0; i < 60 && !s.destroyed; i++) {
        s.write(bytes.subarray(i % bytes.length, (i % bytes.length) + 1))
        await sleep(100)
      }
    },
  },
  { what: '200 puts, no hello', act: write(...Array.from({ length: 200 }, (_, i) => put(i))) },
  {
    what: 'HELLO with a made-up mac',
    act: write(
      frame({ type: T_HELLO }, packBody({ role: 'client', node: 0, mac: new Uint8Array(32).fill(9) })),
    ),
  },
  {
    what: 'HELLO with a 31-byte mac',
    act: write(frame({ type: T_HELLO }, packBody({ role: 'proxy', node: 0, mac: new Uint8Array(31) }))),
  },
  {
    what: 'HELLO carrying a guessed secret',
    act: write(frame({ type: T_HELLO }, packBody({ role: 'node', node: 0, secret: '0'.repeat(48) }))),
  },
  {
    what: 'HELLO whose body is not MessagePack',
    act: write(frame({ type: T_HELLO }, Uint8Array.from([0xc1, 0xc1, 0xc1]))),
  },
  {
    what: 'a CHALLENGE of its own',
    act: write(frame({ type: T_CHALLENGE }, packBody({ nonce: new Uint8Array(32) }))),
  },
  {
    what: 'a protocol message, no hello',
    act: write(
      frame(
        { type: 0, src: 1, dst: 0, vc: [0, 0, 0] },
        packBody({ type: 'PreVote', term: 99, lastLogIndex: 0, lastLogTerm: 0 }),
      ),
    ),
  },
]

interface Ended {
  how: 'closed' | 'refused' | 'open'
  ms: number
  localPort: number | null
}

/** Connect, act, and see how it ends (bounded by GIVE_UP_MS). */
function attempt(port: number, act: Act): Promise<Ended> {
  return new Promise((resolve) => {
    const t0 = performance.now()
    const s = connect({ port, host: '127.0.0.1' })
    let localPort: number | null = null
    let connected = false
    const timer = setTimeout(() => {
      done('open')
      s.destroy()
    }, GIVE_UP_MS)
    const done = (how: Ended['how']): void => {
      clearTimeout(timer)
      resolve({ how, ms: performance.now() - t0, localPort })
    }
    s.on('error', () => {})
    s.on('data', () => {})
    s.on('connect', () => {
      connected = true
      localPort = s.localPort ?? null
      void act(s)
    })
    s.on('close', () => done(connected ? 'closed' : 'refused'))
  })
}

/** The reason the run logged for the connection from `localPort` (refused / closed), if any. */
function reasonFor(logs: string[], localPort: number | null): string | null {
  if (localPort === null) return null
  const tag = `127.0.0.1:${localPort} `
  const line = logs.find((l) => l.includes(tag) && / (refused|closed): /.test(l))
  if (line === undefined) return null
  const at = line.indexOf(tag) + tag.length
  // Keep it short: the reason up to the byte dump.
  return line
    .slice(at)
    .replace(/; (header )?bytes \[.*$/, '')
    .slice(0, 110)
}

function describe(e: Ended, reason: string | null): string {
  const ms = `${Math.round(e.ms)} ms`
  if (e.how === 'refused') return 'connection refused'
  if (e.how === 'open') return `still open after ${ms} (given up)`
  return `closed after ${ms}${reason ? `: ${reason}` : ' (by the other side; nothing logged)'}`
}

function vmRssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : 0
}

export async function run(): Promise<Outcome[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ql-hostile-tcp-'))
  let lab: ProcessRun | null = null
  try {
    const spec = ExperimentSpecSchema.parse({
      name: 'hostile-tcp',
      mode: 'processes',
      cluster: { nodes: 3 },
      durationMs: 120_000,
      workload: { clients: 2, ratePerSec: 100, keys: 3 },
    })
    const r = await startProcessRun(spec, { dataDir: dir, keepTrace: true })
    lab = r
    for (let k = 0; k < 300 && !r.nodes().some((n) => n.role === 'leader'); k++) await sleep(50)
    const ports: Record<string, number> = {
      'n1 client port': r.clientPorts()[0] as number,
      'n2 peer port': r.peerPorts()[1] as number,
      proxy: r.proxyPort(),
    }
    const pids = r.pids()
    const out: Outcome[] = []

    // Every input at every port, all at once (a stranger in a hurry).
    const jobs: Array<Promise<{ input: string; ended: Ended }>> = []
    for (const [where, port] of Object.entries(ports)) {
      for (const { what, act } of INPUTS) {
        jobs.push(attempt(port, act).then((ended) => ({ input: `${where}: ${what}`, ended })))
      }
    }
    const singles = await Promise.all(jobs)

    // Volume: 32 connections each sending 15 MiB of a frame that never ends, at n1's client port.
    const rss0 = vmRssMiB(pids.nodes[0] as number)
    const t0 = performance.now()
    const big = await Promise.all(
      Array.from({ length: 32 }, () =>
        attempt(ports['n1 client port'], (s) => {
          s.write(declaring(15 * MiB))
          const chunk = new Uint8Array(MiB).fill(0x62)
          let left = 15
          const pump = (): void => {
            while (left > 0 && !s.destroyed) {
              left--
              if (!s.write(chunk)) return void s.once('drain', pump)
            }
          }
          pump()
        }),
      ),
    )
    const bigMs = performance.now() - t0
    await sleep(300)
    const rss1 = vmRssMiB(pids.nodes[0] as number)

    // A flood: 500 connections opened together at the proxy, each saying nothing.
    const flood = await Promise.all(Array.from({ length: 500 }, () => attempt(ports.proxy, () => {})))

    await sleep(500) // the last refusals reach the lab's log
    const logs = r.logs()
    for (const { input, ended } of singles)
      out.push({ input, outcome: describe(ended, reasonFor(logs, ended.localPort)) })
    const count = (es: Ended[], how: Ended['how']): number => es.filter((e) => e.how === how).length
    out.push({
      input: 'n1 client port: 32 connections x 15 MiB of an endless frame',
      outcome: `${count(big, 'closed')} closed, ${count(big, 'open')} left open, in ${Math.round(bigMs)} ms; n1 RSS ${rss0.toFixed(0)} -> ${rss1.toFixed(0)} MiB`,
    })
    out.push({
      input: 'proxy: 500 silent connections at once',
      outcome: `${count(flood, 'closed')} closed, ${count(flood, 'refused')} refused, ${count(flood, 'open')} left open; slowest closed after ${Math.round(Math.max(...flood.map((e) => e.ms)))} ms`,
    })

    // The run itself, after all that.
    const okBefore = r.summary(0).ops.ok
    await sleep(1000)
    const alive = [pids.proxy, ...pids.nodes].every((p) => {
      try {
        process.kill(p as number, 0)
        return true
      } catch {
        return false
      }
    })
    r.stop()
    await r.whenDone()
    const s = r.summary(0)
    const strangers = r.trace().filter((e) => e.kind === 'apply' && e.id.startsWith('stranger.')).length
    const rej = s.rejectedConnections
    out.push({
      input: 'the run, afterwards',
      outcome: `${alive ? 'every process up' : 'A PROCESS DIED'}; ${s.ops.ok - okBefore} ops ok in the last second; verdict ${s.verdict}; stranger writes applied: ${strangers}; refused connections counted: ${
        rej
          ? `${rej.total} (proxy ${rej.proxy}, ${Object.entries(rej.nodes)
              .map(([n, k]) => `${n} ${k}`)
              .join(', ')})`
          : 'none'
      }`,
    })
    return out
  } finally {
    if (lab !== null && !lab.done()) {
      lab.stop()
      await lab.whenDone()
    }
    rmSync(dir, { recursive: true, force: true })
  }
}

/** This section for the campaign runner (bench/hostile/index.ts). */
export const tcpSection: HostileSection = { name, run }

export default tcpSection

/** The outcomes as a two-column text table. */
export function table(rows: Outcome[]): string {
  const w = Math.max(5, ...rows.map((r) => r.input.length))
  const lines = [`${'input'.padEnd(w)}  outcome`, `${'-'.repeat(w)}  ${'-'.repeat(7)}`]
  for (const r of rows) lines.push(`${r.input.padEnd(w)}  ${r.outcome}`)
  return lines.join('\n')
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  run().then(
    (rows) => {
      console.log(table(rows))
      console.log(`\n${rows.length} inputs tried`)
    },
    (e: unknown) => {
      console.error(`hostile/tcp: ${(e as Error).stack ?? String(e)}`)
      process.exit(1)
    },
  )
}
