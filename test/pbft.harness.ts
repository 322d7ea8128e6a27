// A one-thread test network for PBFT replicas: FIFO delivery, link cuts, drop filters,
// per-node "disks" (every persisted record, so a crashed replica restarts from them) and
// Byzantine replicas whose outgoing messages go through the factory's corrupt() (equivocate,
// forge) or are dropped (silent), as the simulator and the process host do.
import { createRng, type Rng } from '../src/core/rng'
import { nodeIds } from '../src/shared/trace'
import type { ClientReply, KvCommand, NodeId, ProtocolEvent } from '../src/core/protocols/types'
import { createPbftFactory, pbftParams, type PbftNode } from '../src/core/protocols/pbft'
import type { PbftMsg, PbftMutations, PbftRecord } from '../src/core/protocols/pbft/types'
import type { PbftParams } from '../src/shared/params/pbft'

export interface Envelope {
  from: NodeId
  to: NodeId
  msg: PbftMsg
}

export type Byz = 'silent' | 'equivocate' | 'forge'

export interface ClusterOptions {
  seed?: number
  params?: Partial<PbftParams>
  mutations?: PbftMutations
}

export class Cluster {
  readonly ids: NodeId[]
  readonly nodes = new Map<NodeId, PbftNode | null>()
  readonly disks = new Map<NodeId, PbftRecord[]>()
  readonly queue: Envelope[] = []
  readonly replies: Array<{ node: NodeId; reply: ClientReply }> = []
  readonly events = new Map<NodeId, ProtocolEvent[]>()
  readonly byz = new Map<NodeId, Byz>()
  /** Delivered messages, in order. */
  readonly delivered: Envelope[] = []
  private readonly cuts = new Set<string>()
  dropIf: ((e: Envelope) => boolean) | null = null
  readonly factory
  private readonly params: PbftParams
  private readonly byzRng: Rng
  readonly seed: number

  constructor(n: number, opts: ClusterOptions = {}) {
    this.ids = nodeIds(n)
    this.seed = opts.seed ?? 1
    this.params = pbftParams({ viewChangeTicks: 10, ...opts.params })
    this.factory = createPbftFactory(opts.mutations ?? {})
    this.byzRng = createRng(this.seed + 77)
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
      rng: createRng(this.seed * 31 + this.ids.indexOf(id)),
      recovered: structuredClone(this.disks.get(id) ?? []),
      runSeed: this.seed,
    }) as PbftNode
    this.nodes.set(id, node)
    this.drain(id)
  }

  node(id: NodeId): PbftNode {
    const n = this.nodes.get(id)
    if (!n) throw new Error(`${id} is down`)
    return n
  }

  drain(id: NodeId): void {
    const n = this.nodes.get(id)
    if (!n) return
    const rd = n.ready()
    this.disks.get(id)?.push(...structuredClone(rd.persist))
    const b = this.byz.get(id)
    for (const o of rd.messages) {
      if (b === 'silent') continue
      const msg =
        b === 'forge' || b === 'equivocate'
          ? (this.factory.corrupt?.(o.msg, b, o.to, this.byzRng) ?? o.msg)
          : o.msg
      this.queue.push({ from: id, to: o.to, msg })
    }
    for (const r of rd.replies) this.replies.push({ node: id, reply: r })
    this.events.get(id)?.push(...rd.events)
  }

  private deliverable(e: Envelope): boolean {
    if (!this.nodes.get(e.to)) return false
    if (this.cuts.has(`${e.from}>${e.to}`)) return false
    return !(this.dropIf && this.dropIf(e))
  }

  /** Deliver queued messages until none is left. */
  stabilize(maxSteps = 200_000): void {
    for (let i = 0; i < maxSteps && this.queue.length > 0; i++) {
      const e = this.queue.shift() as Envelope
      if (!this.deliverable(e)) continue
      this.delivered.push(e)
      this.node(e.to).step(e.from, e.msg)
      this.drain(e.to)
    }
  }

  tick(times = 1): void {
    for (let k = 0; k < times; k++) {
      for (const id of this.ids) {
        const n = this.nodes.get(id)
        if (!n) continue
        n.tick()
        this.drain(id)
      }
      this.stabilize()
    }
  }

  propose(id: NodeId, reqId: string, cmd: KvCommand): void {
    this.node(id).propose({ id: reqId, cmd })
    this.drain(id)
    this.stabilize()
  }

  put(id: NodeId, reqId: string, key: string, value: string): void {
    this.propose(id, reqId, { f: 'put', key, value })
  }

  reply(reqId: string): ClientReply | undefined {
    return this.replies.find((r) => r.reply.id === reqId)?.reply
  }

  crash(id: NodeId): void {
    this.nodes.set(id, null)
  }

  restart(id: NodeId): PbftNode {
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

  /** (seq, request id) executed by a replica, in order. */
  executed(id: NodeId): Array<[number, string]> {
    const out: Array<[number, string]> = []
    for (const e of this.events.get(id) ?? []) if (e.type === 'apply') out.push([e.index, e.id])
    return out
  }

  /** seq -> id, for replicas `ids`, reporting any seq where two of them differ. */
  disagreements(ids: NodeId[]): string[] {
    const at = new Map<number, { id: string; node: NodeId }>()
    const out: string[] = []
    for (const n of ids) {
      for (const [seq, id] of this.executed(n)) {
        const prev = at.get(seq)
        if (!prev) at.set(seq, { id, node: n })
        else if (prev.id !== id) out.push(`seq ${seq}: ${prev.node} ${prev.id} vs ${n} ${id}`)
      }
    }
    return out
  }
}
