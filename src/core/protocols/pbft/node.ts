// PBFT (Castro & Liskov, OSDI 1999) as a pure, deterministic state machine.
//
// n = 3f + 1 replicas tolerate f Byzantine ones (quorums of 2f + 1; for other n, see
// quorum). Normal case (§4.2): the primary of view v
// (nodes[v mod n]) assigns a sequence number and multicasts PrePrepare(v, n, d, m); backups
// accept it inside the water marks if n is not yet bound to another digest in v and
// multicast Prepare; a replica is `prepared` with the PrePrepare plus 2f matching Prepares
// from distinct backups, then multicasts Commit; `committed-local` with 2f + 1 matching
// Commits; requests execute in sequence-number order. Checkpoints (§4.3) every
// checkpointInterval executions become stable with 2f + 1 matching Checkpoint messages; the
// log below the stable checkpoint is discarded and the primary may not run more than
// watermarkWindow past it. A replica behind a stable checkpoint fetches the state (state
// transfer). View change (§4.4): a replica waiting too long for a request moves to view
// v + 1 and multicasts ViewChange with its prepared certificates; the new primary collects
// 2f + 1 and multicasts NewView; every replica derives the new view's PrePrepares from the
// ViewChanges it contains (null requests fill gaps).
//
// Every message carries its sender and an HMAC under the key of the link (see auth.ts); a
// message whose MAC does not verify is dropped and counted in `rejected`.
//
// Durability: the view, accepted PrePrepares, prepared certificates, committed requests and
// stable checkpoints are persisted before the messages that depend on them are sent, so a
// restarted replica never contradicts what it told others.
//
// Simplification (said in the report): with MACs instead of signatures, the prepared
// certificates inside a ViewChange are the sender's claims, not transferable proofs; the
// Byzantine behaviours of this lab never lie in a ViewChange. Clients take the first reply
// (a real PBFT client waits for f + 1 matching ones).
import type { ClientRequest, CreateOptions, NodeId, NodeStatus, Protocol, Ready } from '../types'
import type { Role } from '../../../shared/trace'
import type { PbftParams } from './describe'
import {
  linkKey,
  macEqual,
  macInput,
  macKey,
  macOf,
  requestDigest,
  snapshotDigest,
  type MacKey,
} from './auth'
import { Outbox } from '../outbox'
import { PbftState } from './state'
import { planNewView } from './viewchange'
import {
  NULL_DIGEST,
  type PbftMsg,
  type PbftMsgType,
  type PbftMutations,
  type PbftRecord,
  type PbftSnapshot,
  type PreparedCert,
  type ViewChangeBody,
} from './types'

type Body<T extends PbftMsgType> = Omit<Extract<PbftMsg, { type: T }>, 'mac'>
type M<T extends PbftMsgType> = Extract<PbftMsg, { type: T }>

interface Slot {
  seq: number
  /** The accepted PrePrepare: view, digest and request (hasPP false = none in this view yet). */
  view: number
  hasPP: boolean
  digest: string
  req: ClientRequest | null
  /** `${view}:${digest}` -> senders of matching Prepares / Commits. */
  prepares: Map<string, Set<NodeId>>
  commits: Map<string, Set<NodeId>>
  /** The highest-view prepared certificate of this replica for seq. */
  prepared: PreparedCert | null
  /** This replica sent its Commit for the current binding. */
  sentCommit: boolean
  /** Committed-local (safe to execute in order). */
  committed: { view: number; digest: string; req: ClientRequest | null } | null
  /** Executed (only ahead of lastExec with the executeOutOfOrder mutant). */
  executed: boolean
}

/** Why messages were dropped before being processed (tests and debugging). */
export interface PbftRejected {
  /** MAC did not verify (forged or corrupted message, or a claimed sender without the key). */
  auth: number
  /** PrePrepare whose request does not match its digest. */
  digest: number
  /** State whose snapshot does not match the stable checkpoint's digest. */
  state: number
}

const key = (view: number, digest: string): string => `${view}:${digest}`

function addVote(m: Map<string, Set<NodeId>>, k: string, from: NodeId): Set<NodeId> {
  let s = m.get(k)
  if (!s) {
    s = new Set()
    m.set(k, s)
  }
  s.add(from)
  return s
}

export class PbftNode implements Protocol<PbftMsg, PbftRecord> {
  readonly id: NodeId
  readonly nodes: readonly NodeId[]
  readonly f: number
  private readonly params: PbftParams
  /** The water-mark window, at least one checkpoint interval (else no checkpoint could ever be reached). */
  private readonly window: number
  private readonly mut: PbftMutations
  private readonly sendKeys = new Map<NodeId, MacKey>()
  private readonly recvKeys = new Map<NodeId, MacKey>()

  // Protocol state.
  view = 0
  private inViewChange = false
  /** Low water mark = seq of the last stable checkpoint. */
  low = 0
  private stableDigest = ''
  private stableSnap: PbftSnapshot
  lastExec = 0
  private state = new PbftState()
  readonly slots = new Map<number, Slot>()
  /** Own checkpoints not yet stable: seq -> digest and state. */
  private readonly ownCheckpoints = new Map<number, { digest: string; snap: PbftSnapshot }>()
  /** Checkpoint votes: seq -> digest -> senders. */
  private readonly checkpointVotes = new Map<number, Map<string, Set<NodeId>>>()
  /** A stable checkpoint this replica has not reached: asking for its state. */
  private fetching: { seq: number; digest: string; from: NodeId[]; ticks: number } | null = null

  // Primary.
  private nextSeq = 1
  /** Request ids with a sequence number in this view, not executed yet. */
  private readonly assigned = new Set<string>()
  /** Requests waiting for the high water mark to move. */
  private backlog: ClientRequest[] = []

  // View change.
  private readonly viewChanges = new Map<number, Map<NodeId, ViewChangeBody>>()
  private lastNewView: M<'NewView'> | null = null
  private vcAttempts = 0

  // Requests.
  /** Requests known here and not executed yet (forwarded to the primary, re-forwarded after a view change). */
  private readonly pending = new Map<string, ClientRequest>()
  /** Client requests this replica received and owes a reply for. */
  private readonly owed = new Set<string>()
  /** Ticks since the last progress while requests are pending (the view-change timer). */
  private waitTicks = 0

  readonly rejected: PbftRejected = { auth: 0, digest: 0, state: 0 }

  // Outputs.
  private readonly out = new Outbox<PbftMsg, PbftRecord>()
  private lastState = ''

  constructor(opts: CreateOptions<PbftParams, PbftRecord>, mutations: PbftMutations = {}) {
    this.id = opts.id
    this.nodes = opts.nodes
    this.f = Math.floor((opts.nodes.length - 1) / 3)
    this.params = opts.params
    this.window = Math.max(opts.params.watermarkWindow, opts.params.checkpointInterval)
    this.mut = mutations
    for (const p of opts.nodes) {
      if (p === opts.id) continue
      this.sendKeys.set(p, macKey(linkKey(opts.runSeed, opts.id, p)))
      this.recvKeys.set(p, macKey(linkKey(opts.runSeed, p, opts.id)))
    }
    // Fixed for the node's life: frozen, so the explorer (src/core/explore) shares them between
    // copies of this node instead of copying and hashing every HMAC state.
    Object.freeze(this.sendKeys)
    Object.freeze(this.recvKeys)
    this.stableSnap = this.state.snapshot()
    this.recover(opts.recovered)
    this.emitState()
  }

  // ---- helpers ---------------------------------------------------------------------------

  /**
   * Quorum size: ceil((n + f + 1) / 2), which is 2f + 1 when n = 3f + 1. Any two quorums then
   * share at least f + 1 replicas, one of them honest, for any n (e.g. 4 of 5, 2 of 3).
   */
  private get quorum(): number {
    return Math.ceil((this.nodes.length + this.f + 1) / 2)
  }

  primaryOf(view: number): NodeId {
    return this.nodes[view % this.nodes.length]
  }

  private isPrimary(): boolean {
    return !this.inViewChange && this.primaryOf(this.view) === this.id
  }

  private send<T extends PbftMsgType>(to: NodeId, body: Body<T>, input?: Uint8Array): void {
    const k = this.sendKeys.get(to)
    if (!k) return
    const msg = { ...body, mac: '' } as unknown as PbftMsg
    msg.mac = macOf(k, input ?? macInput(msg))
    this.out.send(to, msg)
  }

  /** The same message to every other replica, MAC'd per link (serialized once). */
  private broadcast<T extends PbftMsgType>(body: Body<T>): void {
    const input = macInput({ ...body, mac: '' } as unknown as PbftMsg)
    for (const p of this.nodes) if (p !== this.id) this.send(p, body, input)
  }

  private slot(seq: number): Slot {
    let s = this.slots.get(seq)
    if (!s) {
      s = {
        seq,
        view: -1,
        hasPP: false,
        digest: '',
        req: null,
        prepares: new Map(),
        commits: new Map(),
        prepared: null,
        sentCommit: false,
        committed: null,
        executed: false,
      }
      this.slots.set(seq, s)
    }
    return s
  }

  private inWindow(seq: number): boolean {
    return seq > this.low && seq <= this.low + this.window
  }

  private emitState(): void {
    const role: Role = this.inViewChange ? 'candidate' : this.isPrimary() ? 'leader' : 'follower'
    const leader = this.inViewChange ? null : this.primaryOf(this.view)
    let lastIndex = this.lastExec
    for (const s of this.slots.keys()) if (s > lastIndex) lastIndex = s
    const sig = `${role}|${this.view}|${leader}|${this.lastExec}|${lastIndex}`
    if (sig === this.lastState) return
    this.lastState = sig
    this.out.events.push({
      type: 'state',
      role,
      term: this.view,
      leader,
      commitIndex: this.lastExec,
      lastIndex,
    })
  }

  // ---- recovery --------------------------------------------------------------------------

  private recover(recs: readonly PbftRecord[]): void {
    if (recs.length === 0) return
    // The last stable checkpoint first: everything at or below it is covered by its state.
    for (const r of recs) {
      if (r.t === 'stable' && r.seq > this.low) {
        this.low = r.seq
        this.stableDigest = r.digest
        this.stableSnap = r.snap
      }
      if (r.t === 'newview')
        this.lastNewView = { type: 'NewView', from: this.id, view: r.view, vcs: r.vcs, mac: '' }
      if (r.t === 'view' && r.view >= this.view) {
        this.view = r.view
        this.inViewChange = r.changing
      }
    }
    this.state = PbftState.fromSnapshot(this.stableSnap)
    this.lastExec = this.low
    for (const r of recs) {
      if (r.t === 'view' || r.t === 'stable' || r.t === 'newview' || r.seq <= this.low) continue
      const s = this.slot(r.seq)
      switch (r.t) {
        case 'pp':
          if (r.view >= s.view) {
            s.view = r.view
            s.hasPP = true
            s.digest = r.digest
            s.req = r.req
            s.sentCommit = false
          }
          if (r.view === this.view && this.primaryOf(r.view) === this.id && r.seq >= this.nextSeq)
            this.nextSeq = r.seq + 1
          break
        case 'prepared':
          if (!s.prepared || r.view >= s.prepared.view)
            s.prepared = { seq: r.seq, view: r.view, digest: r.digest, req: r.req }
          if (r.view === s.view && r.digest === s.digest) s.sentCommit = true
          break
        case 'commit':
          s.committed = { view: r.view, digest: r.digest, req: r.req }
          break
      }
    }
    if (this.nextSeq <= this.low) this.nextSeq = this.low + 1
    // Re-execute what was committed (the state machine is volatile).
    this.executeReady()
  }

  // ---- inputs ----------------------------------------------------------------------------

  propose(req: ClientRequest): void {
    const done = this.state.resultOf(req.id)
    if (done) {
      this.out.replies.push({ id: req.id, ok: true, ...done })
      return
    }
    this.owed.add(req.id)
    this.accept(req)
  }

  /** A request known here: the primary orders it; a backup forwards it and starts waiting. */
  private accept(req: ClientRequest): void {
    if (!this.pending.has(req.id)) {
      if (this.pending.size === 0) this.waitTicks = 0
      this.pending.set(req.id, req)
    }
    if (this.inViewChange) return
    if (this.isPrimary()) this.order(req)
    // A backup relays the request to every replica (as a PBFT client multicasts a request
    // the primary ignores): the primary orders it, the other backups start their timers.
    else this.broadcast<'Request'>({ type: 'Request', from: this.id, req, executed: this.lastExec })
  }

  /** Primary: assign the next sequence number (§4.2) unless the high water mark is reached. */
  private order(req: ClientRequest): void {
    if (this.assigned.has(req.id) || this.state.resultOf(req.id)) return
    if (this.nextSeq > this.low + this.window) {
      if (!this.backlog.some((r) => r.id === req.id)) this.backlog.push(req)
      return
    }
    const seq = this.nextSeq++
    this.assigned.add(req.id)
    this.prePrepare(seq, req, requestDigest(req))
  }

  private prePrepare(seq: number, req: ClientRequest | null, digest: string): void {
    const s = this.bind(seq, this.view, digest, req)
    this.broadcast<'PrePrepare'>({ type: 'PrePrepare', from: this.id, view: this.view, seq, digest, req })
    this.checkSlot(s)
  }

  /** Bind seq to digest in view (accepting or issuing a PrePrepare); persisted first. */
  private bind(seq: number, view: number, digest: string, req: ClientRequest | null): Slot {
    const s = this.slot(seq)
    s.view = view
    s.hasPP = true
    s.digest = digest
    s.req = req
    s.sentCommit = false
    this.out.persist.push({ t: 'pp', view, seq, digest, req })
    return s
  }

  tick(): void {
    if (this.fetching && ++this.fetching.ticks >= this.params.viewChangeTicks) this.askState()
    const waiting = this.pending.size > 0 || this.inViewChange
    if (!waiting) {
      this.waitTicks = 0
      return
    }
    this.waitTicks++
    // During a view change, wait twice as long for each further view (§4.5.2 liveness).
    const limit = this.inViewChange
      ? this.params.viewChangeTicks * 2 ** Math.min(this.vcAttempts, 6)
      : this.params.viewChangeTicks
    if (this.waitTicks >= limit) this.startViewChange(this.view + 1)
  }

  step(_from: NodeId, msg: PbftMsg): void {
    // Authenticate with the key of the link the message claims to come from.
    const k = this.recvKeys.get(msg.from)
    if (!k || !macEqual(macOf(k, macInput(msg)), msg.mac)) {
      this.rejected.auth++
      return
    }
    switch (msg.type) {
      case 'Request':
        return this.onRequest(msg)
      case 'PrePrepare':
        return this.onPrePrepare(msg)
      case 'Prepare':
        return this.onPrepare(msg)
      case 'Commit':
        return this.onCommit(msg)
      case 'Checkpoint':
        return this.onCheckpoint(msg)
      case 'ViewChange':
        return this.onViewChange(msg)
      case 'NewView':
        return this.onNewView(msg)
      case 'FetchState':
        return this.onFetchState(msg)
      case 'State':
        return this.onStateMsg(msg)
    }
  }

  // ---- normal case (§4.2) ----------------------------------------------------------------

  private onRequest(m: M<'Request'>): void {
    if (this.state.resultOf(m.req.id)) {
      this.resendVotes(m.from, m.executed)
      return
    }
    if (!this.pending.has(m.req.id)) {
      if (this.pending.size === 0) this.waitTicks = 0
      this.pending.set(m.req.id, m.req)
    }
    if (this.isPrimary()) this.order(m.req)
  }

  private onPrePrepare(m: M<'PrePrepare'>): void {
    if (this.inViewChange || m.view !== this.view || m.from !== this.primaryOf(m.view)) return
    if (!this.inWindow(m.seq)) return
    if (requestDigest(m.req) !== m.digest) {
      this.rejected.digest++
      return
    }
    const s = this.slot(m.seq)
    // Already bound in this view: a second PrePrepare (for another digest) is refused.
    if (s.hasPP && s.view === m.view) return
    this.bind(m.seq, m.view, m.digest, m.req)
    if (m.req && !this.state.resultOf(m.req.id) && !this.pending.has(m.req.id)) {
      if (this.pending.size === 0) this.waitTicks = 0
      this.pending.set(m.req.id, m.req)
    }
    addVote(s.prepares, key(m.view, m.digest), this.id)
    this.broadcast<'Prepare'>({ type: 'Prepare', from: this.id, view: m.view, seq: m.seq, digest: m.digest })
    this.checkSlot(s)
  }

  private onPrepare(m: M<'Prepare'>): void {
    if (m.view !== this.view || m.from === this.primaryOf(m.view) || !this.inWindow(m.seq)) return
    const s = this.slot(m.seq)
    addVote(s.prepares, key(m.view, m.digest), m.from)
    this.checkSlot(s)
  }

  private onCommit(m: M<'Commit'>): void {
    if (m.view !== this.view || !this.inWindow(m.seq)) return
    const s = this.slot(m.seq)
    addVote(s.commits, key(m.view, m.digest), m.from)
    this.checkSlot(s)
  }

  /**
   * Retransmission: a replica relays a request this replica already executed, so it missed
   * the agreement on it (and maybe more). Send it this replica's PrePrepare / Prepare and
   * Commit for every seq it has not executed (current view, still in the log), once per
   * `executed` value; 2f + 1 replicas doing so let it commit them.
   */
  private resendVotes(to: NodeId, executed: number): void {
    if (this.inViewChange || executed >= this.lastExec || this.resentTo.get(to) === executed) return
    this.resentTo.set(to, executed)
    for (const s of this.slots.values()) {
      if (s.seq <= executed || !s.hasPP || s.view !== this.view) continue
      const b = { from: this.id, view: s.view, seq: s.seq, digest: s.digest }
      if (this.primaryOf(s.view) === this.id)
        this.send<'PrePrepare'>(to, { type: 'PrePrepare', ...b, req: s.req })
      else this.send<'Prepare'>(to, { type: 'Prepare', ...b })
      if (s.sentCommit) this.send<'Commit'>(to, { type: 'Commit', ...b })
    }
  }
  private readonly resentTo = new Map<NodeId, number>()

  /** prepared -> send Commit; committed-local -> execute in order. */
  private checkSlot(s: Slot): void {
    if (!s.hasPP || s.view !== this.view || this.inViewChange) return
    const k = key(s.view, s.digest)
    if (!s.sentCommit) {
      // The PrePrepare plus quorum - 1 (= 2f) matching Prepares from distinct backups.
      const need = this.mut.weakPrepare ? this.quorum - 2 : this.quorum - 1
      const votes = s.prepares.get(k)
      let n = 0
      if (votes) for (const p of votes) if (p !== this.primaryOf(s.view)) n++
      if (n < need) return
      s.prepared = { seq: s.seq, view: s.view, digest: s.digest, req: s.req }
      s.sentCommit = true
      this.out.persist.push({ t: 'prepared', view: s.view, seq: s.seq, digest: s.digest, req: s.req })
      addVote(s.commits, k, this.id)
      this.broadcast<'Commit'>({ type: 'Commit', from: this.id, view: s.view, seq: s.seq, digest: s.digest })
    }
    if (s.committed || (s.commits.get(k)?.size ?? 0) < this.quorum) return
    s.committed = { view: s.view, digest: s.digest, req: s.req }
    this.out.persist.push({ t: 'commit', view: s.view, seq: s.seq, digest: s.digest, req: s.req })
    if (this.mut.executeOutOfOrder && s.seq > this.lastExec && !s.executed) {
      // Mutant: execute as soon as committed, whatever is still missing below.
      s.executed = true
      this.execute(s.seq, s.view, s.req, this.lastExec)
    }
    this.executeReady()
  }

  private executeReady(): void {
    for (;;) {
      const s = this.slots.get(this.lastExec + 1)
      if (!s || !s.committed) break
      if (s.executed) {
        this.lastExec = s.seq
        continue
      }
      s.executed = true
      this.execute(s.seq, s.committed.view, s.committed.req, s.seq)
    }
  }

  private execute(seq: number, view: number, req: ClientRequest | null, newLast: number): void {
    this.lastExec = newLast
    this.waitTicks = 0
    this.out.events.push({ type: 'apply', index: seq, term: view, id: req ? req.id : 'null' })
    if (req) {
      const r = this.state.execute(req)
      this.pending.delete(req.id)
      this.assigned.delete(req.id)
      if (this.owed.delete(req.id)) this.out.replies.push({ id: req.id, ok: true, ...r })
    }
    if (seq % this.params.checkpointInterval === 0) this.takeCheckpoint(seq)
  }

  // ---- checkpoints and garbage collection (§4.3) -----------------------------------------

  private takeCheckpoint(seq: number): void {
    const snap = this.state.snapshot()
    const digest = snapshotDigest(seq, snap)
    this.ownCheckpoints.set(seq, { digest, snap })
    this.broadcast<'Checkpoint'>({ type: 'Checkpoint', from: this.id, seq, digest })
    this.voteCheckpoint(seq, digest, this.id)
  }

  private onCheckpoint(m: M<'Checkpoint'>): void {
    this.voteCheckpoint(m.seq, m.digest, m.from)
  }

  private voteCheckpoint(seq: number, digest: string, from: NodeId): void {
    if (seq <= this.low) return
    let byDigest = this.checkpointVotes.get(seq)
    if (!byDigest) {
      byDigest = new Map()
      this.checkpointVotes.set(seq, byDigest)
    }
    const voters = addVote(byDigest, digest, from)
    if (voters.size < this.quorum) return
    const own = this.ownCheckpoints.get(seq)
    if (own && own.digest === digest) this.makeStable(seq, digest, own.snap)
    else if (this.lastExec < seq) this.fetchState(seq, digest, [...voters])
  }

  private fetchState(seq: number, digest: string, from: NodeId[]): void {
    if (this.fetching && this.fetching.seq >= seq) return
    this.fetching = { seq, digest, from, ticks: 0 }
    this.askState()
  }

  private askState(): void {
    const want = this.fetching
    if (!want) return
    want.ticks = 0
    for (const p of want.from)
      if (p !== this.id) this.send<'FetchState'>(p, { type: 'FetchState', from: this.id, seq: want.seq })
  }

  /** Answer with the latest stable checkpoint when it is at least the one asked for. */
  private onFetchState(m: M<'FetchState'>): void {
    if (m.seq > this.low || this.low === 0) return
    this.send<'State'>(m.from, {
      type: 'State',
      from: this.id,
      seq: this.low,
      digest: this.stableDigest,
      snap: this.stableSnap,
    })
  }

  private onStateMsg(m: M<'State'>): void {
    const want = this.fetching
    if (!want || m.seq < want.seq || m.seq <= this.lastExec) return
    // The digest must be the one asked for, or a later one vouched for by f + 1 replicas.
    const vouched =
      m.seq === want.seq ? m.digest === want.digest : this.vouchers(m.seq, m.digest) >= this.f + 1
    if (!vouched) return
    if (snapshotDigest(m.seq, m.snap) !== m.digest) {
      this.rejected.state++
      return
    }
    this.fetching = null
    if (this.lastExec >= m.seq) return
    this.state = PbftState.fromSnapshot(m.snap)
    this.lastExec = m.seq
    this.makeStable(m.seq, m.digest, m.snap)
    // Requests executed inside the transferred state: answer and forget them.
    for (const id of [...this.pending.keys()]) {
      const r = this.state.resultOf(id)
      if (!r) continue
      this.pending.delete(id)
      this.assigned.delete(id)
      if (this.owed.delete(id)) this.out.replies.push({ id, ok: true, ...r })
    }
    this.executeReady()
  }

  private vouchers(seq: number, digest: string): number {
    return this.checkpointVotes.get(seq)?.get(digest)?.size ?? 0
  }

  private makeStable(seq: number, digest: string, snap: PbftSnapshot): void {
    if (seq <= this.low) return
    this.low = seq
    this.stableDigest = digest
    this.stableSnap = snap
    this.out.persist.push({ t: 'stable', seq, digest, snap })
    for (const s of this.slots.keys()) if (s <= seq) this.slots.delete(s)
    for (const s of this.ownCheckpoints.keys()) if (s <= seq) this.ownCheckpoints.delete(s)
    for (const s of this.checkpointVotes.keys()) if (s <= seq) this.checkpointVotes.delete(s)
    if (this.fetching && this.fetching.seq <= seq) this.fetching = null
    if (this.nextSeq <= seq) this.nextSeq = seq + 1
    // The high water mark moved: the primary orders what waited for it.
    if (this.isPrimary() && this.backlog.length > 0) {
      const waiting = this.backlog
      this.backlog = []
      for (const r of waiting) this.order(r)
    }
  }

  // ---- view change (§4.4) ----------------------------------------------------------------

  private startViewChange(view: number): void {
    if (view <= this.view && this.inViewChange) return
    if (view === this.view + 1 && this.inViewChange) this.vcAttempts++
    else if (!this.inViewChange) this.vcAttempts = 0
    this.view = view
    this.inViewChange = true
    this.waitTicks = 0
    this.assigned.clear()
    this.backlog = []
    this.out.persist.push({ t: 'view', view, changing: true })
    const prepared: PreparedCert[] = []
    if (!this.mut.forgetPrepared) {
      for (const s of this.slots.values()) if (s.seq > this.low && s.prepared) prepared.push(s.prepared)
      prepared.sort((a, b) => a.seq - b.seq)
    }
    const body: ViewChangeBody = {
      from: this.id,
      view,
      stable: this.low,
      stableDigest: this.stableDigest,
      prepared,
    }
    this.broadcast<'ViewChange'>({ type: 'ViewChange', ...body })
    this.recordViewChange(body)
    for (const v of this.viewChanges.keys()) if (v < view) this.viewChanges.delete(v)
    this.emitState()
  }

  private onViewChange(m: M<'ViewChange'>): void {
    if (m.view < this.view || (m.view === this.view && !this.inViewChange)) {
      // The sender is behind: the primary of the current view repeats its NewView.
      if (!this.inViewChange && this.lastNewView && this.lastNewView.view === this.view && this.isPrimary())
        this.send<'NewView'>(m.from, {
          type: 'NewView',
          from: this.id,
          view: this.view,
          vcs: this.lastNewView.vcs,
        })
      return
    }
    const { mac: _mac, type: _type, ...body } = m
    this.recordViewChange(body)
    if (m.view > this.view) {
      // f + 1 replicas want a later view: join the smallest of them (§4.5.2).
      const senders = new Set<NodeId>()
      let smallest = Infinity
      for (const [v, byNode] of this.viewChanges) {
        if (v <= this.view) continue
        for (const p of byNode.keys()) senders.add(p)
        if (v < smallest) smallest = v
      }
      if (senders.size >= this.f + 1) this.startViewChange(smallest)
    }
  }

  private recordViewChange(body: ViewChangeBody): void {
    let byNode = this.viewChanges.get(body.view)
    if (!byNode) {
      byNode = new Map()
      this.viewChanges.set(body.view, byNode)
    }
    byNode.set(body.from, body)
    if (
      this.inViewChange &&
      body.view === this.view &&
      this.primaryOf(this.view) === this.id &&
      byNode.size >= this.quorum &&
      byNode.has(this.id)
    ) {
      const vcs = [...byNode.values()]
        .sort((a, b) => (a.from === this.id ? -1 : b.from === this.id ? 1 : a.from < b.from ? -1 : 1))
        .slice(0, this.quorum)
      const nv: Body<'NewView'> = { type: 'NewView', from: this.id, view: this.view, vcs }
      this.out.persist.push({ t: 'newview', view: this.view, vcs })
      this.broadcast<'NewView'>(nv)
      this.lastNewView = { ...nv, mac: '' }
      this.enterView(this.view, vcs)
    }
  }

  private onNewView(m: M<'NewView'>): void {
    if (m.view < this.view || (m.view === this.view && !this.inViewChange)) return
    if (m.from !== this.primaryOf(m.view)) return
    const senders = new Set<NodeId>()
    for (const vc of m.vcs) {
      if (vc.view !== m.view || !this.nodes.includes(vc.from)) return
      senders.add(vc.from)
    }
    if (senders.size < this.quorum || senders.size !== m.vcs.length) return
    this.view = m.view
    this.enterView(m.view, m.vcs)
  }

  /** Install the new view: re-issue (primary) or accept (backups) the PrePrepares derived from the ViewChanges. */
  private enterView(view: number, vcs: readonly ViewChangeBody[]): void {
    const plan = planNewView(vcs)
    this.out.persist.push({ t: 'view', view, changing: false })
    this.inViewChange = false
    this.vcAttempts = 0
    this.waitTicks = 0
    this.assigned.clear()
    this.backlog = []
    for (const v of this.viewChanges.keys()) if (v <= view) this.viewChanges.delete(v)
    if (plan.minS > this.low) {
      const own = this.ownCheckpoints.get(plan.minS)
      if (own && own.digest === plan.minDigest) this.makeStable(plan.minS, plan.minDigest, own.snap)
      else if (this.lastExec < plan.minS && plan.minFrom !== null)
        this.fetchState(plan.minS, plan.minDigest, [plan.minFrom])
    }
    const primary = this.primaryOf(view) === this.id
    let maxSeq = Math.max(this.low, plan.minS)
    for (const pp of plan.pps) {
      if (pp.seq > maxSeq) maxSeq = pp.seq
      if (pp.seq <= this.low || pp.seq > this.low + this.window) continue
      const s = this.bind(pp.seq, view, pp.digest, pp.req)
      if (pp.req) this.assigned.add(pp.req.id)
      if (!primary) {
        addVote(s.prepares, key(view, pp.digest), this.id)
        this.broadcast<'Prepare'>({ type: 'Prepare', from: this.id, view, seq: pp.seq, digest: pp.digest })
      }
    }
    this.nextSeq = Math.max(maxSeq, this.lastExec) + 1
    this.emitState()
    for (const s of [...this.slots.values()]) this.checkSlot(s)
    // Requests still waiting go to the new primary (or are ordered by it).
    for (const req of [...this.pending.values()]) {
      if (this.state.resultOf(req.id)) continue
      if (primary) this.order(req)
      else this.broadcast<'Request'>({ type: 'Request', from: this.id, req, executed: this.lastExec })
    }
  }

  // ---- outputs ---------------------------------------------------------------------------

  ready(): Ready<PbftMsg, PbftRecord> {
    this.emitState()
    return this.out.drain()
  }

  status(): NodeStatus {
    let lastIndex = this.lastExec
    for (const s of this.slots.keys()) if (s > lastIndex) lastIndex = s
    return {
      id: this.id,
      role: this.inViewChange ? 'candidate' : this.isPrimary() ? 'leader' : 'follower',
      term: this.view,
      leader: this.inViewChange ? null : this.primaryOf(this.view),
      commitIndex: this.lastExec,
      lastIndex,
    }
  }

  /** Entries held in the log (bounded by the water-mark window; for tests). */
  get logSize(): number {
    return this.slots.size
  }

  /** The value of a key in this replica's state (tests). */
  read(key: string): string | null {
    return this.state.get(key)
  }
}

export { NULL_DIGEST }
