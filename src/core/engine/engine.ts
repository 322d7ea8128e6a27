// The run engine: everything about a run that does not depend on how its nodes run, written
// once for the simulator and processes mode. It owns the fault schedule (FaultRunner), the
// clients (ClientPool), the link state (LinkState), the run's figures and metrics windows
// (RunMeter), and the recording of trace events (the streaming safety checker, the kept
// trace, the onTrace listener). It acts through a Host and hears back through the methods
// below marked "from the host". Pure and deterministic: every random draw comes from rngs
// forked from spec.seed in a fixed order (runRngs), timers run on the host's clock.
import type { CheckResult, RunSummary } from '../../shared/api'
import { clusterSize, type ExperimentSpec, type FaultSpec } from '../../shared/spec'
import type { TraceEvent } from '../../shared/trace'
import { createChecker, type RunTraceChecker } from '../check'
import type { ClientReply } from '../protocols/types'
import { createRng, type Rng } from '../rng'
import { MaelstromClients } from '../maelstrom/clients'
import type { MaelstromMessage } from '../maelstrom/types'
import { workloadFromSpec } from '../maelstrom/workloads'
import { PROGRAM_KIND } from '../../shared/spec'
import { ClientPool, type ClientOptions } from './clients'
import { FaultRunner } from './faults'
import {
  TIMER_ARRIVE,
  TIMER_FAULT_START,
  TIMER_FINAL,
  TIMER_OP_TIMEOUT,
  TIMER_RETRY,
  type Host,
  type HostWords,
} from './host'
import { LinkState } from './links'
import { RunMeter } from './meter'

/** The run's randomness, forked from spec.seed in this order (both run modes). */
export interface RunRngs {
  /** The network (simulated latencies and losses; processes mode: the proxy's seed). */
  net: Rng
  faults: Rng
  workload: Rng
  /** One per node that may exist (clusterSize): its protocol rngs and host randomness. */
  nodes: Rng[]
}

export function runRngs(spec: ExperimentSpec): RunRngs {
  const root = createRng(spec.seed)
  const net = root.fork()
  const faults = root.fork()
  const workload = root.fork()
  const nodes = Array.from({ length: clusterSize(spec.cluster) }, () => root.fork())
  return { net, faults, workload, nodes }
}

export interface EngineOptions extends ClientOptions {
  /** Called synchronously for every trace event as it is recorded (in order). */
  onTrace?: (e: TraceEvent) => void
  /** Keep the whole trace in memory for trace() (default true). */
  keepTrace?: boolean
  /** The algorithm's kind and whether it can forge / equivocate (its factory has corrupt()). */
  algorithm: string
  canCorrupt: boolean
  /** How the host does crashes and pauses, for fault details (default: nothing said). */
  words?: HostWords
}

const NO_WORDS: HostWords = { crash: '', pause: '', resume: '' }

export class RunEngine {
  readonly links: LinkState
  readonly meter = new RunMeter()
  readonly faults: FaultRunner
  readonly clients: ClientPool
  /** A program's clients (its Maelstrom workload), instead of the KV clients; null otherwise. */
  readonly maelstrom: MaelstromClients | null
  private readonly checker: RunTraceChecker
  private readonly keepTrace: boolean
  private readonly onTrace: ((e: TraceEvent) => void) | undefined
  private readonly events: TraceEvent[] = []
  private finished = false

  constructor(
    readonly spec: ExperimentSpec,
    private readonly host: Host,
    rngs: Pick<RunRngs, 'faults' | 'workload'>,
    opts: EngineOptions,
  ) {
    this.keepTrace = opts.keepTrace ?? true
    this.onTrace = opts.onTrace
    this.checker = createChecker(spec.algorithm.kind)
    this.links = new LinkState(clusterSize(spec.cluster), spec.network)
    this.clients = new ClientPool(spec, host, this.meter, rngs.workload, opts)
    this.maelstrom =
      spec.algorithm.kind === PROGRAM_KIND
        ? new MaelstromClients(spec, host, this.meter, rngs.workload, workloadFromSpec(spec.workload), () =>
            this.faults.healAll(),
          )
        : null
    this.faults = new FaultRunner(spec, host, this.links, rngs.faults, {
      canCorrupt: opts.canCorrupt,
      algorithm: opts.algorithm,
      words: opts.words ?? NO_WORDS,
    })
  }

  /**
   * Begin the run: schedule the spec's faults (first: a fault due at t acts before anything
   * else at t), let the host boot its nodes, then start the clients' arrivals.
   */
  begin(bootNodes: () => void): void {
    this.faults.schedule((i, atUs) => this.host.timer(TIMER_FAULT_START, i, 0, atUs, false))
    bootNodes()
    if (this.maelstrom !== null) this.maelstrom.start()
    else this.clients.start()
  }

  /** End the run (idempotent): no more faults; every open op completes as info (`reason`). */
  finish(reason: string): void {
    if (this.finished) return
    this.faults.stop()
    this.clients.finish(reason)
    this.maelstrom?.finish(reason)
    this.finished = true
  }

  get isFinished(): boolean {
    return this.finished
  }

  /** Start a fault now (live); returns its index in the run's fault list. */
  injectFault(f: FaultSpec): number {
    return this.faults.inject(f)
  }

  /** End fault `i` now (live); a crash fault restarts its nodes. */
  endFault(i: number): void {
    this.faults.end(i)
  }

  // ---------------------------------------------------------------- from the host

  /** A timer the engine set is due (`atUs`: when it was due). */
  onTimer(kind: number, a: number, b: number, atUs: number): void {
    const m = this.maelstrom
    if (m !== null) {
      if (kind === TIMER_ARRIVE) return m.onArrival(a, atUs)
      if (kind === TIMER_OP_TIMEOUT) return m.onTimeout(a, b)
      if (kind === TIMER_FINAL) return m.onFinal(a)
    }
    switch (kind) {
      case TIMER_ARRIVE:
        return this.clients.onArrival(a, atUs)
      case TIMER_OP_TIMEOUT:
        return this.clients.onTimeout(a, b)
      case TIMER_RETRY:
        return this.clients.onRetry(a, b)
      default:
        return this.faults.onTimer(kind, a, b)
    }
  }

  /** Node `from` replied to a client request. */
  onReply(from: number, rep: ClientReply): void {
    this.clients.onReply(from, rep)
  }

  /**
   * Node `from` sent a message to a client (a program's run). Null when it completed an op;
   * otherwise why it matched none.
   */
  onClientMessage(from: number, msg: MaelstromMessage): string | null {
    if (this.maelstrom === null) return 'this run has no Maelstrom clients'
    return this.maelstrom.onReply(from, msg)
  }

  /** A client request to `node` was lost with its connection (`written`: it may have arrived). */
  onRequestLost(opId: string, node: number, written: boolean): void {
    this.clients.onRequestLost(opId, node, written)
  }

  /**
   * Record a trace event, in trace order: state events count elections and leader changes,
   * everything but message-level events goes to the safety checker, then the kept trace and
   * the listener.
   */
  record(e: TraceEvent): void {
    switch (e.kind) {
      case 'send':
      case 'deliver':
      case 'drop':
      case 'duplicate':
        break
      case 'state':
        this.meter.onState(e)
        this.checker.onEvent(e)
        if (this.faults.ops.watching) this.faults.ops.observe(e)
        break
      case 'config':
      case 'op':
        this.checker.onEvent(e)
        if (this.faults.ops.watching) this.faults.ops.observe(e)
        break
      default:
        this.checker.onEvent(e)
    }
    if (this.keepTrace) this.events.push(e)
    if (this.onTrace !== undefined) this.onTrace(e)
  }

  /** Whether anyone sees message-level events (send / deliver / drop / duplicate, vector clocks). */
  get wantsMessageEvents(): boolean {
    return this.keepTrace || this.onTrace !== undefined
  }

  // ---------------------------------------------------------------- results

  trace(): TraceEvent[] {
    return this.keepTrace ? this.events.slice() : []
  }

  /** The run's verdicts: the protocol's checks, or a program's workload check. */
  checks(): CheckResult[] {
    return this.maelstrom !== null ? this.maelstrom.check() : this.checker.results()
  }

  /** The protocol's own (cheap, streaming) verdicts: no linearizability search (none for a program). */
  invariantChecks(): CheckResult[] {
    return this.maelstrom !== null ? [] : this.checker.invariantResults()
  }

  summary(simulatedMs: number, wallMs: number): RunSummary {
    const s = this.meter.summary(simulatedMs, wallMs, this.checks())
    const ops = this.faults.ops.records()
    return ops.length > 0 ? { ...s, clusterOps: ops } : s
  }
}
