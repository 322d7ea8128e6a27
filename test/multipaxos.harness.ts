// A one-thread test network for Multi-Paxos nodes: N nodes, a FIFO message queue delivered
// synchronously, link cuts / isolation / drop filters, and a per-node "disk" that keeps
// every record from ready().persist, so a crashed node restarts from exactly those.
import { createRng } from '../src/core/rng'
import { MultiPaxosParamsSchema, type MultiPaxosParams } from '../src/shared/params/multipaxos'
import { nodeIds } from '../src/shared/trace'
import type { ClientReply, KvCommand, NodeId, ProtocolEvent } from '../src/core/protocols/types'
import {
  createMultiPaxosFactory,
  type MpMsg,
  type MpRecord,
  type MultiPaxosMutations,
  type MultiPaxosNode,
} from '../src/core/protocols/multipaxos'

export interface Envelope {
  from: NodeId
  to: NodeId
  msg: MpMsg
}

export interface ClusterOptions {
  seed?: number
  params?: Partial<MultiPaxosParams>
  mutations?: MultiPaxosMutations
}

export function params(p: Partial<MultiPaxosParams> = {}): MultiPaxosParams {
  return MultiPaxosParamsSchema.parse({ leaderTimeoutTicks: [10, 20], heartbeatTicks: 2, ...p })
}

export type ApplyEv = Extract<ProtocolEvent, { type: 'apply' }>

export class Cluster {
  readonly ids: NodeId[]
  readonly nodes = new Map<NodeId, MultiPaxosNode | null>()
  readonly disks = new Map<NodeId, MpRecord[]>()
  readonly queue: Envelope[] = []
  readonly replies: Array<{ node: NodeId; reply: ClientReply }> = []
  readonly events = new Map<NodeId, ProtocolEvent[]>()
  /** Every message taken off the queue (delivered or not), in order. */
  readonly sent: Envelope[] = []
  /** For each node: the persist records and messages of every ready(), in order. */
  readonly readies: Array<{ node: NodeId; persist: MpRecord[]; messages: MpMsg[] }> = []
  private readonly cuts = new Set<string>()
  /** Return true to drop a message. */
  dropIf: ((e: Envelope) => boolean) | null = null
  private readonly factory
  private rngSeed: number

  constructor(
    n: number,
    private readonly opts: ClusterOptions = {},
  ) {
    this.ids = nodeIds(n)
    this.rngSeed = opts.seed ?? 1
    this.factory = createMultiPaxosFactory(opts.mutations ?? {})
    for (const id of this.ids) {
      this.disks.set(id, [])
      this.events.set(id, [])
      this.start(id)
    }
  }

  private start(id: NodeId): void {
    const node = this.factory.create({
      id,
      nodes: this.ids,
      params: params(this.opts.params),
      rng: createRng(this.rngSeed++ * 7919),
      runSeed: 1,
      recovered: structuredClone(this.disks.get(id)!),
    }) as MultiPaxosNode
    this.nodes.set(id, node)
    this.drain(id)
  }

  node(id: NodeId): MultiPaxosNode {
    const n = this.nodes.get(id)
    if (!n) throw new Error(`${id} is down`)
    return n
  }

  live(): MultiPaxosNode[] {
    return [...this.nodes.values()].filter((n): n is MultiPaxosNode => n !== null)
  }

  leaders(): MultiPaxosNode[] {
    return this.live().filter((n) => n.status().role === 'leader')
  }

  /** Drain a node's Ready: persist first (write-ahead), then queue messages, replies, events. */
  drain(id: NodeId): void {
    const n = this.nodes.get(id)
    if (!n) return
    const rd = n.ready()
    const disk = this.disks.get(id)!
    for (const r of rd.persist) disk.push(structuredClone(r))
    for (const o of rd.messages) this.queue.push({ from: id, to: o.to, msg: structuredClone(o.msg) })
    for (const r of rd.replies) this.replies.push({ node: id, reply: r })
    this.events.get(id)!.push(...rd.events)
    this.readies.push({ node: id, persist: [...rd.persist], messages: rd.messages.map((o) => o.msg) })
  }

  deliverable(e: Envelope): boolean {
    if (!this.nodes.get(e.to)) return false
    if (this.cuts.has(`${e.from}>${e.to}`)) return false
    if (this.dropIf && this.dropIf(e)) return false
    return true
  }

  /** Deliver queued messages (and everything they cause) until the queue is empty. */
  stabilize(maxSteps = 1_000_000): void {
    let steps = 0
    while (this.queue.length) {
      if (++steps > maxSteps) throw new Error('stabilize: too many steps')
      const e = this.queue.shift()!
      this.sent.push(e)
      if (!this.deliverable(e)) continue
      this.node(e.to).step(e.from, e.msg)
      this.drain(e.to)
    }
  }

  tick(times = 1, ids: NodeId[] = this.ids): void {
    for (let i = 0; i < times; i++) {
      for (const id of ids) {
        const n = this.nodes.get(id)
        if (!n) continue
        n.tick()
        this.drain(id)
      }
      this.stabilize()
    }
  }

  tickUntil(cond: () => boolean, max = 1000): number {
    for (let i = 0; i < max; i++) {
      if (cond()) return i
      this.tick(1)
    }
    if (cond()) return max
    throw new Error('tickUntil: condition not reached')
  }

  /** Tick until one leader is followed by a majority (after a crash: once leases expire). */
  elect(max = 1000): MultiPaxosNode {
    const quorum = Math.floor(this.ids.length / 2) + 1
    this.tickUntil(() => {
      const ls = this.leaders()
      if (ls.length !== 1) return false
      return this.live().filter((n) => n.status().leader === ls[0].id).length >= quorum
    }, max)
    return this.leaders()[0]
  }

  campaign(id: NodeId): void {
    this.node(id).campaign()
    this.drain(id)
    this.stabilize()
  }

  propose(id: NodeId, reqId: string, cmd: KvCommand, settle = true): void {
    this.node(id).propose({ id: reqId, cmd })
    this.drain(id)
    if (settle) this.stabilize()
  }

  repliesFor(reqId: string): ClientReply[] {
    return this.replies.filter((r) => r.reply.id === reqId).map((r) => r.reply)
  }

  crash(id: NodeId): void {
    this.nodes.set(id, null)
  }

  restart(id: NodeId): MultiPaxosNode {
    this.start(id)
    return this.node(id)
  }

  cut(a: NodeId, b: NodeId): void {
    this.cuts.add(`${a}>${b}`)
    this.cuts.add(`${b}>${a}`)
  }

  isolate(id: NodeId): void {
    for (const o of this.ids) if (o !== id) this.cut(id, o)
  }

  heal(): void {
    this.cuts.clear()
    this.dropIf = null
  }

  /** Apply events of a node since it was created (all incarnations). */
  applied(id: NodeId): ApplyEv[] {
    return this.events.get(id)!.filter((e): e is ApplyEv => e.type === 'apply')
  }

  /** Ids applied by a node, in order, as `slot:id` (the last incarnation's replays included). */
  appliedIds(id: NodeId): string[] {
    return this.applied(id).map((e) => `${e.index}:${e.id}`)
  }

  /** Slot agreement across nodes: `slot: a vs b` for every disagreement. */
  agreementViolations(): string[] {
    const at = new Map<number, string>()
    const out: string[] = []
    for (const id of this.ids) {
      for (const a of this.applied(id)) {
        const prev = at.get(a.index)
        if (prev === undefined) at.set(a.index, `${a.term}:${a.id}`)
        else if (prev !== `${a.term}:${a.id}`) out.push(`slot ${a.index}: ${prev} vs ${a.term}:${a.id}`)
      }
    }
    return out
  }

  count(type: MpMsg['type'], from?: NodeId): number {
    return this.sent.filter((e) => e.msg.type === type && (from === undefined || e.from === from)).length
  }
}

export const put = (key: string, value: string): KvCommand => ({ f: 'put', key, value })
