// Raft as a pure, deterministic state machine (in the style of etcd-io/raft).
//
// Inputs: tick / step / propose. Outputs are drained by ready(): durable records first
// (the host persists them BEFORE sending messages), then messages, client replies and
// trace events. No I/O, no clocks, no Math.random: election timeouts come from opts.rng.
//
// Roles are swappable step/tick functions (stepLeader / stepCandidate / stepFollower,
// tickElection / tickHeartbeat). Paper references: Raft paper (Ongaro & Ousterhout 2014)
// sections 5.x, Ongaro's thesis sections 6.4 (ReadIndex), 9.6 (pre-vote), 4.2.3
// (disruptive servers) and etcd's check-quorum.
import type { ClientRequest, CreateOptions, NodeId, NodeStatus, Protocol, Ready } from '../types'
import type { Rng } from '../../rng'
import type { RaftParams } from '../../../shared/spec'
import type { Role } from '../../../shared/trace'
import { KvStore, kvReply } from '../kv'
import { Outbox } from '../outbox'
import { RaftLog } from './log'
import type { RaftEntry, RaftMsg, RaftMutations, RaftRecord } from './types'

/** Most optimistic (pipelined) AppendEntries with entries in flight per follower. */
export const MAX_INFLIGHT = 4

type RaftRole = Exclude<Role, 'down'>

interface Progress {
  /** Highest index known to be replicated on the follower. */
  match: number
  /** Next index to send. */
  next: number
  /** probe: one message at a time until the match point is found; replicate: pipelined. */
  state: 'probe' | 'replicate'
  /** probe: a message is out, wait for a response (or the next heartbeat). */
  paused: boolean
  /** replicate: last index of each in-flight AppendEntries, ascending. */
  inflight: number[]
  /** Heard from since the last check-quorum round. */
  active: boolean
  /** Highest ReadIndex round (ctx) this follower acknowledged. */
  readAck: number
  /** match at the previous heartbeat (detects a stalled pipeline after lost messages). */
  matchAtHeartbeat: number
  /** Highest ReadIndex round (ctx) carried by a message sent to this follower. */
  sentCtx: number
}

interface PendingRead {
  id: string
  key: string
  /** The commit index when the read arrived (thesis 6.4 step 1). */
  index: number
  /** The heartbeat round that must be acknowledged by a majority (step 2). */
  ctx: number
}

/** The k-th largest (1-based) of a[0..len): partial insertion sort in place, fine for cluster sizes. */
function kthLargest(a: number[], len: number, k: number): number {
  for (let i = 1; i < len; i++) {
    const v = a[i]
    let j = i - 1
    while (j >= 0 && a[j] < v) {
      a[j + 1] = a[j]
      j--
    }
    a[j + 1] = v
  }
  return a[k - 1]
}

type Msg<T extends RaftMsg['type']> = Extract<RaftMsg, { type: T }>

export class RaftNode implements Protocol<RaftMsg, RaftRecord> {
  readonly id: NodeId
  readonly peers: readonly NodeId[]
  private readonly members: ReadonlySet<NodeId>
  private readonly quorum: number
  private readonly params: RaftParams
  private readonly rng: Rng
  private readonly mut: RaftMutations

  // Durable state (rebuilt from records on restart).
  private term = 0
  private votedFor: NodeId | null = null
  readonly log = new RaftLog()

  // Volatile state.
  private role: RaftRole = 'follower'
  private leader: NodeId | null = null
  private commitIndex = 0
  private lastApplied = 0
  /** The replicated state machine (volatile: rebuilt by re-applying the log). */
  readonly kv = new KvStore()
  private electionElapsed = 0
  private heartbeatElapsed = 0
  private randomizedElectionTimeout = 0
  private readonly votes = new Map<NodeId, boolean>()
  private readonly prs = new Map<NodeId, Progress>()
  /** Reused buffer for quorum computations (no allocation per message). */
  private readonly scratch: number[]

  /** Client requests this node accepted and still owes a reply for. */
  private readonly pending = new Set<string>()
  private reads: PendingRead[] = []
  /** Reads that arrived before this leader committed an entry of its term (thesis 6.4). */
  private readsAwaitingNoop: PendingRead[] = []
  private readCtx = 0
  /** Reads registered since the last round went out need a round (sent at ready()). */
  private needReadRound = false
  /** A round is out and not yet acknowledged by a majority: later reads wait for the next one. */
  private readRoundInFlight = false
  private readRoundCtx = 0
  private needBroadcast = false

  // Outputs, drained by ready().
  private readonly out = new Outbox<RaftMsg, RaftRecord>()

  /** Last durable hard state handed to the host. */
  private hardTerm = 0
  private hardVote: NodeId | null = null

  // The role's handlers: prototype methods (never arrow-function fields, which would hold this
  // instance), so a node copied field by field (the explorer, src/core/explore) still works.
  private stepFn: (from: NodeId, m: RaftMsg) => void
  private tickFn: () => void

  constructor(opts: CreateOptions<RaftParams, RaftRecord>, mutations: RaftMutations = {}) {
    this.id = opts.id
    if (!opts.nodes.includes(opts.id))
      throw new Error(`raft: node ${opts.id} is not in nodes [${opts.nodes.join(', ')}]`)
    this.peers = opts.nodes.filter((n) => n !== opts.id)
    this.members = new Set(this.peers)
    this.quorum = Math.floor(opts.nodes.length / 2) + 1
    this.scratch = new Array<number>(opts.nodes.length).fill(0)
    this.params = opts.params
    this.rng = opts.rng
    this.mut = mutations
    this.recover(opts.recovered)
    this.stepFn = this.stepFollower
    this.tickFn = this.tickElection
    this.resetElectionTimer()
    this.emitStateIfChanged()
  }

  private recover(records: readonly RaftRecord[]): void {
    for (const r of records) {
      switch (r.t) {
        case 'hard':
          this.term = r.term
          this.votedFor = r.votedFor
          break
        case 'append':
          this.log.truncateFrom(r.index)
          if (r.index !== this.log.lastIndex() + 1)
            throw new Error(
              `raft ${this.id}: recovered append at ${r.index} leaves a gap (last ${this.log.lastIndex()})`,
            )
          this.log.append(r.entries)
          break
        case 'truncate':
          this.log.truncateFrom(r.index)
          break
      }
    }
    this.hardTerm = this.term
    this.hardVote = this.votedFor
  }

  // ---------------------------------------------------------------- inputs

  tick(): void {
    this.tickFn()
    this.emitStateIfChanged()
  }

  step(from: NodeId, m: RaftMsg): void {
    if (from === this.id || !this.members.has(from)) return // not a member: ignore
    this.stepInner(from, m)
    this.emitStateIfChanged()
  }

  propose(req: ClientRequest): void {
    if (this.role !== 'leader') {
      // Leader redirect: answer at once so the client can retry elsewhere.
      this.out.replies.push({ id: req.id, ok: false, error: 'not_leader', leaderHint: this.leader })
      return
    }
    if (this.pending.has(req.id)) return // a retry of a request still in progress
    this.pending.add(req.id)
    const cmd = req.cmd
    if (cmd.f === 'get' && this.params.readMode === 'readIndex') {
      const r: PendingRead = { id: req.id, key: cmd.key, index: 0, ctx: 0 }
      if (this.log.term(this.commitIndex) !== this.term) this.readsAwaitingNoop.push(r)
      else this.startRead(r)
      return
    }
    // Batching: proposals between two ready() calls are appended here and sent together at ready().
    this.appendLocal([{ term: this.term, id: req.id, cmd }])
    this.needBroadcast = true
  }

  /** Start an election now (as if the election timer fired); tests and tools. */
  campaign(): void {
    if (this.role === 'leader') return
    if (this.params.preVote) this.becomePreCandidate()
    else this.becomeCandidate()
    this.emitStateIfChanged()
  }

  ready(): Ready<RaftMsg, RaftRecord> {
    this.flush()
    if (this.term !== this.hardTerm || this.votedFor !== this.hardVote) {
      const forget = this.mut.forgetPersistVote === true
      // Mutation forgetPersistVote: the vote never reaches storage (only term changes do).
      if (!forget || this.term !== this.hardTerm)
        this.out.persist.unshift({ t: 'hard', term: this.term, votedFor: forget ? null : this.votedFor })
      this.hardTerm = this.term
      this.hardVote = this.votedFor
    }
    this.emitStateIfChanged()
    return this.out.drain()
  }

  status(): NodeStatus {
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      leader: this.leader,
      commitIndex: this.commitIndex,
      lastIndex: this.log.lastIndex(),
    }
  }

  /** Extra introspection for tests and the live view. */
  inspect(): {
    votedFor: NodeId | null
    lastApplied: number
    electionTimeout: number
    progress: Record<string, { match: number; next: number; state: string }>
  } {
    const progress: Record<string, { match: number; next: number; state: string }> = {}
    for (const [p, pr] of this.prs) progress[p] = { match: pr.match, next: pr.next, state: pr.state }
    return {
      votedFor: this.votedFor,
      lastApplied: this.lastApplied,
      electionTimeout: this.randomizedElectionTimeout,
      progress,
    }
  }

  // ---------------------------------------------------------------- step

  private stepInner(from: NodeId, m: RaftMsg): void {
    if (m.term > this.term) {
      if ((m.type === 'PreVote' || m.type === 'RequestVote') && this.inLease()) {
        // Thesis 4.2.3: we heard from a current leader within the minimum election timeout,
        // so ignore a (pre-)vote request that would disrupt it.
        return
      }
      if (m.type === 'PreVote') {
        // A pre-vote never changes our term.
      } else if (m.type === 'PreVoteResp' && m.granted) {
        // A granted pre-vote carries the proposed term, not the voter's.
      } else {
        this.becomeFollower(m.term, m.type === 'AppendEntries' ? from : null)
      }
    } else if (m.term < this.term) {
      switch (m.type) {
        case 'AppendEntries':
          // Tell a stale leader about the newer term so it steps down.
          this.send(from, {
            type: 'AppendEntriesResp',
            term: this.term,
            success: false,
            index: m.prevIndex,
            conflictTerm: 0,
            conflictIndex: 0,
            ctx: m.ctx,
          })
          break
        case 'PreVote':
          this.send(from, { type: 'PreVoteResp', term: this.term, granted: false })
          break
        case 'RequestVote':
          this.send(from, { type: 'RequestVoteResp', term: this.term, granted: false })
          break
        default:
          break // stale response: ignore
      }
      return
    }

    switch (m.type) {
      case 'PreVote': {
        // Thesis 9.6: grant if the proposed term is newer and the log is at least as up to date.
        const grant = m.term > this.term && this.logOk(m.lastLogIndex, m.lastLogTerm)
        this.send(from, { type: 'PreVoteResp', term: grant ? m.term : this.term, granted: grant })
        return
      }
      case 'RequestVote': {
        // §5.2 one vote per term, §5.4.1 only for a candidate whose log is at least as up to date.
        const canVote = this.votedFor === from || (this.votedFor === null && this.leader === null)
        const grant = canVote && this.logOk(m.lastLogIndex, m.lastLogTerm)
        if (grant) {
          this.votedFor = from
          this.resetElectionTimer()
        }
        this.send(from, { type: 'RequestVoteResp', term: this.term, granted: grant })
        return
      }
      default:
        this.stepFn(from, m)
    }
  }

  private stepFollower(from: NodeId, m: RaftMsg): void {
    if (m.type === 'AppendEntries') {
      this.leader = from
      this.resetElectionTimer()
      this.handleAppend(from, m)
    }
  }

  private stepCandidate(from: NodeId, m: RaftMsg): void {
    switch (m.type) {
      case 'AppendEntries':
        // A leader for our term exists (§5.2): step down and accept it.
        this.becomeFollower(m.term, from)
        this.handleAppend(from, m)
        return
      case 'PreVoteResp':
        if (this.role !== 'pre-candidate') return
        if (m.granted && m.term !== this.term + 1) return // stale
        this.tally(from, m.granted)
        return
      case 'RequestVoteResp':
        if (this.role !== 'candidate') return
        this.tally(from, m.granted)
        return
      default:
        return
    }
  }

  private stepLeader(from: NodeId, m: RaftMsg): void {
    if (m.type === 'AppendEntriesResp') this.handleAppendResp(from, m)
    // AppendEntries for our own term from someone else cannot happen with honest nodes (§5.2).
  }

  private tally(from: NodeId, granted: boolean): void {
    this.votes.set(from, granted)
    let yes = 0
    let no = 0
    for (const g of this.votes.values()) {
      if (g) yes++
      else no++
    }
    if (yes >= this.quorum) {
      if (this.role === 'pre-candidate') this.becomeCandidate()
      else this.becomeLeader()
    } else if (no >= this.quorum) {
      this.becomeFollower(this.term, null)
    }
  }

  /** §5.4.1: is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
  private logOk(lastIndex: number, lastTerm: number): boolean {
    if (this.mut.voteWithoutLogCheck) return true
    const myTerm = this.log.lastTerm()
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.log.lastIndex())
  }

  private inLease(): boolean {
    return this.leader !== null && this.electionElapsed < this.params.electionTimeoutTicks[0]
  }

  // ---------------------------------------------------------------- role changes

  private becomeFollower(term: number, leader: NodeId | null): void {
    const wasLeader = this.role === 'leader'
    if (term !== this.term) {
      this.term = term
      this.votedFor = null
    }
    this.role = 'follower'
    this.leader = leader
    this.stepFn = this.stepFollower
    this.tickFn = this.tickElection
    this.resetElectionTimer()
    if (wasLeader) this.abdicate()
    this.emitStateIfChanged()
  }

  private becomePreCandidate(): void {
    // Thesis 9.6: no term change and no vote yet; ask whether we could win at term + 1.
    const wasLeader = this.role === 'leader'
    this.role = 'pre-candidate'
    this.leader = null
    this.stepFn = this.stepCandidate
    this.tickFn = this.tickElection
    this.resetElectionTimer()
    if (wasLeader) this.abdicate()
    this.votes.clear()
    this.emitStateIfChanged()
    this.tally(this.id, true)
    if (this.role !== 'pre-candidate') return
    const m: RaftMsg = {
      type: 'PreVote',
      term: this.term + 1,
      lastLogIndex: this.log.lastIndex(),
      lastLogTerm: this.log.lastTerm(),
    }
    for (const p of this.peers) this.send(p, m)
  }

  private becomeCandidate(): void {
    const wasLeader = this.role === 'leader'
    this.term++
    this.votedFor = this.id
    this.role = 'candidate'
    this.leader = null
    this.stepFn = this.stepCandidate
    this.tickFn = this.tickElection
    this.resetElectionTimer()
    if (wasLeader) this.abdicate()
    this.votes.clear()
    this.emitStateIfChanged()
    this.tally(this.id, true)
    if (this.role !== 'candidate') return
    const m: RaftMsg = {
      type: 'RequestVote',
      term: this.term,
      lastLogIndex: this.log.lastIndex(),
      lastLogTerm: this.log.lastTerm(),
    }
    for (const p of this.peers) this.send(p, m)
  }

  private becomeLeader(): void {
    this.role = 'leader'
    this.leader = this.id
    this.stepFn = this.stepLeader
    this.tickFn = this.tickHeartbeat
    this.electionElapsed = 0
    this.heartbeatElapsed = 0
    this.prs.clear()
    const next = this.log.lastIndex() + 1
    for (const p of this.peers) {
      this.prs.set(p, {
        match: 0,
        next,
        state: 'probe',
        paused: false,
        inflight: [],
        active: true,
        readAck: 0,
        matchAtHeartbeat: 0,
        sentCtx: 0,
      })
    }
    this.emitStateIfChanged()
    // §8 / thesis 6.4: commit a no-op of this term at once (commits earlier entries, enables reads).
    this.appendLocal([{ term: this.term, id: 'noop', cmd: null }])
    this.needBroadcast = true
  }

  /** Leaving leadership: reads cannot be answered any more (they had no effect: reject them).
   *  Pending writes stay pending: they may still commit, and we reply if we apply them. */
  private abdicate(): void {
    for (const r of [...this.readsAwaitingNoop, ...this.reads]) {
      this.pending.delete(r.id)
      this.out.replies.push({ id: r.id, ok: false, error: 'rejected', leaderHint: this.leader })
    }
    this.reads = []
    this.readsAwaitingNoop = []
    this.needReadRound = false
    this.readRoundInFlight = false
    this.needBroadcast = false
    this.prs.clear()
  }

  private resetElectionTimer(): void {
    this.electionElapsed = 0
    const [lo, hi] = this.params.electionTimeoutTicks
    this.randomizedElectionTimeout = this.rng.int(lo, hi)
  }

  // ---------------------------------------------------------------- ticks

  private tickElection(): void {
    this.electionElapsed++
    if (this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0
      if (this.params.preVote) this.becomePreCandidate()
      else this.becomeCandidate()
    }
  }

  private tickHeartbeat(): void {
    this.electionElapsed++
    this.heartbeatElapsed++
    if (this.electionElapsed >= this.params.electionTimeoutTicks[0]) {
      this.electionElapsed = 0
      // Check quorum: a leader that has not heard from a majority for an election timeout
      // steps down (it is probably partitioned away; its reads must not be served).
      let active = 1
      for (const pr of this.prs.values()) {
        if (pr.active) active++
        pr.active = false
      }
      if (active < this.quorum) {
        this.becomeFollower(this.term, null)
        return
      }
    }
    if (this.heartbeatElapsed >= this.params.heartbeatTicks) {
      this.heartbeatElapsed = 0
      this.bcastHeartbeat()
      const last = this.log.lastIndex()
      for (const [p, pr] of this.prs) {
        if (pr.match < last) {
          if (pr.state === 'probe') pr.paused = false
          else if (pr.match === pr.matchAtHeartbeat) this.becomeProbe(pr, pr.match + 1) // pipeline stalled
          this.sendAppend(p, false)
        }
        pr.matchAtHeartbeat = pr.match
      }
    }
  }

  // ---------------------------------------------------------------- replication (leader)

  private becomeProbe(pr: Progress, next: number): void {
    pr.state = 'probe'
    pr.next = next
    pr.paused = false
    pr.inflight.length = 0
  }

  private bcastAppend(): void {
    for (const p of this.peers) this.sendAppend(p, false)
  }

  /** Heartbeats to every follower (onlyStale: only to those not yet sent the current read round). */
  private bcastHeartbeat(onlyStale = false): void {
    for (const p of this.peers) {
      const pr = this.prs.get(p)
      if (!pr || (onlyStale && pr.sentCtx >= this.readCtx)) continue
      // prevIndex = match: always consistent on the follower, so a heartbeat never disturbs the pipeline.
      pr.sentCtx = this.readCtx
      this.send(p, {
        type: 'AppendEntries',
        term: this.term,
        prevIndex: pr.match,
        prevTerm: this.log.term(pr.match),
        entries: [],
        commit: this.commitIndex,
        ctx: this.readCtx,
      })
    }
    this.markReadRound()
  }

  /** Everything sent from now on carries readCtx: that is the round for all reads registered so far. */
  private markReadRound(): void {
    this.needReadRound = false
    if (this.reads.length && this.readRoundCtx < this.readCtx) {
      this.readRoundCtx = this.readCtx
      this.readRoundInFlight = true
    }
  }

  /** Send entries from pr.next: one message when probing, up to MAX_INFLIGHT pipelined when replicating. */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): void {
    const pr = this.prs.get(to)
    if (!pr) return
    const last = this.log.lastIndex()
    for (;;) {
      if (pr.state === 'probe' ? pr.paused : pr.inflight.length >= MAX_INFLIGHT) return
      const prev = pr.next - 1
      const hi = Math.min(last, prev + this.params.maxBatch)
      if (hi <= prev && !sendIfEmpty) return
      const entries = hi > prev ? this.log.slice(prev + 1, hi) : []
      pr.sentCtx = this.readCtx
      this.send(to, {
        type: 'AppendEntries',
        term: this.term,
        prevIndex: prev,
        prevTerm: this.log.term(prev),
        entries,
        commit: this.commitIndex,
        ctx: this.readCtx,
      })
      if (pr.state === 'probe') {
        pr.paused = true
        return
      }
      if (entries.length === 0) return
      pr.next = hi + 1
      pr.inflight.push(hi)
      sendIfEmpty = false
    }
  }

  private handleAppendResp(from: NodeId, m: Msg<'AppendEntriesResp'>): void {
    const pr = this.prs.get(from)
    if (!pr) return
    pr.active = true
    if (m.ctx > pr.readAck) pr.readAck = m.ctx
    if (!m.success) {
      if (m.index === pr.match && m.conflictIndex > 0 && m.conflictIndex <= pr.match) {
        // The follower no longer has what it acknowledged (its storage lost writes: outside
        // Raft's fault model, but do not livelock): forget its match and probe from its hint.
        pr.match = 0
        pr.matchAtHeartbeat = 0
        pr.state = 'probe'
        pr.next = m.index + 1
      }
      // Ignore stale rejections (of messages sent before we already moved on).
      if (pr.state === 'replicate' ? m.index <= pr.match : m.index !== pr.next - 1) {
        this.processReads()
        return
      }
      // §5.3 with fast backtracking: jump past the whole conflicting term.
      let next = m.conflictIndex
      if (m.conflictTerm > 0) {
        const j = this.log.lastIndexOfTerm(m.conflictTerm, m.index)
        if (j > 0) next = j + 1
      }
      next = Math.max(pr.match + 1, Math.min(next, m.index))
      this.becomeProbe(pr, next)
      this.sendAppend(from, true)
    } else {
      const idx = Math.min(m.index, this.log.lastIndex())
      if (idx > pr.match) {
        pr.match = idx
        if (pr.state === 'probe') {
          pr.state = 'replicate'
          pr.next = idx + 1
          pr.paused = false
          pr.inflight.length = 0
        } else {
          if (pr.next <= idx) pr.next = idx + 1
          let k = 0
          while (k < pr.inflight.length && pr.inflight[k] <= idx) k++
          if (k > 0) pr.inflight.splice(0, k)
        }
        this.maybeCommit()
      } else if (pr.state === 'probe') {
        pr.paused = false // e.g. a heartbeat answer: the follower is reachable, probe again
      }
      if (pr.match < this.log.lastIndex()) this.sendAppend(from, false)
    }
    this.processReads()
  }

  /** §5.3/§5.4.2: commit the highest index on a majority, but only if it is from the current term. */
  private maybeCommit(): boolean {
    const scratch = this.scratch
    scratch[0] = this.log.lastIndex()
    let k = 1
    for (const pr of this.prs.values()) scratch[k++] = pr.match
    const n = kthLargest(scratch, k, this.quorum)
    if (n <= this.commitIndex) return false
    if (!this.mut.commitOldTermByCounting && this.log.term(n) !== this.term) return false
    this.commitTo(n)
    return true
  }

  private commitTo(n: number): void {
    this.commitIndex = n
    this.applyCommitted()
    if (this.role === 'leader' && this.readsAwaitingNoop.length && this.log.term(n) === this.term) {
      const waiting = this.readsAwaitingNoop
      this.readsAwaitingNoop = []
      for (const r of waiting) this.startRead(r)
    }
    this.emitStateIfChanged()
  }

  // ---------------------------------------------------------------- replication (follower)

  private handleAppend(from: NodeId, m: Msg<'AppendEntries'>): void {
    const last = this.log.lastIndex()
    if (m.prevIndex > last) {
      this.rejectAppend(from, m, 0, last + 1)
      return
    }
    const t = this.log.term(m.prevIndex)
    if (t !== m.prevTerm) {
      // Hint: the conflicting term and its first index (nothing committed can conflict).
      const lo = Math.min(this.commitIndex + 1, m.prevIndex)
      this.rejectAppend(from, m, t, this.log.firstIndexOfTermAtLeast(t, lo, m.prevIndex))
      return
    }
    const ents = m.entries
    let k = 0
    for (; k < ents.length; k++) {
      const idx = m.prevIndex + 1 + k
      if (idx > this.log.lastIndex()) break
      if (this.log.term(idx) !== ents[k].term) {
        // Mutation noTruncateOnConflict: keep our entry, skip the leader's, and still ack.
        if (this.mut.noTruncateOnConflict) continue
        this.truncateLocal(idx)
        break
      }
    }
    if (k < ents.length) this.appendLocal(k === 0 ? ents : ents.slice(k))
    const lastNew = m.prevIndex + ents.length
    const commit = Math.min(m.commit, lastNew)
    if (commit > this.commitIndex) this.commitTo(commit)
    this.send(from, {
      type: 'AppendEntriesResp',
      term: this.term,
      success: true,
      index: lastNew,
      conflictTerm: 0,
      conflictIndex: 0,
      ctx: m.ctx,
    })
  }

  private rejectAppend(
    from: NodeId,
    m: Msg<'AppendEntries'>,
    conflictTerm: number,
    conflictIndex: number,
  ): void {
    this.send(from, {
      type: 'AppendEntriesResp',
      term: this.term,
      success: false,
      index: m.prevIndex,
      conflictTerm,
      conflictIndex,
      ctx: m.ctx,
    })
  }

  // ---------------------------------------------------------------- log + state machine

  private appendLocal(entries: readonly RaftEntry[]): void {
    const index = this.log.lastIndex() + 1
    const n = entries.length
    this.log.append(entries)
    const lastRec = this.out.persist.length ? this.out.persist[this.out.persist.length - 1] : undefined
    if (lastRec !== undefined && lastRec.t === 'append' && lastRec.index + lastRec.entries.length === index) {
      for (let k = 0; k < n; k++) lastRec.entries.push(entries[k])
    } else {
      this.out.persist.push({ t: 'append', index, entries: entries.slice() })
    }
    this.out.logAppend(index, entries)
  }

  private truncateLocal(index: number): void {
    this.log.truncateFrom(index)
    this.out.persist.push({ t: 'truncate', index })
    this.out.events.push({ type: 'log', action: 'truncate', index, entries: [] })
  }

  private applyCommitted(): void {
    const upto = Math.min(this.commitIndex, this.log.lastIndex())
    while (this.lastApplied < upto) {
      const i = ++this.lastApplied
      const e = this.log.entry(i)
      this.out.events.push({ type: 'apply', index: i, term: e.term, id: e.id })
      if (!e.cmd) continue
      const res = this.kv.apply(e.id, e.cmd)
      if (this.pending.delete(e.id)) {
        this.out.replies.push(kvReply(e.id, res))
      }
    }
    if (this.reads.length) this.processReads()
  }

  // ---------------------------------------------------------------- ReadIndex (thesis 6.4)

  private startRead(r: PendingRead): void {
    r.index = this.commitIndex
    r.ctx = ++this.readCtx
    this.reads.push(r)
    this.needReadRound = true
  }

  /** Answer every read whose heartbeat round a majority acknowledged and whose index is applied. */
  private processReads(): void {
    if (this.role !== 'leader' || this.reads.length === 0) return
    let confirmed = this.readCtx
    if (this.quorum > 1) {
      const scratch = this.scratch
      scratch[0] = this.readCtx
      let k = 1
      for (const pr of this.prs.values()) scratch[k++] = pr.readAck
      confirmed = kthLargest(scratch, k, this.quorum)
    }
    if (confirmed >= this.readRoundCtx) this.readRoundInFlight = false
    if (this.reads[0].ctx > confirmed) return
    let k = 0
    while (k < this.reads.length) {
      const r = this.reads[k]
      if (r.ctx > confirmed || r.index > this.lastApplied) break
      this.pending.delete(r.id)
      this.out.replies.push({ id: r.id, ok: true, f: 'get', value: this.kv.get(r.key) })
      k++
    }
    if (k > 0) this.reads.splice(0, k)
  }

  // ---------------------------------------------------------------- output helpers

  /** Work batched until ready(): one AppendEntries round for all new proposals, one heartbeat round for new reads. */
  private flush(): void {
    if (this.role !== 'leader') return
    if (this.needBroadcast) {
      this.needBroadcast = false
      this.bcastAppend()
    }
    // ReadIndex rounds: followers that just got an AppendEntries carrying the new ctx need no
    // extra heartbeat; and while one round is unacknowledged, new reads batch into the next.
    if (this.needReadRound && !this.readRoundInFlight) this.bcastHeartbeat(true)
    if (this.peers.length === 0) this.maybeCommit() // a single-node cluster commits on its own
    this.processReads()
  }

  private send(to: NodeId, msg: RaftMsg): void {
    this.out.send(to, msg)
  }

  private emitStateIfChanged(): void {
    if (this.out.stateChanged(this.role, this.term, this.leader, this.commitIndex))
      this.out.state(this.role, this.term, this.leader, this.commitIndex, this.log.lastIndex())
  }
}
