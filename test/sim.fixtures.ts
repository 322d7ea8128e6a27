// Test fixtures for the simulator: a tiny fixed-leader replication protocol (n1 leads for
// ever; entries commit on a majority of acks) and a wrapper that counts protocol inputs.
import type {
  ClientReply,
  ClientRequest,
  CreateOptions,
  NodeStatus,
  Protocol,
  ProtocolEvent,
  ProtocolFactory,
  Ready,
} from '../src/core/protocols/types'
import type { NodeId } from '../src/shared/trace'
import type { AnyProtocolFactory } from '../src/core/sim'
import {
  defaultSpec,
  ExperimentSpecSchema,
  type ExperimentSpecInput,
  type ExperimentSpec,
} from '../src/shared/spec'

type Msg = { t: 'rep'; index: number; id: string } | { t: 'ack'; index: number } | { t: 'hb' }
type Rec = { index: number; req: ClientRequest }

class Fixed implements Protocol<Msg, Rec> {
  readonly id: NodeId
  private readonly nodes: NodeId[]
  private readonly log: ClientRequest[] = []
  private readonly acks: number[] = []
  private commit = 0
  private applied = 0
  private ticks = 0
  private readonly kv = new Map<string, string>()
  private out: Ready<Msg, Rec> = { persist: [], messages: [], replies: [], events: [] }

  constructor(o: CreateOptions<unknown, Rec>) {
    this.id = o.id
    this.nodes = o.nodes
    for (const r of o.recovered) this.log[r.index - 1] = r.req
    this.out.events.push(this.stateEvent())
  }

  private get leader(): boolean {
    return this.id === this.nodes[0]
  }

  private stateEvent(): ProtocolEvent {
    const s = this.status()
    return { type: 'state', ...s }
  }

  tick(): void {
    this.ticks++
    if (this.leader && this.ticks % 5 === 0) {
      for (const to of this.nodes) if (to !== this.id) this.out.messages.push({ to, msg: { t: 'hb' } })
    }
  }

  step(from: NodeId, msg: Msg): void {
    if (msg.t === 'rep') {
      this.log[msg.index - 1] = { id: msg.id, cmd: { f: 'get', key: 'x' } }
      this.out.persist.push({ index: msg.index, req: this.log[msg.index - 1] })
      this.out.events.push({
        type: 'log',
        action: 'append',
        index: msg.index,
        entries: [{ term: 1, id: msg.id }],
      })
      this.out.messages.push({ to: from, msg: { t: 'ack', index: msg.index } })
    } else if (msg.t === 'ack' && this.leader) {
      this.acks[msg.index - 1] = (this.acks[msg.index - 1] ?? 1) + 1
      while (this.commit < this.log.length && (this.acks[this.commit] ?? 1) * 2 > this.nodes.length)
        this.commit++
      while (this.applied < this.commit) {
        const req = this.log[this.applied++]
        this.out.events.push({ type: 'apply', index: this.applied, term: 1, id: req.id })
        this.out.replies.push(this.apply(req))
      }
    }
  }

  private apply(req: ClientRequest): ClientReply {
    const c = req.cmd
    if (c.f === 'get') return { id: req.id, ok: true, f: 'get', value: this.kv.get(c.key) ?? null }
    if (c.f === 'put') {
      this.kv.set(c.key, c.value)
      return { id: req.id, ok: true, f: 'put', value: null }
    }
    const cur = this.kv.get(c.key) ?? null
    const hit = cur === c.expected
    if (hit) this.kv.set(c.key, c.value)
    return { id: req.id, ok: true, f: 'cas', value: null, result: hit }
  }

  propose(req: ClientRequest): void {
    if (!this.leader) {
      this.out.replies.push({ id: req.id, ok: false, error: 'not_leader', leaderHint: this.nodes[0] })
      return
    }
    this.log.push(req)
    const index = this.log.length
    this.acks[index - 1] = 1
    this.out.persist.push({ index, req })
    this.out.events.push({ type: 'log', action: 'append', index, entries: [{ term: 1, id: req.id }] })
    for (const to of this.nodes)
      if (to !== this.id) this.out.messages.push({ to, msg: { t: 'rep', index, id: req.id } })
    if (this.nodes.length === 1) this.step(this.id, { t: 'ack', index: 0 })
  }

  ready(): Ready<Msg, Rec> {
    const r = this.out
    this.out = { persist: [], messages: [], replies: [], events: [] }
    return r
  }

  status(): NodeStatus {
    return {
      id: this.id,
      role: this.leader ? 'leader' : 'follower',
      term: 1,
      leader: this.nodes[0],
      commitIndex: this.commit,
      lastIndex: this.log.length,
    }
  }
}

export const fixedFactory: ProtocolFactory<Msg, Rec, unknown> = {
  kind: 'fixed',
  create: (o) => new Fixed(o),
  messageType: (m) => (m.t === 'rep' ? 'Replicate' : m.t === 'ack' ? 'Ack' : 'Heartbeat'),
  describe: (m) => (m.t === 'hb' ? 'hb' : `${m.t} #${m.index}`),
}

/** Counts of protocol inputs per node, across incarnations. */
export interface Probe {
  ticks: Map<NodeId, number>
  steps: Map<NodeId, number>
  /** recovered.length passed to each create(), per node, in order. */
  creates: Map<NodeId, number[]>
  /** Messages stepped at each node, by sender. */
  stepsFrom: Map<string, number>
}

/** Wrap a factory so tests can see what the host fed each node. */
export function instrument(inner: AnyProtocolFactory): { factory: AnyProtocolFactory; probe: Probe } {
  const probe: Probe = { ticks: new Map(), steps: new Map(), creates: new Map(), stepsFrom: new Map() }
  const bump = (m: Map<string, number>, k: string): void => {
    m.set(k, (m.get(k) ?? 0) + 1)
  }
  const factory: AnyProtocolFactory = {
    kind: inner.kind,
    messageType: (m) => inner.messageType(m),
    describe: (m) => inner.describe(m),
    create(o) {
      const p = inner.create(o)
      const list = probe.creates.get(o.id) ?? []
      list.push(o.recovered.length)
      probe.creates.set(o.id, list)
      return {
        id: p.id,
        tick() {
          bump(probe.ticks, o.id)
          p.tick()
        },
        step(from, msg) {
          bump(probe.steps, o.id)
          bump(probe.stepsFrom, `${from}->${o.id}`)
          p.step(from, msg)
        },
        propose: (req) => p.propose(req),
        ready: () => p.ready(),
        status: () => p.status(),
      }
    },
  }
  if (inner.corrupt) factory.corrupt = inner.corrupt.bind(inner)
  return { factory, probe }
}

/** A complete spec from a partial one (defaults filled in by the schema). */
export function spec(input: ExperimentSpecInput): ExperimentSpec {
  return ExperimentSpecSchema.parse({ ...defaultSpec(), ...input })
}

/**
 * A chatty protocol for network tests: every tick each node sends a Ping (carrying its
 * running count) to every other node. No leader, no log, and every client request is
 * rejected. `corrupt` marks a message as forged so tests can see byzantine rewriting.
 */
type Ping = { n: number; forged?: string }
class Chatty implements Protocol<Ping, never> {
  readonly id: NodeId
  private sent = 0
  private out: Ready<Ping, never> = { persist: [], messages: [], replies: [], events: [] }
  constructor(
    o: CreateOptions<unknown, never>,
    private readonly nodes: NodeId[] = o.nodes,
    readonly received: Ping[] = [],
  ) {
    this.id = o.id
  }
  tick(): void {
    for (const to of this.nodes) if (to !== this.id) this.out.messages.push({ to, msg: { n: ++this.sent } })
  }
  step(_from: NodeId, msg: Ping): void {
    this.received.push(msg)
  }
  propose(req: ClientRequest): void {
    this.out.replies.push({ id: req.id, ok: false, error: 'rejected', leaderHint: null })
  }
  ready(): Ready<Ping, never> {
    const r = this.out
    this.out = { persist: [], messages: [], replies: [], events: [] }
    return r
  }
  status(): NodeStatus {
    return { id: this.id, role: 'follower', term: 0, leader: null, commitIndex: 0, lastIndex: 0 }
  }
}

export const chattyFactory: ProtocolFactory<Ping, never, unknown> = {
  kind: 'chatty',
  create: (o) => new Chatty(o),
  messageType: (m) => (m.forged ? 'Forged' : 'Ping'),
  describe: (m) => `ping ${m.n}`,
  corrupt: (m, behavior, to) => ({ ...m, forged: `${behavior}->${to}` }),
}
