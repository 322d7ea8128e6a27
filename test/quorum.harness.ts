// A one-thread test network for quorum-store nodes: N nodes, a FIFO message queue delivered
// synchronously, link cuts / isolation, crash and restart from each node's "disk" (every
// record its ready() asked to persist), and the client replies and events each node produced.
import { createRng } from '../src/core/rng'
import { QuorumParamsSchema, type QuorumParams } from '../src/shared/spec'
import { nodeIds } from '../src/shared/trace'
import type { ClientReply, KvCommand, NodeId, ProtocolEvent } from '../src/core/protocols/types'
import {
  createQuorumFactory,
  type QuorumMsg,
  type QuorumMutations,
  type QuorumNode,
  type QuorumRecord,
} from '../src/core/protocols/quorum'

export interface Envelope {
  from: NodeId
  to: NodeId
  msg: QuorumMsg
}

export function qparams(p: Partial<QuorumParams> = {}): QuorumParams {
  return QuorumParamsSchema.parse({ antiEntropyTicks: 0, requestTimeoutTicks: 50, ...p })
}

export class QCluster {
  readonly ids: NodeId[]
  readonly nodes = new Map<NodeId, QuorumNode | null>()
  readonly disks = new Map<NodeId, QuorumRecord[]>()
  readonly queue: Envelope[] = []
  readonly replies: Array<{ node: NodeId; reply: ClientReply }> = []
  readonly events = new Map<NodeId, ProtocolEvent[]>()
  /** Every message taken off the queue (delivered or not), in order. */
  readonly sent: Envelope[] = []
  private readonly cuts = new Set<string>()
  private readonly factory
  private seed = 1

  constructor(
    n: number,
    readonly params: QuorumParams,
    mutations: QuorumMutations = {},
  ) {
    this.ids = nodeIds(n)
    this.factory = createQuorumFactory(mutations)
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
      params: this.params,
      rng: createRng(this.seed++ * 7919),
      runSeed: 1,
      recovered: structuredClone(this.disks.get(id) as QuorumRecord[]),
    }) as QuorumNode
    this.nodes.set(id, node)
    this.drain(id)
  }

  node(id: NodeId): QuorumNode {
    const n = this.nodes.get(id)
    if (!n) throw new Error(`${id} is down`)
    return n
  }

  drain(id: NodeId): void {
    const n = this.nodes.get(id)
    if (!n) return
    const rd = n.ready()
    const disk = this.disks.get(id) as QuorumRecord[]
    for (const r of rd.persist) disk.push(structuredClone(r))
    for (const o of rd.messages) this.queue.push({ from: id, to: o.to, msg: structuredClone(o.msg) })
    for (const r of rd.replies) this.replies.push({ node: id, reply: r })
    ;(this.events.get(id) as ProtocolEvent[]).push(...rd.events)
  }

  /** Deliver queued messages (and everything they cause) until the queue is empty. */
  stabilize(maxSteps = 100_000): void {
    let steps = 0
    while (this.queue.length) {
      if (++steps > maxSteps) throw new Error('stabilize: too many steps')
      const e = this.queue.shift() as Envelope
      this.sent.push(e)
      if (!this.nodes.get(e.to) || this.cuts.has(`${e.from}>${e.to}`)) continue
      this.node(e.to).step(e.from, e.msg)
      this.drain(e.to)
    }
  }

  tick(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const id of this.ids) {
        const n = this.nodes.get(id)
        if (!n) continue
        n.tick()
        this.drain(id)
      }
      this.stabilize()
    }
  }

  /** Send a client request to `id` and deliver everything it causes. */
  request(id: NodeId, reqId: string, cmd: KvCommand): ClientReply | undefined {
    this.node(id).propose({ id: reqId, cmd })
    this.drain(id)
    this.stabilize()
    return this.reply(reqId)
  }

  put(id: NodeId, reqId: string, key: string, value = reqId): ClientReply | undefined {
    return this.request(id, reqId, { f: 'put', key, value })
  }

  get(id: NodeId, reqId: string, key: string): ClientReply | undefined {
    return this.request(id, reqId, { f: 'get', key })
  }

  reply(reqId: string): ClientReply | undefined {
    return this.replies.find((r) => r.reply.id === reqId)?.reply
  }

  crash(id: NodeId): void {
    this.nodes.set(id, null)
  }

  restart(id: NodeId): QuorumNode {
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
  }

  /** Request ids of the versions `id` holds for `key` (sorted). */
  holds(id: NodeId, key: string): string[] {
    return (this.node(id).data.get(key) ?? []).map((v) => v.id).sort()
  }

  applies(id: NodeId): Array<Extract<ProtocolEvent, { type: 'apply' }>> {
    return (this.events.get(id) as ProtocolEvent[]).filter(
      (e): e is Extract<ProtocolEvent, { type: 'apply' }> => e.type === 'apply',
    )
  }

  /** Message types taken off the queue so far. */
  types(): string[] {
    return this.sent.map((e) => e.msg.type)
  }
}
