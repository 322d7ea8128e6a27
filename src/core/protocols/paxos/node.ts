// Single-decree Paxos as a pure, deterministic state machine: every node is proposer,
// acceptor and learner ("Paxos Made Simple", Lamport 2001) of one Paxos instance per
// (key, slot). A linearizable KV store is built on top: each key is a sequence of instances
// and every operation on a key (reads too) is the chosen value of one of its instances; each
// node applies a key's chosen values in slot order.
//
// Proposer (§2.2, §2.4): a client request arriving at any node is queued there (there is no
// leader). The node runs its key's lowest unlearned instance: phase 1 with a fresh ballot
// (round, node index), then phase 2 with the highest-ballot value any promise reported, or
// else its own queued command. If another value is chosen there, the node learns and applies
// it and tries again in the next instance. Pre-empted (Nack) or without a majority after
// `retryTicks`, it retries with a higher ballot: after a random backoff (seeded rng), or at
// once when backoff is off, which is how dueling proposers livelock (FLP).
//
// Acceptor (§2.2): promises / accepts are persisted before the reply leaves (the host
// persists `ready().persist` before sending `ready().messages`). Learner (§2.3): the
// proposer learns from a majority of Accepted in one ballot and tells everyone (Decided);
// an acceptor that knows the chosen value answers Prepare/Accept with Decided, so a node that
// missed it catches up when it next runs that instance (a gap is closed by proposing a no-op,
// which can only be chosen if nothing else could have been).
//
// Commands are idempotent by request id: a key's KvStore remembers applied ids, so a
// command chosen in two instances is applied once (and answered with the first result).
import type { ClientRequest, CreateOptions, NodeId, NodeStatus, Protocol, Ready } from '../types'
import type { Rng } from '../../rng'
import type { PaxosParams } from './describe'
import { KvStore, kvReply } from '../kv'
import { Outbox } from '../outbox'
import { Acceptors } from './acceptor'
import {
  NOOP,
  acceptanceId,
  ballotOf,
  ballotRound,
  type AcceptedValue,
  type PaxosMsg,
  type PaxosMutations,
  type PaxosRecord,
  type PaxosValue,
} from './types'

interface Proposal {
  slot: number
  ballot: number
  /** prepare: phase 1 out; accept: phase 2 out; wait: backing off before the next ballot. */
  phase: 'prepare' | 'accept' | 'wait'
  promises: Set<NodeId>
  /** Highest-ballot accepted value reported by the promises so far. */
  best: AcceptedValue | null
  accepts: Set<NodeId>
  /** The value sent in phase 2. */
  value: PaxosValue
  /** Ticks since this ballot started (prepare / accept) or left to wait (wait). */
  ticks: number
}

interface KeyState {
  key: string
  /** Learned (chosen) values by slot, with the ballot they were chosen in. */
  chosen: Map<number, AcceptedValue>
  /** Highest slot applied: slots 1..applied are applied, in order. */
  applied: number
  /** Highest slot learned. */
  maxLearned: number
  /** Client requests this node proposes for the key, oldest first. */
  queue: PaxosValue[]
  kv: KvStore
  proposal: Proposal | null
}

type Msg<T extends PaxosMsg['type']> = Extract<PaxosMsg, { type: T }>

export class PaxosNode implements Protocol<PaxosMsg, PaxosRecord> {
  readonly id: NodeId
  private readonly nodes: readonly NodeId[]
  private readonly members: ReadonlySet<NodeId>
  private readonly index: number
  private readonly quorum: number
  private readonly params: PaxosParams
  private readonly rng: Rng
  private readonly mut: PaxosMutations

  private readonly acceptors: Acceptors
  private readonly keys = new Map<string, KeyState>()
  /** Keys with a proposal in progress (ticked). */
  private readonly active = new Set<KeyState>()
  /** Highest ballot round seen or used (durable through 'round' / acceptor records). */
  private maxRound = 0
  private learned = 0
  /** Request ids queued here and still owed a reply. */
  private readonly pending = new Set<string>()

  /** Messages to this node itself, handled synchronously within the same input. */
  private loop: PaxosMsg[] = []
  private readonly out = new Outbox<PaxosMsg, PaxosRecord>()
  private lastState = { term: -1, commitIndex: -1, lastIndex: -1 }

  /** Proposals started / pre-empted (Nack or retry timeout): the dueling-proposers figures. */
  readonly stats = { ballots: 0, preempted: 0, timeouts: 0 }

  constructor(opts: CreateOptions<PaxosParams, PaxosRecord>, mutations: PaxosMutations = {}) {
    this.id = opts.id
    this.index = opts.nodes.indexOf(opts.id)
    if (this.index < 0) throw new Error(`paxos: node ${opts.id} is not in nodes [${opts.nodes.join(', ')}]`)
    this.nodes = opts.nodes.slice()
    this.members = new Set(opts.nodes)
    this.quorum = Math.floor(opts.nodes.length / 2) + 1
    this.params = opts.params
    this.rng = opts.rng
    this.mut = mutations
    this.acceptors = new Acceptors(mutations.acceptLowerBallot === true)
    this.recover(opts.recovered)
    this.emitStateIfChanged()
  }

  private recover(records: readonly PaxosRecord[]): void {
    for (const r of records) {
      switch (r.t) {
        case 'round':
          this.seeRound(r.round)
          break
        case 'promise':
          this.seeRound(ballotRound(r.ballot))
          if (!this.isLearned(r.key, r.slot)) this.acceptors.restorePromise(r.key, r.slot, r.ballot)
          break
        case 'accept':
          this.seeRound(ballotRound(r.ballot))
          if (!this.isLearned(r.key, r.slot)) this.acceptors.restoreAccept(r.key, r.slot, r.ballot, r.value)
          break
        case 'learn':
          this.seeRound(ballotRound(r.ballot))
          this.record(this.keyState(r.key), r.slot, { ballot: r.ballot, value: r.value })
          break
      }
    }
    // Re-apply what was learned before the crash (the state machine is volatile).
    for (const ks of this.keys.values()) this.applyReady(ks)
  }

  // ---------------------------------------------------------------- inputs

  tick(): void {
    for (const ks of [...this.active]) {
      const p = ks.proposal
      if (p === null) {
        this.active.delete(ks)
        continue
      }
      if (p.phase === 'wait') {
        if (--p.ticks <= 0) this.startBallot(ks, p)
      } else if (++p.ticks >= this.params.retryTicks) {
        this.stats.timeouts++
        this.retry(ks, p)
      }
    }
    this.flush()
  }

  step(from: NodeId, m: PaxosMsg): void {
    if (!this.members.has(from)) return
    this.handle(from, m)
    this.flush()
  }

  propose(req: ClientRequest): void {
    if (!this.pending.has(req.id)) {
      this.pending.add(req.id)
      const ks = this.keyState(req.cmd.key)
      ks.queue.push({ id: req.id, cmd: req.cmd })
      this.drive(ks)
    }
    this.flush()
  }

  ready(): Ready<PaxosMsg, PaxosRecord> {
    return this.out.drain()
  }

  status(): NodeStatus {
    return {
      id: this.id,
      role: 'replica',
      term: this.maxRound,
      leader: null,
      commitIndex: this.learned,
      lastIndex: this.lastIndex(),
    }
  }

  /** Test/debug view: the values applied for a key, in slot order. */
  appliedValues(key: string): PaxosValue[] {
    const ks = this.keys.get(key)
    if (!ks) return []
    const out: PaxosValue[] = []
    for (let s = 1; s <= ks.applied; s++) out.push((ks.chosen.get(s) as AcceptedValue).value)
    return out
  }

  /** Test/debug view: the KV store of a key. */
  store(key: string): KvStore | null {
    return this.keys.get(key)?.kv ?? null
  }

  // ---------------------------------------------------------------- plumbing

  private keyState(key: string): KeyState {
    let ks = this.keys.get(key)
    if (ks === undefined) {
      ks = { key, chosen: new Map(), applied: 0, maxLearned: 0, queue: [], kv: new KvStore(), proposal: null }
      this.keys.set(key, ks)
    }
    return ks
  }

  private isLearned(key: string, slot: number): boolean {
    return this.keys.get(key)?.chosen.has(slot) === true
  }

  private seeRound(round: number): void {
    if (round > this.maxRound) this.maxRound = round
  }

  private send(to: NodeId, msg: PaxosMsg): void {
    if (to === this.id) this.loop.push(msg)
    else this.out.send(to, msg)
  }

  private broadcast(msg: PaxosMsg, self = true): void {
    for (const n of this.nodes) if (self || n !== this.id) this.send(n, msg)
  }

  /** Handle messages to self (synchronously, in order), then report a state change. */
  private flush(): void {
    while (this.loop.length > 0) {
      const batch = this.loop
      this.loop = []
      for (const m of batch) this.handle(this.id, m)
    }
    this.emitStateIfChanged()
  }

  private lastIndex(): number {
    return Math.max(this.learned, this.acceptors.acceptedCount)
  }

  private emitStateIfChanged(): void {
    const s = this.lastState
    const li = this.lastIndex()
    if (s.term === this.maxRound && s.commitIndex === this.learned && s.lastIndex === li) return
    this.lastState = { term: this.maxRound, commitIndex: this.learned, lastIndex: li }
    this.out.events.push({
      type: 'state',
      role: 'replica',
      term: this.maxRound,
      leader: null,
      commitIndex: this.learned,
      lastIndex: li,
    })
  }

  // ---------------------------------------------------------------- messages

  private handle(from: NodeId, m: PaxosMsg): void {
    switch (m.type) {
      case 'Prepare':
        return this.onPrepare(from, m)
      case 'Promise':
        return this.onPromise(from, m)
      case 'Accept':
        return this.onAccept(from, m)
      case 'Accepted':
        return this.onAccepted(from, m)
      case 'Nack':
        return this.onNack(m)
      case 'Decided':
        return this.learn(this.keyState(m.key), m.slot, { ballot: m.ballot, value: m.value })
    }
  }

  /** An instance already learned is answered with its value (the asker catches up). */
  private answerLearned(from: NodeId, key: string, slot: number): boolean {
    const c = this.keys.get(key)?.chosen.get(slot)
    if (c === undefined) return false
    this.send(from, { type: 'Decided', key, slot, ballot: c.ballot, value: c.value })
    return true
  }

  // ---- acceptor

  private onPrepare(from: NodeId, m: Msg<'Prepare'>): void {
    this.seeRound(ballotRound(m.ballot))
    if (this.answerLearned(from, m.key, m.slot)) return
    const d = this.acceptors.prepare(m.key, m.slot, m.ballot)
    if (!d.ok) {
      this.send(from, { type: 'Nack', key: m.key, slot: m.slot, ballot: m.ballot, promised: d.promised })
      return
    }
    if (d.changed && !this.mut.forgetPromiseOnRestart)
      this.out.persist.push({ t: 'promise', key: m.key, slot: m.slot, ballot: m.ballot })
    this.send(from, { type: 'Promise', key: m.key, slot: m.slot, ballot: m.ballot, accepted: d.accepted })
  }

  private onAccept(from: NodeId, m: Msg<'Accept'>): void {
    this.seeRound(ballotRound(m.ballot))
    if (this.answerLearned(from, m.key, m.slot)) return
    const d = this.acceptors.accept(m.key, m.slot, m.ballot, m.value)
    if (!d.ok) {
      this.send(from, { type: 'Nack', key: m.key, slot: m.slot, ballot: m.ballot, promised: d.promised })
      return
    }
    if (this.mut.forgetAcceptedOnRestart)
      this.out.persist.push({ t: 'promise', key: m.key, slot: m.slot, ballot: m.ballot })
    else this.out.persist.push({ t: 'accept', key: m.key, slot: m.slot, ballot: m.ballot, value: m.value })
    // For the trace's Agreement check: this acceptor accepted (ballot, value) in (key, slot).
    this.out.events.push({
      type: 'log',
      action: 'append',
      index: m.slot,
      entries: [{ term: m.ballot, id: acceptanceId(m.key, m.value.id) }],
    })
    this.send(from, { type: 'Accepted', key: m.key, slot: m.slot, ballot: m.ballot })
  }

  // ---- proposer

  private current(key: string, slot: number, ballot: number, phase: Proposal['phase']): Proposal | null {
    const p = this.keys.get(key)?.proposal
    if (!p || p.slot !== slot || p.ballot !== ballot || p.phase !== phase) return null
    return p
  }

  /** Start the key's next instance if there is something to propose or a gap to close. */
  private drive(ks: KeyState): void {
    if (ks.proposal !== null) return
    if (ks.queue.length === 0 && ks.maxLearned <= ks.applied) return
    const p: Proposal = {
      slot: ks.applied + 1,
      ballot: 0,
      phase: 'wait',
      promises: new Set(),
      best: null,
      accepts: new Set(),
      value: NOOP,
      ticks: 0,
    }
    ks.proposal = p
    this.active.add(ks)
    this.startBallot(ks, p)
  }

  /** Phase 1a with a ballot higher than any seen; the round is durable before Prepare leaves. */
  private startBallot(ks: KeyState, p: Proposal): void {
    this.maxRound++
    this.out.persist.push({ t: 'round', round: this.maxRound })
    this.stats.ballots++
    p.ballot = ballotOf(this.maxRound, this.index)
    p.phase = 'prepare'
    p.promises = new Set()
    p.best = null
    p.accepts = new Set()
    p.ticks = 0
    this.broadcast({ type: 'Prepare', key: ks.key, slot: p.slot, ballot: p.ballot })
  }

  /** Pre-empted or timed out: try again with a higher ballot, after a random backoff if enabled. */
  private retry(ks: KeyState, p: Proposal): void {
    if (!this.params.backoff) return this.startBallot(ks, p)
    const [lo, hi] = this.params.backoffTicks
    p.phase = 'wait'
    p.ticks = this.rng.int(lo, hi)
  }

  private onPromise(from: NodeId, m: Msg<'Promise'>): void {
    const p = this.current(m.key, m.slot, m.ballot, 'prepare')
    if (p === null || p.promises.has(from)) return
    p.promises.add(from)
    if (m.accepted !== null && (p.best === null || m.accepted.ballot > p.best.ballot)) p.best = m.accepted
    if (p.promises.size < this.quorum) return
    // Phase 2a (P2c): the highest-ballot value reported, else our own command (or a no-op).
    const ks = this.keyState(m.key)
    const own = ks.queue.length > 0 ? ks.queue[0] : NOOP
    p.value = p.best !== null && !this.mut.ignoreAcceptedValue ? p.best.value : own
    p.phase = 'accept'
    p.ticks = 0
    this.broadcast({ type: 'Accept', key: m.key, slot: m.slot, ballot: m.ballot, value: p.value })
  }

  private onAccepted(from: NodeId, m: Msg<'Accepted'>): void {
    const p = this.current(m.key, m.slot, m.ballot, 'accept')
    if (p === null || p.accepts.has(from)) return
    p.accepts.add(from)
    if (p.accepts.size < this.quorum) return
    // Chosen: a majority accepted p.value in one ballot. Learn it and tell everyone.
    const chosen = { ballot: m.ballot, value: p.value }
    this.learn(this.keyState(m.key), m.slot, chosen)
    this.broadcast({ type: 'Decided', key: m.key, slot: m.slot, ballot: m.ballot, value: p.value }, false)
  }

  private onNack(m: Msg<'Nack'>): void {
    this.seeRound(ballotRound(m.promised))
    const ks = this.keys.get(m.key)
    const p = ks?.proposal
    if (!ks || !p || p.slot !== m.slot || p.ballot !== m.ballot || p.phase === 'wait') return
    this.stats.preempted++
    this.retry(ks, p)
  }

  // ---- learner

  private record(ks: KeyState, slot: number, c: AcceptedValue): boolean {
    if (ks.chosen.has(slot)) return false
    ks.chosen.set(slot, c)
    if (slot > ks.maxLearned) ks.maxLearned = slot
    this.learned++
    this.acceptors.drop(ks.key, slot)
    return true
  }

  private learn(ks: KeyState, slot: number, c: AcceptedValue): void {
    this.seeRound(ballotRound(c.ballot))
    if (!this.record(ks, slot, c)) return
    this.out.persist.push({ t: 'learn', key: ks.key, slot, ballot: c.ballot, value: c.value })
    this.applyReady(ks)
    const p = ks.proposal
    if (p !== null && p.slot <= ks.applied) {
      ks.proposal = null
      this.active.delete(ks)
    }
    this.drive(ks)
  }

  /** Apply the key's learned values in slot order; answer the requests queued here. */
  private applyReady(ks: KeyState): void {
    for (;;) {
      const c = ks.chosen.get(ks.applied + 1)
      if (c === undefined) return
      ks.applied++
      const v = c.value
      this.out.events.push({
        type: 'apply',
        index: ks.applied,
        term: ballotRound(c.ballot),
        id: v.id,
        key: ks.key,
      })
      if (v.cmd === null) continue
      const res = ks.kv.apply(v.id, v.cmd)
      if (!this.pending.delete(v.id)) continue
      const at = ks.queue.findIndex((q) => q.id === v.id)
      if (at >= 0) ks.queue.splice(at, 1)
      this.out.replies.push(kvReply(v.id, res))
    }
  }
}
