// A one-thread test network for Paxos nodes: a FIFO message queue delivered synchronously,
// a drop filter, and a per-node "disk" that keeps every record from ready().persist so a
// crashed node restarts from exactly those.
import { createRng } from '../src/core/rng'
import { PaxosParamsSchema, type PaxosParams } from '../src/shared/params/paxos'
import { nodeIds } from '../src/shared/trace'
import type { ClientReply, KvCommand, NodeId, ProtocolEvent } from '../src/core/protocols/types'
import {
  createPaxosFactory,
  type PaxosMsg,
  type PaxosMutations,
  type PaxosNode,
  type PaxosRecord,
} from '../src/core/protocols/paxos'

export interface Envelope {
  from: NodeId
  to: NodeId
  msg: PaxosMsg
}

export class Cluster {
  readonly ids: NodeId[]
  readonly nodes = new Map<NodeId, PaxosNode | null>()
  readonly disks = new Map<NodeId, PaxosRecord[]>()
  readonly queue: Envelope[] = []
  readonly replies: Array<{ node: NodeId; reply: ClientReply }> = []
  readonly events = new Map<NodeId, ProtocolEvent[]>()
  /** Every message handed to the network, in order. */
  readonly sent: Envelope[] = []
  /** Return true to drop a message. */
  dropIf: ((e: Envelope) => boolean) | null = null
  private readonly factory
  private readonly params: PaxosParams
  private seed = 1

  constructor(n: number, params: Partial<PaxosParams> = {}, mutations: PaxosMutations = {}) {
    this.ids = nodeIds(n)
    this.params = PaxosParamsSchema.parse(params)
    this.factory = createPaxosFactory(mutations)
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
      recovered: structuredClone(this.disks.get(id) as PaxosRecord[]),
    }) as PaxosNode
    this.nodes.set(id, node)
    this.drain(id)
  }

  node(id: NodeId): PaxosNode {
    const n = this.nodes.get(id)
    if (!n) throw new Error(`${id} is down`)
    return n
  }

  drain(id: NodeId): void {
    const n = this.nodes.get(id)
    if (!n) return
    const r = n.ready()
    this.disks.get(id)?.push(...r.persist)
    for (const m of r.messages) {
      const e = { from: id, to: m.to, msg: m.msg }
      this.sent.push(e)
      this.queue.push(e)
    }
    for (const reply of r.replies) this.replies.push({ node: id, reply })
    this.events.get(id)?.push(...r.events)
  }

  crash(id: NodeId): void {
    this.nodes.set(id, null)
  }

  restart(id: NodeId): void {
    this.start(id)
  }

  propose(id: NodeId, reqId: string, cmd: KvCommand): void {
    this.node(id).propose({ id: reqId, cmd })
    this.drain(id)
  }

  /** Deliver one queued message (false when the queue is empty). */
  deliverOne(): boolean {
    const e = this.queue.shift()
    if (!e) return false
    const n = this.nodes.get(e.to)
    if (!n || this.dropIf?.(e)) return true
    n.step(e.from, e.msg)
    this.drain(e.to)
    return true
  }

  deliverAll(max = 100_000): void {
    for (let i = 0; i < max && this.deliverOne(); i++);
  }

  tick(times = 1): void {
    for (let k = 0; k < times; k++) {
      for (const id of this.ids) {
        const n = this.nodes.get(id)
        if (!n) continue
        n.tick()
        this.drain(id)
      }
    }
  }

  /** Tick and deliver everything after each tick. */
  run(ticks: number): void {
    for (let k = 0; k < ticks; k++) {
      this.tick()
      this.deliverAll()
    }
  }

  reply(id: string): ClientReply | undefined {
    return this.replies.find((r) => r.reply.id === id)?.reply
  }

  applied(id: NodeId, key: string): string[] {
    return this.node(id)
      .appliedValues(key)
      .map((v) => v.id)
  }
}

export function put(key: string, value: string): KvCommand {
  return { f: 'put', key, value }
}
