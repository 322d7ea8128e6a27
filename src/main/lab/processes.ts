// Processes mode: the same protocol code as the simulator, run as N OS processes over local
// TCP, with every node-to-node frame going through the lab's fault-injecting proxy, KV
// clients in this process, and faults done for real (SIGKILL, SIGSTOP, proxy link rules).
//
// startProcessRun() returns an object implementing the simulator's `Simulation` interface
// (src/core/sim), so the lab can show and record both modes alike. Differences: time is real
// (nowMs = wall ms since the run started, i.e. since every node was up); runUntil() does
// nothing (timers drive the run); done() turns true once the run ended (durationMs passed,
// or stop()) AND every process is gone and every event collected. Use whenDone() to await
// that, or driveProcessRun() for progress callbacks.
//
// Trace: nodes report state / log / apply / deliver events, the proxy send / drop /
// duplicate (from frame headers, so a SIGKILLed node's last sends are not lost with it), the
// clients op events, the lab fault and node events (a restarted node reports its restart).
// All share one clock: process.hrtime (CLOCK_MONOTONIC, the same in every process), relative
// to the run's start, in µs. Events arrive in batches from several processes, so the lab
// holds them for SEQUENCER_LAG_MS and releases them in time order (stable per source) to
// onTrace, trace() and the streaming safety checker that summary() reads.
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { createChecker, type TraceChecker } from '../../core/check'
import { getProtocol } from '../../core/protocols'
import { createRng } from '../../core/rng'
import type { Simulation } from '../../core/sim'
import { nodeLive, type NodeState } from '../../core/sim/node-live'
import { LatencyHistogram } from '../../core/sim/stats'
import { runSummary } from '../../core/sim/summary'
import { WINDOW_US, WindowMeter } from '../../core/sim/windows'
import type { MetricsWindow, NodeLive, RunSummary } from '../../shared/api'
import type { ExperimentSpec } from '../../shared/spec'
import type { NodeId, Role, TraceEvent } from '../../shared/trace'
import { nodeIds } from '../../shared/trace'
import { Cluster, type NodeTelemetry } from './cluster'
import type { ChildEntry } from './cluster/spawn'
import { FaultEngine, type FaultHost, type LiveFault } from './faults'
import { ProxyController, type LinkRule, type LinkStats } from './proxy'
import { KvWorkload } from './workload'

export { resolveNodeEntry, resolveProxyEntry, killAllChildren } from './cluster'
export type { LinkStats, LinkRule } from './proxy'
export type { LiveFault } from './faults'

/** How long events are held back for reordering before release, ms. */
export const SEQUENCER_LAG_MS = 250
/** How often held events are released and metric windows closed, ms. */
const SEQUENCER_TICK_MS = 50
/** Most log lines kept (older ones are dropped). */
const MAX_LOGS = 2000

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
}

export interface ProcessPids {
  lab: number
  proxy: number | null
  nodes: Array<number | null>
}

/** A processes-mode run: the Simulation surface plus live faults and introspection. */
export interface ProcessRun extends Simulation {
  /**
   * Start a fault now (the UI's live "break it"); returns its fault id. The fault is validated
   * (atMs may be left out); throws naming the bad field, or if the fault is unavailable here.
   */
  injectFault(fault: LiveFault): number
  /** End a live or scheduled fault early (a crash fault restarts its nodes now). */
  endFault(faultId: number): void
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

class ProcessRunImpl implements ProcessRun, FaultHost {
  readonly spec: ExperimentSpec
  readonly n: number
  private readonly ids: NodeId[]
  private readonly checker: TraceChecker
  private readonly keepTrace: boolean
  private readonly onTrace: ((e: TraceEvent) => void) | undefined
  private readonly onLog: ((line: string) => void) | undefined
  private readonly events: TraceEvent[] = []
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
  private endUs = 0
  /** Time of the latest event the lab itself recorded. */
  private lastLabUs = 0
  private readonly durUs: number
  private endTimer: NodeJS.Timeout | null = null
  private seqTimer: NodeJS.Timeout | null = null
  private doneResolve: () => void = () => {}
  private readonly donePromise: Promise<void>

  proxy: ProxyController | null = null
  cluster: Cluster | null = null
  faults: FaultEngine | null = null
  workload: KvWorkload | null = null

  // Live view and figures.
  private readonly live: NodeState[]
  private readonly up: boolean[]
  private readonly lastRole: Array<Role | null>
  private elections = 0
  private leaderChanges = 0
  private leaderIdx = -1
  private leaderTerm = -1
  private sent = 0
  private delivered = 0
  private dropped = 0
  private duplicated = 0
  private readonly latency = new LatencyHistogram()
  private readonly windows = new WindowMeter()
  /** The open metrics window (a stable object). */
  private readonly win = this.windows.cur

  constructor(spec: ExperimentSpec, opts: ProcessRunOptions) {
    this.spec = spec
    this.n = spec.cluster.nodes
    this.ids = nodeIds(this.n)
    this.checker = createChecker(spec.algorithm.kind)
    this.keepTrace = opts.keepTrace ?? true
    this.onTrace = opts.onTrace
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
    this.lastRole = this.ids.map(() => null)
    this.donePromise = new Promise((r) => (this.doneResolve = r))
  }

  // ---------------------------------------------------------------- Simulation surface

  nowMs(): number {
    if (!this.started) return 0
    if (this.ending) return this.endUs / 1000
    return Math.min(this.nowUs(), this.durUs) / 1000
  }

  done(): boolean {
    return this.finished
  }

  runUntil(_tMs: number): void {
    // Real time drives the run: the end timer finishes it at durationMs.
  }

  stop(): void {
    this.finish('stopped')
  }

  nodes(): NodeLive[] {
    return this.ids.map((id, i) => nodeLive(id, this.live[i], this.up[i]))
  }

  takeWindows(): MetricsWindow[] {
    return this.windows.take()
  }

  currentWindow(): MetricsWindow | null {
    if (!this.started || this.ending) return null
    const end = Math.min(this.nowUs(), this.win.startUs + WINDOW_US)
    return end > this.win.startUs ? this.windows.peek(end) : null
  }

  trace(): TraceEvent[] {
    return this.keepTrace ? this.events.slice() : []
  }

  summary(wallMs: number): RunSummary {
    const checks = this.checker.results()
    const c = this.workload?.counts ?? { total: 0, ok: 0, fail: 0, info: 0 }
    return runSummary(
      {
        simulatedMs: this.nowMs(),
        wallMs,
        leaderChanges: this.leaderChanges,
        elections: this.elections,
        ops: { total: c.total, ok: c.ok, fail: c.fail, info: c.info },
        latency: this.latency,
        messages: {
          sent: this.sent,
          delivered: this.delivered,
          dropped: this.dropped,
          duplicated: this.duplicated,
        },
      },
      checks,
    )
  }

  // ---------------------------------------------------------------- ProcessRun extras

  injectFault(fault: LiveFault): number {
    if (this.faults === null || this.ending) throw new Error('the run is not running')
    return this.faults.inject(fault)
  }

  endFault(faultId: number): void {
    this.faults?.end(faultId)
  }

  setBandwidth(from: NodeId, to: NodeId, bytesPerSec: number): void {
    const a = this.ids.indexOf(from)
    const b = this.ids.indexOf(to)
    if (a < 0 || b < 0) throw new Error(`no link ${from} -> ${to} in a cluster of ${this.n}`)
    if (!(bytesPerSec >= 0 && Number.isFinite(bytesPerSec)))
      throw new Error('bytesPerSec must be a number >= 0')
    const faults = this.faults
    if (faults === null) return
    faults.setBandwidth(a, b, bytesPerSec)
  }

  whenDone(): Promise<void> {
    return this.donePromise
  }

  pids(): ProcessPids {
    return {
      lab: process.pid,
      proxy: this.proxy?.pid ?? null,
      nodes: this.ids.map((_, i) => this.cluster?.pid(i) ?? null),
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
    return this.faults?.rules() ?? []
  }

  logs(): string[] {
    return this.logLines.slice()
  }

  lateEvents(): number {
    return this.late
  }

  // ---------------------------------------------------------------- FaultHost

  /** Run time, µs; frozen at the end once the run is ending (clients' last completions land there). */
  nowUs(): number {
    if (!this.started) return 0
    if (this.ending) return this.endUs
    return Math.round(Number(process.hrtime.bigint() - this.t0) / 1000)
  }

  log(line: string): void {
    this.logLines.push(line)
    if (this.logLines.length > MAX_LOGS) this.logLines.splice(0, this.logLines.length - MAX_LOGS)
    this.onLog?.(line)
  }

  /** A lab-side event (client op, fault, node crash / pause / resume). */
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

  async restart(idx: number): Promise<string> {
    const cluster = this.cluster
    if (cluster === null || this.ending) throw new Error('the run is not running')
    const ready = await cluster.start(idx, { fresh: false, afterCrash: true, t0: this.t0str })
    if (this.ending) return 'restarted as the run ended'
    // Until its first report, a restarted node is a follower that knows no leader.
    this.live[idx] = { ...this.live[idx], role: 'follower', leader: null }
    this.up[idx] = true
    this.proxy?.setNode(idx, ready.peerPort, 'up')
    this.proxy?.setPids(cluster.pids())
    const faults = this.faults
    if (faults !== null) {
      // A node keeps its clock skew and byzantine behaviour across a crash (as in the simulator).
      const rate = faults.clockRate(idx)
      if (rate !== 1) cluster.control(idx, { type: 'clock', rate, jumpTicks: 0 })
      const b = faults.byzantineBehavior(idx)
      if (b !== null) cluster.control(idx, { type: 'byz', behavior: b })
    }
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

  setClock(idx: number, rate: number, jumpTicks: number): void {
    this.cluster?.control(idx, { type: 'clock', rate, jumpTicks })
  }

  setByzantine(idx: number, behavior: 'forge' | 'equivocate' | null): void {
    this.cluster?.control(idx, { type: 'byz', behavior })
  }

  setRules(rules: LinkRule[]): void {
    this.proxy?.setRules(rules)
  }

  // ---------------------------------------------------------------- intake

  clientPort(idx: number): number | null {
    const c = this.cluster
    if (c === null || !c.isUp(idx)) return null
    return c.ready(idx)?.clientPort ?? null
  }

  onTelemetry(idx: number, t: NodeTelemetry): void {
    for (const e of t.events) this.pending.push(e)
    if (!this.countsClosed) this.delivered += t.delivered
    if (t.status !== null && this.cluster?.isUp(idx)) {
      const s = t.status
      this.live[idx] = {
        role: s.role,
        term: s.term,
        leader: s.leader,
        commitIndex: s.commitIndex,
        lastIndex: s.lastIndex,
        stats: s.stats,
      }
      this.up[idx] = true
    }
    for (const line of t.errors) this.log(String(line))
  }

  onProxyEvents(
    events: TraceEvent[],
    counts: { dropped: number; duplicated: number; received: number },
  ): void {
    const cluster = this.cluster
    for (const e of events) {
      this.pending.push(e)
      if (e.kind === 'send' && !this.countsClosed) this.windows.countType(e.type, 1)
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
    this.sent += counts.received
    this.win.messages += counts.received
    this.dropped += counts.dropped
    this.duplicated += counts.duplicated
  }

  onNodeExit(idx: number, expected: boolean, code: number | null, signal: string | null): void {
    if (expected || this.ending) return
    this.log(
      `lab: n${idx + 1} (pid exited with code ${code}, signal ${signal}) ended unexpectedly: recorded as a crash`,
    )
    this.markDown(idx)
  }

  onOpComplete(phase: 'ok' | 'fail' | 'info', latencyUs: number): void {
    if (phase === 'ok') {
      this.win.ok++
      this.win.lat.push(latencyUs)
      this.latency.add(Math.round(latencyUs))
    } else if (phase === 'fail') this.win.fail++
    else this.win.info++
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
    switch (e.kind) {
      case 'send':
      case 'deliver':
      case 'drop':
      case 'duplicate':
        break
      case 'state': {
        const idx = this.ids.indexOf(e.node as string)
        if (idx >= 0) {
          if (e.role === 'candidate' && this.lastRole[idx] !== 'candidate') this.elections++
          this.lastRole[idx] = e.role
          if (
            e.role === 'leader' &&
            (e.term > this.leaderTerm || (e.term === this.leaderTerm && idx !== this.leaderIdx))
          ) {
            this.leaderChanges++
            this.leaderIdx = idx
            this.leaderTerm = e.term
          }
        }
        this.checker.onEvent(e)
        break
      }
      default:
        this.checker.onEvent(e)
    }
    if (this.keepTrace) this.events.push(e)
    if (this.onTrace !== undefined) {
      try {
        this.onTrace(e)
      } catch (err) {
        this.log(`lab: onTrace listener threw: ${(err as Error).message}`)
      }
    }
  }

  // ---------------------------------------------------------------- lifecycle

  async boot(opts: ProcessRunOptions): Promise<void> {
    const spec = this.spec
    const n = this.n
    getProtocol(spec.algorithm.kind) // unknown algorithm: throw before forking anything
    mkdirSync(opts.dataDir, { recursive: true })
    const secret = randomBytes(24).toString('hex')
    const msgEvents = opts.messageEvents ?? (this.keepTrace || this.onTrace !== undefined)
    // Randomness forked in the simulator's order: network, faults, workload, then one per node.
    const root = createRng(spec.seed)
    const netRng = root.fork()
    const faultRng = root.fork()
    const workloadRng = root.fork()
    const nodeRngs = this.ids.map(() => root.fork())

    this.proxy = await ProxyController.start({
      n,
      kind: spec.algorithm.kind,
      secret,
      seed: Math.floor(netRng.next() * 2 ** 32),
      msgEvents,
      entry: opts.proxyEntry,
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
      kind: spec.algorithm.kind,
      params: spec.algorithm.params,
      tickMs: spec.cluster.tickMs,
      fsync: spec.cluster.fsync,
      secret,
      proxyPort: this.proxy.port,
      dataDir: opts.dataDir,
      msgEvents,
      nodeRngs,
      runSeed: spec.seed,
      entry: opts.nodeEntry,
      onTelemetry: (idx, t) => this.onTelemetry(idx, t),
      onExit: (idx, expected, code, signal) => this.onNodeExit(idx, expected, code, signal),
      log: (line) => this.log(line),
    })
    this.cluster = cluster
    const readies = await Promise.all(
      this.ids.map((_, i) => cluster.start(i, { fresh: true, afterCrash: false, t0: null })),
    )
    this.faults = new FaultEngine(spec, this, faultRng)
    this.proxy.setRules(this.faults.rules())
    readies.forEach((r, i) => {
      this.up[i] = true
      this.proxy?.setNode(i, r.peerPort, 'up')
    })
    this.proxy.setPids(cluster.pids())
    const workload = new KvWorkload(spec, this, workloadRng, {
      valueBytes: opts.valueBytes,
      deadlineUs: this.durUs,
    })
    workload.onComplete = (phase, us) => this.onOpComplete(phase, us)
    this.workload = workload

    // Go: the run's clock starts now.
    this.t0 = process.hrtime.bigint()
    this.t0str = this.t0.toString()
    this.started = true
    this.proxy.start(this.t0str)
    cluster.startAll(this.t0str)
    workload.start()
    this.faults.schedule()
    this.endTimer = setTimeout(() => this.finish('run ended'), spec.durationMs)
    this.seqTimer = setInterval(() => {
      this.release(false)
      // The last window stays open until the end (it closes in teardown).
      this.windows.closeUpTo(Math.min(this.nowUs(), this.durUs - 1))
    }, SEQUENCER_TICK_MS)
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
    this.faults?.stop()
    this.workload?.finish(reason)
    void this.teardown()
  }

  private async teardown(): Promise<void> {
    try {
      if (this.cluster) await this.cluster.flushAll(2000)
      if (this.proxy) await this.proxy.flush(2000)
    } catch (e) {
      this.log(`lab: collecting telemetry failed: ${(e as Error).message}`)
    }
    // What happens while the processes are being stopped is not part of the run.
    this.countsClosed = true
    await this.kill()
    this.release(true)
    // Full windows, then the last one up to the end (which may be a moment past durationMs).
    this.windows.closeUpTo(Math.min(this.endUs, this.durUs) - 1)
    if (this.endUs > this.win.startUs) this.windows.close(this.endUs)
    this.finished = true
    this.doneResolve()
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
