// The deterministic simulator: a whole cluster in one process, driven by a virtual clock in
// microseconds. It is one Host of the run engine (src/core/engine): the engine runs the fault
// schedule, the clients, the link state, the metrics and the checks; the simulator provides
// the clock and event queue (scheduler.ts), the nodes (nodes.ts) and a virtual network
// (network.ts). Pure: no I/O, no wall clock, no Math.random. Every random draw comes from the
// run's rngs (runRngs: network, faults, workload, then one per node), so the same (spec,
// seed) produces the same trace, event for event.
//
// Clients reach every live node directly (network latency ± jitter; partitions and link
// faults apply only between nodes). A request to a crashed node is lost (the op times out as
// info); a request to a paused node waits in its buffer until it resumes.
//
// Every event is fed as it happens to a streaming safety checker (summary() reads its
// verdicts), so a long run does not have to keep its trace in memory; the trace itself is
// kept only with keepTrace. Message-level events (send / deliver / drop / duplicate) and
// vector clocks are only built when someone sees them (keepTrace or onTrace).
import type { MetricsWindow, NodeLive } from '../../shared/api'
import { clusterSize, type ExperimentSpec } from '../../shared/spec'
import type { NodeId, TraceEvent } from '../../shared/trace'
import { nodeIds } from '../../shared/trace'
import { RunEngine, runRngs } from '../engine/engine'
import { TIMER_FAULT_START, type Host } from '../engine/host'
import type { Byzantine } from '../engine/links'
import { nodeLive } from '../engine/node-live'
import { EngineRun, type Run } from '../engine/run'
import { MAX_ATTEMPTS } from '../engine/ops'
import { WINDOW_US } from '../engine/windows'
import { factoryFor, type AnyProtocolFactory } from '../protocols'
import type { AdminCommand, ClientReply, ClientRequest } from '../protocols/types'
import { SimNetwork, SLOW_EXTRA_US } from './network'
import { PAUSE_BUFFER, SimNodes, type SimNode } from './nodes'
import { EV_CLIENT_REP, EV_CLIENT_REQ, EV_MSG, EV_TICK, Scheduler, type Ev } from './scheduler'

export { WINDOW_US, MAX_ATTEMPTS, SLOW_EXTRA_US, PAUSE_BUFFER }
export type { Run }

/** Any algorithm's factory, as the simulator drives it (messages and records are opaque). */
export type { AnyProtocolFactory }

export interface SimulationOptions {
  /** Called synchronously for every trace event as it happens (in order). */
  onTrace?: (e: TraceEvent) => void
  /** Keep the whole trace in memory for `trace()` (default true). */
  keepTrace?: boolean
  /**
   * Use this protocol factory instead of the registry's one for spec.algorithm.kind (tests:
   * instrumented or deliberately broken protocols). Its params are spec.algorithm.params.
   */
  factory?: AnyProtocolFactory
}

export interface Simulation extends Run {
  /**
   * Advance virtual time to min(tMs, durationMs), processing every event due; with
   * `maxEvents`, return early (nowMs() short of the target) once that many were processed, so
   * a caller that must stay responsive bounds the work of one call whatever the spec says.
   */
  runUntil(tMs: number, maxEvents?: number): void
}

export function createSimulation(spec: ExperimentSpec, opts: SimulationOptions = {}): Simulation {
  return new Sim(spec, opts)
}

class Sim extends EngineRun implements Simulation, Host {
  readonly spec: ExperimentSpec
  readonly ids: NodeId[]
  private readonly sched = new Scheduler()
  private readonly nodesState: SimNodes
  private readonly net: SimNetwork
  private readonly durUs: number
  private finished = false

  constructor(spec: ExperimentSpec, opts: SimulationOptions) {
    super()
    this.spec = spec
    const factory = opts.factory ?? factoryFor(spec.algorithm)
    this.ids = nodeIds(clusterSize(spec.cluster))
    this.durUs = Math.round(spec.durationMs * 1000)
    const rngs = runRngs(spec)
    this.engine = new RunEngine(spec, this, rngs, {
      onTrace: opts.onTrace,
      keepTrace: opts.keepTrace,
      algorithm: factory.kind,
      canCorrupt: factory.corrupt !== undefined,
    })
    const record = (e: TraceEvent): void => this.engine.record(e)
    this.net = new SimNetwork(
      this.ids,
      spec.network,
      this.engine.links,
      this.engine.meter,
      factory,
      this.sched,
      rngs.net,
      rngs.faults,
      record,
      this.engine.wantsMessageEvents,
    )
    const initial = spec.cluster.nodes
    this.nodesState = new SimNodes(
      this.ids,
      initial < this.ids.length ? this.ids.slice(0, initial) : undefined,
      rngs.nodes,
      factory,
      spec.algorithm.params,
      spec.seed,
      spec.cluster.tickMs,
      this.sched,
      {
        send: (src, to, msg) => this.net.send(src, to, msg),
        reply: (src, rep) => this.reply(src, rep),
        record,
        dropBuffered: (ev, at) => this.net.drop(ev, at, 'down'),
        deliverBuffered: (ev) => (ev.k === EV_MSG ? this.net.deliver(ev) : this.nodesState.propose(ev)),
      },
    )
    this.net.nodes = this.nodesState
    // Faults first, then every initial node boots at a seeded phase, then the clients' arrivals.
    this.engine.begin(() => {
      for (const node of this.nodesState.list.slice(0, initial)) this.nodesState.boot(node, false)
    })
  }

  // ---------------------------------------------------------------- Run

  nowMs(): number {
    return this.sched.now / 1000
  }

  done(): boolean {
    return this.finished
  }

  runUntil(tMs: number, maxEvents = Infinity): void {
    if (this.finished) return
    const sched = this.sched
    const meter = this.engine.meter
    const targetUs = Math.min(Math.round(tMs * 1000), this.durUs)
    const final = targetUs >= this.durUs
    // Event times are whole µs; the run's last instant (durationMs itself) is not processed.
    const limit = final ? this.durUs - 1 : targetUs
    let budget = maxEvents
    for (;;) {
      if (budget-- <= 0) {
        // Out of budget: time stands where the last event was (a later call continues).
        meter.closeUpTo(sched.now)
        return
      }
      const act = sched.takeLive(limit, isFaultStart)
      if (act !== undefined) {
        this.advance(act.atUs)
        this.engine.onTimer(act.kind, act.a, act.b, act.atUs)
        continue
      }
      const top = sched.popDue(limit)
      if (top === undefined) break
      this.advance(top.t)
      this.handle(top)
    }
    if (targetUs > sched.now) sched.now = targetUs
    meter.closeUpTo(sched.now)
    if (final) this.finish('run ended')
  }

  stop(): void {
    this.finish('stopped')
  }

  nodes(): NodeLive[] {
    return this.nodesState.list.map((node) =>
      node.up && node.proto !== null
        ? nodeLive(node.id, node.proto.status(), true)
        : nodeLive(node.id, node.last, false, !node.booted),
    )
  }

  currentWindow(): MetricsWindow | null {
    return this.engine.meter.currentWindow(this.sched.now)
  }

  // Live injection (EngineRun.injectFault) is deterministic: the fault starts 1 µs after the
  // current time, before any other event due then (as a spec fault with that atMs would: spec
  // faults are queued first), so the same injections at the same run times give the same
  // trace, and a spec with the fault appended (atMs = the start time reported in its trace
  // event) replays it.

  // ---------------------------------------------------------------- the loop

  private advance(t: number): void {
    const sched = this.sched
    if (t > sched.now) {
      sched.now = t
      this.engine.meter.closeUpTo(t)
    }
  }

  private handle(ev: Ev): void {
    const sched = this.sched
    switch (ev.k) {
      case EV_TICK:
        return this.nodesState.onTick(ev)
      case EV_MSG:
        if (this.net.deliver(ev)) sched.free(ev)
        return
      case EV_CLIENT_REQ:
        if (this.nodesState.propose(ev)) sched.free(ev)
        return
      case EV_CLIENT_REP:
        this.engine.onReply(ev.from, ev.data as ClientReply)
        return sched.free(ev)
      default: {
        const { k, n, g, t } = ev
        sched.free(ev)
        return this.engine.onTimer(k, n, g, t)
      }
    }
  }

  private finish(reason: string): void {
    if (this.finished) return
    this.engine.finish(reason)
    this.finished = true
    this.engine.meter.closeAt(this.sched.now)
  }

  /** A node's reply to a client still waiting for it travels back over the network. */
  private reply(src: SimNode, rep: ClientReply): void {
    const client = this.engine.clients.awaiting(rep.id)
    if (client < 0) return
    const ev = this.sched.ev(EV_CLIENT_REP, client, 0)
    ev.from = src.idx
    ev.data = rep
    this.sched.at(ev, this.sched.now + this.net.tripUs())
  }

  // ---------------------------------------------------------------- Host

  nowUs(): number {
    return this.sched.now
  }

  timer(kind: number, a: number, b: number, atUs: number, fifo: boolean): void {
    const ev = this.sched.ev(kind, a, b)
    if (fifo) this.sched.atFifo(ev, atUs)
    else this.sched.at(ev, atUs)
  }

  soon(kind: number, a: number, b: number): boolean {
    if (this.finished || this.sched.now + 1 >= this.durUs) return false
    const atUs = this.sched.soon(kind, a, b)
    this.runUntil(atUs / 1000)
    return true
  }

  emit(e: TraceEvent): void {
    this.engine.record(e)
  }

  log(): void {}

  isUp(idx: number): boolean {
    return this.nodesState.list[idx].up
  }

  leader(): number {
    return this.nodesState.leader()
  }

  nodeTerm(idx: number): number {
    return this.nodesState.list[idx].proto?.status().term ?? 0
  }

  bootNode(idx: number): void {
    const node = this.nodesState.list[idx]
    if (!node.up) this.nodesState.boot(node, false)
  }

  admin(idx: number, cmd: AdminCommand): boolean {
    return this.nodesState.admin(this.nodesState.list[idx], cmd)
  }

  crash(idx: number): void {
    this.nodesState.crash(this.nodesState.list[idx])
  }

  restart(idxs: readonly number[], recordEnd: (extra: string) => void): void {
    recordEnd('')
    for (const x of idxs) {
      const node = this.nodesState.list[x]
      if (!node.up) this.nodesState.boot(node, true)
    }
  }

  pause(idx: number): void {
    this.nodesState.pause(this.nodesState.list[idx])
  }

  resume(idx: number): void {
    this.nodesState.resume(this.nodesState.list[idx])
  }

  pauseUnavailable(): string | null {
    return null
  }

  setClock(idx: number, rate: number, jumpTicks: number): void {
    this.nodesState.setClock(this.nodesState.list[idx], rate, jumpTicks)
  }

  setByzantine(_idx: number, _behavior: Byzantine | null): void {
    // The network reads each node's behaviour from the engine's link state as it sends.
  }

  linksChanged(): void {
    // The network reads the link state per message.
  }

  send(client: number, node: number, req: ClientRequest): boolean {
    const ev = this.sched.ev(EV_CLIENT_REQ, node, 0)
    ev.from = client
    ev.data = req
    this.sched.at(ev, this.sched.now + this.net.tripUs())
    return true
  }

  forget(): void {}
}

function isFaultStart(ev: Ev): boolean {
  return ev.k === TIMER_FAULT_START
}
