// A tiny etcd-style test network for Raft nodes: N nodes, a FIFO message queue delivered
// synchronously, link cuts / isolation / drop filters, and a per-node "disk" that keeps
// every record from ready().persist so a crashed node restarts from exactly those.
import { createRng } from '../src/core/rng'
import { RaftParamsSchema, type RaftParams } from '../src/shared/spec'
import { nodeIds } from '../src/shared/trace'
import type { ClientReply, KvCommand, NodeId, ProtocolEvent } from '../src/core/protocols/types'
import { createRaftFactory, type RaftNode } from '../src/core/protocols/raft'
import type { RaftMsg, RaftMutations, RaftRecord } from '../src/core/protocols/raft/types'

export interface Envelope {
  from: NodeId
  to: NodeId
  msg: RaftMsg
}

export interface ClusterOptions {
  seed?: number
  params?: Partial<RaftParams>
  /** Per-node params overrides. */
  paramsFor?: Record<string, Partial<RaftParams>>
  mutations?: RaftMutations
  /** Initial durable records per node (to build specific logs). */
  disks?: Record<string, RaftRecord[]>
}

export function params(p: Partial<RaftParams> = {}): RaftParams {
  return RaftParamsSchema.parse({ electionTimeoutTicks: [10, 20], heartbeatTicks: 2, ...p })
}

export class Cluster {
  readonly ids: NodeId[]
  readonly nodes = new Map<NodeId, RaftNode | null>()
  readonly disks = new Map<NodeId, RaftRecord[]>()
  readonly queue: Envelope[] = []
  readonly replies: Array<{ node: NodeId; reply: ClientReply }> = []
  readonly events = new Map<NodeId, ProtocolEvent[]>()
  /** Every message delivered (or dropped), in order, for assertions. */
  readonly sent: Envelope[] = []
  private readonly cuts = new Set<string>()
  /** Return true to drop a message. */
  dropIf: ((e: Envelope) => boolean) | null = null
  private readonly factory
  private readonly opts: ClusterOptions
  private rngSeed: number

  constructor(n: number, opts: ClusterOptions = {}) {
    this.ids = nodeIds(n)
    this.opts = opts
    this.rngSeed = opts.seed ?? 1
    this.factory = createRaftFactory(opts.mutations ?? {})
    for (const id of this.ids) {
      this.disks.set(id, structuredClone(opts.disks?.[id] ?? []))
      this.events.set(id, [])
      this.start(id)
    }
  }

  private start(id: NodeId): void {
    const p = params({ ...this.opts.params, ...this.opts.paramsFor?.[id] })
    const node = this.factory.create({
      id,
      nodes: this.ids,
      params: p,
      rng: createRng(this.rngSeed++ * 7919),
      runSeed: 1,
      recovered: structuredClone(this.disks.get(id)!),
    }) as RaftNode
    this.nodes.set(id, node)
    this.drain(id)
  }

  node(id: NodeId): RaftNode {
    const n = this.nodes.get(id)
    if (!n) throw new Error(`${id} is down`)
    return n
  }

  live(): RaftNode[] {
    return [...this.nodes.values()].filter((n): n is RaftNode => n !== null)
  }

  leaders(): RaftNode[] {
    return this.live().filter((n) => n.status().role === 'leader')
  }

  /** The unique leader with the highest term (throws when there is none). */
  leader(): RaftNode {
    const ls = this.leaders().sort((a, b) => b.status().term - a.status().term)
    if (!ls.length) throw new Error('no leader')
    return ls[0]
  }

  /** Drain a node's Ready: persist first (write-ahead), then queue messages, replies, events. */
  drain(id: NodeId): void {
    const n = this.nodes.get(id)
    if (!n) return
    const rd = n.ready()
    const disk = this.disks.get(id)!
    for (const r of rd.persist) disk.push(structuredClone(r))
    for (const o of rd.messages) this.queue.push({ from: id, to: o.to, msg: o.msg })
    for (const r of rd.replies) this.replies.push({ node: id, reply: r })
    this.events.get(id)!.push(...rd.events)
  }

  deliverable(e: Envelope): boolean {
    if (!this.nodes.get(e.to)) return false
    if (this.cuts.has(`${e.from}>${e.to}`)) return false
    if (this.dropIf && this.dropIf(e)) return false
    return true
  }

  /** Deliver queued messages (and everything they cause) until the queue is empty. */
  stabilize(maxSteps = 1_000_000): number {
    let steps = 0
    while (this.queue.length) {
      if (++steps > maxSteps) throw new Error('stabilize: too many steps')
      const e = this.queue.shift()!
      this.sent.push(e)
      if (!this.deliverable(e)) continue
      this.node(e.to).step(e.from, e.msg)
      this.drain(e.to)
    }
    return steps
  }

  /** Tick the given nodes (default: all live) `times` rounds, stabilizing after each round. */
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

  /** Tick until `cond` holds (throws after `max` rounds). */
  tickUntil(cond: () => boolean, max = 1000, ids?: NodeId[]): number {
    for (let i = 0; i < max; i++) {
      if (cond()) return i
      this.tick(1, ids)
    }
    if (cond()) return max
    throw new Error('tickUntil: condition not reached')
  }

  /** Tick until there is a leader that a majority of live nodes follow. */
  elect(max = 1000): RaftNode {
    this.tickUntil(() => {
      const ls = this.leaders()
      if (ls.length === 0) return false
      const l = ls.sort((a, b) => b.status().term - a.status().term)[0]
      const followers = this.live().filter(
        (n) => n.status().leader === l.id && n.status().term === l.status().term,
      )
      return (
        followers.length >= Math.floor(this.ids.length / 2) + 1 &&
        l.status().commitIndex >= l.status().lastIndex
      )
    }, max)
    return this.leader()
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

  reply(reqId: string): ClientReply | undefined {
    return this.replies.find((r) => r.reply.id === reqId)?.reply
  }

  repliesFor(reqId: string): ClientReply[] {
    return this.replies.filter((r) => r.reply.id === reqId).map((r) => r.reply)
  }

  crash(id: NodeId): void {
    this.nodes.set(id, null)
  }

  restart(id: NodeId): RaftNode {
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

  heal(): void {
    this.cuts.clear()
    this.dropIf = null
  }

  /** Every entry of every live node's log as `index:term:id`. */
  logOf(id: NodeId): string[] {
    return this.node(id)
      .log.all()
      .map((e, i) => `${i + 1}:${e.term}:${e.id}`)
  }

  /** All (node, index, id) apply events seen so far. */
  applied(id: NodeId): Array<{ index: number; term: number; id: string }> {
    return this.events
      .get(id)!
      .filter((e): e is Extract<ProtocolEvent, { type: 'apply' }> => e.type === 'apply')
      .map((e) => ({ index: e.index, term: e.term, id: e.id }))
  }

  /** State machine safety (§5.4.3): no two nodes applied different entries at the same index. */
  stateMachineViolations(): string[] {
    const at = new Map<number, { node: NodeId; id: string; term: number }>()
    const out: string[] = []
    for (const id of this.ids) {
      for (const a of this.applied(id)) {
        const prev = at.get(a.index)
        if (!prev) at.set(a.index, { node: id, id: a.id, term: a.term })
        else if (prev.id !== a.id || prev.term !== a.term)
          out.push(
            `index ${a.index}: ${prev.node} applied ${prev.id}@t${prev.term}, ${id} applied ${a.id}@t${a.term}`,
          )
      }
    }
    return out
  }

  /** Election safety (§5.2): at most one leader per term, from the state events. */
  electionViolations(): string[] {
    const byTerm = new Map<number, NodeId>()
    const out: string[] = []
    for (const id of this.ids) {
      for (const e of this.events.get(id)!) {
        if (e.type !== 'state' || e.role !== 'leader') continue
        const prev = byTerm.get(e.term)
        const v = `term ${e.term}: ${prev} and ${id}`
        if (prev && prev !== id) {
          if (!out.includes(v)) out.push(v)
        } else byTerm.set(e.term, id)
      }
    }
    return out
  }
}

/** Records for a node whose log has the given terms (ids e<index>t<term>, put commands). */
export function diskWithLog(term: number, terms: number[], votedFor: NodeId | null = null): RaftRecord[] {
  return [
    { t: 'hard', term, votedFor },
    {
      t: 'append',
      index: 1,
      entries: terms.map((t, i) => ({
        term: t,
        id: `x${i + 1}.${t}`,
        cmd: { f: 'put', key: 'k', value: `v${i + 1}.${t}` },
      })),
    },
  ]
}
