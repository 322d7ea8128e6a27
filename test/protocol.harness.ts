// The one-thread simulated network the protocol test harnesses share: N nodes made by a
// factory, a FIFO message queue delivered synchronously, link cuts / isolation / a drop filter,
// and a per-node "disk" that keeps every record of ready().persist (written before the
// messages of the same ready() are queued), so a crashed node restarts from exactly those.
// Each protocol's harness (raft, paxos, multipaxos, pbft, quorum) is a thin subclass adding
// its own queries; a subclass calls startAll() at the end of its constructor.
import { createRng } from '../src/core/rng'
import { nodeIds } from '../src/shared/trace'
import type {
  ClientReply,
  KvCommand,
  NodeId,
  Protocol,
  ProtocolEvent,
  ProtocolFactory,
  Ready,
} from '../src/core/protocols/types'

export interface Envelope<Msg> {
  from: NodeId
  to: NodeId
  msg: Msg
}

export type ApplyEvent = Extract<ProtocolEvent, { type: 'apply' }>

/** When a message is added to `sent`: when a node sends it, when it is taken off the queue
 * (delivered or not), or only when it is delivered. */
export type SentLog = 'queued' | 'taken' | 'delivered'

export interface NetworkOptions<Msg, Rec, Params> {
  factory: ProtocolFactory<Msg, Rec, Params>
  /** Params of a node's next incarnation (called at every start). */
  params: (id: NodeId) => Params
  /** Seed of a node's rng at each start (`index`: its place in ids); default: seed, seed + 1,
   * … (one per start, in start order) × 7919. */
  rngSeed?: (id: NodeId, index: number) => number
  /** First seed of the default rngSeed sequence (default 1). */
  seed?: number
  /** CreateOptions.runSeed (default 1). */
  runSeed?: number
  /** CreateOptions.voters: the initial voters (default: every node). */
  voters?: NodeId[]
  /** Initial durable records per node. */
  disks?: Record<string, Rec[]>
  /** structuredClone each persisted record before it is stored (default true). */
  copyPersist?: boolean
  /** structuredClone each message when it is queued (default false). */
  copyMessages?: boolean
  /** Default 'taken'. */
  sentLog?: SentLog
  /** Default limit of stabilize() and deliverAll() (default 1_000_000). */
  maxSteps?: number
}

export const put = (key: string, value: string): KvCommand => ({ f: 'put', key, value })

export class SimNetwork<Msg, Rec, Params, N extends Protocol<Msg, Rec>> {
  readonly ids: NodeId[]
  readonly nodes = new Map<NodeId, N | null>()
  readonly disks = new Map<NodeId, Rec[]>()
  readonly queue: Envelope<Msg>[] = []
  readonly replies: Array<{ node: NodeId; reply: ClientReply }> = []
  readonly events = new Map<NodeId, ProtocolEvent[]>()
  /** Messages in order, logged as options.sentLog says. */
  readonly sent: Envelope<Msg>[] = []
  /** Return true to drop a message. */
  dropIf: ((e: Envelope<Msg>) => boolean) | null = null
  readonly factory: ProtocolFactory<Msg, Rec, Params>
  private readonly cuts = new Set<string>()
  private readonly net: NetworkOptions<Msg, Rec, Params>
  private nextSeed: number

  constructor(n: number, options: NetworkOptions<Msg, Rec, Params>) {
    this.ids = nodeIds(n)
    this.net = options
    this.factory = options.factory
    this.nextSeed = options.seed ?? 1
  }

  /** Create every node from its initial disk (call once, at the end of the subclass constructor). */
  protected startAll(): void {
    for (const id of this.ids) {
      this.disks.set(id, structuredClone(this.net.disks?.[id] ?? []))
      this.events.set(id, [])
      this.start(id)
    }
  }

  private start(id: NodeId): void {
    const seed = this.net.rngSeed ? this.net.rngSeed(id, this.ids.indexOf(id)) : this.nextSeed++ * 7919
    const node = this.factory.create({
      id,
      nodes: this.ids,
      params: this.net.params(id),
      rng: createRng(seed),
      runSeed: this.net.runSeed ?? 1,
      ...(this.net.voters !== undefined ? { voters: this.net.voters } : {}),
      recovered: structuredClone(this.disks.get(id) ?? []),
    }) as N
    this.nodes.set(id, node)
    this.drain(id)
  }

  node(id: NodeId): N {
    const n = this.nodes.get(id)
    if (!n) throw new Error(`${id} is down`)
    return n
  }

  live(): N[] {
    return [...this.nodes.values()].filter((n): n is N => n !== null)
  }

  leaders(): N[] {
    return this.live().filter((n) => n.status().role === 'leader')
  }

  /** What a node sends to `to` (null: nothing); the hook for Byzantine senders. */
  protected outgoing(_from: NodeId, _to: NodeId, msg: Msg): Msg | null {
    return msg
  }

  /** Called with every drained Ready, after it is stored and queued. */
  protected onReady(_id: NodeId, _rd: Ready<Msg, Rec>): void {}

  /** Drain a node's Ready: persist first (write-ahead), then queue messages, replies, events. */
  drain(id: NodeId): void {
    const n = this.nodes.get(id)
    if (!n) return
    const rd = n.ready()
    let disk = this.disks.get(id)!
    const copyPersist = this.net.copyPersist ?? true
    if (rd.base !== undefined) {
      // Log compaction: the base replaces everything persisted before.
      disk = [copyPersist ? structuredClone(rd.base) : rd.base]
      this.disks.set(id, disk)
    }
    for (const r of rd.persist) disk.push(copyPersist ? structuredClone(r) : r)
    for (const o of rd.messages) {
      const msg = this.outgoing(id, o.to, o.msg)
      if (msg === null) continue
      const e = { from: id, to: o.to, msg: this.net.copyMessages ? structuredClone(msg) : msg }
      this.queue.push(e)
      if (this.net.sentLog === 'queued') this.sent.push(e)
    }
    for (const r of rd.replies) this.replies.push({ node: id, reply: r })
    this.events.get(id)!.push(...rd.events)
    this.onReady(id, rd)
  }

  deliverable(e: Envelope<Msg>): boolean {
    if (!this.nodes.get(e.to)) return false
    if (this.cuts.has(`${e.from}>${e.to}`)) return false
    if (this.dropIf && this.dropIf(e)) return false
    return true
  }

  /** Take one queued message and deliver it if it can be (false when the queue is empty). */
  deliverOne(): boolean {
    const e = this.queue.shift()
    if (!e) return false
    const log = this.net.sentLog ?? 'taken'
    if (log === 'taken') this.sent.push(e)
    if (!this.deliverable(e)) return true
    if (log === 'delivered') this.sent.push(e)
    this.node(e.to).step(e.from, e.msg)
    this.drain(e.to)
    return true
  }

  /** Deliver queued messages (and everything they cause): at most `max` (then stop silently);
   * returns how many were taken off the queue. */
  deliverAll(max = this.net.maxSteps ?? 1_000_000): number {
    let i = 0
    while (i < max && this.deliverOne()) i++
    return i
  }

  /** Deliver queued messages (and everything they cause) until the queue is empty. */
  stabilize(maxSteps = this.net.maxSteps ?? 1_000_000): number {
    let steps = 0
    while (this.queue.length) {
      if (++steps > maxSteps) throw new Error('stabilize: too many steps')
      this.deliverOne()
    }
    return steps
  }

  /** Tick each live node of `ids` once, draining it, without delivering anything. */
  tickRound(ids: NodeId[] = this.ids): void {
    for (const id of ids) {
      const n = this.nodes.get(id)
      if (!n) continue
      n.tick()
      this.drain(id)
    }
  }

  /** Tick the given nodes (default: all live) `times` rounds, stabilizing after each round. */
  tick(times = 1, ids: NodeId[] = this.ids): void {
    for (let i = 0; i < times; i++) {
      this.tickRound(ids)
      this.stabilize()
    }
  }

  /** Tick until `cond` holds (throws after `max` rounds). */
  tickUntil(cond: () => boolean, max = 1000, ids?: NodeId[]): number {
    for (let i = 0; i < max; i++) {
      if (cond()) return i
      this.tick(1, ids)
    }
    if (cond()) return max
    throw new Error('tickUntil: condition not reached')
  }

  /** Let node `id` act (`f`), drain it and, with `settle`, deliver everything that causes. */
  act(id: NodeId, f: (n: N) => void, settle = true): void {
    f(this.node(id))
    this.drain(id)
    if (settle) this.stabilize()
  }

  /** A client request to `id`; with `settle`, deliver everything it causes. */
  propose(id: NodeId, reqId: string, cmd: KvCommand, settle = true): void {
    this.act(id, (n) => n.propose({ id: reqId, cmd }), settle)
  }

  reply(reqId: string): ClientReply | undefined {
    return this.replies.find((r) => r.reply.id === reqId)?.reply
  }

  repliesFor(reqId: string): ClientReply[] {
    return this.replies.filter((r) => r.reply.id === reqId).map((r) => r.reply)
  }

  /** Apply events of a node since it was created (all incarnations). */
  applyEvents(id: NodeId): ApplyEvent[] {
    return this.events.get(id)!.filter((e): e is ApplyEvent => e.type === 'apply')
  }

  crash(id: NodeId): void {
    this.nodes.set(id, null)
  }

  /** Start a crashed node again from its disk. */
  restart(id: NodeId): N {
    this.start(id)
    return this.node(id)
  }

  cut(a: NodeId, b: NodeId): void {
    this.cuts.add(`${a}>${b}`)
    this.cuts.add(`${b}>${a}`)
  }

  cutOneWay(from: NodeId, to: NodeId): void {
    this.cuts.add(`${from}>${to}`)
  }

  isolate(id: NodeId): void {
    for (const o of this.ids) if (o !== id) this.cut(id, o)
  }

  /** Restore every link and remove the drop filter. */
  heal(): void {
    this.cuts.clear()
    this.dropIf = null
  }
}
