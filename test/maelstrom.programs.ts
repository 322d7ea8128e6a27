// Helpers for tests that run Maelstrom programs as child processes and play the lab's part
// over their stdin/stdout (no TCP, no proxy: that is the host's): one Program, and a small
// cluster of them that routes node-to-node messages (dropping those across a partition),
// answers service calls with the pure services, and runs a workload's requests.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import type {
  MaelstromBody,
  MaelstromMessage,
  MaelstromOp,
  MaelstromService,
  MaelstromWorkload,
  WorkloadContext,
} from '../src/core/maelstrom/types'
import { createRng, type Rng } from '../src/core/rng'

const WAIT_MS = 10_000

/** Where a line a program wrote goes: return true when it was taken (not kept in the inbox). */
export type Route = (msg: MaelstromMessage, from: Program) => boolean

/** One program: what it writes (routed or kept), and ways to talk to it and wait for messages. */
export class Program {
  private readonly child: ChildProcessWithoutNullStreams
  private readonly inbox: MaelstromMessage[] = []
  private wake: (() => void) | null = null
  private buffer = ''
  private nextId = 1
  private readonly exited: Promise<unknown>
  readonly stderr: string[] = []

  constructor(
    command: string,
    args: string[],
    private readonly route: Route = () => false,
  ) {
    this.child = spawn(command, args, { stdio: 'pipe' })
    this.exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.stdin.on('error', () => {}) // writes to a killed program are dropped
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
      if (this.route(msg, this)) continue
      this.inbox.push(msg)
      this.wake?.()
    }
  }

  /** Write a message to the program's stdin as it is. */
  deliver(msg: MaelstromMessage): void {
    if (this.child.stdin.writable) this.child.stdin.write(`${JSON.stringify(msg)}\n`)
  }

  /** Send `body` from `src` as it is (e.g. a reply). */
  answer(src: string, dest: string, body: MaelstromBody): void {
    this.deliver({ src, dest, body })
  }

  /** Send `body` from `src` (a msg_id added) and return that msg_id. */
  send(src: string, dest: string, body: Omit<MaelstromBody, 'msg_id'>): number {
    const msgId = this.nextId++
    this.deliver({ src, dest, body: { ...body, msg_id: msgId } as MaelstromBody })
    return msgId
  }

  /** The first message written so far or within `waitMs` that `match` accepts (taken out), or null. */
  async poll(match: (m: MaelstromMessage) => boolean, waitMs = WAIT_MS): Promise<MaelstromMessage | null> {
    const deadline = Date.now() + waitMs
    for (;;) {
      const i = this.inbox.findIndex(match)
      if (i >= 0) return this.inbox.splice(i, 1)[0]
      if (Date.now() > deadline) return null
      await new Promise<void>((resolve) => {
        this.wake = resolve
        setTimeout(resolve, 20)
      })
    }
  }

  /** Like poll, but a missing message fails with what was awaited and the program's stderr. */
  async next(match: (m: MaelstromMessage) => boolean, what: string): Promise<MaelstromMessage> {
    const m = await this.poll(match)
    if (!m) throw new Error(`no ${what} within ${WAIT_MS} ms; stderr: ${this.stderr.join('')}`)
    return m
  }

  /** The reply to msg_id `id` sent to `dest`. */
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

/** Programs started by a test file, to stop after each test. */
export const running: Program[] = []

export function startProgram(command: string[], route?: Route): Program {
  const p = new Program(command[0], command.slice(1), route)
  running.push(p)
  return p
}

export async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((p) => p.stop()))
}

/** N nodes running `command`, wired through this test (partitions drop node-to-node messages). */
export class ProgramCluster {
  private readonly nodes = new Map<string, Program>()
  private readonly down = new Set<string>()
  private group = new Map<string, number>()
  private readonly rng: Rng
  /** Node-to-node messages delivered (for messages per op). */
  nodeMessages = 0

  constructor(
    private readonly command: string[],
    readonly nodeIds: string[],
    private readonly services: Record<string, MaelstromService> = {},
    seed = 1,
  ) {
    this.rng = createRng(seed)
  }

  private readonly route: Route = (msg, from) => {
    const service = this.services[msg.dest]
    if (service) {
      from.deliver({ src: msg.dest, dest: msg.src, body: service.handle(msg.src, msg.body, this.rng) })
      return true
    }
    const to = this.nodes.get(msg.dest)
    if (!to) return false // to a client: kept for the waiting request
    if (!this.down.has(msg.dest) && this.group.get(msg.src) === this.group.get(msg.dest)) {
      this.nodeMessages++
      to.deliver(msg)
    }
    return true
  }

  /** Start (or restart) `node` and wait for its init_ok. */
  async boot(node: string): Promise<void> {
    const p = startProgram(this.command, this.route)
    this.nodes.set(node, p)
    this.down.delete(node)
    const r = await p.call(node, { type: 'init', node_id: node, node_ids: this.nodeIds }, 'c0')
    if (r.type !== 'init_ok') throw new Error(`${node} answered init with ${JSON.stringify(r)}`)
  }

  async start(): Promise<void> {
    for (const n of this.nodeIds) await this.boot(n)
  }

  async crash(node: string): Promise<void> {
    this.down.add(node)
    await this.nodes.get(node)?.stop()
  }

  /** Cut the network into `groups` (nodes in no group are alone). */
  partition(groups: string[][]): void {
    this.group = new Map()
    this.nodeIds.forEach((n, i) => this.group.set(n, -1 - i))
    groups.forEach((g, i) => g.forEach((n) => this.group.set(n, i)))
  }

  heal(): void {
    this.group = new Map()
  }

  /** One client request; its op as the host would record it (info when unanswered in `timeoutMs`). */
  async request(
    client: number,
    node: string,
    body: MaelstromBody,
    t0: number,
    final = false,
    timeoutMs = 1000,
  ): Promise<MaelstromOp> {
    const p = this.nodes.get(node)
    if (!p) throw new Error(`no node ${node}`)
    const src = `c${client + 1}`
    const invokeUs = (Date.now() - t0) * 1000
    const id = p.send(src, node, body)
    const reply = this.down.has(node)
      ? null
      : await p.poll((m) => m.dest === src && m.body.in_reply_to === id, timeoutMs)
    const base = {
      id: `${src}-${node}-${id}`,
      client,
      node,
      request: { ...body, msg_id: id },
      invokeUs,
      ...(final ? { final } : {}),
    }
    if (!reply) return { ...base, completeUs: null, outcome: 'info' }
    const completeUs = (Date.now() - t0) * 1000
    if (reply.body.type !== 'error') return { ...base, completeUs, outcome: 'ok', reply: reply.body }
    const code = reply.body.code as number
    return {
      ...base,
      completeUs,
      outcome: [0, 13].includes(code) || code >= 1000 ? 'info' : 'fail',
      reply: reply.body,
      errorCode: code,
    }
  }

  /**
   * Run `workload`: setup, then `rounds` rounds of one request per client (with `between(i)`
   * called before round i and `between(rounds)` after the last, for faults), then `settleMs`
   * quiet, then the final requests.
   */
  async run(
    workload: MaelstromWorkload,
    clients: number,
    rounds: number,
    between: (round: number) => Promise<void> | void,
    settleMs: number,
  ): Promise<{ ops: MaelstromOp[]; ctx: WorkloadContext }> {
    const ctx: WorkloadContext = { nodeIds: this.nodeIds, options: {} }
    const t0 = Date.now()
    for (const s of workload.setup(ctx)) await this.nodes.get(s.node)?.call(s.node, s.body, 'c0')
    const rng = createRng(7)
    const ops: MaelstromOp[] = []
    for (let i = 0; i < rounds; i++) {
      await between(i)
      const batch = Array.from({ length: clients }, (_, c) => {
        const r = workload.request(rng, { ...ctx, client: c, opIndex: i })
        return this.request(c, r.node, r.body, t0)
      })
      ops.push(...(await Promise.all(batch)))
    }
    await between(rounds)
    await new Promise((r) => setTimeout(r, settleMs))
    const finals = workload
      .finalRequests(ctx)
      .map((r, i) => this.request(i % clients, r.node, r.body, t0, true, 3000))
    ops.push(...(await Promise.all(finals)))
    return { ops, ctx: { ...ctx, nodeMessages: this.nodeMessages } }
  }
}
