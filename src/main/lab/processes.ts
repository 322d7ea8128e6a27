// Processes mode: the same protocol code as the simulator, run as N OS processes over local
// TCP, with every node-to-node frame going through the lab's fault-injecting proxy, KV
// clients in this process, and faults done for real (SIGKILL, SIGSTOP, proxy link rules).
// It is the other Host of the run engine (src/core/engine): the engine decides what happens
// (faults, clients, links, metrics, checks); this host does it to child processes, the proxy
// and TCP connections, on real timers.
//
// Time is real: nowMs = wall ms since the run started, i.e. since every node was up. done()
// turns true once the run ended (durationMs passed, or stop()) AND every process is gone and
// every event collected. Use whenDone() to await that, or driveProcessRun() for progress.
//
// Trace: nodes report state / log / apply / deliver events, the proxy send / drop /
// duplicate (from frame headers, so a SIGKILLed node's last sends are not lost with it), the
// engine client ops and faults, this host node crash / pause / resume (a restarted node
// reports its restart). All share one clock: process.hrtime (CLOCK_MONOTONIC, the same in
// every process), relative to the run's start, in µs. Events arrive in batches from several
// processes, so the lab holds them for SEQUENCER_LAG_MS and releases them in time order
// (stable per source) to the engine's recorder (checks, onTrace, trace()).
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { RunEngine, runRngs } from '../../core/engine/engine'
import type { Host } from '../../core/engine/host'
import type { Byzantine, LinkRule } from '../../core/engine/links'
import { nodeLive, type NodeState } from '../../core/engine/node-live'
import { EngineRun, type Run } from '../../core/engine/run'
import { WINDOW_US } from '../../core/engine/windows'
import { factoryFor } from '../../core/protocols'
import type { AdminCommand, ClientRequest } from '../../core/protocols/types'
import { ProgramReportKeeper } from '../../core/maelstrom/report'
import type { MaelstromMessage, MaelstromService, MaelstromServiceName } from '../../core/maelstrom/types'
import { ERROR_CODES, MAELSTROM_SERVICES } from '../../core/maelstrom/types'
import { createService } from '../../core/maelstrom/services'
import { messageProblem } from '../../core/maelstrom/validate'
import { createRng, type Rng } from '../../core/rng'
import type { MetricsWindow, NodeLive, ProgramTails, RunSummary } from '../../shared/api'
import {
  clusterSize,
  PROGRAM_KIND,
  PROGRAM_REFUSED_FAULTS,
  type ExperimentSpec,
  type FaultSpec,
} from '../../shared/spec'
import type { NodeId, Role, TraceEvent } from '../../shared/trace'
import { nodeIds } from '../../shared/trace'
import { ClientTransport } from './client-transport'
import { ChildLedger, Cluster, LEDGER_FILE, type NodeTelemetry } from './cluster'
import type { ChildEntry } from './cluster/spawn'
import { ProxyController, type LinkStats } from './proxy'

export { resolveNodeEntry, resolveProxyEntry, killAllChildren } from './cluster'
export type { LinkStats, LinkRule }

/** How long events are held back for reordering before release, ms. */
export const SEQUENCER_LAG_MS = 250
/** How often held events are released and metric windows closed, ms. */
const SEQUENCER_TICK_MS = 50
/** Most log lines kept (older ones are dropped). */
const MAX_LOGS = 2000
/** How long the end of a run waits for a backlog of telemetry that is still arriving. */
const DRAIN_MAX_MS = 30_000

export interface ProcessRunOptions {
  /** Every trace event, in time order, shortly (SEQUENCER_LAG_MS) after it happened. */
  onTrace?: (e: TraceEvent) => void
  /** The run's data directory (node WAL files go here); created if missing. */
  dataDir: string
  /** Keep the whole trace in memory for trace() (default true). */
  keepTrace?: boolean
  /** Record send / deliver / drop / duplicate events (default: keepTrace || onTrace). */
  messageEvents?: boolean
  /** Pad put / cas values to this many bytes (bench). */
  valueBytes?: number
  /** Log lines (node / proxy problems, bad frames, lost writes), as they come. */
  onLog?: (line: string) => void
  /** Child programs (tests); default: resolveNodeEntry() / resolveProxyEntry(). */
  nodeEntry?: ChildEntry
  proxyEntry?: ChildEntry
  /**
   * Programs: the services they may call by name (lin-kv, seq-kv, lww-kv, lin-tso), one instance per
   * run; default: the lab's own (src/core/maelstrom/services). A service not given answers
   * not-supported (error 10).
   */
  services?: Partial<Record<MaelstromServiceName, () => MaelstromService>>
}

export interface ProcessPids {
  lab: number
  proxy: number | null
  nodes: Array<number | null>
  /** A program's run: each node's program process (null: down, or not a program). */
  programs: Array<number | null>
}

/** A processes-mode run: the Run surface plus introspection of its processes and links. */
export interface ProcessRun extends Run {
  /** Cap the bandwidth of the directed link from -> to (bytes/s; 0 removes the cap). */
  setBandwidth(from: NodeId, to: NodeId, bytesPerSec: number): void
  /** Resolves once the run is over and every process is gone (done() is then true). */
  whenDone(): Promise<void>
  pids(): ProcessPids
  /** Client ports of the nodes (null: down). */
  clientPorts(): Array<number | null>
  /** Peer ports of the nodes (null: down). */
  peerPorts(): Array<number | null>
  /** The proxy's listening port (nodes dial it). */
  proxyPort(): number
  proxyStats(): Promise<LinkStats | null>
  /** The current rule per directed link, index from * n + to. */
  linkRules(): LinkRule[]
  logs(): string[]
  /** Events that arrived after later ones were already released (out of order in the trace). */
  lateEvents(): number
}

/** How a run with a program calls a service from the process environment (tests inject them). */
type ServiceFactories = NonNullable<ProcessRunOptions['services']>

/** The services every program run has: Maelstrom's lin-kv, seq-kv, lww-kv and lin-tso, as pure state machines. */
const DEFAULT_SERVICES: ServiceFactories = Object.fromEntries(
  MAELSTROM_SERVICES.map((name) => [name, () => createService(name)]),
)

const PAUSE_UNAVAILABLE = 'unavailable on Windows (no SIGSTOP/SIGCONT)'

class ProcessRunImpl extends EngineRun implements ProcessRun, Host {
  readonly spec: ExperimentSpec
  readonly n: number
  readonly ids: NodeId[]
  private readonly onLog: ((line: string) => void) | undefined
  private pending: TraceEvent[] = []
  private watermarkUs = 0
  private late = 0
  private readonly logLines: string[] = []

  private t0: bigint = 0n
  private t0str = '0'
  private started = false
  private ending = false
  private finished = false
  /** Set once the final counts are in (teardown): later reports are not part of the run. */
  private countsClosed = false
  /** Telemetry and proxy event batches received (to tell a draining backlog from silence). */
  private arrivals = 0
  private endUs = 0
  /** Time of the latest event the lab itself recorded. */
  private lastLabUs = 0
  private readonly durUs: number
  private endTimer: NodeJS.Timeout | null = null
  private seqTimer: NodeJS.Timeout | null = null
  /** The engine's pending timers (cleared when the run ends). */
  private readonly timers = new Set<NodeJS.Timeout>()
  private doneResolve: () => void = () => {}
  private readonly donePromise: Promise<void>

  proxy: ProxyController | null = null
  cluster: Cluster | null = null
  /** Every child process, written down in the run folder (see cluster/ledger.ts). */
  ledger: ChildLedger | null = null
  private readonly transport: ClientTransport
  /** The run's secret: every connection's hello proves it (set at boot). */
  secret = ''
  /** Connections refused at the hello, per node and by the proxy. */
  private readonly rejectedAt: number[]
  private rejectedAtProxy = 0

  // Live view.
  private readonly live: NodeState[]
  private readonly up: boolean[]
  /** Whether each node has ever been started (cluster.maxNodes: later ones wait to be added). */
  private readonly booted: boolean[]
  /** What each node was last told: its clock rate and forging behaviour. */
  private readonly sentRate: number[]
  private readonly sentByz: Array<'forge' | 'equivocate' | null>

  /** A program's run: its nodes' stderr and problems, and the services it called. */
  private readonly program: ProgramReportKeeper | null
  private readonly serviceFactories: ServiceFactories
  private readonly services = new Map<string, MaelstromService>()
  private readonly serviceRng: Rng

  constructor(spec: ExperimentSpec, opts: ProcessRunOptions) {
    super()
    this.spec = spec
    this.n = clusterSize(spec.cluster)
    this.ids = nodeIds(this.n)
    this.onLog = opts.onLog
    this.durUs = Math.round(spec.durationMs * 1000)
    this.live = this.ids.map(() => ({
      role: 'follower' as Role,
      term: 0,
      leader: null,
      commitIndex: 0,
      lastIndex: 0,
    }))
    this.up = this.ids.map(() => false)
    this.booted = this.ids.map((_, i) => i < spec.cluster.nodes)
    this.sentRate = this.ids.map(() => 1)
    this.sentByz = this.ids.map(() => null)
    this.rejectedAt = this.ids.map(() => 0)
    this.donePromise = new Promise((r) => (this.doneResolve = r))
    const isProgram = spec.algorithm.kind === PROGRAM_KIND
    this.program = isProgram ? new ProgramReportKeeper(this.ids) : null
    this.serviceFactories = opts.services ?? DEFAULT_SERVICES
    this.serviceRng = createRng(spec.seed ^ 0x5e41ce)
    // Unknown algorithm or mutant: throw before forking anything.
    const factory = isProgram ? { kind: PROGRAM_KIND, corrupt: undefined } : factoryFor(spec.algorithm)
    const onTrace = opts.onTrace
    this.engine = new RunEngine(spec, this, runRngs(spec), {
      keepTrace: opts.keepTrace,
      onTrace:
        onTrace === undefined
          ? undefined
          : (e) => {
              try {
                onTrace(e)
              } catch (err) {
                this.log(`lab: onTrace listener threw: ${(err as Error).message}`)
              }
            },
      valueBytes: opts.valueBytes,
      algorithm: factory.kind,
      canCorrupt: factory.corrupt !== undefined,
      words: { crash: ' (SIGKILL)', pause: ' (SIGSTOP)', resume: ' (SIGCONT)' },
    })
    this.transport = new ClientTransport(this.n, {
      secret: () => this.secret,
      clientPort: (idx) => this.clientPort(idx),
      onReply: (idx, rep) => this.engine.onReply(idx, rep),
      onRequestLost: (id, idx, written) => this.engine.onRequestLost(id, idx, written),
      log: (line) => this.log(line),
      ...(isProgram ? { onMessage: (idx: number, body: unknown) => this.onProgramReply(idx, body) } : {}),
    })
  }

  // ---------------------------------------------------------------- Run

  nowMs(): number {
    if (!this.started) return 0
    if (this.ending) return this.endUs / 1000
    return Math.min(this.nowUs(), this.durUs) / 1000
  }

  done(): boolean {
    return this.finished
  }

  stop(): void {
    this.finish('stopped')
  }

  nodes(): NodeLive[] {
    return this.ids.map((id, i) => nodeLive(id, this.live[i], this.up[i], !this.booted[i]))
  }

  currentWindow(): MetricsWindow | null {
    if (!this.started || this.ending) return null
    const meter = this.engine.meter
    return meter.currentWindow(Math.min(this.nowUs(), meter.win.startUs + WINDOW_US))
  }

  /** The engine's summary plus the connections refused at the hello (nodes' ports and the proxy's). */
  override summary(wallMs: number): RunSummary {
    const nodes: Record<NodeId, number> = {}
    this.ids.forEach((id, i) => (nodes[id] = this.rejectedAt[i]))
    const total = this.rejectedAt.reduce((a, b) => a + b, this.rejectedAtProxy)
    return {
      ...super.summary(wallMs),
      rejectedConnections: { total, proxy: this.rejectedAtProxy, nodes },
      ...(this.program !== null ? { program: this.program.report() } : {}),
    }
  }

  /** Programs cannot take every fault: refuse those live too (the spec refuses them up front). */
  override injectFault(f: FaultSpec): number {
    const why = this.program !== null ? PROGRAM_REFUSED_FAULTS[f.kind] : undefined
    if (why !== undefined) throw new Error(`${f.kind} faults cannot be done to a program: ${why}`)
    return super.injectFault(f)
  }

  programTails(lines: number): ProgramTails | null {
    return this.program?.tails(lines) ?? null
  }

  // ---------------------------------------------------------------- ProcessRun extras

  setBandwidth(from: NodeId, to: NodeId, bytesPerSec: number): void {
    const a = this.ids.indexOf(from)
    const b = this.ids.indexOf(to)
    if (a < 0 || b < 0) throw new Error(`no link ${from} -> ${to} in a cluster of ${this.n}`)
    if (!(bytesPerSec >= 0 && Number.isFinite(bytesPerSec)))
      throw new Error('bytesPerSec must be a number >= 0')
    this.engine.links.bandwidth[a * this.n + b] = bytesPerSec
    this.linksChanged()
  }

  whenDone(): Promise<void> {
    return this.donePromise
  }

  pids(): ProcessPids {
    return {
      lab: process.pid,
      proxy: this.proxy?.pid ?? null,
      nodes: this.ids.map((_, i) => this.cluster?.pid(i) ?? null),
      programs: this.ids.map((_, i) => this.cluster?.ready(i)?.programPid ?? null),
    }
  }

  clientPorts(): Array<number | null> {
    return this.ids.map((_, i) => this.clientPort(i))
  }

  peerPorts(): Array<number | null> {
    return this.ids.map((_, i) => (this.cluster?.isUp(i) ? (this.cluster.ready(i)?.peerPort ?? null) : null))
  }

  proxyPort(): number {
    return this.proxy?.port ?? 0
  }

  proxyStats(): Promise<LinkStats | null> {
    return this.proxy?.stats() ?? Promise.resolve(null)
  }

  linkRules(): LinkRule[] {
    return this.engine.links.rules()
  }

  logs(): string[] {
    return this.logLines.slice()
  }

  lateEvents(): number {
    return this.late
  }

  // ---------------------------------------------------------------- Host

  /** Run time, µs; frozen at the end once the run is ending (clients' last completions land there). */
  nowUs(): number {
    if (!this.started) return 0
    if (this.ending) return this.endUs
    return Math.round(Number(process.hrtime.bigint() - this.t0) / 1000)
  }

  timer(kind: number, a: number, b: number, atUs: number): void {
    if (this.ending) return
    const t = setTimeout(
      () => {
        this.timers.delete(t)
        if (this.ending) return
        try {
          this.engine.onTimer(kind, a, b, atUs)
        } catch (e) {
          this.log(`lab: ${(e as Error).message}`)
        }
      },
      Math.max(0, (atUs - this.nowUs()) / 1000),
    )
    this.timers.add(t)
  }

  soon(kind: number, a: number, b: number): boolean {
    if (!this.started || this.ending) return false
    this.engine.onTimer(kind, a, b, this.nowUs())
    return true
  }

  log(line: string): void {
    // A program's node that reported itself fatal (it exited by itself, or did not start).
    const fatal = this.program !== null ? /^(n[0-9]+): fatal: (.*)$/.exec(line) : null
    if (fatal !== null) this.program?.problem(fatal[1], fatal[2])
    this.logLines.push(line)
    if (this.logLines.length > MAX_LOGS) this.logLines.splice(0, this.logLines.length - MAX_LOGS)
    this.onLog?.(line)
  }

  /** A lab-side event (client op, fault, node crash / pause / resume): sequenced with the rest. */
  emit(e: TraceEvent): void {
    if (e.t > this.lastLabUs) this.lastLabUs = e.t
    this.pending.push(e)
  }

  leader(): number {
    let best = -1
    let bestTerm = -1
    for (let i = 0; i < this.n; i++) {
      const l = this.live[i]
      if (this.up[i] && l.role === 'leader' && l.term > bestTerm) {
        best = i
        bestTerm = l.term
      }
    }
    return best
  }

  isUp(idx: number): boolean {
    return this.cluster?.isUp(idx) === true
  }

  nodeTerm(idx: number): number {
    return this.live[idx].term
  }

  /** Fork node idx for the first time (a membership add): fresh, running on the run's clock. */
  bootNode(idx: number): void {
    const cluster = this.cluster
    if (cluster === null || this.ending || cluster.isUp(idx)) return
    this.booted[idx] = true
    cluster.start(idx, { fresh: true, afterCrash: false, t0: this.t0str }).then(
      (ready) => {
        if (this.ending) return
        this.up[idx] = true
        this.proxy?.setNode(idx, ready.peerPort, 'up')
        this.proxy?.setPids(cluster.pids())
        this.setClock(idx, this.engine.faults.clockRate(idx), 0)
        this.setByzantine(idx, this.engine.faults.byzantine(idx))
      },
      (e: unknown) => this.log(`lab: starting ${this.ids[idx]} failed: ${(e as Error).message}`),
    )
  }

  admin(idx: number, cmd: AdminCommand): boolean {
    if (this.cluster === null || !this.up[idx]) return false
    return this.cluster.control(idx, { type: 'admin', cmd })
  }

  crash(idx: number): void {
    const cluster = this.cluster
    if (cluster === null || !cluster.crash(idx)) return
    this.markDown(idx)
  }

  private markDown(idx: number): void {
    this.up[idx] = false
    this.proxy?.setNode(idx, null, 'down')
    this.proxy?.setPids(this.cluster?.pids() ?? [])
    this.emit({
      kind: 'node',
      t: this.nowUs(),
      node: this.ids[idx],
      lc: this.cluster?.lastLc[idx] ?? 0,
      action: 'crash',
    })
  }

  restart(idxs: readonly number[], recordEnd: (extra: string) => void): void {
    void Promise.all(
      idxs.map((x) =>
        this.restartNode(x).then(
          (what) => `${this.ids[x]}: ${what}`,
          (e: unknown) => `${this.ids[x]}: restart failed: ${(e as Error).message}`,
        ),
      ),
    ).then((results) => recordEnd(results.length ? ` (${results.join('; ')})` : ''))
  }

  /** Start node idx again from its WAL; resolves to a few words about what it recovered. */
  private async restartNode(idx: number): Promise<string> {
    const cluster = this.cluster
    if (cluster === null || this.ending) throw new Error('the run is not running')
    const ready = await cluster.start(idx, { fresh: false, afterCrash: true, t0: this.t0str })
    if (this.ending) return 'restarted as the run ended'
    if (this.program !== null) {
      this.up[idx] = true
      this.proxy?.setNode(idx, ready.peerPort, 'up')
      this.proxy?.setPids(cluster.pids())
      this.transport.open(idx)
      return 'a fresh program process, initialised again'
    }
    // Until its first report, a restarted node is a follower that knows no leader.
    this.live[idx] = { ...this.live[idx], role: 'follower', leader: null }
    this.up[idx] = true
    this.proxy?.setNode(idx, ready.peerPort, 'up')
    this.proxy?.setPids(cluster.pids())
    // A node keeps its clock skew and byzantine behaviour across a crash (as in the simulator).
    this.sentRate[idx] = 1
    this.sentByz[idx] = null
    this.setClock(idx, this.engine.faults.clockRate(idx), 0)
    this.setByzantine(idx, this.engine.faults.byzantine(idx))
    const r = ready.recovery
    let what = `recovered ${r.records} WAL records, last index ${r.lastIndex}`
    if (r.lostUnsyncedBytes > 0) {
      what += `; lost ${r.lostUnsyncedRecords} unsynced records (${r.lostUnsyncedBytes} bytes, fsync off)`
    }
    if (r.tornReason !== null) what += `; ignored a torn tail: ${r.tornReason}`
    return what
  }

  pause(idx: number): void {
    const cluster = this.cluster
    if (cluster === null || !cluster.pause(idx)) return
    this.proxy?.setNode(idx, cluster.ready(idx)?.peerPort ?? null, 'paused')
    this.emit({
      kind: 'node',
      t: this.nowUs(),
      node: this.ids[idx],
      lc: cluster.lastLc[idx],
      action: 'pause',
    })
  }

  resume(idx: number): void {
    const cluster = this.cluster
    if (cluster === null || !cluster.resume(idx)) return
    this.proxy?.setNode(idx, cluster.ready(idx)?.peerPort ?? null, 'up')
    this.emit({
      kind: 'node',
      t: this.nowUs(),
      node: this.ids[idx],
      lc: cluster.lastLc[idx],
      action: 'resume',
    })
  }

  pauseUnavailable(): string | null {
    return process.platform === 'win32' ? PAUSE_UNAVAILABLE : null
  }

  setClock(idx: number, rate: number, jumpTicks: number): void {
    if (rate === this.sentRate[idx] && jumpTicks === 0) return
    this.sentRate[idx] = rate
    this.cluster?.control(idx, { type: 'clock', rate, jumpTicks })
  }

  /** Forging and equivocating are done by the node; silent and slow by the proxy (linksChanged). */
  setByzantine(idx: number, behavior: Byzantine | null): void {
    const forging = behavior === 'forge' || behavior === 'equivocate' ? behavior : null
    if (forging === this.sentByz[idx]) return
    this.sentByz[idx] = forging
    this.cluster?.control(idx, { type: 'byz', behavior: forging })
  }

  linksChanged(): void {
    this.proxy?.setRules(this.engine.links.rules())
  }

  send(_client: number, node: number, req: ClientRequest): boolean {
    return this.transport.send(node, req)
  }

  forget(node: number, id: string): void {
    this.transport.forget(node, id)
  }

  call(node: number, msg: MaelstromMessage): boolean {
    return this.transport.sendBody(node, msg)
  }

  // ---------------------------------------------------------------- programs

  /** A message for a client came out of a program's node: checked, then the engine's. */
  private onProgramReply(idx: number, body: unknown): string | null {
    const bad = messageProblem(body)
    if (bad !== null) return `client message from ${this.ids[idx]}: ${bad}`
    const why = this.engine.onClientMessage(idx, body as MaelstromMessage)
    if (why !== null) this.programProblem(idx, why)
    return null
  }

  private programProblem(idx: number, why: string): void {
    const line = why.startsWith(`${this.ids[idx]}`) ? why : `${this.ids[idx]}: ${why}`
    this.log(line)
    this.program?.problem(this.ids[idx], line)
  }

  /** A program called a service (lin-kv, seq-kv, lww-kv, lin-tso): answer it over its node's control channel. */
  private onService(idx: number, raw: Record<string, unknown>): void {
    const bad = messageProblem(raw)
    if (bad !== null) return this.programProblem(idx, `service message ignored: ${bad}`)
    const msg = raw as unknown as MaelstromMessage
    const name = msg.dest as MaelstromServiceName
    let svc = this.services.get(name)
    if (svc === undefined) {
      const make = this.serviceFactories[name]
      if (make !== undefined) {
        svc = make()
        this.services.set(name, svc)
      }
    }
    let body: MaelstromMessage['body']
    if (svc === undefined) {
      body = {
        type: 'error',
        code: ERROR_CODES['not-supported'],
        text: `this lab has no ${name} service`,
      }
    } else {
      try {
        body = svc.handle(msg.src, msg.body, this.serviceRng)
      } catch (e) {
        body = { type: 'error', code: ERROR_CODES.crash, text: `${name} failed: ${(e as Error).message}` }
      }
    }
    if (msg.body.msg_id !== undefined) body = { ...body, in_reply_to: msg.body.msg_id }
    this.cluster?.control(idx, { type: 'svc', msg: { src: name, dest: msg.src, body } })
  }

  // ---------------------------------------------------------------- intake

  clientPort(idx: number): number | null {
    const c = this.cluster
    if (c === null || !c.isUp(idx)) return null
    return c.ready(idx)?.clientPort ?? null
  }

  onTelemetry(idx: number, t: NodeTelemetry): void {
    this.arrivals++
    for (const e of t.events) this.pending.push(e)
    if (!this.countsClosed) {
      this.engine.meter.messages.delivered += t.delivered
      this.rejectedAt[idx] += t.rejected
    }
    if (t.status !== null && this.cluster?.isUp(idx)) {
      const s = t.status
      this.live[idx] = {
        role: s.role,
        term: s.term,
        leader: s.leader,
        commitIndex: s.commitIndex,
        lastIndex: s.lastIndex,
        stats: s.stats,
        ...(s.config ? { config: s.config } : {}),
      }
      this.up[idx] = true
    }
    for (const line of t.errors) {
      this.log(String(line))
      this.program?.problem(this.ids[idx], String(line))
    }
    if (t.stderr !== undefined) this.program?.stderr(this.ids[idx], t.stderr)
  }

  onProxyEvents(
    events: TraceEvent[],
    counts: { dropped: number; duplicated: number; received: number; rejected: number },
  ): void {
    const cluster = this.cluster
    const meter = this.engine.meter
    this.arrivals++
    for (const e of events) {
      this.pending.push(e)
      if (e.kind === 'send' && !this.countsClosed) meter.windows.countType(e.type, 1)
      if (e.kind === 'send' && cluster !== null) {
        // The proxy saw the sender's clocks even if the sender's own telemetry died with it:
        // a restarted node continues from the highest clocks anyone saw.
        const i = this.ids.indexOf(e.from)
        if (i >= 0) {
          if (e.lc > cluster.lastLc[i]) cluster.lastLc[i] = e.lc
          const vc = cluster.lastVc[i]
          for (let k = 0; k < vc.length && k < e.vc.length; k++) if (e.vc[k] > vc[k]) vc[k] = e.vc[k]
        }
      }
    }
    if (this.countsClosed) return
    // Messages count as sent when they reach the network (the proxy), like their send events.
    meter.messages.sent += counts.received
    meter.win.messages += counts.received
    meter.messages.dropped += counts.dropped
    meter.messages.duplicated += counts.duplicated
    this.rejectedAtProxy += counts.rejected
  }

  onNodeExit(idx: number, expected: boolean, code: number | null, signal: string | null): void {
    if (expected || this.ending) return
    this.log(
      `lab: n${idx + 1} (pid exited with code ${code}, signal ${signal}) ended unexpectedly: recorded as a crash`,
    )
    this.engine.faults.nodeDown(idx)
    this.markDown(idx)
  }

  // ---------------------------------------------------------------- the sequencer

  /** Release events older than the lag (or all), in time order. */
  private release(all: boolean): void {
    const limit = all ? Infinity : this.nowUs() - SEQUENCER_LAG_MS * 1000
    const pending = this.pending
    if (pending.length > 0) {
      let out: TraceEvent[]
      if (all) {
        out = pending
        this.pending = []
      } else {
        out = []
        const keep: TraceEvent[] = []
        for (const e of pending) (e.t <= limit ? out : keep).push(e)
        this.pending = keep
      }
      out.sort((a, b) => a.t - b.t)
      for (const e of out) this.deliver(e)
    }
    if (!all && limit > this.watermarkUs) this.watermarkUs = limit
  }

  private deliver(e: TraceEvent): void {
    // Like the simulator, nothing happens after the run's end (nodes report a little more
    // while they are being collected and stopped: that is not part of the run).
    if (this.ending && e.t > this.endUs) return
    if (e.t < this.watermarkUs) this.late++
    this.engine.record(e)
  }

  // ---------------------------------------------------------------- lifecycle

  async boot(opts: ProcessRunOptions): Promise<void> {
    const spec = this.spec
    const n = this.n
    mkdirSync(opts.dataDir, { recursive: true })
    const ledger = new ChildLedger(join(opts.dataDir, LEDGER_FILE), (line) => this.log(line))
    this.ledger = ledger
    const secret = randomBytes(24).toString('hex')
    this.secret = secret
    const msgEvents = opts.messageEvents ?? this.engine.wantsMessageEvents
    // The run's randomness in the simulator's order: network, faults, workload, then one per node.
    const rngs = runRngs(spec)

    this.proxy = await ProxyController.start({
      n,
      kind: spec.algorithm.kind,
      secret,
      seed: Math.floor(rngs.net.next() * 2 ** 32),
      msgEvents,
      entry: opts.proxyEntry,
      ledger,
      onEvents: (events, counts) => this.onProxyEvents(events, counts),
      log: (line) => this.log(line),
      onExit: (code, signal) => {
        if (this.ending) return
        this.log(`lab: the proxy exited unexpectedly (code ${code}, signal ${signal}): ending the run`)
        this.finish('proxy exited')
      },
    })
    const cluster = new Cluster({
      n,
      voters: spec.cluster.nodes,
      kind: spec.algorithm.kind,
      mutants: spec.algorithm.mutants ?? [],
      params: spec.algorithm.params,
      tickMs: spec.cluster.tickMs,
      fsync: spec.cluster.fsync,
      writebackMs: spec.cluster.writebackMs,
      secret,
      proxyPort: this.proxy.port,
      dataDir: opts.dataDir,
      msgEvents,
      nodeRngs: rngs.nodes,
      runSeed: spec.seed,
      entry: opts.nodeEntry,
      ledger,
      onTelemetry: (idx, t) => this.onTelemetry(idx, t),
      onExit: (idx, expected, code, signal) => this.onNodeExit(idx, expected, code, signal),
      log: (line) => this.log(line),
      onService: (idx, msg) => this.onService(idx, msg),
      programFile: spec.algorithm.kind === PROGRAM_KIND ? spec.algorithm.params.command[0] : undefined,
    })
    this.cluster = cluster
    // The initial voters; the others (cluster.maxNodes) start when a membership fault adds them.
    const initial = this.ids.slice(0, spec.cluster.nodes)
    const readies = await Promise.all(
      initial.map((_, i) => cluster.start(i, { fresh: true, afterCrash: false, t0: null })),
    )
    this.linksChanged()
    readies.forEach((r, i) => {
      this.up[i] = true
      this.proxy?.setNode(i, r.peerPort, 'up')
    })
    this.proxy.setPids(cluster.pids())

    // Go: the run's clock starts now.
    this.t0 = process.hrtime.bigint()
    this.t0str = this.t0.toString()
    this.started = true
    this.proxy.start(this.t0str)
    this.engine.begin(() => cluster.startAll(this.t0str))
    // A program's node may answer clients that never wrote to it: every node has the lab's
    // client connection from the start.
    if (this.program !== null) for (let i = 0; i < initial.length; i++) this.transport.open(i)
    this.endTimer = setTimeout(this.endAtDuration, spec.durationMs)
    this.seqTimer = setInterval(() => {
      this.release(false)
      // The last window stays open until the end (it closes in teardown).
      this.engine.meter.closeUpTo(Math.min(this.nowUs(), this.durUs - 1))
    }, SEQUENCER_TICK_MS)
  }

  /**
   * The end timer: Node's timers count from the event loop's cached clock, which can be up to a
   * millisecond behind the run's clock when it was set, so the timer may fire a little before
   * durationMs by the run's clock; then it waits for the rest (the run never ends early).
   */
  private readonly endAtDuration = (): void => {
    const leftUs = this.durUs - this.nowUs()
    if (leftUs > 0 && !this.ending) {
      this.endTimer = setTimeout(this.endAtDuration, Math.ceil(leftUs / 1000))
      return
    }
    this.finish('run ended')
  }

  /** End the run (idempotent): clients finish, then telemetry is collected and processes end. */
  finish(reason: string): void {
    if (this.ending) return
    // The end is durationMs, or a little later if the lab already recorded something past it
    // (the end timer fires a moment late; nothing the lab recorded is dropped).
    this.endUs = this.started ? Math.max(Math.min(this.nowUs(), this.durUs), this.lastLabUs) : 0
    this.ending = true
    if (this.endTimer) clearTimeout(this.endTimer)
    // From here the trace is released and the windows closed once, when everything is in.
    if (this.seqTimer) clearInterval(this.seqTimer)
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.engine.finish(reason)
    this.transport.close()
    void this.teardown()
  }

  private async teardown(): Promise<void> {
    try {
      // A busy run may have a backlog of telemetry on its way: wait while it keeps arriving
      // (bounded), so the trace holds everything the processes recorded before they end.
      const cluster = this.cluster
      const proxy = this.proxy
      // The proxy first: halted, it stops the traffic, so the nodes' telemetry stops growing.
      if (proxy) await this.drain(() => proxy.flush(2000, true), "the proxy's events")
      if (cluster) await this.drain(() => cluster.flushAll(2000), 'node telemetry')
    } catch (e) {
      this.log(`lab: collecting telemetry failed: ${(e as Error).message}`)
    }
    // What happens while the processes are being stopped is not part of the run.
    this.countsClosed = true
    await this.kill()
    this.release(true)
    // Full windows, then the last one up to the end (which may be a moment past durationMs).
    const windows = this.engine.meter.windows
    windows.closeUpTo(Math.min(this.endUs, this.durUs) - 1)
    if (this.endUs > windows.cur.startUs) windows.close(this.endUs)
    this.finished = true
    this.doneResolve()
  }

  /**
   * Ask for a flush until one is confirmed, again after each attempt that timed out while
   * events were still arriving (a backlog draining), for at most DRAIN_MAX_MS; says so in the
   * log when it gives up.
   */
  private async drain(flush: () => Promise<boolean>, what: string): Promise<void> {
    const t0 = performance.now()
    for (;;) {
      const before = this.arrivals
      // A confirmation travels behind everything sent before it on the same channel.
      if (await flush()) return
      if (this.arrivals === before) {
        this.log(`lab: ${what} did not confirm the final flush: some of the end of the trace may be missing`)
        return
      }
      if (performance.now() - t0 > DRAIN_MAX_MS) {
        this.log(`lab: ${what} still arriving after ${DRAIN_MAX_MS / 1000} s: the rest is not recorded`)
        return
      }
    }
  }

  /** End every process of this run. */
  async kill(): Promise<void> {
    try {
      await this.cluster?.stopAll()
    } catch (e) {
      this.log(`lab: stopping nodes failed: ${(e as Error).message}`)
    }
    try {
      await this.proxy?.close()
    } catch (e) {
      this.log(`lab: stopping the proxy failed: ${(e as Error).message}`)
    }
    this.ledger?.close()
  }
}

/**
 * Start a processes-mode run: fork the proxy and N node processes, wait until every node is
 * up, then start the clock, the clients and the fault schedule. Rejects (with every process
 * already gone) if anything fails to start.
 */
export async function startProcessRun(spec: ExperimentSpec, opts: ProcessRunOptions): Promise<ProcessRun> {
  const run = new ProcessRunImpl(spec, opts)
  try {
    await run.boot(opts)
  } catch (e) {
    run.finish('failed to start')
    await run.kill()
    throw e
  }
  return run
}

export interface ProcessDriveOptions {
  /** Wall ms between progress callbacks (default 100). */
  progressEveryMs?: number
  onProgress?: (run: ProcessRun) => void
  /** Called once, after the run is over and every process is gone. */
  onEnd: (end: { status: 'done' | 'stopped'; wallMs: number }) => void
}

/** Progress callbacks for a process run (the counterpart of driveSimulation: real time needs no pacing). */
export function driveProcessRun(
  run: ProcessRun,
  opts: ProcessDriveOptions,
): { stop(): void; readonly finished: boolean } {
  const t0 = performance.now()
  let stopped = false
  let finished = false
  const progress = (): void => {
    try {
      opts.onProgress?.(run)
    } catch {
      // a listener's problem must not end the run
    }
  }
  const timer = setInterval(progress, opts.progressEveryMs ?? 100)
  void run.whenDone().then(() => {
    clearInterval(timer)
    finished = true
    progress()
    opts.onEnd({ status: stopped ? 'stopped' : 'done', wallMs: performance.now() - t0 })
  })
  return {
    stop(): void {
      if (finished) return
      stopped = true
      run.stop()
    },
    get finished(): boolean {
      return finished
    },
  }
}
