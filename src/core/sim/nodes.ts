// The simulator's nodes: protocol instances driven by the host loop. Each node ticks on its own
// (seeded) phase at tickMs / its clock rate, persists what its protocol asks before anything it
// sends leaves (write-ahead), restarts from its durable records only, and while paused buffers
// what arrives for it. Pure.
import type { NodeId, TraceEvent } from '../../shared/trace'
import type { AnyProtocolFactory } from '../protocols'
import type { AdminCommand, ClientReply, ClientRequest, Protocol, ProtocolEvent } from '../protocols/types'
import { protocolTraceEvent } from '../protocols/trace-events'
import type { Rng } from '../rng'
import { leaderOf } from '../engine/cluster-ops'
import type { NodeState } from '../engine/node-live'
import { EV_MSG, EV_TICK, type Ev, type Scheduler } from './scheduler'

/** Most messages a paused node buffers; beyond that they are dropped (reason 'paused'). */
export const PAUSE_BUFFER = 100_000

export interface SimNode {
  idx: number
  id: NodeId
  proto: Protocol<unknown, unknown> | null
  /** Everything this node ever persisted, in order (survives crashes). */
  durable: unknown[]
  up: boolean
  paused: boolean
  pauseBuf: Ev[]
  /** Bumped to cancel the scheduled tick (crash, pause, rate change). */
  tickGen: number
  /** Clock rate multiplier. */
  rate: number
  lc: number
  vc: number[]
  /** Per-node host randomness: each incarnation's protocol rng and tick phase. */
  rng: Rng
  /** Last state the node reported (kept across a crash for the live view). */
  last: NodeState
  /** Whether it has ever been started (cluster.maxNodes: later nodes wait to be added). */
  booted: boolean
}

/** Where a node's outputs go: messages to the network, replies to the clients, events to the trace. */
export interface NodeOutputs {
  send(src: SimNode, to: NodeId, msg: unknown): void
  reply(src: SimNode, rep: ClientReply): void
  record(e: TraceEvent): void
  /** A buffered message is lost with a crashed node. */
  dropBuffered(ev: Ev, at: SimNode): void
  /** Deliver a buffered message (the node resumed); false when it was buffered again. */
  deliverBuffered(ev: Ev): boolean
}

export class SimNodes {
  readonly list: SimNode[]
  private readonly tickUs: number

  constructor(
    private readonly ids: NodeId[],
    /** The initial voters when not every node is one (cluster.maxNodes > cluster.nodes). */
    private readonly voters: NodeId[] | undefined,
    rngs: Rng[],
    private readonly factory: AnyProtocolFactory,
    private readonly params: unknown,
    private readonly runSeed: number,
    tickMs: number,
    private readonly sched: Scheduler,
    private readonly out: NodeOutputs,
  ) {
    this.tickUs = tickMs * 1000
    const n = ids.length
    this.list = ids.map((id, idx) => ({
      idx,
      id,
      proto: null,
      durable: [],
      up: false,
      paused: false,
      pauseBuf: [],
      tickGen: 0,
      rate: 1,
      lc: 0,
      vc: new Array<number>(n).fill(0),
      rng: rngs[idx],
      last: { role: 'follower', term: 0, leader: null, commitIndex: 0, lastIndex: 0 },
      booted: false,
    }))
  }

  private tickInterval(node: SimNode): number {
    return Math.max(1, Math.round(this.tickUs / node.rate))
  }

  /** Start (or restart) a node from its durable records and begin ticking at a seeded phase. */
  boot(node: SimNode, restart: boolean): void {
    node.proto = this.factory.create({
      id: node.id,
      nodes: this.ids,
      ...(this.voters !== undefined ? { voters: this.voters } : {}),
      params: this.params,
      rng: node.rng.fork(),
      recovered: node.durable.slice(),
      runSeed: this.runSeed,
    })
    node.up = true
    node.booted = true
    node.paused = false
    node.tickGen++
    const now = this.sched.now
    const phase = 1 + Math.floor(node.rng.next() * this.tickInterval(node))
    if (restart) this.out.record({ kind: 'node', t: now, node: node.id, lc: node.lc, action: 'restart' })
    this.drain(node)
    this.sched.at(this.sched.ev(EV_TICK, node.idx, node.tickGen), now + phase)
  }

  onTick(ev: Ev): void {
    const node = this.list[ev.n]
    if (ev.g !== node.tickGen || node.proto === null || node.paused) return
    node.proto.tick()
    this.drain(node)
    // Reuse the event object for the next tick (the tick may have changed nothing about it).
    if (ev.g === node.tickGen) this.sched.at(ev, this.sched.now + this.tickInterval(node))
  }

  /** Restart the tick schedule (after a pause or a rate change). */
  private rescheduleTicks(node: SimNode): void {
    node.tickGen++
    if (node.up && !node.paused)
      this.sched.at(this.sched.ev(EV_TICK, node.idx, node.tickGen), this.sched.now + this.tickInterval(node))
  }

  /** The host loop: drain ready(), persist before sending, then replies, then trace events. */
  drain(node: SimNode): void {
    const proto = node.proto
    if (proto === null) return
    const r = proto.ready()
    if (r.base !== undefined) node.durable = [r.base]
    const persist = r.persist
    for (let i = 0; i < persist.length; i++) node.durable.push(persist[i])
    const msgs = r.messages
    for (let i = 0; i < msgs.length; i++) this.out.send(node, msgs[i].to, msgs[i].msg)
    const replies = r.replies
    for (let i = 0; i < replies.length; i++) this.out.reply(node, replies[i])
    const events = r.events
    for (let i = 0; i < events.length; i++) this.protocolEvent(node, events[i])
  }

  private protocolEvent(node: SimNode, e: ProtocolEvent): void {
    const ev = protocolTraceEvent(e, this.sched.now, node.id, node.lc)
    if (ev.kind === 'state') node.last = ev
    this.out.record(ev)
  }

  crash(node: SimNode): void {
    if (!node.up) return
    if (node.proto !== null) node.last = node.proto.status()
    node.up = false
    node.proto = null
    node.paused = false
    node.tickGen++
    this.out.record({ kind: 'node', t: this.sched.now, node: node.id, lc: node.lc, action: 'crash' })
    const buf = node.pauseBuf
    node.pauseBuf = []
    for (const ev of buf) if (ev.k === EV_MSG) this.out.dropBuffered(ev, node)
  }

  pause(node: SimNode): void {
    node.paused = true
    node.tickGen++
    this.out.record({ kind: 'node', t: this.sched.now, node: node.id, lc: node.lc, action: 'pause' })
  }

  resume(node: SimNode): void {
    node.paused = false
    this.out.record({ kind: 'node', t: this.sched.now, node: node.id, lc: node.lc, action: 'resume' })
    this.rescheduleTicks(node)
    // Everything that queued up while stopped arrives now, in arrival order.
    const buf = node.pauseBuf
    node.pauseBuf = []
    for (const ev of buf) if (this.out.deliverBuffered(ev)) this.sched.free(ev)
  }

  /** Clock rate and a forward jump of `jumpTicks` ticks at once. */
  setClock(node: SimNode, rate: number, jumpTicks: number): void {
    if (rate !== node.rate) {
      node.rate = rate
      this.rescheduleTicks(node)
    }
    for (let k = 0; k < jumpTicks && node.proto !== null && !node.paused; k++) {
      node.proto.tick()
      this.drain(node)
    }
  }

  /** Hand a client request to its node; false when it waits in the node's pause buffer. */
  propose(ev: Ev): boolean {
    const node = this.list[ev.n]
    if (node.proto === null) return true // lost: the client will time out
    if (node.paused) {
      node.pauseBuf.push(ev)
      return false
    }
    node.proto.propose(ev.data as ClientRequest)
    this.drain(node)
    return true
  }

  /** Hand a cluster operation to the node's protocol; false when it is down or has no admin. */
  admin(node: SimNode, cmd: AdminCommand): boolean {
    const proto = node.proto
    if (proto === null || proto.admin === undefined) return false
    proto.admin(cmd)
    this.drain(node)
    return true
  }

  /** The node that believes it leads with the highest term, or -1. */
  leader(): number {
    return leaderOf(this.list.length, (i) => this.list[i].proto)
  }
}
