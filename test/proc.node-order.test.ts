// The node program stamps a drain's trace events before its client replies leave: an
// 'apply' event is never later than the reply that acknowledges the op. Otherwise (the
// process descheduled between writing the reply and stamping the event) the client's 'ok'
// could precede the apply in the trace, and near the run's end the apply could fall past the
// end cutoff and be dropped: "No acknowledged write lost" then fired on a write that was
// applied (seen in a 3-node processes run under CPU load).
import { mkdtempSync } from 'node:fs'
import { createServer, Socket, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ClientReply } from '../src/core/protocols/types'
import { decodeTraceBatch } from '../src/main/node/trace-batch'
import { NO_NODE, T_CLIENT_REQ, encodeFrame, frameHeaderLen } from '../src/shared/wire'
import { packBody, unpackBody } from '../src/main/node/codec'
import { dialWithHello } from '../src/main/node/hello'
import type { NodeToLab } from '../src/main/node/control'
import { NodeHost } from '../src/main/node/host'

const cleanup: Array<() => void> = []
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f()
})

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

describe('node program: event timestamps vs client replies', () => {
  it('stamps the apply event no later than the reply that acknowledges the write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ql-node-order-'))
    // A stand-in proxy so the node's outbound dial succeeds (a 1-node cluster sends nothing).
    const proxy: Server = createServer((s) => s.on('error', () => {}))
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()))
    cleanup.push(() => proxy.close())
    const proxyPort = (proxy.address() as { port: number }).port

    const fromNode: NodeToLab[] = []
    const t0 = process.hrtime.bigint()
    const host = new NodeHost(
      {
        type: 'init',
        idx: 0,
        n: 1,
        kind: 'raft',
        mutants: [],
        params: {},
        runSeed: 1,
        tickMs: 5,
        fsync: false,
        secret: 'x'.repeat(32),
        proxyPort,
        walPath: join(dir, 'n1.wal'),
        t0: t0.toString(),
        startNo: 0,
        seed: 7,
        lc: 0,
        vc: [0],
        msgEvents: false,
        fresh: true,
        afterCrash: false,
        labPid: process.pid,
        telemetryMs: 1000,
      },
      (m) => fromNode.push(m),
    )
    cleanup.push(() => host.close())
    await host.init()
    const ready = fromNode.find((m) => m.type === 'ready') as Extract<NodeToLab, { type: 'ready' }>

    // Every reply frame the node writes is timed on the shared clock, then the process stalls
    // for a few ms (as if descheduled right after the write).
    // (Armed once the client's hello is done: the node's challenge is not a reply.)
    const replyWritesUs: number[] = []
    let armed = false
    const origWrite = Socket.prototype.write
    Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
      if (armed && this.localPort === ready.clientPort) {
        replyWritesUs.push(Math.round(Number(process.hrtime.bigint() - t0) / 1000))
        const until = performance.now() + 5
        while (performance.now() < until) {
          // stall
        }
      }
      return (origWrite as (...a: unknown[]) => boolean).apply(this, args)
    } as typeof Socket.prototype.write
    cleanup.push(() => {
      Socket.prototype.write = origWrite
    })

    const replies: ClientReply[] = []
    let helloSent: () => void = () => {}
    const client = dialWithHello({
      port: ready.clientPort,
      secret: 'x'.repeat(32),
      claim: { role: 'client', node: 0 },
      maxBody: 1024 * 1024,
      onReady: () => helloSent(),
      onFrame: (buf, off, len) => {
        replies.push(unpackBody(buf, off + frameHeaderLen(buf, off), off + len) as ClientReply)
        return null
      },
      onFailed: (why) => {
        throw new Error(why)
      },
    })
    cleanup.push(() => client.destroy())
    await new Promise<void>((r) => (helloSent = r))
    armed = true

    // The single node elects itself; then one write.
    for (let k = 0; k < 200 && host.status()?.role !== 'leader'; k++) await sleep(10)
    expect(host.status()?.role).toBe('leader')
    client.write(
      encodeFrame(
        { type: T_CLIENT_REQ, src: NO_NODE, dst: NO_NODE, lc: 0, msgId: 0, vc: null },
        packBody({ id: 'c1.1', cmd: { f: 'put', key: 'k1', value: 'c1.1' } }),
      ),
    )
    let ok: ClientReply | undefined
    for (let k = 0; k < 200 && ok === undefined; k++) {
      await sleep(5)
      ok = replies.find((r) => r.ok)
    }
    expect(ok).toBeDefined()

    host.flush(1)
    const events = fromNode.flatMap((m) => {
      const evs = m.type === 'tel' ? decodeTraceBatch(m.batch) : []
      if (typeof evs === 'string') throw new Error(evs)
      return evs
    })
    const apply = events.find((e) => e.kind === 'apply' && e.id === 'c1.1')
    expect(apply).toBeDefined()
    expect(replyWritesUs).toHaveLength(1)
    const okWriteUs = replyWritesUs[0]
    expect(apply?.t).toBeLessThanOrEqual(okWriteUs)
  })
})
