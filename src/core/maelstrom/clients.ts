// The clients of a program's run (Maelstrom workloads): the same pacing as the KV clients
// (src/core/engine/clients.ts: each client a seeded Poisson process, one op at a time, one
// deferred arrival at most) but the requests are the workload's, sent as Maelstrom messages
// from `c<client>` to a node, matched to replies by in_reply_to. An op ends ok (a reply of
// type `<request type>_ok`), fail (a definite error: it did not happen), or info (an
// indefinite error, a timeout, a reply of another type, or the run ending first). Ops are
// recorded as op events (src/core/maelstrom/trace-ops.ts) and kept for the workload's check.
// The last `finalMs` of the run send no new requests; the workload's final requests go out
// when that phase begins.
import type { CheckResult } from '../../shared/api'
import type { ExperimentSpec } from '../../shared/spec'
import type { OpEvent } from '../../shared/trace'
import { TIMER_ARRIVE, TIMER_FINAL, TIMER_OP_TIMEOUT, type Host } from '../engine/host'
import type { RunMeter } from '../engine/meter'
import { expInterval } from '../engine/workload'
import type { Rng } from '../rng'
import { completionValue, readOfAbsentKey, requestView, type OpView } from './trace-ops'
import {
  isDefiniteError,
  type ClientRequest,
  type MaelstromMessage,
  type MaelstromOp,
  type MaelstromWorkload,
  type WorkloadContext,
} from './types'

/** A host that fell this far behind an arrival skips ahead instead of catching up, µs. */
const MAX_ARRIVAL_LAG_US = 1_000_000
/** Default final phase when the workload has final requests, ms (at most a quarter of the run). */
const DEFAULT_FINAL_MS = 3000

export type MaelstromHost = Pick<Host, 'ids' | 'nowUs' | 'timer' | 'emit' | 'log' | 'call'>

interface Pending {
  op: MaelstromOp
  serial: number
  msgId: number
  view: OpView
}

interface Client {
  idx: number
  num: number
  name: string
  rng: Rng
  serial: number
  opIndex: number
  msgId: number
  op: Pending | null
  deferred: boolean
}

export class MaelstromClients {
  private readonly clients: Client[] = []
  private readonly byName = new Map<string, Client>()
  private readonly ops: MaelstromOp[] = []
  readonly ctx: WorkloadContext
  private readonly perClientRate: number
  private readonly timeoutUs: number
  private readonly durUs: number
  /** No new regular request from here on (the final phase), µs. */
  readonly finalAtUs: number
  private finished = false
  /** Replies to a request this client never sent (a wrong in_reply_to). */
  unmatchedReplies = 0
  /** Replies that came after their op ended (a timeout), or a second time. */
  lateReplies = 0

  constructor(
    spec: ExperimentSpec,
    private readonly host: MaelstromHost,
    private readonly meter: RunMeter,
    rng: Rng,
    readonly workload: MaelstromWorkload,
    /** Ends every active fault and holds back the scheduled ones (the engine's FaultRunner.healAll). */
    private readonly heal: () => void = () => {},
  ) {
    const w = spec.workload
    this.ctx = { nodeIds: host.ids, options: w }
    this.perClientRate = w.clients > 0 ? w.ratePerSec / w.clients : 0
    this.timeoutUs = Math.max(1, Math.round(w.timeoutMs * 1000))
    this.durUs = Math.round(spec.durationMs * 1000)
    const hasFinal = workload.finalRequests(this.ctx).length > 0
    const finalMs = w.finalMs ?? (hasFinal ? Math.min(DEFAULT_FINAL_MS, spec.durationMs / 4) : 0)
    this.finalAtUs = Math.max(0, this.durUs - Math.round(finalMs * 1000))
    for (let i = 0; i < w.clients; i++) this.addClient(rng.fork())
  }

  private addClient(rng: Rng): Client {
    const num = this.clients.length + 1
    const c: Client = {
      idx: this.clients.length,
      num,
      name: `c${num}`,
      rng,
      serial: 0,
      opIndex: 0,
      msgId: 0,
      op: null,
      deferred: false,
    }
    this.clients.push(c)
    this.byName.set(c.name, c)
    return c
  }

  /** Send the setup requests, schedule every client's first arrival and the final phase. */
  start(): void {
    const now = this.host.nowUs()
    // The regular clients only: the setup requests' one-shot clients come after them.
    const n = this.clients.length
    this.oneShot(this.workload.setup(this.ctx), false)
    if (this.finalAtUs < this.durUs) this.host.timer(TIMER_FINAL, 0, 0, this.finalAtUs, false)
    if (this.perClientRate <= 0) return
    for (let i = 0; i < n; i++) {
      const c = this.clients[i]
      this.host.timer(TIMER_ARRIVE, c.idx, 0, now + expInterval(c.rng, this.perClientRate), false)
    }
  }

  /** Every open op completes as info (`reason`); nothing is sent after this. */
  finish(reason: string): void {
    for (const c of this.clients) {
      c.deferred = false
      if (c.op !== null) this.complete(c, 'info', undefined, reason)
    }
    this.finished = true
  }

  /** Every op so far (open ones with outcome info and no completion). */
  history(): readonly MaelstromOp[] {
    return this.ops
  }

  /** The workload's verdicts on the ops (a checker that throws is reported as a failed check). */
  check(): CheckResult[] {
    try {
      return this.workload.check(this.ops, this.ctx)
    } catch (e) {
      return [
        {
          name: this.workload.kind,
          ok: false,
          verdict: 'unknown',
          count: 0,
          details: [`the ${this.workload.kind} checker failed: ${(e as Error).message}`],
        },
      ]
    }
  }

  // ---------------------------------------------------------------- timers

  onArrival(ci: number, atUs: number): void {
    const c = this.clients[ci]
    if (this.finished || c === undefined) return
    let next = atUs + expInterval(c.rng, this.perClientRate)
    const now = this.host.nowUs()
    if (now - next > MAX_ARRIVAL_LAG_US) next = now
    if (next < this.finalAtUs) this.host.timer(TIMER_ARRIVE, ci, 0, next, false)
    if (c.op === null) this.startOp(c)
    else if (!c.deferred) c.deferred = true
    else this.meter.skippedArrivals++
  }

  onTimeout(ci: number, serial: number): void {
    const c = this.clients[ci]
    if (c?.op?.serial !== serial) return
    this.complete(c, 'info', undefined, 'timeout')
  }

  /**
   * The final phase, in two steps: first (phase 0) every fault heals and the cluster gets half
   * the final phase to settle; then (phase 1) the workload's final requests, one fresh client
   * each, so what they read is judged after faults healed.
   */
  onFinal(phase = 0): void {
    if (this.finished) return
    if (phase === 0) {
      this.heal()
      const settleUs = Math.round((this.durUs - this.finalAtUs) / 2)
      if (settleUs > 0) {
        this.host.timer(TIMER_FINAL, 1, 0, this.finalAtUs + settleUs, false)
        return
      }
    }
    this.oneShot(this.workload.finalRequests(this.ctx), true)
  }

  // ---------------------------------------------------------------- from the host

  /**
   * A message for a client came out of node `from`. Returns null when it completed an op, or
   * why it matched none (the host logs it).
   */
  onReply(from: number, msg: MaelstromMessage): string | null {
    const c = this.byName.get(msg.dest)
    const node = this.host.ids[from]
    if (c === undefined) return `${node} sent a message to ${msg.dest}, which is no client of this run`
    const p = c.op
    const irt = msg.body.in_reply_to
    if (p === null || irt !== p.msgId) {
      if (typeof irt === 'number' && irt >= 1 && irt <= c.msgId) {
        // A late reply: its request was sent, its op already ended (timed out). Not a problem.
        this.lateReplies++
        return null
      }
      this.unmatchedReplies++
      return `${node} replied to ${msg.dest} with in_reply_to ${String(irt)}, which matches no open request of ${msg.dest}${p === null ? '' : ` (open: msg_id ${p.msgId})`}: ignored`
    }
    const body = msg.body
    if (body.type === 'error') {
      const code = typeof body.code === 'number' ? body.code : 0
      const why = `error ${code}${typeof body.text === 'string' ? `: ${body.text}` : ''}`
      if (readOfAbsentKey(p.op.request, body)) this.complete(c, 'ok', body)
      else this.complete(c, isDefiniteError(code) ? 'fail' : 'info', body, why, code)
    } else if (body.type === `${p.op.request.type}_ok`) this.complete(c, 'ok', body)
    else this.complete(c, 'info', body, `unexpected reply type ${JSON.stringify(body.type)}`)
    return null
  }

  // ---------------------------------------------------------------- ops

  private oneShot(reqs: readonly ClientRequest[], final: boolean): void {
    for (const req of reqs) {
      const c = this.addClient(this.clients.length > 0 ? this.clients[0].rng.fork() : forkless())
      this.send(c, req, final)
    }
  }

  private startOp(c: Client): void {
    if (this.finished || this.host.nowUs() >= this.finalAtUs) return
    // Workloads number clients from 0 (c1 is client 0).
    const req = this.workload.request(c.rng, { ...this.ctx, client: c.idx, opIndex: c.opIndex++ })
    this.send(c, req, false)
  }

  private send(c: Client, req: ClientRequest, final: boolean): void {
    const serial = ++c.serial
    const msgId = ++c.msgId
    const now = this.host.nowUs()
    const body = { ...req.body, msg_id: msgId }
    const op: MaelstromOp = {
      id: `${c.name}.${serial}`,
      client: c.num,
      node: req.node,
      request: body,
      invokeUs: now,
      completeUs: null,
      outcome: 'info',
      ...(final ? { final: true } : {}),
    }
    const view = requestView(body)
    c.op = { op, serial, msgId, view }
    this.ops.push(op)
    this.meter.ops.total++
    this.host.emit(this.event(now, c, 'invoke', view.value))
    const idx = this.host.ids.indexOf(req.node)
    if (idx < 0) return this.complete(c, 'fail', undefined, `no node ${req.node} in this cluster`)
    this.host.timer(TIMER_OP_TIMEOUT, c.idx, serial, now + this.timeoutUs, true)
    const sent = this.host.call?.(idx, { src: c.name, dest: req.node, body }) ?? false
    if (!sent) this.complete(c, 'fail', undefined, `${req.node} is down`)
  }

  private event(
    t: number,
    c: Client,
    phase: OpEvent['phase'],
    value: string | null,
    error?: string,
  ): OpEvent {
    const p = c.op as Pending
    const e: OpEvent = {
      kind: 'op',
      t,
      node: null,
      lc: 0,
      client: c.num,
      opId: p.op.id,
      phase,
      f: p.view.f,
      key: p.view.key,
      value,
    }
    if (p.view.f === 'cas') e.expected = p.view.expected ?? null
    if (phase === 'ok' && p.view.f === 'cas') e.result = true
    if (error !== undefined) e.error = error
    return e
  }

  private complete(
    c: Client,
    outcome: 'ok' | 'fail' | 'info',
    reply: MaelstromOp['reply'],
    error?: string,
    code?: number,
  ): void {
    const p = c.op as Pending
    const now = this.host.nowUs()
    const op = p.op
    op.completeUs = now
    op.outcome = outcome
    if (reply !== undefined) op.reply = reply
    if (code !== undefined) op.errorCode = code
    const value =
      outcome === 'ok'
        ? completionValue(p.view, reply)
        : p.view.f === 'call'
          ? completionValue(p.view, reply)
          : p.view.value
    this.host.emit(this.event(now, c, outcome, value, error))
    this.workload.retain?.(op)
    c.op = null
    this.meter.opDone(outcome, now - op.invokeUs)
    if (c.deferred && !this.finished) {
      c.deferred = false
      this.startOp(c)
    }
  }
}

/** An rng for a one-shot client when there are no regular clients (it draws nothing). */
function forkless(): Rng {
  const r: Rng = { next: () => 0, int: (lo) => lo, chance: () => false, fork: () => r }
  return r
}
