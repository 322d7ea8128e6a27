// The node program's host: one protocol instance (the same code the simulator runs) driven by
// real timers and real sockets.
//
//  - peer port (127.0.0.1, port 0): accepts connections only from the lab's proxy, which must
//    answer this node's challenge with a hello proving it knows the run's secret (hello.ts);
//    every protocol message arrives here.
//  - outbound: the node dials the proxy (never another node), answers its challenge, and
//    sends every message there; the frame header names the destination.
//  - client port (127.0.0.1, port 0): KV requests (CLIENT_REQ frames), replies (CLIENT_REP),
//    from the lab's clients only (the same hello, role client). A client that stops reading
//    its replies is closed once MAX_CLIENT_BACKLOG bytes wait for it.
//  - the host loop: inputs (tick / step / propose) mark the node dirty; one drain per
//    event-loop turn (setImmediate) calls ready() once (proposals and messages that arrived
//    in the same turn are batched) and writes `persist` to the WAL; the messages, client
//    replies and events of that drain are released only once those records are durable
//    (fdatasync; persist before send). Group commit: one fdatasync runs at a time off the
//    event loop, covering every batch written while the previous one ran; outputs leave in
//    drain order. With fsync off, outputs leave at once.
//  - telemetry (protocol events, deliver events, counts, errors, status) goes to the lab over
//    the IPC channel in batches every `telemetryMs`. Send events are recorded by the proxy
//    (from the frame header: msgId, Lamport and vector clock) so that a node killed with
//    SIGKILL cannot take the send events of its last messages with it; deliver events stay
//    here (only the receiver knows its merged vector clock when it takes the message).
//
// Bad input from a socket (malformed frame, oversized frame, undecodable or invalid body,
// failed or late hello) closes that connection with a logged reason naming the offending
// bytes or field; the node keeps running. Connections refused at the hello are counted and
// reported with the telemetry ('rejected').
import { corkForTurn } from './turn-cork'
import { createServer, type Server, type Socket } from 'node:net'
import { dirname, join } from 'node:path'
import { programFactory } from '../../core/maelstrom/factory'
import { stderrHint } from '../../core/maelstrom/stderr'
import { toJson } from '../../core/maelstrom/json'
import { MAELSTROM_SERVICES, type MaelstromMessage } from '../../core/maelstrom/types'
import { messageProblem } from '../../core/maelstrom/validate'
import { PROGRAM_KIND, ProgramParamsSchema } from '../../shared/spec'
import { algorithmModule, factoryFor, type AnyProtocolFactory } from '../../core/protocols'
import type {
  AdminCommand,
  ClientReply,
  ClientRequest,
  NodeStatus,
  Outgoing,
  Protocol,
  ProtocolEvent,
} from '../../core/protocols/types'
import { protocolTraceEvent } from '../../core/protocols/trace-events'
import { createRng, type Rng } from '../../core/rng'
import type { NodeId, TraceEvent } from '../../shared/trace'
import { nodeIds } from '../../shared/trace'
import {
  MAX_BODY,
  MAX_PROTOCOL_TYPE,
  NO_NODE,
  T_CLIENT_REP,
  T_CLIENT_REQ,
  frameDst,
  frameHeaderLen,
  frameLc,
  frameMsgId,
  frameSrc,
  frameType,
  frameVcLen,
  headerLength,
  hexBytes,
  messageTypeCode,
  readF64,
  HEADER_FIXED,
  writeHeader,
  encodeFrame,
} from '../../shared/wire'
import { packBody, unpackBody } from './codec'
import type { InitMsg, NodeToLab, RecoveryInfo } from './control'
import { recoveredLastIndex, recoveredLogEvents } from './recovery'
import { dialWithHello, remoteName, serveWithHello } from './hello'
import { asClientRequest, checkProtocolMessage, MAX_CLIENT_BODY } from './validate'
import { Wal, WRITEBACK_MS } from './wal'
import { ProgramProcess } from './program'
import { encodeTraceBatch } from './trace-batch'

/** Reply bytes waiting for a client that does not read them before its connection is closed. */
export const MAX_CLIENT_BACKLOG = 16 * 1024 * 1024
/** Telemetry is sent early when this many events are waiting. */
export const TEL_MAX_EVENTS = 2000
/** Most errors kept between two telemetry reports (more are counted). */
const MAX_ERRORS = 50
/** Most client request ids remembered for routing replies. */
const MAX_ROUTES = 100_000
const MSG_ID_BASE = 2 ** 32
/**
 * Most frames a program's node keeps that arrive before the run starts (a peer's program may
 * send as soon as it answered init; this node's program gets them once every node has).
 */
export const MAX_EARLY_FRAMES = 10_000

export class NodeHost {
  readonly id: NodeId
  private readonly ids: NodeId[]
  private readonly factory: AnyProtocolFactory
  /** The algorithm's message names in wire-code order. */
  private readonly wireTypes: readonly string[]
  private proto: Protocol<unknown, unknown> | null = null
  private wal: Wal | null = null
  private recovered: unknown[] = []
  private recovery: RecoveryInfo | null = null
  private t0: bigint | null = null
  private lc: number
  private readonly vc: number[]
  private seq = 0
  private readonly msgBase: number
  private readonly rng: Rng
  private readonly byzRng: Rng
  private byz: 'forge' | 'equivocate' | null = null

  private peerServer: Server | null = null
  private clientServer: Server | null = null
  private out: Socket | null = null
  private outReady = false
  private outRetry: NodeJS.Timeout | null = null
  private readonly sockets = new Set<Socket>()
  private readonly routes = new Map<string, Socket>()
  /** A program's node (algorithm kind program): the process it runs, and the lab's client connection. */
  private program: ProgramProcess | null = null
  private programSock: Socket | null = null
  /** The program's stderr since the previous report. */
  private stderr = ''
  /** Peer frames for a program that came before the run's start, in arrival order (copies). */
  private early: Uint8Array[] = []
  private earlyDropped = 0

  private tickTimer: NodeJS.Timeout | null = null
  private rate = 1
  private nextTickAt = 0
  private drainScheduled = false
  private closing = false
  private telTimer: NodeJS.Timeout | null = null
  private writebackTimer: NodeJS.Timeout | null = null

  /** Outputs of drains whose records are not durable yet, oldest first. */
  private readonly outq: Array<{
    gen: number
    msgs: ReadonlyArray<Outgoing<unknown>>
    replies: readonly ClientReply[]
    events: readonly ProtocolEvent[]
  }> = []
  /** WAL batches written / known durable (fsync off: written counts as durable). */
  private writtenGen = 0
  private syncedGen = 0
  private syncing = false
  private readonly flushWaiting: number[] = []

  private events: TraceEvent[] = []
  private errors: string[] = []
  private droppedErrors = 0
  private sent = 0
  private delivered = 0
  /** Connections refused at the hello since the previous report. */
  private rejected = 0

  constructor(
    private readonly cfg: InitMsg,
    private readonly send: (m: NodeToLab) => void,
  ) {
    this.ids = nodeIds(cfg.n)
    this.id = this.ids[cfg.idx]
    if (cfg.kind === PROGRAM_KIND) {
      this.factory = programFactory as AnyProtocolFactory
      this.wireTypes = []
    } else {
      this.factory = factoryFor({ kind: cfg.kind, mutants: cfg.mutants })
      this.wireTypes = algorithmModule(cfg.kind).wireTypes
    }
    this.lc = cfg.lc
    this.vc = new Array<number>(cfg.n).fill(0)
    for (let i = 0; i < cfg.n && i < cfg.vc.length; i++) this.vc[i] = cfg.vc[i]
    this.msgBase = cfg.startNo * MSG_ID_BASE
    const root = createRng(cfg.seed)
    this.rng = root.fork()
    this.byzRng = root.fork()
  }

  // ---------------------------------------------------------------- lifecycle

  /** Open the WAL, listen, dial the proxy; then report 'ready' (and start if t0 is known). */
  async init(): Promise<void> {
    const cfg = this.cfg
    const { wal, recovery } = Wal.open(cfg.walPath, {
      fresh: cfg.fresh,
      fsync: cfg.fsync,
      dropUnsynced: !cfg.fsync && cfg.afterCrash,
    })
    this.wal = wal
    this.recovered = recovery.records
    const lastIndex = recoveredLastIndex(recovery.records)
    this.recovery = {
      records: recovery.records.length,
      bytes: recovery.bytes,
      lostUnsyncedBytes: recovery.lostUnsyncedBytes,
      lostUnsyncedRecords: recovery.lostUnsyncedRecords,
      tornReason: recovery.tornReason,
      lastIndex,
    }
    if (recovery.tornReason !== null)
      this.error(`WAL ${cfg.walPath}: ignored the tail: ${recovery.tornReason}`)
    if (recovery.lostUnsyncedBytes > 0) {
      this.error(
        `WAL ${cfg.walPath}: lost ${recovery.lostUnsyncedBytes} unsynced bytes (${recovery.lostUnsyncedRecords} records) in the crash (fsync off)`,
      )
    }
    if (!cfg.fsync) {
      this.writebackTimer = setInterval(() => this.writeback(), cfg.writebackMs ?? WRITEBACK_MS)
    }

    this.peerServer = createServer((s) => this.onPeerConnection(s))
    this.clientServer = createServer((s) => this.onClientConnection(s))
    const peerPort = await listen(this.peerServer)
    const clientPort = await listen(this.clientServer)
    this.dialProxy()
    this.telTimer = setInterval(() => this.flushTelemetry(), cfg.telemetryMs)
    if (cfg.kind === PROGRAM_KIND) await this.bootProgram()
    this.send({
      type: 'ready',
      pid: process.pid,
      clientPort,
      peerPort,
      recovery: this.recovery,
      ...(this.program?.pid ? { programPid: this.program.pid } : {}),
    })
    if (cfg.t0 !== null) this.start(cfg.t0)
  }

  /**
   * A program's node: run the program (a fresh process: a restart after a crash gets a fresh
   * init, its state is what it kept in its data directory) and complete its init handshake.
   */
  private async bootProgram(): Promise<void> {
    const params = ProgramParamsSchema.parse(this.cfg.params)
    const dataDir = join(dirname(this.cfg.walPath), `${this.id}.data`)
    const p = new ProgramProcess(this.id, this.ids, params, dataDir, {
      message: (m) => this.onProgramMessage(m),
      problem: (why) => this.error(why),
      stderr: (text) => {
        this.stderr += text
      },
      exit: (code, signal) => {
        // It ended by itself: this node crashed. Report why, then end this process too (the
        // lab records a crash; a restart runs the program afresh).
        const why = `program exited by itself (code ${code}, signal ${signal}).${stderrHint(p.tail)}`
        this.error(why)
        this.close()
        this.send({ type: 'fatal', error: `${this.id}: ${why}` })
        setTimeout(() => process.exit(3), 20)
      },
    })
    this.program = p
    process.once('exit', () => p.kill())
    await p.boot()
  }

  /** Create the protocol from the recovered records and start ticking. */
  start(t0: string): void {
    if (this.proto !== null || this.closing || (this.program !== null && this.t0 !== null)) return
    this.t0 = BigInt(t0)
    if (this.cfg.afterCrash) {
      this.events.push({ kind: 'node', t: this.nowUs(), node: this.id, lc: this.lc, action: 'restart' })
    }
    if (this.program !== null) {
      // A program has no ticks (it keeps its own time); what its peers sent it since they
      // answered init arrives now, after its own init, as Maelstrom delivers it.
      const early = this.early
      this.early = []
      for (const f of early) {
        const bad = this.onPeerFrame(f, 0, f.length)
        if (bad !== null) this.error(`peer frame before the start: ${bad}`)
      }
      if (this.earlyDropped > 0)
        this.error(
          `${this.earlyDropped} peer message(s) that arrived before the run started were dropped (more than ${MAX_EARLY_FRAMES} waiting)`,
        )
      return
    }
    this.proto = this.factory.create({
      id: this.id,
      nodes: this.ids,
      ...(this.cfg.voters !== undefined ? { voters: this.ids.slice(0, this.cfg.voters) } : {}),
      params: this.cfg.params,
      rng: this.rng,
      recovered: this.recovered,
      runSeed: this.cfg.runSeed,
    })
    if (!this.cfg.fresh) for (const e of recoveredLogEvents(this.recovered)) this.protocolEvent(e)
    this.recovered = []
    this.drain()
    this.nextTickAt = performance.now() + this.tickInterval() * this.rng.next()
    this.scheduleTick()
  }

  setClock(rate: number, jumpTicks: number): void {
    if (rate !== this.rate) {
      this.rate = rate
      if (this.proto !== null) {
        this.nextTickAt = performance.now() + this.tickInterval()
        this.scheduleTick()
      }
    }
    for (let k = 0; k < jumpTicks && this.proto !== null; k++) {
      this.proto.tick()
      this.drain()
    }
  }

  /** A cluster operation from the lab (only a protocol with admin takes one; only its leader acts). */
  admin(cmd: AdminCommand): void {
    if (this.proto === null) return
    if (this.proto.admin === undefined) {
      this.error(`${this.factory.kind} has no cluster operations: ${cmd.type} ignored`)
      return
    }
    this.proto.admin(cmd)
    this.drain()
  }

  setByzantine(b: 'forge' | 'equivocate' | null): void {
    if (b !== null && this.factory.corrupt === undefined) {
      this.error(`${this.factory.kind} cannot ${b}: ignored`)
      return
    }
    this.byz = b
  }

  /** Send buffered telemetry (after anything waiting for the disk), then answer 'flushed'. */
  flush(seq: number): void {
    if (this.drainScheduled) this.drain()
    if (this.outq.length > 0) {
      this.flushWaiting.push(seq)
      return
    }
    this.flushTelemetry()
    this.send({ type: 'flushed', seq })
  }

  close(): void {
    if (this.closing) return
    this.closing = true
    if (this.drainScheduled) this.drain()
    this.flushTelemetry()
    for (const t of [this.tickTimer, this.telTimer, this.writebackTimer, this.outRetry])
      if (t) clearTimeout(t)
    this.peerServer?.close()
    this.clientServer?.close()
    for (const s of this.sockets) s.destroy()
    this.out?.destroy()
    this.wal?.close()
    this.program?.kill()
  }

  /** A service (lin-kv, seq-kv, lww-kv, lin-tso) answered the program. */
  fromService(m: MaelstromMessage): void {
    this.program?.write(m)
  }

  /**
   * A message the program wrote: to another node (through the proxy), to a service (the lab
   * hosts them), or to a client (the lab's, on the client connection). Anything else is
   * reported and dropped.
   */
  private onProgramMessage(m: MaelstromMessage): void {
    const dest = m.dest
    if (this.ids.includes(dest)) {
      if (dest === this.id) return this.program?.write(m)
      const out = this.outReady ? this.out : null
      // The lines of one stdout chunk leave for the proxy in one write.
      if (out !== null) corkForTurn(out)
      this.sendMessage(out, dest, m.body)
      if (this.events.length >= TEL_MAX_EVENTS) this.flushTelemetry()
      return
    }
    if ((MAELSTROM_SERVICES as readonly string[]).includes(dest)) {
      this.send({ type: 'svc', msg: m })
      return
    }
    const s = this.programSock
    if (/^c[0-9]+$/.test(dest)) {
      if (s === null || s.destroyed) {
        this.error(
          `reply to client ${dest} dropped: the lab's client connection is ${s === null ? 'not open' : 'closed (the run is ending)'}: ${toJson(m.body).slice(0, 200)}`,
        )
        return
      }
      // The replies of one stdout chunk leave in one write.
      corkForTurn(s)
      s.write(
        encodeFrame(
          { type: T_CLIENT_REP, src: this.cfg.idx, dst: NO_NODE, lc: 0, msgId: 0, vc: null },
          packBody(m),
        ),
      )
      return
    }
    this.error(
      `message to ${JSON.stringify(dest)} dropped: no such node (${this.ids[0]}..${this.ids[this.ids.length - 1]}), service (${MAELSTROM_SERVICES.join(', ')}) or client: ${toJson(m.body).slice(0, 200)}`,
    )
  }

  status(): NodeStatus | null {
    if (this.program !== null) {
      if (this.t0 === null) return null
      return { id: this.id, role: 'replica', term: 0, leader: null, commitIndex: 0, lastIndex: 0 }
    }
    return this.proto === null ? null : this.proto.status()
  }

  // ---------------------------------------------------------------- time and ticks

  private nowUs(): number {
    if (this.t0 === null) return 0
    return Math.round(Number(process.hrtime.bigint() - this.t0) / 1000)
  }

  private tickInterval(): number {
    return this.cfg.tickMs / this.rate
  }

  private scheduleTick(): void {
    if (this.tickTimer) clearTimeout(this.tickTimer)
    const delay = Math.max(0, this.nextTickAt - performance.now())
    this.tickTimer = setTimeout(this.onTick, delay)
  }

  private readonly onTick = (): void => {
    this.tickTimer = null
    if (this.proto === null || this.closing) return
    const now = performance.now()
    const interval = this.tickInterval()
    // A stopped (SIGSTOP) or starved process does not catch up missed ticks in a burst.
    this.nextTickAt = now - this.nextTickAt > 2 * interval ? now + interval : this.nextTickAt + interval
    this.proto.tick()
    this.scheduleDrain()
    this.scheduleTick()
  }

  private writeback(): void {
    try {
      this.wal?.writeback()
    } catch (e) {
      this.error(`WAL writeback failed: ${(e as Error).message}`)
    }
  }

  // ---------------------------------------------------------------- the host loop

  private scheduleDrain(): void {
    if (this.drainScheduled) return
    this.drainScheduled = true
    setImmediate(this.drainNow)
  }

  private readonly drainNow = (): void => {
    if (this.drainScheduled) this.drain()
  }

  /**
   * ready() once; its records go to the WAL now, and its messages, replies and events wait
   * until those records (and everything written before) are durable.
   */
  private drain(): void {
    this.drainScheduled = false
    const proto = this.proto
    const wal = this.wal
    if (proto === null || wal === null) return
    const r = proto.ready()
    if (r.base !== undefined) this.compact(wal, r.base, r.persist)
    else if (r.persist.length > 0) {
      wal.write(r.persist)
      this.writtenGen++
      if (!this.cfg.fsync) this.syncedGen = this.writtenGen
    }
    const empty = r.messages.length === 0 && r.replies.length === 0 && r.events.length === 0
    if (this.outq.length === 0 && this.writtenGen <= this.syncedGen) {
      if (!empty) this.emitOutputs(r.messages, r.replies, r.events)
    } else if (!empty) {
      this.outq.push({ gen: this.writtenGen, msgs: r.messages, replies: r.replies, events: r.events })
    }
    this.startSync()
  }

  /**
   * Log compaction (Ready.base): the WAL is replaced by [base, ...persist], crash-safely and
   * durably (wal.compact). The base covers everything persisted before, so the outputs held
   * for earlier records may go too. Should the replacement fail (disk full), the base is
   * appended instead (recovery reads it as a reset) and the failure is reported.
   */
  private compact(wal: Wal, base: unknown, persist: readonly unknown[]): void {
    try {
      wal.compact([base, ...persist])
    } catch (e) {
      this.error(`WAL compaction failed: ${(e as Error).message}; the base record is appended instead`)
      wal.write([base, ...persist])
      this.writtenGen++
      if (!this.cfg.fsync) this.syncedGen = this.writtenGen
      return
    }
    this.writtenGen++
    this.syncedGen = this.writtenGen
    this.release()
  }

  /**
   * Group commit: one fdatasync at a time, off the event loop; whatever was written while it
   * ran is covered by the next one. Outputs are released in order once their records are
   * durable, so nothing leaves the node before the records it depends on (persist before
   * send), yet the node keeps stepping and proposing while the disk works.
   */
  private startSync(): void {
    const wal = this.wal
    if (this.syncing || wal === null || this.writtenGen <= this.syncedGen) return
    this.syncing = true
    const target = this.writtenGen
    wal.sync((err) => {
      this.syncing = false
      if (err) {
        this.error(`WAL fdatasync failed: ${err.message}; outputs stay held`)
        return
      }
      if (target > this.syncedGen) this.syncedGen = target
      this.release()
      this.startSync()
    })
  }

  private release(): void {
    const q = this.outq
    let k = 0
    while (k < q.length && q[k].gen <= this.syncedGen) {
      const b = q[k++]
      this.emitOutputs(b.msgs, b.replies, b.events)
    }
    if (k > 0) q.splice(0, k)
    if (q.length === 0 && this.flushWaiting.length > 0) {
      this.flushTelemetry()
      for (const seq of this.flushWaiting.splice(0)) this.send({ type: 'flushed', seq })
    }
  }

  private emitOutputs(
    msgs: ReadonlyArray<Outgoing<unknown>>,
    replies: readonly ClientReply[],
    evs: readonly ProtocolEvent[],
  ): void {
    // Events first: their timestamps must not be later than the messages and client replies
    // they caused. A reply written before its 'apply' event was stamped could reach the
    // client (which records 'ok' on the lab's clock) before that stamp; if the process was
    // descheduled in between, the apply could even land after the run's end cutoff and be
    // dropped, so the trace showed an acknowledged write that no node applied.
    for (let i = 0; i < evs.length; i++) this.protocolEvent(evs[i])
    if (msgs.length > 0) {
      const out = this.outReady ? this.out : null
      out?.cork()
      for (let i = 0; i < msgs.length; i++) this.sendMessage(out, msgs[i].to, msgs[i].msg)
      out?.uncork()
    }
    if (replies.length > 0) this.sendReplies(replies)
    if (this.events.length >= TEL_MAX_EVENTS) this.flushTelemetry()
  }

  private protocolEvent(e: ProtocolEvent): void {
    this.events.push(protocolTraceEvent(e, this.nowUs(), this.id, this.lc))
  }

  private sendMessage(out: Socket | null, to: NodeId, msg0: unknown): void {
    const dst = this.ids.indexOf(to)
    if (dst < 0 || dst === this.cfg.idx) return
    const f = this.factory
    const msgId = this.msgBase + ++this.seq
    const lc = ++this.lc
    this.vc[this.cfg.idx]++
    this.sent++
    // The send event is recorded by the proxy when the frame reaches the network (it survives a
    // SIGKILL of this process, unlike a telemetry batch still in this process).
    let msg = msg0
    if (this.byz !== null && f.corrupt !== undefined) msg = f.corrupt(msg0, this.byz, to, this.byzRng)
    if (out === null) return // no connection to the proxy: the network lost it
    const body = packBody(msg)
    if (body.length > MAX_BODY) {
      this.error(
        `${f.messageType(msg)} to ${to} is ${body.length} bytes, over the frame limit of ${MAX_BODY}: not sent`,
      )
      return
    }
    const h = {
      type: messageTypeCode(this.wireTypes, f.messageType(msg)),
      src: this.cfg.idx,
      dst,
      lc,
      msgId,
      vc: this.vc,
    }
    const hl = headerLength(this.vc.length)
    const frame = Buffer.allocUnsafe(hl + body.length)
    writeHeader(frame, 0, h, body.length)
    body.copy(frame, hl)
    out.write(frame)
  }

  private sendReplies(replies: readonly ClientReply[]): void {
    const touched: Socket[] = []
    for (const rep of replies) {
      const s = this.routes.get(rep.id)
      if (s === undefined) continue
      this.routes.delete(rep.id)
      if (s.destroyed) continue
      if (!touched.includes(s)) {
        touched.push(s)
        s.cork()
      }
      s.write(
        encodeFrame(
          { type: T_CLIENT_REP, src: this.cfg.idx, dst: NO_NODE, lc: 0, msgId: 0, vc: null },
          packBody(rep),
        ),
      )
    }
    for (const s of touched) {
      s.uncork()
      if (s.writableLength > MAX_CLIENT_BACKLOG) {
        const from = `${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'}`
        this.closeConn(
          from,
          'client',
          `${s.writableLength} bytes of replies not read: the client is not reading`,
        )
        s.destroy()
      }
    }
  }

  // ---------------------------------------------------------------- telemetry

  private error(what: string): void {
    const line = `${this.id}: ${what}`
    if (this.errors.length < MAX_ERRORS) this.errors.push(line)
    else this.droppedErrors++
  }

  private flushTelemetry(): void {
    if (
      this.events.length === 0 &&
      this.errors.length === 0 &&
      this.sent === 0 &&
      this.delivered === 0 &&
      this.rejected === 0 &&
      this.stderr.length === 0
    ) {
      return
    }
    const errors = this.errors
    if (this.droppedErrors > 0) errors.push(`${this.id}: ${this.droppedErrors} more errors not shown`)
    try {
      this.send({
        type: 'tel',
        batch: encodeTraceBatch(this.events),
        sent: this.sent,
        delivered: this.delivered,
        rejected: this.rejected,
        status: this.status(),
        lc: this.lc,
        vc: this.vc.slice(),
        errors,
        ...(this.stderr.length > 0 ? { stderr: this.stderr } : {}),
      })
    } catch {
      // The channel is gone: the orphan watch ends this process.
    }
    this.events = []
    this.errors = []
    this.droppedErrors = 0
    this.sent = 0
    this.delivered = 0
    this.rejected = 0
    this.stderr = ''
  }

  // ---------------------------------------------------------------- the proxy link (outbound)

  private dialProxy(): void {
    if (this.closing) return
    const s = dialWithHello({
      port: this.cfg.proxyPort,
      secret: this.cfg.secret,
      claim: { role: 'node', node: this.cfg.idx },
      maxBody: 0, // the proxy never sends on this connection
      onReady: () => {
        if (this.out === s) this.outReady = true
      },
      onFailed: (why) => this.error(`connection to the proxy closed: ${why}`),
    })
    this.out = s
    this.outReady = false
    s.on('error', (e) => this.error(`connection to the proxy: ${e.message}`))
    s.on('close', () => {
      if (this.out === s) {
        this.out = null
        this.outReady = false
      }
      if (!this.closing) this.outRetry = setTimeout(() => this.dialProxy(), 200)
    })
  }

  // ---------------------------------------------------------------- the peer port (inbound)

  /** A connection that never proved itself: logged and counted (the run's summary reports it). */
  private rejectConn(from: string, where: string, why: string): void {
    this.rejected++
    this.error(`${where} connection from ${from} refused: ${why}`)
  }

  private closeConn(from: string, where: string, why: string): void {
    this.error(`${where} connection from ${from} closed: ${why}`)
  }

  /** An accepted connection: only `role`, naming this node, gets past the hello. */
  private serve(
    s: Socket,
    where: 'peer' | 'client',
    role: 'proxy' | 'client',
    maxBody: number,
    onFrame: (buf: Uint8Array, off: number, len: number) => string | null,
    onHello: () => void = () => {},
  ): void {
    this.sockets.add(s)
    s.setNoDelay(true)
    s.on('close', () => this.sockets.delete(s))
    const idx = this.cfg.idx
    const from = remoteName(s)
    const who = role === 'proxy' ? 'the proxy' : 'clients'
    serveWithHello(s, {
      secret: this.cfg.secret,
      admit: (c) =>
        c.role !== role
          ? `hello.role is ${c.role} (only ${who} may connect to the ${where} port)`
          : c.node !== idx
            ? `hello.node ${c.node} is not this node (index ${idx})`
            : null,
      maxBody,
      onHello,
      onFrame,
      onRejected: (why) => this.rejectConn(from, where, why),
      onClosed: (why) => this.closeConn(from, where, why),
    })
  }

  /** The peer port: only the lab's proxy, dialling this node, gets in. */
  private onPeerConnection(s: Socket): void {
    this.serve(s, 'peer', 'proxy', MAX_BODY, (buf, off, len) => this.onPeerFrame(buf, off, len))
  }

  /** One protocol frame from the proxy; returns why it is refused, or null. */
  private onPeerFrame(buf: Uint8Array, off: number, len: number): string | null {
    const type = frameType(buf, off)
    const src = frameSrc(buf, off)
    const dst = frameDst(buf, off)
    const n = this.cfg.n
    if (type >= MAX_PROTOCOL_TYPE) return `frame type ${type} is not a protocol message (peer port)`
    if (dst !== this.cfg.idx)
      return `frame for node index ${dst} arrived at ${this.id} (index ${this.cfg.idx})`
    if (src >= n || src === this.cfg.idx) return `frame from invalid source index ${src} (cluster of ${n})`
    if (frameVcLen(buf, off) !== n)
      return `vector clock has ${frameVcLen(buf, off)} entries (cluster of ${n})`
    const hl = frameHeaderLen(buf, off)
    let msg: unknown
    try {
      msg = unpackBody(buf, off + hl, off + len)
    } catch (e) {
      return `body does not decode (${(e as Error).message}); body bytes [${hexBytes(buf, off + hl, len - hl)}]`
    }
    const bad = this.factory.validate
      ? this.factory.validate(msg)
      : checkProtocolMessage(this.factory.kind, msg)
    if (bad !== null) return `invalid ${this.factory.kind} message from n${src + 1}: ${bad}`
    const proto = this.proto
    const program = this.program
    if (proto === null) {
      if (program === null) return null // not started yet: as if lost
      if (this.t0 === null) {
        // The program's peers started first: keep it for the start (bounded).
        if (this.early.length < MAX_EARLY_FRAMES)
          this.early.push(Uint8Array.from(buf.subarray(off, off + len)))
        else this.earlyDropped++
        return null
      }
    }
    const mlc = frameLc(buf, off)
    this.lc = (this.lc > mlc ? this.lc : mlc) + 1
    const vc = this.vc
    for (let i = 0; i < n; i++) {
      const v = readF64(buf, off + HEADER_FIXED + 8 * i)
      if (v > vc[i]) vc[i] = v
    }
    vc[this.cfg.idx]++
    this.delivered++
    const from = this.ids[src]
    if (this.cfg.msgEvents) {
      this.events.push({
        kind: 'deliver',
        t: this.nowUs(),
        node: this.id,
        lc: this.lc,
        msgId: frameMsgId(buf, off),
        from,
        to: this.id,
        type: this.factory.messageType(msg),
        vc: vc.slice(),
      })
    }
    if (program !== null) {
      program.write({ src: from, dest: this.id, body: msg as MaelstromMessage['body'] })
      return null
    }
    if (proto === null) return null
    try {
      proto.step(from, msg)
    } catch (e) {
      this.error(`${this.factory.kind} step(${from}) threw: ${(e as Error).message}`)
    }
    this.scheduleDrain()
    return null
  }

  // ---------------------------------------------------------------- the client port

  /** The client port: only the lab's KV clients (which know the run's secret) get in. */
  private onClientConnection(s: Socket): void {
    this.serve(
      s,
      'client',
      'client',
      MAX_CLIENT_BODY,
      (buf, off, len) => this.onClientFrame(s, buf, off, len),
      // A program may answer any client, also one that never wrote to this node (a request
      // forwarded here by another node): the lab's client connection carries every reply.
      () => {
        if (this.program !== null) this.programSock = s
      },
    )
  }

  private onClientFrame(s: Socket, buf: Uint8Array, off: number, len: number): string | null {
    const type = frameType(buf, off)
    if (type !== T_CLIENT_REQ)
      return `frame type ${type} on the client port (expected CLIENT_REQ ${T_CLIENT_REQ})`
    const hl = frameHeaderLen(buf, off)
    let body: unknown
    try {
      body = unpackBody(buf, off + hl, off + len)
    } catch (e) {
      return `request body does not decode (${(e as Error).message}); body bytes [${hexBytes(buf, off + hl, len - hl)}]`
    }
    if (this.program !== null) return this.onProgramClientMessage(s, body)
    const req = asClientRequest(body)
    if (typeof req === 'string') return req
    const proto = this.proto
    if (proto === null) {
      const rep: ClientReply = { id: req.id, ok: false, error: 'not_leader', leaderHint: null }
      s.write(
        encodeFrame(
          { type: T_CLIENT_REP, src: this.cfg.idx, dst: NO_NODE, lc: 0, msgId: 0, vc: null },
          packBody(rep),
        ),
      )
      return null
    }
    this.route(req, s)
    try {
      proto.propose(req)
    } catch (e) {
      this.error(`${this.factory.kind} propose(${req.id}) threw: ${(e as Error).message}`)
    }
    this.scheduleDrain()
    return null
  }

  /** A client's Maelstrom message for the program: checked, then handed to it. */
  private onProgramClientMessage(s: Socket, body: unknown): string | null {
    const bad = messageProblem(body)
    if (bad !== null) return `client message: ${bad}`
    const m = body as MaelstromMessage
    if (m.dest !== this.id) return `client message for ${m.dest} arrived at ${this.id}`
    this.programSock = s
    this.program?.write(m)
    return null
  }

  private route(req: ClientRequest, s: Socket): void {
    this.routes.delete(req.id)
    this.routes.set(req.id, s)
    if (this.routes.size > MAX_ROUTES) this.routes.delete(this.routes.keys().next().value as string)
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      const a = server.address()
      if (a === null || typeof a === 'string') reject(new Error('listen: no port'))
      else resolve(a.port)
    })
  })
}
