// Every listening socket binds loopback only: the browser-mode server with a simulation run
// in progress (and, once processes mode exists, a 3-node processes run with its proxy and
// node processes) is inspected from the kernel's side, via /proc, not from what the code
// says it asked for.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { parseSpec } from '../src/shared/spec'
import { LabService } from '../src/main/lab/service'
import { startWebServer, type WebServer } from '../src/main/web/server'
import {
  descendants,
  isLoopbackOnly,
  listListeningSockets,
  parseProcNetTcp,
  type ListeningSocket,
} from './security.sockets'

const onLinux = process.platform === 'linux' && existsSync('/proc/self/net/tcp')
const PROCESSES_TS = resolve('src/main/lab/processes.ts')

/** What this test uses of processes mode (src/main/lab/processes.ts, built by another change). */
interface ProcessesModule {
  startProcessRun(
    spec: unknown,
    opts: { dataDir: string; keepTrace?: boolean },
  ): Promise<{
    pids(): { lab: number; proxy: number | null; nodes: Array<number | null> }
    stop(): void
    whenDone(): Promise<void>
  }>
}

async function loadProcesses(): Promise<ProcessesModule | null> {
  if (!existsSync(PROCESSES_TS)) return null
  const mod = (await import(/* @vite-ignore */ pathToFileURL(PROCESSES_TS).href)) as Partial<ProcessesModule>
  return typeof mod.startProcessRun === 'function' ? (mod as ProcessesModule) : null
}
// Resolved before the tests are collected, so that the processes test can be skipped with a reason.
const processes = onLinux ? await loadProcesses() : null

const describeLinux = describe.skipIf(!onLinux)
const show = (s: ListeningSocket[]): string =>
  s.map((x) => `pid ${x.pid} ${x.family === 6 ? `[${x.address}]` : x.address}:${x.port}`).join(', ')

function expectLoopbackOnly(sockets: ListeningSocket[]): void {
  const exposed = sockets.filter((s) => !isLoopbackOnly(s))
  expect(exposed, `listeners not on 127.0.0.1 / ::1: ${show(exposed)}`).toEqual([])
}

function listen(host: string): Promise<Server> {
  return new Promise((ok, fail) => {
    const s = createServer()
    s.once('error', fail)
    s.listen(0, host, () => ok(s))
  })
}

describe('parseProcNetTcp', () => {
  it('decodes LISTEN rows of tcp and tcp6, skipping other states', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0 100 0 0 10 0',
      '   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1 0 100 0 0 10 0',
      '   2: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 333 1 0 20 4 30 10 -1',
      '   3: 0200007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 444 1 0 100 0 0 10 0',
    ].join('\n')
    expect(parseProcNetTcp(tcp, 4)).toEqual([
      { inode: 111, address: '127.0.0.1', port: 8080 },
      { inode: 222, address: '0.0.0.0', port: 22 },
      { inode: 444, address: '127.0.0.2', port: 80 },
    ])
    const tcp6 = [
      '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 555 1 0 100 0 0 10 0',
      '   1: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 666 1 0 100 0 0 10 0',
      '   2: 0000000000000000FFFF00000100007F:1F92 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 777 1 0 100 0 0 10 0',
    ].join('\n')
    expect(parseProcNetTcp(tcp6, 6)).toEqual([
      { inode: 555, address: '::1', port: 8080 },
      { inode: 666, address: '::', port: 8081 },
      { inode: 777, address: '::ffff:7f00:1', port: 8082 },
    ])
    expect(
      [
        { address: '127.0.0.1' },
        { address: '::1' },
        { address: '0.0.0.0' },
        { address: '::' },
        { address: '127.0.0.2' },
        { address: '::ffff:7f00:1' },
      ].map(isLoopbackOnly),
    ).toEqual([true, true, false, false, false, false])
  })
})

describeLinux('listListeningSockets', () => {
  it('sees this process listening, and on which address', async () => {
    // 127.0.0.2 is loopback too but not an address the lab may use: the helper must tell it apart.
    const a = await listen('127.0.0.1')
    const b = await listen('127.0.0.2')
    try {
      const mine = listListeningSockets([process.pid])
      const portOf = (s: Server): number => (s.address() as { port: number }).port
      expect(mine).toContainEqual(
        expect.objectContaining({ address: '127.0.0.1', port: portOf(a), family: 4 }),
      )
      const other = mine.find((s) => s.port === portOf(b))
      expect(other).toMatchObject({ address: '127.0.0.2', pid: process.pid })
      expect(isLoopbackOnly(other!)).toBe(false)
    } finally {
      await Promise.all([a, b].map((s) => new Promise((r) => s.close(r))))
    }
    // Closed listeners are gone.
    expect(listListeningSockets([process.pid]).filter((s) => s.address === '127.0.0.2')).toEqual([])
  })
})

describeLinux('every listening socket binds loopback only', () => {
  let dir: string
  let service: LabService
  let server: WebServer

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ql-sec-sockets-'))
    mkdirSync(join(dir, 'renderer'))
    writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Quorum Lab</title>')
    service = new LabService({ dataDir: join(dir, 'data') })
    server = await startWebServer({ service, rendererDir: join(dir, 'renderer') })
  })

  afterAll(async () => {
    await server?.close()
    service?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('browser mode, with a simulation run in progress at speed 1', async () => {
    const run = await service.startRun({
      spec: {
        name: 'sockets',
        cluster: { nodes: 3 },
        durationMs: 60_000,
        workload: { clients: 2, ratePerSec: 20 },
      },
      speed: 1,
    })
    // A connected client too: established connections must not show up as listeners.
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, {
      headers: { Authorization: `Bearer ${server.token}` },
    })
    await new Promise((ok, fail) => {
      ws.once('open', ok)
      ws.once('error', fail)
    })
    try {
      await new Promise((r) => setTimeout(r, 300))
      expect((await service.getRun({ runId: run.runId })).status).toBe('running')
      const sockets = listListeningSockets([process.pid])
      expect(sockets.map((s) => s.port)).toContain(server.port)
      expect(sockets.filter((s) => s.port === server.port)).toHaveLength(1)
      expectLoopbackOnly(sockets)
    } finally {
      ws.close()
      await service.stopRun({ runId: run.runId })
    }
  })

  it.skipIf(!processes)(
    'processes mode: the lab, its proxy and 3 node processes' +
      (processes ? '' : ' (skipped: src/main/lab/processes.ts does not export startProcessRun yet)'),
    async () => {
      const parsed = parseSpec({
        name: 'sockets-processes',
        mode: 'processes',
        cluster: { nodes: 3 },
        durationMs: 60_000,
        workload: { clients: 2, ratePerSec: 20 },
      })
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors))
      const run = await processes!.startProcessRun(parsed.spec, {
        dataDir: join(dir, 'proc'),
        keepTrace: false,
      })
      try {
        const p = run.pids()
        const children = [p.proxy, ...p.nodes].filter((x): x is number => typeof x === 'number')
        expect(children).toHaveLength(4)
        // Whatever else the lab started (grandchildren included) is checked as well.
        const pids = [...new Set([process.pid, ...children, ...descendants(process.pid)])]
        const sockets = listListeningSockets(pids)
        // The proxy and every node listen on something (else this proves nothing).
        for (const pid of children)
          expect(
            sockets.some((s) => s.pid === pid),
            `pid ${pid} listens`,
          ).toBe(true)
        expect(sockets.map((s) => s.port)).toContain(server.port)
        expectLoopbackOnly(sockets)
      } finally {
        run.stop()
        await run.whenDone()
      }
    },
  )
})
