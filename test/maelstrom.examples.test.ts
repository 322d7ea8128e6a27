// The example programs in examples/programs/ speak Maelstrom's protocol: each runs as a child
// process and this test plays the lab's part over its stdin/stdout with a short scripted
// exchange (init, topology, requests, gossip; seq-kv answered by the pure SeqKvService). The
// full runs (processes, TCP, proxy, faults) are the host's tests.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { SeqKvService } from '../src/core/maelstrom/services'
import type { MaelstromBody, MaelstromMessage, MaelstromService } from '../src/core/maelstrom/types'
import { createRng } from '../src/core/rng'

const WAIT_MS = 10_000

/** One program under test: what it writes (service calls answered at once), and a way to wait for a message. */
class Program {
  private readonly child: ChildProcessWithoutNullStreams
  private readonly inbox: MaelstromMessage[] = []
  private wake: (() => void) | null = null
  private buffer = ''
  private readonly exited: Promise<unknown>
  private nextId = 1
  readonly stderr: string[] = []

  constructor(
    command: string,
    args: string[],
    private readonly services: Record<string, MaelstromService> = {},
  ) {
    this.child = spawn(command, args, { stdio: 'pipe' })
    this.exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.stdout.setEncoding('utf8')
    this.child.stdout.on('data', (chunk: string) => this.onData(chunk))
    this.child.stderr.setEncoding('utf8')
    this.child.stderr.on('data', (chunk: string) => this.stderr.push(chunk))
  }

  private onData(chunk: string): void {
    this.buffer += chunk
    let nl: number
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl)
      this.buffer = this.buffer.slice(nl + 1)
      const msg = JSON.parse(line) as MaelstromMessage
      const service = this.services[msg.dest]
      if (service) {
        const body = service.handle(msg.src, msg.body, rng)
        this.write({ src: msg.dest, dest: msg.src, body })
        continue
      }
      this.inbox.push(msg)
      this.wake?.()
    }
  }

  private write(msg: MaelstromMessage): void {
    this.child.stdin.write(`${JSON.stringify(msg)}\n`)
  }

  /** Send `body` from `src` as it is (e.g. a reply). */
  answer(src: string, dest: string, body: MaelstromBody): void {
    this.write({ src, dest, body })
  }

  /** Send `body` from `src` (a msg_id added) and return that msg_id. */
  send(src: string, dest: string, body: Omit<MaelstromBody, 'msg_id'>): number {
    const msgId = this.nextId++
    this.write({ src, dest, body: { ...body, msg_id: msgId } as MaelstromBody })
    return msgId
  }

  /** The first message written so far or later that `match` accepts (taken out of the inbox). */
  async next(match: (m: MaelstromMessage) => boolean, what: string): Promise<MaelstromMessage> {
    const deadline = Date.now() + WAIT_MS
    for (;;) {
      const i = this.inbox.findIndex(match)
      if (i >= 0) return this.inbox.splice(i, 1)[0]
      if (Date.now() > deadline)
        throw new Error(`no ${what} within ${WAIT_MS} ms; stderr: ${this.stderr.join('')}`)
      await new Promise<void>((resolve) => {
        this.wake = resolve
        setTimeout(resolve, 50)
      })
    }
  }

  /** The reply to msg_id `id`. */
  reply(id: number, dest = 'c1'): Promise<MaelstromMessage> {
    return this.next((m) => m.dest === dest && m.body.in_reply_to === id, `reply to msg ${id}`)
  }

  /** Send a request and wait for its reply body. */
  async call(dest: string, body: Omit<MaelstromBody, 'msg_id'>, src = 'c1'): Promise<MaelstromBody> {
    return (await this.reply(this.send(src, dest, body), src)).body
  }

  async stop(): Promise<void> {
    this.child.kill('SIGKILL')
    await this.exited
  }
}

const rng = createRng(14)
const running: Program[] = []
function start(command: string, args: string[], services?: Record<string, MaelstromService>): Program {
  const p = new Program(command, args, services)
  running.push(p)
  return p
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()))
})

describe('examples/programs/broadcast-gossip.js', () => {
  const launch = () => start(process.execPath, ['examples/programs/broadcast-gossip.js'])
  const gossipTo = (dest: string, value: number) => (m: MaelstromMessage) =>
    m.dest === dest && m.body.type === 'gossip' && (m.body.messages as number[]).includes(value)

  it('answers init, topology, broadcast and read, and gossips to its neighbour until acknowledged', async () => {
    const p = launch()
    expect(await p.call('n1', { type: 'init', node_id: 'n1', node_ids: ['n1', 'n2', 'n3'] })).toEqual({
      type: 'init_ok',
      in_reply_to: 1,
    })
    const topo = { n1: ['n2'], n2: ['n1', 'n3'], n3: ['n2'] }
    expect((await p.call('n1', { type: 'topology', topology: topo })).type).toBe('topology_ok')
    expect((await p.call('n1', { type: 'broadcast', message: 7 })).type).toBe('broadcast_ok')
    const first = await p.next(gossipTo('n2', 7), 'gossip of 7 to n2')
    expect(first.src).toBe('n1')
    // Not acknowledged: sent again (a new msg_id), until n2 answers.
    const again = await p.next(gossipTo('n2', 7), 'a retried gossip of 7 to n2')
    expect(again.body.msg_id).not.toBe(first.body.msg_id)
    p.send('n2', 'n1', { type: 'gossip_ok', messages: [7] })
    expect(await p.call('n1', { type: 'read' })).toMatchObject({ type: 'read_ok', messages: [7] })
    // Gossip from a neighbour is acknowledged and kept; n3 is no neighbour of n1, so it gets nothing.
    const g = p.send('n2', 'n1', { type: 'gossip', messages: [8, 7] })
    expect((await p.reply(g, 'n2')).body).toMatchObject({ type: 'gossip_ok', messages: [8, 7] })
    const read = await p.call('n1', { type: 'read' })
    expect([...(read.messages as number[])].sort()).toEqual([7, 8])
    expect(await p.call('n1', { type: 'frob' })).toMatchObject({ type: 'error', code: 10 })
    expect(p.stderr.join('')).toContain('neighbours ["n2"]')
  })

  it('a restarted node asks the others for everything (sync), and a node answers a sync with all it holds', async () => {
    const p = launch()
    await p.call('n1', { type: 'init', node_id: 'n1', node_ids: ['n1', 'n2'] })
    const sync = await p.next((m) => m.dest === 'n2' && m.body.type === 'sync', 'a sync to n2')
    p.answer('n2', 'n1', { type: 'sync_ok', in_reply_to: sync.body.msg_id })
    await p.call('n1', { type: 'broadcast', message: 1 })
    const s = p.send('n2', 'n1', { type: 'sync' })
    expect((await p.reply(s, 'n2')).body.type).toBe('sync_ok')
    await p.next(gossipTo('n2', 1), 'gossip of everything to the syncing node')
  })
})

describe('examples/programs/g_counter_seq_kv.py', () => {
  it('adds through seq-kv under its own key, reads the sum of every node key, and keeps its count across a restart', async () => {
    const seqKv = new SeqKvService()
    const launch = async (): Promise<Program> => {
      const p = start('python3', ['examples/programs/g_counter_seq_kv.py'], { 'seq-kv': seqKv })
      expect((await p.call('n1', { type: 'init', node_id: 'n1', node_ids: ['n1', 'n2'] })).type).toBe(
        'init_ok',
      )
      return p
    }
    const p = await launch()
    expect(await p.call('n1', { type: 'read' })).toMatchObject({ type: 'read_ok', value: 0 })
    expect((await p.call('n1', { type: 'add', delta: 3 })).type).toBe('add_ok')
    expect((await p.call('n1', { type: 'add', delta: 4 })).type).toBe('add_ok')
    expect(await p.call('n1', { type: 'read' })).toMatchObject({ type: 'read_ok', value: 7 })
    // n2's count, as n2 would have stored it: the read sums both keys.
    seqKv.handle('n2', { type: 'write', key: 'counter-n2', value: [5, 1] }, rng)
    expect(await p.call('n1', { type: 'read' })).toMatchObject({ value: 12 })
    expect(await p.call('n1', { type: 'add', delta: 'x' })).toMatchObject({ type: 'error', code: 12 })
    await p.stop()
    const q = await launch()
    expect((await q.call('n1', { type: 'add', delta: 1 })).type).toBe('add_ok')
    expect(await q.call('n1', { type: 'read' })).toMatchObject({ value: 13 })
    expect(seqKv.handle('n1', { type: 'read', key: 'counter-n1' }, rng)).toMatchObject({ value: [8, 3] })
  })
})
