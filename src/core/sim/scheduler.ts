// The simulator's clock and event queue: virtual time in whole µs, events ordered by (time,
// insertion order), a FIFO lane for timers that are always `now + constant`, a small pool of
// recycled event objects (the hot path allocates little), and a lane for live actions that
// fire 1 µs from now, before anything else due then. Pure.
import { EventQueue } from './heap'

// Event kinds the simulator handles itself (engine timer kinds, 4..11, are handed to the engine).
export const EV_TICK = 0
export const EV_MSG = 1
export const EV_CLIENT_REQ = 2
export const EV_CLIENT_REP = 3

/** One queued event. A single class (one hidden shape) keeps the hot path monomorphic. */
export class Ev {
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
    /** Kind: EV_* or an engine timer kind. */
    public k: number,
    /** Node index (tick, message, client request), client index, or the timer's first argument. */
    public n: number,
    /** Tick generation, op serial, or the timer's second argument. */
    public g: number,
  ) {}
}

interface LiveAction {
  atUs: number
  kind: number
  a: number
  b: number
}

/** Most recycled events kept. */
const POOL_MAX = 4096

export class Scheduler {
  /** Virtual time reached, µs. */
  now = 0
  private readonly q = new EventQueue<Ev>()
  private readonly pool: Ev[] = []
  /** Live actions waiting for their instant (at most a few, in time order). */
  private readonly live: LiveAction[] = []

  /** A fresh event, recycled from the pool when one is free. */
  ev(k: number, n: number, g: number): Ev {
    const ev = this.pool.pop()
    if (ev === undefined) return new Ev(k, n, g)
    ev.k = k
    ev.n = n
    ev.g = g
    return ev
  }

  free(ev: Ev): void {
    ev.from = -1
    ev.vc = null
    ev.data = null
    ev.type = ''
    if (this.pool.length < POOL_MAX) this.pool.push(ev)
  }

  at(ev: Ev, atUs: number): void {
    ev.t = atUs
    this.q.push(ev)
  }

  /** Schedule an event no earlier than every event scheduled this way before it (cheaper). */
  atFifo(ev: Ev, atUs: number): void {
    ev.t = atUs
    this.q.pushFifo(ev)
  }

  /** A live action 1 µs from now; returns its time. */
  soon(kind: number, a: number, b: number): number {
    const atUs = this.now + 1
    this.live.push({ atUs, kind, a, b })
    return atUs
  }

  /**
   * The next live action due at or before `limit`, if it comes before the queue's next event
   * (a spec fault's start at the same instant comes first: `isFaultStart`).
   */
  takeLive(limit: number, isFaultStart: (ev: Ev) => boolean): LiveAction | undefined {
    if (this.live.length === 0) return undefined
    const act = this.live[0]
    if (act.atUs > limit) return undefined
    const top = this.q.peek()
    if (top !== undefined && (top.t < act.atUs || (top.t === act.atUs && isFaultStart(top)))) return undefined
    this.live.shift()
    return act
  }

  /** Remove and return the earliest event due at or before `limit`. */
  popDue(limit: number): Ev | undefined {
    return this.q.popDue(limit)
  }
}
