// How a processes-mode run's clients reach the nodes: one TCP connection per node's client
// port, shared by every client (the clients themselves, their ops, retries and timeouts, are
// the run engine's: src/core/engine/clients.ts). Requests and replies are frames of
// src/shared/wire.ts with msgpack bodies (CLIENT_REQ {id, cmd}, CLIENT_REP ClientReply);
// writes are batched per event-loop turn. Each connection opens with the run's hello
// (src/main/node/hello.ts, role client); requests wait until it is sent. A reply is checked (a boundary like any other) and
// handed to the engine; a connection that breaks tells the engine which requests were lost
// with it, and whether they may have arrived (it was open: the outcome is unknown).
import type { Socket } from 'node:net'
import type { ClientReply, ClientRequest } from '../../core/protocols/types'
import {
  NO_NODE,
  T_CLIENT_REP,
  T_CLIENT_REQ,
  encodeFrame,
  frameHeaderLen,
  frameType,
  hexBytes,
} from '../../shared/wire'
import { packBody, unpackBody } from '../node/codec'
import { dialWithHello } from '../node/hello'
import { corkForTurn } from '../node/turn-cork'
import { asClientReply, MAX_CLIENT_BODY } from '../node/validate'

export interface TransportHost {
  /** The run's secret (the clients' hello proves they know it). */
  secret(): string
  /** The client port of node idx, or null when it is down. */
  clientPort(idx: number): number | null
  onReply(node: number, rep: ClientReply): void
  onRequestLost(id: string, node: number, written: boolean): void
  log(line: string): void
  /**
   * Programs: a reply frame's body is a Maelstrom message, handed over as decoded (the host
   * checks it); returns why it is refused, or null. Without it replies are KV ClientReplies.
   */
  onMessage?(node: number, body: unknown): string | null
}

interface Conn {
  idx: number
  port: number
  sock: Socket
  /** The hello is sent: requests go out (before that they wait in `waiting`). */
  open: boolean
  waiting: Uint8Array[]
  /** Request ids written on this connection whose reply has not come yet. */
  inflight: Set<string>
}

export class ClientTransport {
  private readonly conns: (Conn | null)[]
  private closed = false

  constructor(
    n: number,
    private readonly host: TransportHost,
  ) {
    this.conns = new Array<Conn | null>(n).fill(null)
  }

  /** Send a request to node idx; false when the node is down (nothing was sent). */
  send(idx: number, req: ClientRequest): boolean {
    return this.sendBody(idx, req, req.id)
  }

  /**
   * Send any request body (a program's Maelstrom message) to node idx; `id`: the request id
   * whose loss is reported with a broken connection (none: it just times out).
   */
  sendBody(idx: number, body: unknown, id?: string): boolean {
    if (this.closed) return false
    const conn = this.conn(idx)
    if (conn === null) return false
    if (id !== undefined) conn.inflight.add(id)
    const frame = encodeFrame(
      { type: T_CLIENT_REQ, src: NO_NODE, dst: NO_NODE, lc: 0, msgId: 0, vc: null },
      packBody(body),
    )
    if (!conn.open) {
      conn.waiting.push(frame)
      return true
    }
    corkForTurn(conn.sock)
    conn.sock.write(frame)
    return true
  }

  /**
   * Open the connection to node idx now (not at its first request): a program's node may
   * reply to a client that never wrote to it. False when the node is down.
   */
  open(idx: number): boolean {
    return !this.closed && this.conn(idx) !== null
  }

  /** The op of request `id` is over: its reply is no longer awaited on node idx's connection. */
  forget(idx: number, id: string): void {
    this.conns[idx]?.inflight.delete(id)
  }

  /** Close every connection (the run ended); nothing more is reported. */
  close(): void {
    this.closed = true
    for (let i = 0; i < this.conns.length; i++) {
      this.conns[i]?.sock.destroy()
      this.conns[i] = null
    }
  }

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
      secret: this.host.secret(),
      claim: { role: 'client', node: idx },
      maxBody: MAX_CLIENT_BODY,
      onReady: () => {
        c.open = true
        sock.cork()
        for (const f of c.waiting) sock.write(f)
        c.waiting = []
        sock.uncork()
      },
      onFrame: (buf, off, len) => this.onReplyFrame(c, buf, off, len),
      onFailed: (why) => this.host.log(`client: connection to n${idx + 1} closed: ${why}`),
    })
    const c: Conn = { idx, port, sock, open: false, waiting: [], inflight: new Set() }
    this.conns[idx] = c
    sock.on('close', () => this.onClosed(c))
    return c
  }

  private onReplyFrame(c: Conn, buf: Uint8Array, off: number, len: number): string | null {
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
    if (this.host.onMessage !== undefined) return this.host.onMessage(c.idx, body)
    const rep = asClientReply(body)
    if (typeof rep === 'string') return rep
    c.inflight.delete(rep.id)
    this.host.onReply(c.idx, rep)
    return null
  }

  private onClosed(c: Conn): void {
    if (this.conns[c.idx] === c) this.conns[c.idx] = null
    const ids = [...c.inflight]
    c.inflight.clear()
    if (this.closed) return
    // Written on an open connection: each may have been received (and applied).
    for (const id of ids) this.host.onRequestLost(id, c.idx, c.open)
  }
}
