// The deterministic simulator: a whole cluster (protocol instances, network, clients, fault
// schedule) in one process, driven by a virtual clock in microseconds and an event queue.
// Pure: no I/O, no wall clock, no Math.random. Every random draw comes from one Rng seeded
// with spec.seed and forked per purpose in a fixed order (network, faults, workload, then
// one per node), so the same (spec, seed) produces the same trace, event for event.
//
// Workload pacing: each of `clients` clients is an independent Poisson process at
// ratePerSec / clients (seeded exponential inter-arrival times) and has at most one op
// outstanding. An arrival while the client is busy is deferred: the client starts one op the
// moment its current op completes. At most one arrival is deferred per client; further
// arrivals while busy are skipped (not recorded in the history). So the offered rate is
// reached while latency stays below clients / ratePerSec; beyond that the workload turns
// closed-loop. Latency is measured from the op's invoke (when the client actually sends
// it), so deferral does not inflate it.
//
// Client ops: a client sends to the node it believes leads (initially a random one). On
// {not_leader, leaderHint} it retries the same request id at the hint at once; with no
// usable hint, at a random other node after 2 ticks. After MAX_ATTEMPTS not_leader replies,
// or on 'rejected', the op fails (definitely not applied). No reply within timeoutMs: info
// (unknown outcome; reads too). Ops still open when the run ends or stop() is called
// complete as info ('run ended' / 'stopped'), so every invoke has exactly one completion.
// cas expects the last value the client saw for the key (read, or its own acknowledged
// write), or null; put and cas values are the op id (`c3.17`), unique per op.
//
// Clients reach every live node directly (network latency +- jitter; partitions and link
// faults apply only between nodes). A request to a crashed node is lost (no reply: the op
// times out as info); a request to a paused node waits in its buffer until it resumes.
//
// Every event is fed as it happens to a streaming safety checker (summary() reads its
// verdicts), so a long run does not have to keep its trace in memory; the trace itself is
// kept only with keepTrace. Message-level events (send / deliver / drop / duplicate) and
// vector clocks are only built when someone sees them (keepTrace or onTrace).
import type { MetricsWindow, NodeLive, RunSummary } from '../../shared/api'
import type { ExperimentSpec, FaultSpec, Target } from '../../shared/spec'
import type { DropReason, NodeId, OpFn, TraceEvent } from '../../shared/trace'
import { nodeIds } from '../../shared/trace'
import { createChecker, type TraceChecker } from '../check'
import { getProtocol, type AnyProtocolFactory } from '../protocols'
import type { ClientReply, ClientRequest, Protocol, ProtocolEvent } from '../protocols/types'
import { protocolTraceEvent } from '../protocols/trace-events'
import { createRng, type Rng } from '../rng'
import { EventQueue } from './heap'
import { faultEndDetail, faultStartDetail } from './fault-text'
import { jumpTicks, planOverlayFault, planPartitionFault } from './fault-plan'
import { overlayApplies } from './overlay'
import { nodeLive, type NodeState } from './node-live'
import {
  MAX_ATTEMPTS,
  nodeAfterTimeout,
  okOutcome,
  opCommand,
  opEvent,
  otherNode,
  refusalAction,
  timeoutValue,
} from './ops'
import { LatencyHistogram } from './stats'
import { runSummary } from './summary'
import { WINDOW_US, WindowMeter } from './windows'
export { WINDOW_US }
import { resolveTarget } from './targets'
import { expInterval, keyChooser, opChooser, type KeyChooser } from './workload'

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

export interface Simulation {
  readonly spec: ExperimentSpec
  /** Virtual run time reached, ms. */
  nowMs(): number
  /** True once virtual time reached spec.durationMs (or stop() was called). */
  done(): boolean
  /**
   * Advance virtual time to min(tMs, durationMs), processing every event due; with
   * `maxEvents`, return early (nowMs() short of the target) once that many were processed, so
   * a caller that must stay responsive bounds the work of one call whatever the spec says.
   */
  runUntil(tMs: number, maxEvents?: number): void
  /** End the run early (remaining in-flight ops are recorded as info). */
  stop(): void
  /** Each node's current state (for the live view). */
  nodes(): NodeLive[]
  /** Metrics windows closed since the previous call. */
  takeWindows(): MetricsWindow[]
  /** The open metrics window's figures so far (it stays open); optional for test doubles. */
  currentWindow?(): MetricsWindow | null
  /**
   * Start a fault now (live fault injection; its atMs is ignored). Returns its index in the
   * run's fault list (spec faults first, live ones appended in injection order). Throws when
   * the run is over. Optional for test doubles.
   */
  injectFault?(f: FaultSpec): number
  /** End an active fault now (a crash fault restarts its nodes). Optional for test doubles. */
  endFault?(index: number): void
  /** The full trace so far (empty when keepTrace is false). */
  trace(): TraceEvent[]
  /** Figures for the run so far, including the safety checks' verdicts. */
  summary(wallMs: number): RunSummary
}

export { MAX_ATTEMPTS }
/** Extra outgoing latency of a byzantine 'slow' node, µs. */
export const SLOW_EXTRA_US = 50_000
/** Most messages a paused node buffers; beyond that they are dropped (reason 'paused'). */
export const PAUSE_BUFFER = 100_000

// Event kinds.
const K_TICK = 0
const K_MSG = 1
const K_CREQ = 2
const K_CREP = 3
const K_ARRIVE = 4
const K_TIMEOUT = 5
const K_RETRY = 6
const K_FSTART = 7
const K_FEND = 8
const K_RESTART = 9

/** One queued event. A single class (one hidden shape) keeps the hot path monomorphic. */
class Ev {
  t = 0
  seq = 0
  /** Message: sender index; client request: client index; client reply: node index. */
  from = -1
  msgId = 0
  lc = 0
  vc: number[] | null = null
  type = ''
  /** Protocol message, ClientRequest or ClientReply. */
  data: unknown = null
  constructor(
    public k: number,
    /** Node index (tick, message, client request), client index, or fault index. */
    public n: number,
    /** Tick generation / op serial. */
    public g: number,
  ) {}
}

type Byz = 'silent' | 'equivocate' | 'forge' | 'slow'

interface SimNode {
  idx: number
  id: NodeId
  proto: Protocol<unknown, unknown> | null
  /** Everything this node ever persisted, in order (survives crashes). */
  durable: unknown[]
  up: boolean
  /** Pause depth (overlapping pause faults). */
  paused: number
  pauseBuf: Ev[]
  /** Bumped to cancel the scheduled tick (crash, pause, rate change). */
  tickGen: number
  /** Active clock-rate multipliers, by fault index. */
  rates: Map<number, number>
  rate: number
  lc: number
  vc: number[]
  /** Per-node host randomness: each incarnation's protocol rng and tick phase. */
  rng: Rng
  /** Last state the node reported (kept across a crash for the live view). */
  last: NodeState
  byz: Byz | null
  byzFault: number
}

interface PendingOp {
  id: string
  serial: number
  f: OpFn
  key: string
  value: string | null
  expected: string | null
  req: ClientRequest
  startUs: number
  /** Node the current attempt went to, or -1 while waiting to retry. */
  node: number
  attempts: number
}

interface Client {
  idx: number
  /** Number used in op ids and op events: c1, c2, ... */
  num: number
  rng: Rng
  leader: number
  serial: number
  op: PendingOp | null
  deferred: boolean
  /** Last value this client saw per key (read, or its own successful write). */
  seen: Map<string, string | null>
}

interface Overlay {
  fault: number
  kind: 'delay' | 'drop' | 'duplicate' | 'reorder'
  /** 1 for target nodes; null = all links. */
  mask: Uint8Array | null
  /** [a, b]: only the link a <-> b (both directions); null = as the mask says. */
  pair: [number, number] | null
  p: number
  latUs: number
  jitUs: number
}

interface FaultRt {
  spec: FaultSpec
  targets: number[]
  cut: Array<[number, number]> | null
  active: boolean
}

interface LiveAction {
  atUs: number
  start: boolean
  i: number
}

function resolveFactory(spec: ExperimentSpec, opts: SimulationOptions): AnyProtocolFactory {
  if (opts.factory) return opts.factory
  return getProtocol(spec.algorithm.kind)
}

export function createSimulation(spec: ExperimentSpec, opts: SimulationOptions = {}): Simulation {
  return new Sim(spec, opts)
}

class Sim implements Simulation {
  readonly spec: ExperimentSpec
  private readonly factory: AnyProtocolFactory
  private readonly onTrace: ((e: TraceEvent) => void) | undefined
  private readonly keepTrace: boolean
  /** Whether anyone sees message-level events (send/deliver/drop/duplicate, vector clocks). */
  private readonly msgEvents: boolean
  private readonly events: TraceEvent[] = []
  private readonly q = new EventQueue<Ev>()
  private readonly pool: Ev[] = []

  private readonly n: number
  private readonly ids: NodeId[]
  private readonly nodeList: SimNode[]
  private readonly byId = new Map<NodeId, SimNode>()
  private readonly clients: Client[] = []
  private readonly netRng: Rng
  private readonly faultRng: Rng

  private readonly tickUs: number
  private readonly durUs: number
  private readonly latMs: number
  private readonly jitMs: number
  private readonly reorderSpanUs: number
  private readonly baseKeep: number
  private readonly baseNoDup: number
  private readonly timeoutUs: number
  private readonly retryBackoffUs: number
  private readonly keys: KeyChooser
  private readonly pickOp: (rng: Rng) => OpFn
  private readonly perClientRate: number

  /** cut[from * n + to] > 0: the directed link is cut by that many active partitions. */
  private readonly cut: Int32Array
  private overlays: Overlay[] = []
  private readonly faults: FaultRt[]
  /** Live fault starts / ends waiting for their instant (at most a few, in time order). */
  private readonly liveActions: LiveAction[] = []

  private now = 0
  private finished = false

  // Figures, kept incrementally.
  private msgSeq = 0
  private sent = 0
  private delivered = 0
  private dropped = 0
  private duplicated = 0
  private opsTotal = 0
  private opsOk = 0
  private opsFail = 0
  private opsInfo = 0
  /** Arrivals a busy client could not take (offered but never invoked). */
  skippedArrivals = 0
  private elections = 0
  private leaderChanges = 0
  private leaderIdx = -1
  private leaderTerm = -1
  private readonly latency = new LatencyHistogram()
  private readonly windows = new WindowMeter()
  /** The open metrics window (a stable object). */
  private readonly win = this.windows.cur
  private readonly checker: TraceChecker
  private readonly reqOwner = new Map<string, Client>()

  constructor(spec: ExperimentSpec, opts: SimulationOptions) {
    this.spec = spec
    this.factory = resolveFactory(spec, opts)
    this.onTrace = opts.onTrace
    this.keepTrace = opts.keepTrace ?? true
    this.msgEvents = this.keepTrace || opts.onTrace !== undefined
    this.checker = createChecker(spec.algorithm.kind)

    const n = spec.cluster.nodes
    this.n = n
    this.ids = nodeIds(n)
    this.tickUs = spec.cluster.tickMs * 1000
    this.durUs = Math.round(spec.durationMs * 1000)
    this.latMs = spec.network.latencyMs
    this.jitMs = spec.network.jitterMs
    this.reorderSpanUs = Math.max(20_000, 10_000 * (this.latMs + this.jitMs))
    this.baseKeep = 1 - spec.network.dropProbability
    this.baseNoDup = 1 - spec.network.duplicateProbability
    const w = spec.workload
    this.timeoutUs = Math.max(1, Math.round(w.timeoutMs * 1000))
    this.retryBackoffUs = 2 * this.tickUs
    this.keys = keyChooser(w)
    this.pickOp = opChooser(w)
    this.perClientRate = w.clients > 0 ? w.ratePerSec / w.clients : 0
    this.cut = new Int32Array(n * n)

    // Randomness, forked in a fixed order.
    const root = createRng(spec.seed)
    this.netRng = root.fork()
    this.faultRng = root.fork()
    const workloadRng = root.fork()
    const nodeRngs = this.ids.map(() => root.fork())

    this.nodeList = this.ids.map((id, idx) => {
      const node: SimNode = {
        idx,
        id,
        proto: null,
        durable: [],
        up: false,
        paused: 0,
        pauseBuf: [],
        tickGen: 0,
        rates: new Map(),
        rate: 1,
        lc: 0,
        vc: new Array<number>(n).fill(0),
        rng: nodeRngs[idx],
        last: { role: 'follower', term: 0, leader: null, commitIndex: 0, lastIndex: 0 },
        byz: null,
        byzFault: -1,
      }
      this.byId.set(id, node)
      return node
    })

    for (let i = 0; i < w.clients; i++) {
      const rng = workloadRng.fork()
      this.clients.push({
        idx: i,
        num: i + 1,
        rng,
        leader: n > 0 ? rng.int(0, n - 1) : 0,
        serial: 0,
        op: null,
        deferred: false,
        seen: new Map(),
      })
    }

    // Faults first (lower sequence numbers: a fault due at t acts before anything else at t).
    this.faults = spec.faults.map((f) => ({ spec: f, targets: [], cut: null, active: false }))
    spec.faults.forEach((f, i) => this.schedule(new Ev(K_FSTART, i, 0), Math.round(f.atMs * 1000)))

    // Boot every node at a seeded phase within its first tick period.
    for (const node of this.nodeList) this.boot(node, false)

    if (this.perClientRate > 0) {
      for (const c of this.clients)
        this.schedule(new Ev(K_ARRIVE, c.idx, 0), expInterval(c.rng, this.perClientRate))
    }
  }

  // ---------------------------------------------------------------- public surface

  nowMs(): number {
    return this.now / 1000
  }

  done(): boolean {
    return this.finished
  }

  runUntil(tMs: number, maxEvents = Infinity): void {
    if (this.finished) return
    const targetUs = Math.min(Math.round(tMs * 1000), this.durUs)
    const final = targetUs >= this.durUs
    // Event times are whole µs; the run's last instant (durationMs itself) is not processed.
    const limit = final ? this.durUs - 1 : targetUs
    const q = this.q
    let budget = maxEvents
    for (;;) {
      if (budget-- <= 0) {
        // Out of budget: time stands where the last event was (a later call continues).
        this.windows.closeUpTo(this.now)
        return
      }
      if (this.liveActions.length > 0 && this.liveActions[0].atUs <= limit && this.fireLive(q.peek()))
        continue
      const top = q.popDue(limit)
      if (top === undefined) break
      if (top.t > this.now) {
        this.now = top.t
        if (this.now >= this.win.startUs + WINDOW_US) this.windows.closeUpTo(this.now)
      }
      this.handle(top)
    }
    if (targetUs > this.now) this.now = targetUs
    this.windows.closeUpTo(this.now)
    if (final) this.finish('run ended')
  }

  stop(): void {
    this.finish('stopped')
  }

  nodes(): NodeLive[] {
    return this.nodeList.map((node) =>
      node.up && node.proto !== null
        ? nodeLive(node.id, node.proto.status(), true)
        : nodeLive(node.id, node.last, false),
    )
  }

  takeWindows(): MetricsWindow[] {
    return this.windows.take()
  }

  currentWindow(): MetricsWindow | null {
    return this.now > this.win.startUs ? this.windows.peek(this.now) : null
  }

  /**
   * Live injection. Deterministic: the fault starts 1 µs after the current time, before any
   * other event due then (as a spec fault with that atMs would: spec faults are queued
   * first), so the same injections at the same run times give the same trace, and a spec
   * with the fault appended (atMs = the start time reported in its trace event) replays it.
   */
  injectFault(f: FaultSpec): number {
    const atUs = this.now + 1
    if (this.finished || atUs >= this.durUs) throw new RangeError('the run is over: no fault can start now')
    const i = this.faults.length
    this.faults.push({
      spec: { ...f, atMs: atUs / 1000 } as FaultSpec,
      targets: [],
      cut: null,
      active: false,
    })
    this.liveActions.push({ atUs, start: true, i })
    this.runUntil(atUs / 1000)
    return i
  }

  /** End fault `i` now (1 µs ahead, like injectFault); a crash fault restarts its nodes. */
  endFault(index: number): void {
    const rt = this.faults[index]
    if (rt === undefined || !rt.active) return
    const atUs = this.now + 1
    if (this.finished || atUs >= this.durUs) return
    this.liveActions.push({ atUs, start: false, i: index })
    this.runUntil(atUs / 1000)
  }

  /** Fire the first live action if it is due before `top` (a later event, or one at its instant that is not a spec fault start). */
  private fireLive(top: Ev | undefined): boolean {
    const act = this.liveActions[0]
    if (top !== undefined && (top.t < act.atUs || (top.t === act.atUs && top.k === K_FSTART))) return false
    this.liveActions.shift()
    if (act.atUs > this.now) {
      this.now = act.atUs
      if (this.now >= this.win.startUs + WINDOW_US) this.windows.closeUpTo(this.now)
    }
    if (act.start) this.startFault(act.i)
    else if (this.faults[act.i].spec.kind === 'crash') this.restartFault(act.i)
    else this.finishFault(act.i)
    return true
  }

  trace(): TraceEvent[] {
    return this.keepTrace ? this.events.slice() : []
  }

  summary(wallMs: number): RunSummary {
    return runSummary(
      {
        simulatedMs: this.now / 1000,
        wallMs,
        leaderChanges: this.leaderChanges,
        elections: this.elections,
        ops: { total: this.opsTotal, ok: this.opsOk, fail: this.opsFail, info: this.opsInfo },
        latency: this.latency,
        messages: {
          sent: this.sent,
          delivered: this.delivered,
          dropped: this.dropped,
          duplicated: this.duplicated,
        },
      },
      this.checker.results(),
    )
  }

  // ---------------------------------------------------------------- core loop

  /** A fresh event, recycled from the pool when one is free (keeps the hot path allocation-light). */
  private ev(k: number, n: number, g: number): Ev {
    const ev = this.pool.pop()
    if (ev === undefined) return new Ev(k, n, g)
    ev.k = k
    ev.n = n
    ev.g = g
    return ev
  }

  private free(ev: Ev): void {
    ev.from = -1
    ev.vc = null
    ev.data = null
    ev.type = ''
    if (this.pool.length < 4096) this.pool.push(ev)
  }

  private schedule(ev: Ev, atUs: number): void {
    ev.t = atUs
    this.q.push(ev)
  }

  private handle(ev: Ev): void {
    switch (ev.k) {
      case K_TICK:
        return this.onTick(ev)
      case K_MSG:
        if (this.onMessage(ev)) this.free(ev)
        return
      case K_CREQ:
        if (this.onClientRequest(ev)) this.free(ev)
        return
      case K_CREP:
        this.onClientReply(ev)
        return this.free(ev)
      case K_ARRIVE:
        return this.onArrival(ev)
      case K_TIMEOUT:
        this.onTimeout(ev)
        return this.free(ev)
      case K_RETRY:
        this.onRetry(ev)
        return this.free(ev)
      case K_FSTART:
        return this.startFault(ev.n)
      case K_FEND:
        return this.finishFault(ev.n)
      case K_RESTART:
        return this.restartFault(ev.n)
    }
  }

  /** Record a trace event (always fed to the safety checker). */
  private emit(e: TraceEvent): void {
    this.checker.onEvent(e)
    if (this.keepTrace) this.events.push(e)
    if (this.onTrace !== undefined) this.onTrace(e)
  }

  /** Record a message-level event (send / deliver / drop / duplicate): only when someone sees them. */
  private emitMsg(e: TraceEvent): void {
    if (this.keepTrace) this.events.push(e)
    if (this.onTrace !== undefined) this.onTrace(e)
  }

  private finish(reason: string): void {
    if (this.finished) return
    for (const c of this.clients) {
      c.deferred = false
      if (c.op !== null) this.complete(c, 'info', null, undefined, reason)
    }
    this.finished = true
    this.windows.closeUpTo(this.now)
    if (this.now > this.win.startUs) this.windows.close(this.now)
  }

  // ---------------------------------------------------------------- metrics windows

  // ---------------------------------------------------------------- nodes

  private tickInterval(node: SimNode): number {
    return Math.max(1, Math.round(this.tickUs / node.rate))
  }

  /** Start (or restart) a node from its durable records and begin ticking. */
  private boot(node: SimNode, restart: boolean): void {
    node.proto = this.factory.create({
      id: node.id,
      nodes: this.ids,
      params: this.spec.algorithm.params,
      rng: node.rng.fork(),
      recovered: node.durable.slice(),
      runSeed: this.spec.seed,
    })
    node.up = true
    node.paused = 0
    node.tickGen++
    const phase = 1 + Math.floor(node.rng.next() * this.tickInterval(node))
    if (restart) this.emit({ kind: 'node', t: this.now, node: node.id, lc: node.lc, action: 'restart' })
    this.drain(node)
    this.schedule(new Ev(K_TICK, node.idx, node.tickGen), this.now + phase)
  }

  private onTick(ev: Ev): void {
    const node = this.nodeList[ev.n]
    if (ev.g !== node.tickGen || node.proto === null || node.paused > 0) return
    node.proto.tick()
    this.drain(node)
    // Reuse the event object for the next tick (the tick may have changed nothing about it).
    if (ev.g === node.tickGen) this.schedule(ev, this.now + this.tickInterval(node))
  }

  /** Restart the tick schedule (after a pause or a rate change). */
  private rescheduleTicks(node: SimNode): void {
    node.tickGen++
    if (node.up && node.paused === 0)
      this.schedule(new Ev(K_TICK, node.idx, node.tickGen), this.now + this.tickInterval(node))
  }

  /** The host loop: drain ready(), persist before sending, then replies, then trace events. */
  private drain(node: SimNode): void {
    const proto = node.proto
    if (proto === null) return
    const r = proto.ready()
    const persist = r.persist
    for (let i = 0; i < persist.length; i++) node.durable.push(persist[i])
    const msgs = r.messages
    for (let i = 0; i < msgs.length; i++) this.send(node, msgs[i].to, msgs[i].msg)
    const replies = r.replies
    for (let i = 0; i < replies.length; i++) {
      const c = this.reqOwner.get(replies[i].id)
      if (c === undefined) continue
      const ev = this.ev(K_CREP, c.idx, 0)
      ev.from = node.idx
      ev.data = replies[i]
      this.schedule(ev, this.now + this.tripUs())
    }
    const events = r.events
    for (let i = 0; i < events.length; i++) this.protocolEvent(node, events[i])
  }

  private protocolEvent(node: SimNode, e: ProtocolEvent): void {
    const ev = protocolTraceEvent(e, this.now, node.id, node.lc)
    if (ev.kind === 'state') {
      if (ev.role === 'candidate' && node.last.role !== 'candidate') this.elections++
      if (
        ev.role === 'leader' &&
        (ev.term > this.leaderTerm || (ev.term === this.leaderTerm && node.idx !== this.leaderIdx))
      ) {
        this.leaderChanges++
        this.leaderIdx = node.idx
        this.leaderTerm = ev.term
      }
      node.last = ev
    }
    this.emit(ev)
  }

  private crash(node: SimNode): void {
    if (!node.up) return
    if (node.proto !== null) {
      node.last = node.proto.status()
    }
    node.up = false
    node.proto = null
    node.paused = 0
    node.tickGen++
    this.emit({ kind: 'node', t: this.now, node: node.id, lc: node.lc, action: 'crash' })
    const buf = node.pauseBuf
    node.pauseBuf = []
    for (const ev of buf) if (ev.k === K_MSG) this.drop(ev, node, 'down')
  }

  private pause(node: SimNode): void {
    if (!node.up) return
    node.paused++
    if (node.paused > 1) return
    node.tickGen++
    this.emit({ kind: 'node', t: this.now, node: node.id, lc: node.lc, action: 'pause' })
  }

  private resume(node: SimNode): void {
    if (!node.up || node.paused === 0) return
    node.paused--
    if (node.paused > 0) return
    this.emit({ kind: 'node', t: this.now, node: node.id, lc: node.lc, action: 'resume' })
    this.rescheduleTicks(node)
    // Everything that queued up while stopped arrives now, in arrival order.
    const buf = node.pauseBuf
    node.pauseBuf = []
    for (const ev of buf) {
      if (ev.k === K_MSG ? this.onMessage(ev) : this.onClientRequest(ev)) this.free(ev)
    }
  }

  // ---------------------------------------------------------------- network

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
  private tripUs(): number {
    const us = this.sampleLatency(this.latMs, this.jitMs)
    return us > 0 ? us : 1
  }

  private send(src: SimNode, to: NodeId, msg0: unknown): void {
    const dst = this.byId.get(to)
    if (dst === undefined) return
    let msg = msg0
    this.sent++
    const type = this.factory.messageType(msg)
    this.windows.countMessage(type)
    const msgId = ++this.msgSeq
    const lc = ++src.lc
    const ev = this.ev(K_MSG, dst.idx, 0)
    ev.from = src.idx
    ev.msgId = msgId
    ev.lc = lc
    if (this.msgEvents) {
      src.vc[src.idx]++
      const vc = src.vc.slice()
      ev.vc = vc
      ev.type = type
      this.emitMsg({
        kind: 'send',
        t: this.now,
        node: src.id,
        lc,
        msgId,
        from: src.id,
        to: dst.id,
        type: ev.type,
        vc,
        summary: this.factory.describe(msg),
      })
    }

    let extraUs = 0
    if (src.byz !== null) {
      const b = src.byz
      if (b === 'slow') extraUs += SLOW_EXTRA_US
      else if (b !== 'silent' && this.factory.corrupt !== undefined) {
        // The send event shows what the node meant to send; the delivery shows what arrived.
        msg = this.factory.corrupt(msg, b, to, this.faultRng)
        if (this.msgEvents) ev.type = this.factory.messageType(msg)
      } else return this.dropAtSend(ev, src, 'byzantine')
    }
    if (this.cut[src.idx * this.n + dst.idx] > 0) return this.dropAtSend(ev, src, 'partition')

    let pKeep = this.baseKeep
    let pNoDup = this.baseNoDup
    const ovs = this.overlays
    for (let i = 0; i < ovs.length; i++) {
      const o = ovs[i]
      if (!overlayApplies(o, src.idx, dst.idx)) continue
      switch (o.kind) {
        case 'drop':
          pKeep *= 1 - o.p
          break
        case 'duplicate':
          pNoDup *= 1 - o.p
          break
        case 'delay':
          extraUs += this.sampleLatency(o.latUs / 1000, o.jitUs / 1000)
          break
        case 'reorder':
          if (this.netRng.chance(o.p)) extraUs += Math.round(this.netRng.next() * this.reorderSpanUs)
          break
      }
    }
    if (pKeep < 1 && !this.netRng.chance(pKeep)) return this.dropAtSend(ev, src, 'loss')

    ev.data = msg
    const at = this.now + this.tripUs() + extraUs
    this.schedule(ev, at)
    if (pNoDup < 1 && !this.netRng.chance(pNoDup)) {
      this.duplicated++
      const dup = this.ev(K_MSG, dst.idx, 0)
      dup.from = ev.from
      dup.msgId = msgId
      dup.lc = lc
      dup.vc = ev.vc
      dup.type = ev.type
      dup.data = msg
      if (this.msgEvents) {
        this.emitMsg({
          kind: 'duplicate',
          t: this.now,
          node: src.id,
          lc,
          msgId,
          from: src.id,
          to: dst.id,
          type: ev.type,
        })
      }
      this.schedule(dup, at + 1 + this.tripUs())
    }
  }

  private dropAtSend(ev: Ev, src: SimNode, reason: DropReason): void {
    this.drop(ev, src, reason)
    this.free(ev)
  }

  /** Record a dropped message; `at` is the node where it was lost (sender or receiver). */
  private drop(ev: Ev, at: SimNode, reason: DropReason): void {
    this.dropped++
    if (!this.msgEvents) return
    const from = this.ids[ev.from]
    this.emitMsg({
      kind: 'drop',
      t: this.now,
      node: at.id,
      lc: at.lc,
      msgId: ev.msgId,
      from,
      to: this.ids[ev.n],
      type: ev.type,
      reason,
    })
  }

  /** Deliver (or drop, or buffer) a message; false when the event is kept in a pause buffer. */
  private onMessage(ev: Ev): boolean {
    const dst = this.nodeList[ev.n]
    if (this.cut[ev.from * this.n + ev.n] > 0) {
      this.drop(ev, dst, 'partition')
      return true
    }
    if (dst.proto === null) {
      this.drop(ev, dst, 'down')
      return true
    }
    if (dst.paused > 0) {
      if (dst.pauseBuf.length >= PAUSE_BUFFER) {
        this.drop(ev, dst, 'paused')
        return true
      }
      dst.pauseBuf.push(ev)
      return false
    }
    dst.lc = (dst.lc > ev.lc ? dst.lc : ev.lc) + 1
    this.delivered++
    const from = this.ids[ev.from]
    if (this.msgEvents) {
      const vc = dst.vc
      const mvc = ev.vc as number[]
      for (let i = 0; i < vc.length; i++) if (mvc[i] > vc[i]) vc[i] = mvc[i]
      vc[dst.idx]++
      this.emitMsg({
        kind: 'deliver',
        t: this.now,
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
    this.drain(dst)
    return true
  }

  // ---------------------------------------------------------------- clients

  private onArrival(ev: Ev): void {
    const c = this.clients[ev.n]
    this.schedule(ev, this.now + expInterval(c.rng, this.perClientRate))
    if (c.op === null) this.startOp(c)
    else if (!c.deferred) c.deferred = true
    else this.skippedArrivals++
  }

  private startOp(c: Client): void {
    const serial = ++c.serial
    const id = `c${c.num}.${serial}`
    const f = this.pickOp(c.rng)
    const key = `k${this.keys.next(c.rng)}`
    const { cmd, value, expected } = opCommand(f, key, id, c.seen)
    const op: PendingOp = {
      id,
      serial,
      f,
      key,
      value,
      expected,
      req: { id, cmd },
      startUs: this.now,
      node: -1,
      attempts: 0,
    }
    c.op = op
    this.reqOwner.set(id, c)
    this.opsTotal++
    this.emit(opEvent(this.now, c.num, op, 'invoke', value))
    // Timeouts are all now + constant: the FIFO lane keeps them out of the heap.
    const to = this.ev(K_TIMEOUT, c.idx, serial)
    to.t = this.now + this.timeoutUs
    this.q.pushFifo(to)
    this.sendRequest(c, op, c.leader)
  }

  private sendRequest(c: Client, op: PendingOp, nodeIdx: number): void {
    op.node = nodeIdx
    op.attempts++
    c.leader = nodeIdx
    const ev = this.ev(K_CREQ, nodeIdx, op.serial)
    ev.from = c.idx
    ev.data = op.req
    this.schedule(ev, this.now + this.tripUs())
  }

  /** Hand a client request to its node; false when it waits in a pause buffer. */
  private onClientRequest(ev: Ev): boolean {
    const node = this.nodeList[ev.n]
    if (node.proto === null) return true // lost: the client will time out
    if (node.paused > 0) {
      node.pauseBuf.push(ev)
      return false
    }
    node.proto.propose(ev.data as ClientRequest)
    this.drain(node)
    return true
  }

  private onClientReply(ev: Ev): void {
    const c = this.clients[ev.n]
    const rep = ev.data as ClientReply
    const op = c.op
    if (op === null || op.id !== rep.id) return // late reply to an op already completed
    if (rep.ok) {
      c.leader = ev.from
      const out = okOutcome(op, rep, c.seen)
      return this.complete(c, 'ok', out.value, out.result)
    }
    if (ev.from !== op.node) return // stale answer from an earlier attempt
    const hint = rep.leaderHint === null ? -1 : (this.byId.get(rep.leaderHint)?.idx ?? -1)
    const act = refusalAction(rep, op.attempts, ev.from, hint)
    if (act.do === 'fail') return this.complete(c, 'fail', op.value, undefined, act.error)
    if (act.do === 'send') return this.sendRequest(c, op, act.node)
    // No usable hint (e.g. an election is on): try a random other node after a short backoff.
    op.node = -1
    c.leader = otherNode(c.rng, this.n, ev.from)
    this.schedule(this.ev(K_RETRY, c.idx, op.serial), this.now + this.retryBackoffUs)
  }

  private onRetry(ev: Ev): void {
    const c = this.clients[ev.n]
    const op = c.op
    if (op === null || op.serial !== ev.g || op.node !== -1) return
    this.sendRequest(c, op, c.leader)
  }

  private onTimeout(ev: Ev): void {
    const c = this.clients[ev.n]
    const op = c.op
    if (op === null || op.serial !== ev.g) return
    // Unknown outcome; next time try another node (this one may be down or cut off).
    c.leader = nodeAfterTimeout(c.rng, this.n, op.node, c.leader)
    this.complete(c, 'info', timeoutValue(op), undefined, 'timeout')
  }

  private complete(
    c: Client,
    phase: 'ok' | 'fail' | 'info',
    value: string | null,
    result?: boolean,
    error?: string,
  ): void {
    const op = c.op as PendingOp
    c.op = null
    this.reqOwner.delete(op.id)
    this.emit(opEvent(this.now, c.num, op, phase, value, result, error))
    if (phase === 'ok') {
      this.opsOk++
      this.win.ok++
      const us = this.now - op.startUs
      this.latency.add(us)
      this.win.lat.push(us)
    } else if (phase === 'fail') {
      this.opsFail++
      this.win.fail++
    } else {
      this.opsInfo++
      this.win.info++
    }
    if (c.deferred && !this.finished) {
      c.deferred = false
      this.startOp(c)
    }
  }

  // ---------------------------------------------------------------- faults

  private resolve(target: Target): number[] {
    return resolveTarget(target, this.ids, this.faultRng, () => this.currentLeader())
  }

  /** The node that believes it leads with the highest term, or -1. */
  private currentLeader(): number {
    let best = -1
    let bestTerm = -1
    for (const node of this.nodeList) {
      if (node.proto === null) continue
      const s = node.proto.status()
      if (s.role === 'leader' && s.term > bestTerm) {
        best = node.idx
        bestTerm = s.term
      }
    }
    return best
  }

  private faultEvent(i: number, phase: 'start' | 'end', detail: string): void {
    const rt = this.faults[i]
    this.emit({
      kind: 'fault',
      t: this.now,
      node: null,
      lc: 0,
      phase,
      faultId: i,
      fault: rt.spec.kind,
      targets: rt.targets.map((x) => this.ids[x]),
      detail,
    })
  }

  private startFault(i: number): void {
    const rt = this.faults[i]
    const f = rt.spec
    rt.active = true
    switch (f.kind) {
      case 'partition': {
        const plan = planPartitionFault(f, this.ids, this.faultRng, (t) => this.resolve(t))
        rt.targets = plan.targets
        rt.cut = plan.cut
        for (const [a, b] of plan.cut) this.cut[a * this.n + b]++
        this.faultEvent(i, 'start', plan.detail)
        break
      }
      case 'crash': {
        rt.targets = this.resolve(f.target)
        this.faultEvent(i, 'start', faultStartDetail(f, rt.targets))
        for (const x of rt.targets) this.crash(this.nodeList[x])
        if (f.restartAfterMs !== undefined)
          this.schedule(new Ev(K_RESTART, i, 0), this.now + Math.round(f.restartAfterMs * 1000))
        return
      }
      case 'pause':
        rt.targets = this.resolve(f.target)
        this.faultEvent(i, 'start', faultStartDetail(f, rt.targets))
        for (const x of rt.targets) this.pause(this.nodeList[x])
        break
      case 'delay':
      case 'drop':
      case 'duplicate':
      case 'reorder': {
        const { mask, pair, targets, detail } = planOverlayFault(f, this.ids, (t) => this.resolve(t))
        rt.targets = targets
        const o: Overlay = { fault: i, kind: f.kind, mask, pair, p: 0, latUs: 0, jitUs: 0 }
        if (f.kind === 'delay') {
          o.latUs = f.latencyMs * 1000
          o.jitUs = f.jitterMs * 1000
        } else o.p = f.probability
        this.overlays = [...this.overlays, o]
        this.faultEvent(i, 'start', detail)
        break
      }
      case 'clock': {
        rt.targets = this.resolve(f.target)
        this.faultEvent(i, 'start', faultStartDetail(f, rt.targets))
        for (const x of rt.targets) {
          const node = this.nodeList[x]
          if (f.rate !== 1) {
            node.rates.set(i, f.rate)
            this.updateRate(node)
          }
          const ticks = jumpTicks(f, this.spec.cluster.tickMs)
          for (let k = 0; k < ticks && node.proto !== null && node.paused === 0; k++) {
            node.proto.tick()
            this.drain(node)
          }
        }
        break
      }
      case 'byzantine': {
        rt.targets = this.resolve(f.target)
        const how =
          (f.behavior === 'forge' || f.behavior === 'equivocate') && this.factory.corrupt === undefined
            ? ` (${this.factory.kind} cannot ${f.behavior}: silent instead)`
            : ''
        this.faultEvent(i, 'start', faultStartDetail(f, rt.targets, { how }))
        for (const x of rt.targets) {
          this.nodeList[x].byz = f.behavior
          this.nodeList[x].byzFault = i
        }
        break
      }
    }
    if ('forMs' in f && f.forMs !== undefined)
      this.schedule(new Ev(K_FEND, i, 0), this.now + Math.round(f.forMs * 1000))
  }

  private updateRate(node: SimNode): void {
    let r = 1
    for (const x of node.rates.values()) r *= x
    if (r === node.rate) return
    node.rate = r
    this.rescheduleTicks(node)
  }

  private finishFault(i: number): void {
    const rt = this.faults[i]
    if (!rt.active) return
    rt.active = false
    const f = rt.spec
    switch (f.kind) {
      case 'partition':
        for (const [a, b] of rt.cut ?? []) this.cut[a * this.n + b]--
        this.faultEvent(i, 'end', faultEndDetail(f, rt.targets))
        return
      case 'pause':
        this.faultEvent(i, 'end', faultEndDetail(f, rt.targets))
        for (const x of rt.targets) this.resume(this.nodeList[x])
        return
      case 'delay':
      case 'drop':
      case 'duplicate':
      case 'reorder':
        this.overlays = this.overlays.filter((o) => o.fault !== i)
        this.faultEvent(i, 'end', faultEndDetail(f, rt.targets))
        return
      case 'clock':
        this.faultEvent(i, 'end', faultEndDetail(f, rt.targets))
        for (const x of rt.targets) {
          const node = this.nodeList[x]
          if (node.rates.delete(i)) this.updateRate(node)
        }
        return
      case 'byzantine':
        this.faultEvent(i, 'end', faultEndDetail(f, rt.targets))
        for (const x of rt.targets) {
          const node = this.nodeList[x]
          if (node.byzFault === i) {
            node.byz = null
            node.byzFault = -1
          }
        }
        return
      case 'crash':
        return
    }
  }

  private restartFault(i: number): void {
    const rt = this.faults[i]
    if (!rt.active) return
    rt.active = false
    this.faultEvent(i, 'end', faultEndDetail(rt.spec, rt.targets))
    for (const x of rt.targets) {
      const node = this.nodeList[x]
      if (!node.up) this.boot(node, true)
    }
  }
}
