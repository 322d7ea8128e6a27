// KV clients of a processes-mode run: the simulator's workload (src/core/sim) over real TCP.
//
// Same semantics as the simulator: `clients` clients, each an independent Poisson process at
// ratePerSec / clients with at most one op outstanding (one arrival while busy is deferred,
// further ones skipped); keys uniform or Zipf; the read / write / cas mix; put and cas values
// are the op id (`c3.17`), unique per op; cas expects the last value the client saw for the
// key. Each op is recorded as an invoke and exactly one completion: ok, fail (definitely not
// applied) or info (unknown outcome: timeout after timeoutMs, or the run ended).
//
// Transport: one TCP connection per node's client port, shared by all clients (requests and
// replies are frames of src/shared/wire.ts with msgpack bodies: CLIENT_REQ {id, cmd},
// CLIENT_REP ClientReply), writes batched per event-loop turn. Each connection opens with the
// run's hello (src/main/node/hello.ts, role client); requests wait until it is sent. A client sends to the node it
// believes leads; on not_leader with a usable hint it retries the same request id there at
// once; without one, at a random other node after a backoff of 2 ticks; a node that is down
// (no port, connection refused) counts as no hint. After MAX_ATTEMPTS definite refusals the
// op fails. If a connection breaks after a request was written, the outcome is unknown: the
// client retries elsewhere (request ids are idempotent: the state machine applies an id once)
// but the op can then only end ok or info, never fail.
//
// Times are run-relative µs from the shared monotonic clock (the same clock the nodes use).
import type { Socket } from 'node:net'
import type { ClientReply } from '../../../core/protocols/types'
import type { Rng } from '../../../core/rng'
import {
  MAX_ATTEMPTS,
  nodeAfterTimeout,
  okOutcome,
  opCommand,
  opEvent,
  otherNode,
  refusalAction,
  timeoutValue,
} from '../../../core/sim/ops'
import { expInterval, keyChooser, opChooser, type KeyChooser } from '../../../core/sim/workload'
import type { ExperimentSpec } from '../../../shared/spec'
import type { OpEvent, OpFn } from '../../../shared/trace'
import {
  NO_NODE,
  T_CLIENT_REP,
  T_CLIENT_REQ,
  encodeFrame,
  frameHeaderLen,
  frameType,
  hexBytes,
} from '../../../shared/wire'
import { packBody, unpackBody } from '../../node/codec'
import { dialWithHello } from '../../node/hello'
import { asClientReply, MAX_CLIENT_BODY } from '../../node/validate'

export { MAX_ATTEMPTS }
/** Most arrivals one timer callback processes for a client (bounded work per callback). */
const MAX_ARRIVALS_PER_FIRE = 1000

export interface WorkloadHost {
  readonly n: number
  /** The run's secret (the clients' hello proves they know it). */
  readonly secret: string
  nowUs(): number
  /** Record an op event. */
  emit(e: OpEvent): void
  /** The client port of node idx, or null when it is down. */
  clientPort(idx: number): number | null
  log(line: string): void
}

export interface WorkloadOptions {
  /** Pad put / cas values to this many bytes (bench: 100-byte puts); default: the op id only. */
  valueBytes?: number
  /** No op is invoked at or after this run time, µs (the run's end). */
  deadlineUs?: number
}

interface PendingOp {
  id: string
  serial: number
  f: OpFn
  key: string
  value: string | null
  expected: string | null
  frame: Uint8Array
  startUs: number
  /** Node of the current attempt, or -1 while waiting to retry. */
  node: number
  attempts: number
  /** Some attempt's outcome is unknown (it may have been applied): never 'fail'. */
  uncertain: boolean
  timeout: NodeJS.Timeout | null
  retry: NodeJS.Timeout | null
}

interface Client {
  idx: number
  num: number
  rng: Rng
  leader: number
  serial: number
  op: PendingOp | null
  deferred: boolean
  seen: Map<string, string | null>
  nextArrivalUs: number
  arrival: NodeJS.Timeout | null
  /** Busy with one arrival deferred: arrivals are skipped until the op completes (no timer meanwhile). */
  parkedAtUs: number
}

interface Conn {
  idx: number
  port: number
  sock: Socket
  /** The hello is sent: requests go out (before that they wait in `waiting`). */
  open: boolean
  waiting: Uint8Array[]
  /** Request ids written on this connection whose op is still waiting for it. */
  inflight: Set<string>
  corked: boolean
}

export interface WorkloadCounts {
  total: number
  ok: number
  fail: number
  info: number
  skippedArrivals: number
}

export class KvWorkload {
  private readonly clients: Client[] = []
  private readonly conns: (Conn | null)[]
  private readonly byOp = new Map<string, Client>()
  private readonly keys: KeyChooser
  private readonly pickOp: (rng: Rng) => OpFn
  private readonly perClientRate: number
  private readonly timeoutMs: number
  private readonly backoffMs: number
  private running = false
  readonly counts: WorkloadCounts = { total: 0, ok: 0, fail: 0, info: 0, skippedArrivals: 0 }
  /** Called for every completion: phase and latency (µs, from invoke). */
  onComplete: ((phase: 'ok' | 'fail' | 'info', latencyUs: number) => void) | null = null

  constructor(
    spec: ExperimentSpec,
    private readonly host: WorkloadHost,
    rng: Rng,
    private readonly opts: WorkloadOptions = {},
  ) {
    const w = spec.workload
    const n = host.n
    this.keys = keyChooser(w)
    this.pickOp = opChooser(w)
    this.perClientRate = w.clients > 0 ? w.ratePerSec / w.clients : 0
    this.timeoutMs = w.timeoutMs
    this.backoffMs = 2 * spec.cluster.tickMs
    this.conns = new Array<Conn | null>(n).fill(null)
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
        nextArrivalUs: 0,
        arrival: null,
        parkedAtUs: -1,
      })
    }
  }

  /** Begin the arrivals (the run's clock is running). */
  start(): void {
    if (this.running || this.perClientRate <= 0) return
    this.running = true
    const now = this.host.nowUs()
    for (const c of this.clients) {
      c.nextArrivalUs = now + expInterval(c.rng, this.perClientRate)
      this.armArrival(c)
    }
  }

  /** Stop: every open op completes as info (`reason`), timers and connections close. */
  finish(reason: string): void {
    this.running = false
    for (const c of this.clients) {
      if (c.arrival) clearTimeout(c.arrival)
      c.arrival = null
      c.deferred = false
      if (c.op !== null) this.complete(c, 'info', null, undefined, reason)
    }
    for (let i = 0; i < this.conns.length; i++) {
      this.conns[i]?.sock.destroy()
      this.conns[i] = null
    }
  }

  /** Ops in flight right now. */
  outstanding(): number {
    let k = 0
    for (const c of this.clients) if (c.op !== null) k++
    return k
  }

  // ---------------------------------------------------------------- arrivals

  private armArrival(c: Client): void {
    const delayMs = Math.max(0, (c.nextArrivalUs - this.host.nowUs()) / 1000)
    c.arrival = setTimeout(() => this.onArrival(c), delayMs)
  }

  private onArrival(c: Client): void {
    c.arrival = null
    if (!this.running) return
    const now = this.host.nowUs()
    let k = 0
    while (c.nextArrivalUs <= now && this.running) {
      if (k++ >= MAX_ARRIVALS_PER_FIRE) {
        // Far behind (the process was starved): skip ahead instead of looping.
        c.nextArrivalUs = now
        this.counts.skippedArrivals++
        break
      }
      c.nextArrivalUs += expInterval(c.rng, this.perClientRate)
      if (c.op === null) this.startOp(c)
      else if (!c.deferred) c.deferred = true
      else this.counts.skippedArrivals++
    }
    if (!this.running) return
    if (c.op !== null && c.deferred) {
      // Every further arrival would be skipped until the op completes: stop the timer until
      // then (Poisson arrivals are memoryless, so restarting the clock at completion is the
      // same process), and count what was skipped meanwhile.
      c.parkedAtUs = now
      return
    }
    this.armArrival(c)
  }

  private unpark(c: Client): void {
    if (c.parkedAtUs < 0 || !this.running) return
    const now = this.host.nowUs()
    this.counts.skippedArrivals += Math.floor(((now - c.parkedAtUs) * this.perClientRate) / 1e6)
    c.parkedAtUs = -1
    c.nextArrivalUs = now + expInterval(c.rng, this.perClientRate)
    this.armArrival(c)
  }

  // ---------------------------------------------------------------- ops

  private startOp(c: Client): void {
    if (this.opts.deadlineUs !== undefined && this.host.nowUs() >= this.opts.deadlineUs) return
    const serial = ++c.serial
    const id = `c${c.num}.${serial}`
    const f = this.pickOp(c.rng)
    const key = `k${this.keys.next(c.rng)}`
    const vb = this.opts.valueBytes
    const v = vb !== undefined && vb > id.length ? `${id}:${'x'.repeat(vb - id.length - 1)}` : id
    const { cmd, value, expected } = opCommand(f, key, v, c.seen)
    const frame = encodeFrame(
      { type: T_CLIENT_REQ, src: NO_NODE, dst: NO_NODE, lc: 0, msgId: 0, vc: null },
      packBody({ id, cmd }),
    )
    const startUs = this.host.nowUs()
    const op: PendingOp = {
      id,
      serial,
      f,
      key,
      value,
      expected,
      frame,
      startUs,
      node: -1,
      attempts: 0,
      uncertain: false,
      timeout: null,
      retry: null,
    }
    c.op = op
    this.byOp.set(id, c)
    this.counts.total++
    this.host.emit(opEvent(startUs, c.num, op, 'invoke', value))
    op.timeout = setTimeout(() => this.onTimeout(c, serial), this.timeoutMs)
    this.sendRequest(c, op, c.leader)
  }

  private sendRequest(c: Client, op: PendingOp, nodeIdx: number): void {
    op.node = nodeIdx
    op.attempts++
    c.leader = nodeIdx
    const conn = this.conn(nodeIdx)
    if (conn === null) {
      // Down: definitely not delivered. Like a reply without a usable hint.
      this.retryElsewhere(c, op, nodeIdx)
      return
    }
    conn.inflight.add(op.id)
    if (!conn.open) {
      conn.waiting.push(op.frame)
      return
    }
    if (!conn.corked) {
      conn.corked = true
      conn.sock.cork()
      process.nextTick(() => {
        conn.corked = false
        conn.sock.uncork()
      })
    }
    conn.sock.write(op.frame)
  }

  private retryElsewhere(c: Client, op: PendingOp, from: number): void {
    if (op.attempts >= MAX_ATTEMPTS) {
      if (!op.uncertain) return this.complete(c, 'fail', op.value, undefined, 'not_leader')
      op.node = -1 // wait for the timeout: an earlier attempt may have been applied
      return
    }
    op.node = -1
    c.leader = otherNode(c.rng, this.host.n, from)
    const serial = op.serial
    op.retry = setTimeout(() => {
      op.retry = null
      if (c.op === op && op.serial === serial && op.node === -1 && this.running)
        this.sendRequest(c, op, c.leader)
    }, this.backoffMs)
  }

  private onReply(nodeIdx: number, rep: ClientReply): void {
    const c = this.byOp.get(rep.id)
    if (c === undefined) return // late reply to an op already completed
    const op = c.op
    if (op === null || op.id !== rep.id) return
    this.conns[nodeIdx]?.inflight.delete(rep.id)
    if (rep.ok) {
      c.leader = nodeIdx
      const out = okOutcome(op, rep, c.seen)
      return this.complete(c, 'ok', out.value, out.result)
    }
    if (nodeIdx !== op.node) return // stale answer from an earlier attempt
    const h = rep.leaderHint === null ? -1 : Number(rep.leaderHint.slice(1)) - 1
    const act = refusalAction(rep, op.attempts, nodeIdx, h >= 0 && h < this.host.n ? h : -1)
    if (act.do === 'send') return this.sendRequest(c, op, act.node)
    if (act.do === 'fail' && act.error === 'rejected') {
      if (op.uncertain) {
        op.node = -1 // wait for the timeout
        return
      }
      return this.complete(c, 'fail', op.value, undefined, 'rejected')
    }
    // not_leader after MAX_ATTEMPTS (a fail, or a wait while uncertain), or no usable hint.
    this.retryElsewhere(c, op, nodeIdx)
  }

  private onTimeout(c: Client, serial: number): void {
    const op = c.op
    if (op === null || op.serial !== serial) return
    op.timeout = null
    c.leader = nodeAfterTimeout(c.rng, this.host.n, op.node, c.leader)
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
    this.byOp.delete(op.id)
    if (op.timeout) clearTimeout(op.timeout)
    if (op.retry) clearTimeout(op.retry)
    if (op.node >= 0) this.conns[op.node]?.inflight.delete(op.id)
    const t = this.host.nowUs()
    this.host.emit(opEvent(t, c.num, op, phase, value, result, error))
    this.counts[phase]++
    this.onComplete?.(phase, t - op.startUs)
    if (c.deferred && this.running) {
      c.deferred = false
      this.startOp(c)
    }
    this.unpark(c)
  }

  // ---------------------------------------------------------------- connections

  /** The connection to node idx (opened on demand), or null when the node is down. */
  private conn(idx: number): Conn | null {
    const port = this.host.clientPort(idx)
    let conn = this.conns[idx]
    if (conn !== null && (conn.port !== port || conn.sock.destroyed)) {
      conn.sock.destroy()
      conn = null
      this.conns[idx] = null
    }
    if (port === null) return null
    if (conn !== null) return conn
    // (The callbacks run once connected, when `c` exists.)
    const sock = dialWithHello({
      port,
      secret: this.host.secret,
      claim: { role: 'client', node: idx },
      maxBody: MAX_CLIENT_BODY,
      onReady: () => {
        c.open = true
        sock.cork()
        for (const f of c.waiting) sock.write(f)
        c.waiting = []
        sock.uncork()
      },
      onFrame: (buf, off, len) => this.onReplyFrame(idx, buf, off, len),
      onFailed: (why) => this.host.log(`client: connection to n${idx + 1} closed: ${why}`),
    })
    const c: Conn = { idx, port, sock, open: false, waiting: [], inflight: new Set(), corked: false }
    this.conns[idx] = c
    sock.on('close', () => this.onConnClosed(c))
    return c
  }

  private onReplyFrame(idx: number, buf: Uint8Array, off: number, len: number): string | null {
    const type = frameType(buf, off)
    if (type !== T_CLIENT_REP)
      return `frame type ${type} from a client port (expected CLIENT_REP ${T_CLIENT_REP})`
    const hl = frameHeaderLen(buf, off)
    let body: unknown
    try {
      body = unpackBody(buf, off + hl, off + len)
    } catch (e) {
      return `reply body does not decode (${(e as Error).message}); bytes [${hexBytes(buf, off + hl, len - hl)}]`
    }
    const rep = asClientReply(body)
    if (typeof rep === 'string') return rep
    this.onReply(idx, rep)
    return null
  }

  private onConnClosed(c: Conn): void {
    if (this.conns[c.idx] === c) this.conns[c.idx] = null
    const ids = [...c.inflight]
    c.inflight.clear()
    for (const id of ids) {
      const client = this.byOp.get(id)
      const op = client?.op
      if (client === undefined || !op || op.id !== id || op.node !== c.idx) continue
      // Written on an open connection: it may have been received (and applied).
      if (c.open) op.uncertain = true
      if (this.running) this.retryElsewhere(client, op, c.idx)
    }
  }
}
