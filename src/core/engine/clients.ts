// The KV clients of a run, for both run modes: arrivals, op bookkeeping, retries, timeouts and
// completions. The host carries requests to nodes and replies back (a virtual network, or TCP
// to the nodes' client ports) and runs the engine's timers.
//
// Pacing: each of `clients` clients is an independent Poisson process at ratePerSec / clients
// (seeded exponential inter-arrival times) with at most one op outstanding. An arrival while
// the client is busy is deferred: the client starts one op the moment its current op
// completes. At most one arrival is deferred per client; further arrivals while busy are
// skipped (not recorded in the history). So the offered rate is reached while latency stays
// below clients / ratePerSec; beyond that the workload turns closed-loop. Latency is measured
// from the op's invoke (when the client actually sends it), so deferral does not inflate it.
//
// Ops: a client sends to the node it believes leads (initially a random one). On
// {not_leader, leaderHint} it retries the same request id at the hint at once; with no usable
// hint (or the node is known to be down), at a random other node after 2 ticks. After
// MAX_ATTEMPTS not_leader replies, or on 'rejected', the op fails (definitely not applied).
// No reply within timeoutMs: info (unknown outcome; reads too). A request that may have
// reached a node before its connection broke makes the op uncertain: it can then only end ok
// or info. Ops still open when the run ends complete as info ('run ended' / 'stopped'), so
// every invoke has exactly one completion. cas expects the last value the client saw for the
// key; put and cas values are the op id (`c3.17`), unique per op.
import type { ExperimentSpec } from '../../shared/spec'
import type { OpFn } from '../../shared/trace'
import type { ClientReply, ClientRequest } from '../protocols/types'
import type { Rng } from '../rng'
import { TIMER_ARRIVE, TIMER_OP_TIMEOUT, TIMER_RETRY, type Host } from './host'
import type { RunMeter } from './meter'
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
import { expInterval, keyChooser, opChooser, type KeyChooser } from './workload'

/** A host that fell this far behind an arrival (starved) skips ahead instead of catching up, µs. */
const MAX_ARRIVAL_LAG_US = 1_000_000

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
  /** Some attempt's outcome is unknown (it may have been applied): never 'fail'. */
  uncertain: boolean
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

export interface ClientOptions {
  /** Pad put / cas values to this many bytes (bench); default: the op id only. */
  valueBytes?: number
}

export class ClientPool {
  private readonly clients: Client[] = []
  private readonly owner = new Map<string, Client>()
  private readonly n: number
  private readonly keys: KeyChooser
  private readonly pickOp: (rng: Rng) => Exclude<OpFn, 'call'>
  private readonly perClientRate: number
  private readonly timeoutUs: number
  private readonly backoffUs: number
  private readonly durUs: number
  private finished = false

  constructor(
    spec: ExperimentSpec,
    private readonly host: Host,
    private readonly meter: RunMeter,
    rng: Rng,
    private readonly opts: ClientOptions = {},
  ) {
    const w = spec.workload
    const n = spec.cluster.nodes
    this.n = n
    this.keys = keyChooser(w)
    this.pickOp = opChooser(w)
    this.perClientRate = w.clients > 0 ? w.ratePerSec / w.clients : 0
    this.timeoutUs = Math.max(1, Math.round(w.timeoutMs * 1000))
    this.backoffUs = 2 * spec.cluster.tickMs * 1000
    this.durUs = Math.round(spec.durationMs * 1000)
    for (let i = 0; i < w.clients; i++) {
      const crng = rng.fork()
      this.clients.push({
        idx: i,
        num: i + 1,
        rng: crng,
        leader: n > 0 ? crng.int(0, n - 1) : 0,
        serial: 0,
        op: null,
        deferred: false,
        seen: new Map(),
      })
    }
  }

  /** Schedule every client's first arrival (the run's clock is running). */
  start(): void {
    if (this.perClientRate <= 0) return
    const now = this.host.nowUs()
    for (const c of this.clients)
      this.host.timer(TIMER_ARRIVE, c.idx, 0, now + expInterval(c.rng, this.perClientRate), false)
  }

  /** Every open op completes as info (`reason`); no op starts after this. */
  finish(reason: string): void {
    for (const c of this.clients) {
      c.deferred = false
      if (c.op !== null) this.complete(c, 'info', null, undefined, reason)
    }
    this.finished = true
  }

  /** The client waiting for the reply to request `id`, or -1 (none: the op already ended). */
  awaiting(id: string): number {
    return this.owner.get(id)?.idx ?? -1
  }

  /** Ops in flight right now. */
  outstanding(): number {
    let k = 0
    for (const c of this.clients) if (c.op !== null) k++
    return k
  }

  // ---------------------------------------------------------------- timers

  /** An arrival that was due at `atUs` (a host may run it late: the next one keeps the rate). */
  onArrival(ci: number, atUs: number): void {
    const c = this.clients[ci]
    if (this.finished) return
    let next = atUs + expInterval(c.rng, this.perClientRate)
    const now = this.host.nowUs()
    if (now - next > MAX_ARRIVAL_LAG_US) next = now // starved: skip ahead
    this.host.timer(TIMER_ARRIVE, ci, 0, next, false)
    if (c.op === null) this.startOp(c)
    else if (!c.deferred) c.deferred = true
    else this.meter.skippedArrivals++
  }

  onRetry(ci: number, serial: number): void {
    const c = this.clients[ci]
    const op = c.op
    if (op === null || op.serial !== serial || op.node !== -1 || this.finished) return
    this.sendRequest(c, op, c.leader)
  }

  onTimeout(ci: number, serial: number): void {
    const c = this.clients[ci]
    const op = c.op
    if (op === null || op.serial !== serial) return
    // Unknown outcome; next time try another node (this one may be down or cut off).
    c.leader = nodeAfterTimeout(c.rng, this.n, op.node, c.leader)
    this.complete(c, 'info', timeoutValue(op), undefined, 'timeout')
  }

  // ---------------------------------------------------------------- from the host

  /** Node `from` answered request `rep.id`. */
  onReply(from: number, rep: ClientReply): void {
    const c = this.owner.get(rep.id)
    if (c === undefined) return // late reply to an op already completed
    const op = c.op
    if (op === null || op.id !== rep.id) return
    if (rep.ok) {
      c.leader = from
      const out = okOutcome(op, rep, c.seen)
      return this.complete(c, 'ok', out.value, out.result)
    }
    if (from !== op.node) return // stale answer from an earlier attempt
    const hint = rep.leaderHint === null ? -1 : this.host.ids.indexOf(rep.leaderHint)
    const act = refusalAction(rep, op.attempts, from, hint)
    if (act.do === 'fail') {
      if (op.uncertain) {
        op.node = -1 // wait for the timeout: an earlier attempt may have been applied
        return
      }
      return this.complete(c, 'fail', op.value, undefined, act.error)
    }
    if (act.do === 'send') return this.sendRequest(c, op, act.node)
    // No usable hint (e.g. an election is on): try a random other node after a short backoff.
    this.retryElsewhere(c, op, from)
  }

  /**
   * The request of op `id` to node `node` is lost with its connection; `written`: it may
   * have reached the node (so it may have been applied).
   */
  onRequestLost(id: string, node: number, written: boolean): void {
    const c = this.owner.get(id)
    const op = c?.op
    if (c === undefined || !op || op.id !== id || op.node !== node) return
    if (written) op.uncertain = true
    if (!this.finished) this.retryElsewhere(c, op, node)
  }

  // ---------------------------------------------------------------- ops

  private startOp(c: Client): void {
    if (this.finished || this.host.nowUs() >= this.durUs) return
    const serial = ++c.serial
    const id = `c${c.num}.${serial}`
    const f = this.pickOp(c.rng)
    const key = `k${this.keys.next(c.rng)}`
    const vb = this.opts.valueBytes
    const v = vb !== undefined && vb > id.length ? `${id}:${'x'.repeat(vb - id.length - 1)}` : id
    const { cmd, value, expected } = opCommand(f, key, v, c.seen)
    const now = this.host.nowUs()
    const op: PendingOp = {
      id,
      serial,
      f,
      key,
      value,
      expected,
      req: { id, cmd },
      startUs: now,
      node: -1,
      attempts: 0,
      uncertain: false,
    }
    c.op = op
    this.owner.set(id, c)
    this.meter.ops.total++
    this.host.emit(opEvent(now, c.num, op, 'invoke', value))
    // Timeouts are all now + constant (the FIFO hint keeps them out of a simulator's heap).
    this.host.timer(TIMER_OP_TIMEOUT, c.idx, serial, now + this.timeoutUs, true)
    this.sendRequest(c, op, c.leader)
  }

  private sendRequest(c: Client, op: PendingOp, node: number): void {
    op.node = node
    op.attempts++
    c.leader = node
    // Known to be down: definitely not delivered, like a refusal without a usable hint.
    if (!this.host.send(c.idx, node, op.req)) this.retryElsewhere(c, op, node)
  }

  private retryElsewhere(c: Client, op: PendingOp, from: number): void {
    if (op.attempts >= MAX_ATTEMPTS) {
      if (!op.uncertain) return this.complete(c, 'fail', op.value, undefined, 'not_leader')
      op.node = -1 // wait for the timeout: an earlier attempt may have been applied
      return
    }
    op.node = -1
    c.leader = otherNode(c.rng, this.n, from)
    this.host.timer(TIMER_RETRY, c.idx, op.serial, this.host.nowUs() + this.backoffUs, false)
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
    this.owner.delete(op.id)
    if (op.node >= 0) this.host.forget(op.node, op.id)
    const now = this.host.nowUs()
    this.host.emit(opEvent(now, c.num, op, phase, value, result, error))
    this.meter.opDone(phase, now - op.startUs)
    if (c.deferred && !this.finished) {
      c.deferred = false
      this.startOp(c)
    }
  }
}
