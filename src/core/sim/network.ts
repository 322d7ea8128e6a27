// The simulator's network: every message between nodes, with the run's base latency, jitter,
// loss and duplication, and whatever the engine's link state says right now (partitions cut
// links, overlays add delay / loss / duplication / reordering, byzantine nodes go silent, slow
// or rewrite what they send). Client requests and replies travel with the base latency only
// (partitions and link faults apply between nodes). Message-level trace events and vector
// clocks are built only when someone sees them. Pure: randomness from the seeded network rng
// (and the fault rng for byzantine rewrites).
import type { DropReason, NodeId, TraceEvent } from '../../shared/trace'
import { SLOW_EXTRA_MS, type LinkState } from '../engine/links'
import type { RunMeter } from '../engine/meter'
import { overlayApplies } from '../engine/overlay'
import type { AnyProtocolFactory } from '../protocols'
import type { Rng } from '../rng'
import type { SimNode, SimNodes } from './nodes'
import { PAUSE_BUFFER } from './nodes'
import { EV_MSG, type Ev, type Scheduler } from './scheduler'

/** Extra outgoing latency of a byzantine 'slow' node, µs. */
export const SLOW_EXTRA_US = SLOW_EXTRA_MS * 1000

export class SimNetwork {
  private readonly n: number
  private readonly latMs: number
  private readonly jitMs: number
  private readonly reorderSpanUs: number
  private readonly baseKeep: number
  private readonly baseNoDup: number
  private msgSeq = 0
  private readonly byId: Map<NodeId, number>
  /** Set by the host once the nodes exist. */
  nodes!: SimNodes

  constructor(
    private readonly ids: NodeId[],
    network: { latencyMs: number; jitterMs: number; dropProbability: number; duplicateProbability: number },
    private readonly links: LinkState,
    private readonly meter: RunMeter,
    private readonly factory: AnyProtocolFactory,
    private readonly sched: Scheduler,
    private readonly netRng: Rng,
    private readonly faultRng: Rng,
    private readonly record: (e: TraceEvent) => void,
    /** Whether anyone sees message-level events. */
    private readonly msgEvents: boolean,
  ) {
    this.n = ids.length
    this.byId = new Map(ids.map((id, i) => [id, i]))
    this.latMs = network.latencyMs
    this.jitMs = network.jitterMs
    this.reorderSpanUs = Math.max(20_000, 10_000 * (this.latMs + this.jitMs))
    this.baseKeep = 1 - network.dropProbability
    this.baseNoDup = 1 - network.duplicateProbability
  }

  /** A latency drawn from latMs ± jitMs, µs (never negative). */
  private sampleLatency(latMs: number, jitMs: number): number {
    let ms = latMs
    if (jitMs > 0) ms += (this.netRng.next() * 2 - 1) * jitMs
    return ms <= 0 ? 0 : Math.round(ms * 1000)
  }

  /**
   * One trip over the network (message, client request or reply), µs: at least 1, so
   * everything lands strictly later than it left and a chain of replies (e.g. dueling
   * proposers on a zero-latency network) cannot spin forever at one instant.
   */
  tripUs(): number {
    const us = this.sampleLatency(this.latMs, this.jitMs)
    return us > 0 ? us : 1
  }

  send(src: SimNode, to: NodeId, msg0: unknown): void {
    const dstIdx = this.byId.get(to)
    if (dstIdx === undefined) return
    const sched = this.sched
    let msg = msg0
    const type = this.factory.messageType(msg)
    this.meter.sent(type)
    const msgId = ++this.msgSeq
    const lc = ++src.lc
    const ev = sched.ev(EV_MSG, dstIdx, 0)
    ev.from = src.idx
    ev.msgId = msgId
    ev.lc = lc
    if (this.msgEvents) {
      src.vc[src.idx]++
      const vc = src.vc.slice()
      ev.vc = vc
      ev.type = type
      this.record({
        kind: 'send',
        t: sched.now,
        node: src.id,
        lc,
        msgId,
        from: src.id,
        to,
        type,
        vc,
        summary: this.factory.describe(msg),
      })
    }

    let extraUs = 0
    const b = this.links.byz[src.idx]
    if (b !== null) {
      if (b === 'slow') extraUs += SLOW_EXTRA_US
      else if (b !== 'silent' && this.factory.corrupt !== undefined) {
        // The send event shows what the node meant to send; the delivery shows what arrived.
        msg = this.factory.corrupt(msg, b, to, this.faultRng)
        if (this.msgEvents) ev.type = this.factory.messageType(msg)
      } else return this.dropAtSend(ev, src, 'byzantine')
    }
    if (this.links.cut[src.idx * this.n + dstIdx] > 0) return this.dropAtSend(ev, src, 'partition')

    let pKeep = this.baseKeep
    let pNoDup = this.baseNoDup
    const ovs = this.links.overlays
    for (let i = 0; i < ovs.length; i++) {
      const o = ovs[i]
      if (!overlayApplies(o, src.idx, dstIdx)) continue
      switch (o.kind) {
        case 'drop':
          pKeep *= 1 - o.p
          break
        case 'duplicate':
          pNoDup *= 1 - o.p
          break
        case 'delay':
          extraUs += this.sampleLatency(o.latencyMs, o.jitterMs)
          break
        case 'reorder':
          if (this.netRng.chance(o.p)) extraUs += Math.round(this.netRng.next() * this.reorderSpanUs)
          break
      }
    }
    if (pKeep < 1 && !this.netRng.chance(pKeep)) return this.dropAtSend(ev, src, 'loss')

    ev.data = msg
    const at = sched.now + this.tripUs() + extraUs
    sched.at(ev, at)
    if (pNoDup < 1 && !this.netRng.chance(pNoDup)) {
      this.meter.messages.duplicated++
      const dup = sched.ev(EV_MSG, dstIdx, 0)
      dup.from = ev.from
      dup.msgId = msgId
      dup.lc = lc
      dup.vc = ev.vc
      dup.type = ev.type
      dup.data = msg
      if (this.msgEvents) {
        this.record({
          kind: 'duplicate',
          t: sched.now,
          node: src.id,
          lc,
          msgId,
          from: src.id,
          to,
          type: ev.type,
        })
      }
      sched.at(dup, at + 1 + this.tripUs())
    }
  }

  private dropAtSend(ev: Ev, src: SimNode, reason: DropReason): void {
    this.drop(ev, src, reason)
    this.sched.free(ev)
  }

  /** Record a dropped message; `at` is the node where it was lost (sender or receiver). */
  drop(ev: Ev, at: SimNode, reason: DropReason): void {
    this.meter.messages.dropped++
    if (!this.msgEvents) return
    this.record({
      kind: 'drop',
      t: this.sched.now,
      node: at.id,
      lc: at.lc,
      msgId: ev.msgId,
      from: this.ids[ev.from],
      to: this.ids[ev.n],
      type: ev.type,
      reason,
    })
  }

  /** Deliver (or drop, or buffer) a message; false when the event is kept in a pause buffer. */
  deliver(ev: Ev): boolean {
    const dst = this.nodes.list[ev.n]
    if (this.links.cut[ev.from * this.n + ev.n] > 0) {
      this.drop(ev, dst, 'partition')
      return true
    }
    if (dst.proto === null) {
      this.drop(ev, dst, 'down')
      return true
    }
    if (dst.paused) {
      if (dst.pauseBuf.length >= PAUSE_BUFFER) {
        this.drop(ev, dst, 'paused')
        return true
      }
      dst.pauseBuf.push(ev)
      return false
    }
    dst.lc = (dst.lc > ev.lc ? dst.lc : ev.lc) + 1
    this.meter.messages.delivered++
    const from = this.ids[ev.from]
    if (this.msgEvents) {
      const vc = dst.vc
      const mvc = ev.vc as number[]
      for (let i = 0; i < vc.length; i++) if (mvc[i] > vc[i]) vc[i] = mvc[i]
      vc[dst.idx]++
      this.record({
        kind: 'deliver',
        t: this.sched.now,
        node: dst.id,
        lc: dst.lc,
        msgId: ev.msgId,
        from,
        to: dst.id,
        type: ev.type,
        vc: vc.slice(),
      })
    }
    dst.proto.step(from, ev.data)
    this.nodes.drain(dst)
    return true
  }
}
