// The network of a processes-mode run: a framing-aware, fault-injecting TCP proxy.
//
// Every node dials the proxy (port reported to the lab) and answers the proxy's challenge
// with a hello naming itself and proving it knows the run's secret; the proxy dials every
// node's peer port and answers that node's challenge the same way (src/main/node/hello.ts).
// Connections that do not complete the hello are refused, logged and counted. A frame from node s to node d arrives on s's connection and leaves on the
// connection to d. The proxy reads only frame headers (source, destination, type, size,
// Lamport clock, message id); bodies are never decoded.
//
// Per directed link the lab sets a rule (cut, silent, drop, duplicate, reorder, latency +-
// jitter, bandwidth cap). Links with a clean rule take the fast path: consecutive frames for
// the same destination in one received chunk leave as ONE write of the original bytes (no
// copy, no per-frame allocation), with writes corked per chunk. Other frames are scheduled on
// a timer queue (latency, jitter, reorder, bandwidth) or dropped. Send, drop and duplicate
// events are batched to the lab: a send event takes msgId, clocks and type from the header
// and a one-line summary from decoding the body, done after the chunk's writes went out (and
// only when someone watches message events). Deliver events come from the receiving node:
// only it knows its merged vector clock when it takes the message.
//
// Bad input (malformed or oversized frames, a failed or late hello, a frame whose source is not
// the connection's node) closes that connection with a logged reason naming the offending
// bytes; the proxy keeps running and the node reconnects.
import { createServer, type Server, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { findAlgorithm, type AnyProtocolFactory } from '../../../core/protocols'
import { programFactory } from '../../../core/maelstrom/factory'
import { PROGRAM_KIND } from '../../../shared/spec'
import { EventQueue } from '../../../core/sim/heap'
import { createRng, type Rng } from '../../../core/rng'
import type { DropReason, TraceEvent } from '../../../shared/trace'
import { encodeTraceBatch } from '../../node/trace-batch'
import {
  MAX_BODY,
  MAX_PROTOCOL_TYPE,
  frameDst,
  frameBodyLen,
  frameHeaderLen,
  frameLc,
  frameMsgId,
  frameSrc,
  frameType,
  frameVc,
  messageTypeName,
} from '../../../shared/wire'
import { unpackBody } from '../../node/codec'
import { dialWithHello, remoteName, serveWithHello } from '../../node/hello'
import {
  CLEAN_RULE,
  isClean,
  type LabToProxy,
  type LinkRule,
  type LinkStats,
  type ProxyToLab,
} from './control'

/** Most frames kept for a node until its first connection is ready (more are dropped as 'down'). */
const MAX_HELD = 10_000
/** Bytes waiting for a receiver before frames to it are dropped ('paused' / 'loss'). */
export const MAX_BACKLOG = 8 * 1024 * 1024
/** Extra delay span of a reordered frame, ms (at least; scaled up with the link's latency). */
export const REORDER_SPAN_MS = 20
/** Most errors kept between two reports. */
const MAX_ERRORS = 50

type InitMsg = Extract<LabToProxy, { type: 'init' }>

interface Delayed {
  /** Due time, performance.now() ms. */
  t: number
  seq: number
  dst: number
  src: number
  frame: Uint8Array
}

interface Inbound {
  sock: Socket
  idx: number
}

export class ProxyServer {
  private readonly n: number
  private readonly rng: Rng
  private server: Server | null = null
  private t0: bigint | null = null
  private rules: LinkRule[]
  private readonly clean: Uint8Array
  private readonly inbound: (Inbound | null)[]
  private readonly outbound: (Socket | null)[]
  private readonly outReady: Uint8Array
  private readonly ports: (number | null)[]
  private readonly state: Array<'up' | 'down' | 'paused'>
  /** Frames waiting for a node's first connection (null once it was made, or will not be). */
  private readonly held: Array<Uint8Array[] | null>
  private readonly redial: (NodeJS.Timeout | null)[]
  private readonly q = new EventQueue<Delayed>()
  private timer: NodeJS.Timeout | null = null
  private timerAt = Infinity
  private readonly linkFree: Float64Array
  private closing = false
  /** The run is over (the lab's final flush): frames are neither forwarded nor recorded. */
  private halted = false

  // Counters: per link (from * n + to).
  private readonly sFrames: Float64Array
  private readonly sBytes: Float64Array
  private readonly sFwd: Float64Array
  private readonly sDrop: Float64Array
  private readonly sDup: Float64Array
  private dDropped = 0
  private dDuplicated = 0
  private dForwarded = 0
  private dReceived = 0
  /** Connections refused at the hello since the previous report. */
  private rejected = 0
  /** Frames of this chunk to record send events for (after the chunk's writes went out). */
  private readonly toDescribe: Array<{ buf: Uint8Array; off: number; len: number; t: number }> = []
  private readonly factory: AnyProtocolFactory | null
  /** The nodes run programs (Maelstrom messages, typed by their body). */
  private readonly program: boolean
  /** The algorithm's message names in wire-code order. */
  private readonly wireTypes: readonly string[]
  private events: TraceEvent[] = []
  private errors: string[] = []
  private droppedErrors = 0
  private readonly evTimer: NodeJS.Timeout

  // Per-turn write batching: one list and one setImmediate for every outbound socket, not
  // corkForTurn per socket (measured: that made the broadcast bench ~10% slower).
  private readonly corked: Socket[] = []
  private uncorkScheduled = false
  private runBuf: Uint8Array | null = null
  private runStart = 0
  private runEnd = 0
  private runDst = -1
  private runStable = false

  constructor(
    private readonly cfg: InitMsg,
    private readonly send: (m: ProxyToLab) => void,
  ) {
    const n = cfg.n
    this.n = n
    this.rng = createRng(cfg.seed)
    const m = findAlgorithm(cfg.kind) // unknown algorithm: events carry type codes and no summary
    // A program's message types are open-ended: they are read from the body (its `type`).
    this.program = cfg.kind === PROGRAM_KIND
    this.factory = this.program ? (programFactory as AnyProtocolFactory) : (m?.factory ?? null)
    this.wireTypes = m?.wireTypes ?? []
    this.rules = new Array<LinkRule>(n * n).fill(CLEAN_RULE)
    this.clean = new Uint8Array(n * n).fill(1)
    this.inbound = new Array<Inbound | null>(n).fill(null)
    this.outbound = new Array<Socket | null>(n).fill(null)
    this.outReady = new Uint8Array(n)
    this.held = Array.from({ length: n }, () => [])
    this.ports = new Array<number | null>(n).fill(null)
    this.state = new Array<'up' | 'down' | 'paused'>(n).fill('down')
    this.redial = new Array<NodeJS.Timeout | null>(n).fill(null)
    this.linkFree = new Float64Array(n * n)
    this.sFrames = new Float64Array(n * n)
    this.sBytes = new Float64Array(n * n)
    this.sFwd = new Float64Array(n * n)
    this.sDrop = new Float64Array(n * n)
    this.sDup = new Float64Array(n * n)
    this.evTimer = setInterval(() => this.flushEvents(), cfg.eventsMs)
  }

  listen(): Promise<number> {
    const server = createServer((s) => this.onNodeConnection(s))
    this.server = server
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject)
        const a = server.address()
        if (a === null || typeof a === 'string') reject(new Error('proxy: no port'))
        else resolve(a.port)
      })
    })
  }

  start(t0: string): void {
    this.t0 = BigInt(t0)
    // What waits for a node that is not part of the run (yet) was sent to a node that is down.
    for (let i = 0; i < this.n; i++) if (this.state[i] === 'down') this.releaseHeld(i, false)
  }

  /**
   * Whether a frame for `dst` waits for its first connection instead of being lost: before the
   * run starts (nodes answer their init one by one, and Maelstrom delivers what a node sends
   * its peers as soon as it answered), and for a node marked up whose first connection is
   * still being made.
   */
  private holds(dst: number): boolean {
    return (
      this.held[dst] !== null && this.outReady[dst] === 0 && (this.t0 === null || this.state[dst] === 'up')
    )
  }

  private hold(src: number, dst: number, frame: Uint8Array): void {
    const q = this.held[dst] as Uint8Array[]
    if (q.length >= MAX_HELD) return this.dropFrame(frame, 0, src, dst, 'down')
    q.push(frame)
  }

  /** The first connection to `dst` is ready (`deliver`), or it will not come: the held frames go, or are lost. */
  private releaseHeld(dst: number, deliver: boolean): void {
    const q = this.held[dst]
    if (q === null) return
    this.held[dst] = null
    for (const f of q) {
      const src = frameSrc(f, 0)
      if (!deliver) {
        this.dropFrame(f, 0, src, dst, 'down')
        continue
      }
      this.sFwd[src * this.n + dst]++
      this.dForwarded++
      this.write(dst, f)
    }
    if (deliver) this.uncorkAll()
  }

  setRules(rules: LinkRule[]): void {
    const n = this.n
    if (rules.length !== n * n) {
      this.error(`rules ignored: ${rules.length} entries for a cluster of ${n} (expected ${n * n})`)
      return
    }
    this.rules = rules
    for (let i = 0; i < rules.length; i++) this.clean[i] = isClean(rules[i]) ? 1 : 0
  }

  /** Where node idx listens now (null: down), and whether it is paused. */
  setNode(idx: number, port: number | null, state: 'up' | 'down' | 'paused'): void {
    if (idx >= this.n) {
      this.error(`node message ignored: index ${idx} in a cluster of ${this.n}`)
      return
    }
    this.state[idx] = port === null ? 'down' : state
    if (port !== this.ports[idx]) {
      this.ports[idx] = port
      this.dropOutbound(idx)
      if (port !== null) this.dial(idx)
    }
    if (this.state[idx] === 'down') {
      const inb = this.inbound[idx]
      if (inb) inb.sock.destroy()
    }
  }

  stats(): LinkStats {
    return {
      n: this.n,
      frames: Array.from(this.sFrames),
      bytes: Array.from(this.sBytes),
      forwarded: Array.from(this.sFwd),
      dropped: Array.from(this.sDrop),
      duplicated: Array.from(this.sDup),
    }
  }

  /**
   * The run is over: from here every frame is discarded unseen (neither forwarded, counted nor
   * recorded), and delayed ones too, so the lab's last flush is not chasing traffic it would
   * discard anyway (nothing after the run's end is part of it).
   */
  halt(): void {
    this.halted = true
    this.flushRun()
    this.uncorkAll()
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.timerAt = Infinity
  }

  close(): void {
    this.closing = true
    clearInterval(this.evTimer)
    if (this.timer) clearTimeout(this.timer)
    for (const t of this.redial) if (t) clearTimeout(t)
    for (const i of this.inbound) i?.sock.destroy()
    for (const o of this.outbound) o?.destroy()
    this.server?.close()
  }

  // ---------------------------------------------------------------- reporting

  private nowUs(): number {
    if (this.t0 === null) return 0
    return Math.round(Number(process.hrtime.bigint() - this.t0) / 1000)
  }

  private error(what: string): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push(`proxy: ${what}`)
    else this.droppedErrors++
  }

  flushEvents(): void {
    if (
      this.events.length === 0 &&
      this.errors.length === 0 &&
      this.dDropped === 0 &&
      this.dDuplicated === 0 &&
      this.rejected === 0
    ) {
      if (this.dForwarded === 0) return
    }
    const errors = this.errors
    if (this.droppedErrors > 0) errors.push(`proxy: ${this.droppedErrors} more errors not shown`)
    try {
      this.send({
        type: 'events',
        batch: encodeTraceBatch(this.events),
        dropped: this.dDropped,
        duplicated: this.dDuplicated,
        forwarded: this.dForwarded,
        received: this.dReceived,
        rejected: this.rejected,
        errors,
      })
    } catch {
      // channel gone: the orphan watch ends the process
    }
    this.events = []
    this.errors = []
    this.droppedErrors = 0
    this.dDropped = 0
    this.dDuplicated = 0
    this.dForwarded = 0
    this.dReceived = 0
    this.rejected = 0
  }

  // ---------------------------------------------------------------- connections from nodes

  /** Only the run's nodes may connect here, each as itself. */
  private onNodeConnection(s: Socket): void {
    s.setNoDelay(true)
    const n = this.n
    const from = `connection from ${remoteName(s)}`
    let conn: Inbound | null = null
    serveWithHello(s, {
      secret: this.cfg.secret,
      admit: (c) =>
        c.role !== 'node'
          ? `hello.role is ${c.role} (expected node)`
          : c.node >= n
            ? `hello.node ${c.node} is not in a cluster of ${n}`
            : null,
      maxBody: MAX_BODY,
      onHello: (c) => {
        conn = { sock: s, idx: c.node }
        const old = this.inbound[c.node]
        this.inbound[c.node] = conn
        if (old && old.sock !== s) old.sock.destroy()
      },
      onFrame: (buf, off, len, stable) => this.route((conn as Inbound).idx, buf, off, len, stable),
      onChunkEnd: () => {
        this.endChunk()
        if (this.toDescribe.length > 0) this.recordSends()
      },
      onRejected: (why) => {
        this.rejected++
        this.error(`${from} refused: ${why}`)
      },
      onClosed: (why) => this.error(`${from} closed: ${why}`),
    })
    s.on('close', () => {
      if (conn !== null && this.inbound[conn.idx] === conn) this.inbound[conn.idx] = null
    })
  }

  // ---------------------------------------------------------------- forwarding

  /** One frame from node `from`; returns why the connection must close, or null. */
  private route(from: number, buf: Uint8Array, off: number, len: number, stable: boolean): string | null {
    if (this.halted) return null
    const n = this.n
    const src = frameSrc(buf, off)
    const dst = frameDst(buf, off)
    const type = frameType(buf, off)
    if (src !== from) return `frame claims source index ${src} on node ${from}'s connection`
    if (dst >= n || dst === src) return `frame for invalid destination index ${dst} (cluster of ${n})`
    if (type >= MAX_PROTOCOL_TYPE) return `frame type ${type} is not a protocol message`
    const li = src * n + dst
    this.sFrames[li]++
    this.sBytes[li] += len
    this.dReceived++
    if (this.cfg.msgEvents) {
      // Recorded after this chunk's writes left (recording never delays forwarding).
      const keep = stable ? buf : Uint8Array.prototype.slice.call(buf, off, off + len)
      this.toDescribe.push({ buf: keep, off: stable ? off : 0, len, t: this.nowUs() })
    }
    const out = this.outbound[dst]
    if (this.clean[li] === 1 && out !== null && this.outReady[dst] === 1 && this.state[dst] !== 'down') {
      if (out.writableLength > MAX_BACKLOG) {
        this.dropFrame(buf, off, src, dst, this.state[dst] === 'paused' ? 'paused' : 'loss')
        return null
      }
      // Fast path: extend the current run of bytes for the same destination, or start a new one.
      this.sFwd[li]++
      this.dForwarded++
      if (this.runDst === dst && this.runBuf === buf && this.runEnd === off) {
        this.runEnd = off + len
        return null
      }
      this.flushRun()
      this.runBuf = buf
      this.runStart = off
      this.runEnd = off + len
      this.runDst = dst
      this.runStable = stable
      return null
    }
    this.flushRun()
    this.slowPath(buf, off, len, stable, src, dst, li)
    return null
  }

  private slowPath(
    buf: Uint8Array,
    off: number,
    len: number,
    stable: boolean,
    src: number,
    dst: number,
    li: number,
  ): void {
    const r = this.rules[li]
    if (r.silent) return this.dropFrame(buf, off, src, dst, 'byzantine')
    if (r.cut) return this.dropFrame(buf, off, src, dst, 'partition')
    if (this.holds(dst)) return this.hold(src, dst, ownFrame(buf, off, len, stable))
    if (this.state[dst] === 'down' || this.outbound[dst] === null)
      return this.dropFrame(buf, off, src, dst, 'down')
    const rng = this.rng
    if (r.drop > 0 && rng.next() < r.drop) return this.dropFrame(buf, off, src, dst, 'loss')
    const now = performance.now()
    let delay = r.latencyMs
    if (r.jitterMs > 0) delay += (rng.next() * 2 - 1) * r.jitterMs
    if (r.reorder > 0 && rng.next() < r.reorder) {
      delay += rng.next() * Math.max(REORDER_SPAN_MS, 10 * (r.latencyMs + r.jitterMs))
    }
    if (delay < 0) delay = 0
    if (r.bandwidth > 0) {
      // Serialise the link: this frame leaves once the previous ones have, at `bandwidth`.
      const free = Math.max(now, this.linkFree[li]) + (len * 1000) / r.bandwidth
      this.linkFree[li] = free
      if (free - now > delay) delay = free - now
    }
    const frame = ownFrame(buf, off, len, stable)
    this.enqueue(now + delay, src, dst, frame)
    if (r.duplicate > 0 && rng.next() < r.duplicate) {
      this.sDup[li]++
      this.dDuplicated++
      if (this.cfg.msgEvents) {
        const lc = frameLc(buf, off)
        this.events.push({
          kind: 'duplicate',
          t: this.nowUs(),
          node: `n${src + 1}`,
          lc,
          msgId: frameMsgId(buf, off),
          from: `n${src + 1}`,
          to: `n${dst + 1}`,
          type: this.typeOf(buf, off),
        })
      }
      let again = r.latencyMs
      if (r.jitterMs > 0) again += (rng.next() * 2 - 1) * r.jitterMs
      this.enqueue(now + delay + 0.001 + Math.max(0, again), src, dst, frame)
    }
  }

  /** The message type of a frame: its wire code's name, or a program's body.type. */
  private typeOf(buf: Uint8Array, off: number): string {
    if (!this.program || this.factory === null) return messageTypeName(this.wireTypes, frameType(buf, off))
    const hl = frameHeaderLen(buf, off)
    try {
      return this.factory.messageType(unpackBody(buf, off + hl, off + hl + frameBodyLen(buf, off)))
    } catch {
      return '?'
    }
  }

  /** Send events for the frames of the last chunk: header fields, plus a summary of the body. */
  private recordSends(): void {
    const f = this.factory
    for (const d of this.toDescribe) {
      const { buf, off, len } = d
      const src = frameSrc(buf, off)
      const dst = frameDst(buf, off)
      let summary = '(not decoded)'
      let type: string | null = null
      if (f !== null) {
        try {
          const msg = unpackBody(buf, off + frameHeaderLen(buf, off), off + len)
          summary = f.describe(msg)
          if (this.program) type = f.messageType(msg)
        } catch (e) {
          summary = `(undecodable: ${(e as Error).message})`
        }
      }
      this.events.push({
        kind: 'send',
        t: d.t,
        node: `n${src + 1}`,
        lc: frameLc(buf, off),
        msgId: frameMsgId(buf, off),
        from: `n${src + 1}`,
        to: `n${dst + 1}`,
        type: type ?? messageTypeName(this.wireTypes, frameType(buf, off)),
        vc: frameVc(buf, off),
        summary,
      })
    }
    this.toDescribe.length = 0
  }

  private dropFrame(buf: Uint8Array, off: number, src: number, dst: number, reason: DropReason): void {
    this.sDrop[src * this.n + dst]++
    this.dDropped++
    if (!this.cfg.msgEvents) return
    const at = reason === 'down' || reason === 'paused' ? dst : src
    this.events.push({
      kind: 'drop',
      t: this.nowUs(),
      node: `n${at + 1}`,
      lc: frameLc(buf, off),
      msgId: frameMsgId(buf, off),
      from: `n${src + 1}`,
      to: `n${dst + 1}`,
      type: this.typeOf(buf, off),
      reason,
    })
  }

  private write(dst: number, bytes: Uint8Array): void {
    const out = this.outbound[dst] as Socket
    if (!out.writableCorked) {
      out.cork()
      this.corked.push(out)
    }
    out.write(bytes)
  }

  private flushRun(): void {
    const buf = this.runBuf
    if (buf === null) return
    const bytes = this.runStable
      ? buf.subarray(this.runStart, this.runEnd)
      : Uint8Array.prototype.slice.call(buf, this.runStart, this.runEnd)
    this.write(this.runDst, bytes)
    this.runBuf = null
    this.runDst = -1
  }

  /**
   * End of one received chunk: write the pending run. What was corked is uncorked once per turn
   * of the event loop (setImmediate), after every node's readable chunk in this turn was routed:
   * under load, one write per destination per turn instead of one per chunk received.
   */
  private endChunk(): void {
    this.flushRun()
    if (this.corked.length > 0 && !this.uncorkScheduled) {
      this.uncorkScheduled = true
      setImmediate(this.uncorkAll)
    }
  }

  private readonly uncorkAll = (): void => {
    this.uncorkScheduled = false
    const c = this.corked
    for (let i = 0; i < c.length; i++) c[i].uncork()
    c.length = 0
  }

  // ---------------------------------------------------------------- the delay queue

  private enqueue(t: number, src: number, dst: number, frame: Uint8Array): void {
    if (this.halted) return
    this.q.push({ t, seq: 0, src, dst, frame })
    if (t < this.timerAt) this.arm(t)
  }

  private arm(t: number): void {
    if (this.timer) clearTimeout(this.timer)
    this.timerAt = t
    this.timer = setTimeout(this.fire, Math.max(0, t - performance.now()))
  }

  private readonly fire = (): void => {
    this.timer = null
    this.timerAt = Infinity
    if (this.closing || this.halted) return
    // Timers have ~1 ms resolution: deliver everything due within a quarter of a ms.
    const limit = performance.now() + 0.25
    for (;;) {
      const top = this.q.peek()
      if (top === undefined) break
      if (top.t > limit) {
        this.arm(top.t)
        break
      }
      this.q.pop()
      this.deliverDelayed(top)
    }
    this.uncorkAll()
  }

  private deliverDelayed(d: Delayed): void {
    const { src, dst, frame } = d
    const out = this.outbound[dst]
    const li = src * this.n + dst
    if (this.rules[li].cut) return this.dropFrame(frame, 0, src, dst, 'partition')
    if (this.holds(dst)) return this.hold(src, dst, frame)
    if (out === null || this.outReady[dst] === 0 || this.state[dst] === 'down') {
      return this.dropFrame(frame, 0, src, dst, 'down')
    }
    if (out.writableLength > MAX_BACKLOG) {
      return this.dropFrame(frame, 0, src, dst, this.state[dst] === 'paused' ? 'paused' : 'loss')
    }
    this.sFwd[li]++
    this.dForwarded++
    this.write(dst, frame)
  }

  // ---------------------------------------------------------------- connections to nodes

  private dropOutbound(idx: number): void {
    const t = this.redial[idx]
    if (t) clearTimeout(t)
    this.redial[idx] = null
    const o = this.outbound[idx]
    this.outbound[idx] = null
    this.outReady[idx] = 0
    o?.destroy()
  }

  private dial(idx: number): void {
    const port = this.ports[idx]
    if (port === null || this.closing) return
    const s = dialWithHello({
      port,
      secret: this.cfg.secret,
      claim: { role: 'proxy', node: idx },
      maxBody: 0, // nodes never send on this connection
      onReady: () => {
        if (this.outbound[idx] !== s) return
        this.outReady[idx] = 1
        this.releaseHeld(idx, true)
      },
      onFailed: (why) => this.error(`connection to n${idx + 1} (port ${port}) closed: ${why}`),
    })
    this.outbound[idx] = s
    this.outReady[idx] = 0
    s.on('error', (e) => {
      if (this.state[idx] !== 'down') this.error(`connection to n${idx + 1} (port ${port}): ${e.message}`)
    })
    s.on('close', () => {
      if (this.outbound[idx] !== s) return
      this.outbound[idx] = null
      this.outReady[idx] = 0
      if (!this.closing && this.ports[idx] === port && this.state[idx] !== 'down') {
        this.redial[idx] = setTimeout(() => {
          this.redial[idx] = null
          if (this.ports[idx] === port && this.outbound[idx] === null) this.dial(idx)
        }, 100)
      }
    })
  }
}

/** A frame's bytes to keep past this turn: a view of a `stable` chunk, else a copy (the chunk is reused). */
function ownFrame(buf: Uint8Array, off: number, len: number, stable: boolean): Uint8Array {
  return stable ? buf.subarray(off, off + len) : Uint8Array.prototype.slice.call(buf, off, off + len)
}
