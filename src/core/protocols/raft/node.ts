// Raft as a pure, deterministic state machine (in the style of etcd-io/raft).
//
// Inputs: tick / step / propose. Outputs are drained by ready(): durable records first
// (the host persists them BEFORE sending messages), then messages, client replies and
// trace events. No I/O, no clocks, no Math.random: election timeouts come from opts.rng.
//
// Roles are swappable step/tick functions (stepLeader / stepCandidate / stepFollower,
// tickElection / tickHeartbeat). Paper references: Raft paper (Ongaro & Ousterhout 2014)
// sections 5.x, Ongaro's thesis sections 6.4 (ReadIndex), 9.6 (pre-vote), 4.2.3
// (disruptive servers) and etcd's check-quorum; chapter 4 (membership changes: one voter at a
// time, or joint consensus; learners), 5 (snapshots, InstallSnapshot) and 3.10 (leadership
// transfer). Quorum math lives in quorum.ts, follower progress in tracker.ts, configurations
// in config.ts.
import type {
  AdminCommand,
  ClientRequest,
  ClusterConfig,
  CreateOptions,
  NodeId,
  NodeStatus,
  Protocol,
  Ready,
} from '../types'
import type { Rng } from '../../rng'
import type { RaftParams } from './describe'
import type { Role } from '../../../shared/trace'
import { KvStore, kvReply, parseKvSnapshot } from '../kv'
import { Outbox } from '../outbox'
import { chunkAt, SnapshotAssembly } from '../snapshot'
import { changed, ConfigHistory, copyConfig, isJoint, sameConfig, type MembershipAction } from './config'
import { RaftLog } from './log'
import { ProgressTracker, type Progress } from './tracker'
import { CONFIG_ID, type RaftEntry, type RaftMsg, type RaftMutations, type RaftRecord } from './types'

/** Most optimistic (pipelined) AppendEntries with entries in flight per follower. */
export const MAX_INFLIGHT = 4

type RaftRole = Exclude<Role, 'down'>

/** The node's current snapshot (taken from its own state or installed from the leader's). */
interface Snapshot {
  index: number
  term: number
  config: ClusterConfig
  configIndex: number
  /** The serialized KV state (JSON of a KvSnapshot). */
  data: string
}

/** Most membership commands a leader keeps waiting. */
export const MAX_ADMIN_QUEUE = 64
/** A promotion waits for its learner to catch up at most this many maximum election timeouts. */
const PROMOTE_WAIT_TIMEOUTS = 10

interface PendingRead {
  id: string
  key: string
  /** The commit index when the read arrived (thesis 6.4 step 1). */
  index: number
  /** The heartbeat round that must be acknowledged by a majority (step 2). */
  ctx: number
}

type Msg<T extends RaftMsg['type']> = Extract<RaftMsg, { type: T }>

export class RaftNode implements Protocol<RaftMsg, RaftRecord> {
  readonly id: NodeId
  /** Every other node that may ever be in the cluster. */
  readonly peers: readonly NodeId[]
  /** Every node that may ever be in the cluster, in order. */
  private readonly nodes: readonly NodeId[]
  private readonly members: ReadonlySet<NodeId>
  private readonly params: RaftParams
  private readonly rng: Rng
  private readonly mut: RaftMutations
  private readonly snapshotEvery: number
  private readonly chunkSize: number
  private readonly transferTimeout: number
  private readonly joint: boolean

  // Durable state (rebuilt from records on restart).
  private term = 0
  private votedFor: NodeId | null = null
  readonly log = new RaftLog()
  /** The configurations in the log (the current one is the last, in effect from its append). */
  private readonly confs: ConfigHistory
  private snapshot: Snapshot | null = null

  // Volatile state.
  private role: RaftRole = 'follower'
  private leader: NodeId | null = null
  private commitIndex = 0
  private lastApplied = 0
  /** The replicated state machine (rebuilt from the snapshot and by re-applying the log). */
  readonly kv = new KvStore()
  private electionElapsed = 0
  private heartbeatElapsed = 0
  private randomizedElectionTimeout = 0
  private readonly votes = new Map<NodeId, boolean>()
  /** The configuration's quorums, and the leader's progress of each other member. */
  private readonly tracker: ProgressTracker
  private readonly prs: Map<NodeId, Progress>
  /** The configuration last traced (a 'config' event is emitted when it changes). */
  private shownConfig: ClusterConfig

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

  // Leader: membership changes waiting their turn, and a leadership transfer in progress.
  private adminQueue: Array<{ action: MembershipAction; node: NodeId }> = []
  private promoteWait = 0
  private leadTransferee: NodeId | null = null
  private transferElapsed = 0

  /** Follower: the pieces of a snapshot being received. */
  private readonly assembly = new SnapshotAssembly()
  /** A snapshot was taken or installed: the next ready() replaces the durable state (Ready.base). */
  private needBase = false

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
    this.nodes = opts.nodes.slice()
    this.peers = opts.nodes.filter((n) => n !== opts.id)
    this.members = new Set(this.peers)
    const voters = opts.voters ?? opts.nodes
    if (voters.length === 0) throw new Error('raft: no initial voters')
    for (const v of voters)
      if (!opts.nodes.includes(v))
        throw new Error(`raft: voter ${v} is not in nodes [${opts.nodes.join(', ')}]`)
    const initial: ClusterConfig = { voters: opts.nodes.filter((n) => voters.includes(n)), learners: [] }
    this.params = opts.params
    this.rng = opts.rng
    this.mut = mutations
    this.snapshotEvery = opts.params.snapshotEveryEntries ?? 0
    this.chunkSize = opts.params.snapshotChunkBytes ?? 64 * 1024
    this.transferTimeout = opts.params.transferTimeoutTicks || opts.params.electionTimeoutTicks[1]
    this.joint = opts.params.membership === 'joint'
    this.confs = new ConfigHistory(0, initial)
    this.tracker = new ProgressTracker(this.id, this.nodes, initial, mutations.learnerCountsAsVoter === true)
    this.prs = this.tracker.progress
    this.recover(opts.recovered)
    const cfg = this.confs.current()
    this.tracker.setConfig(cfg)
    this.shownConfig = { voters: this.nodes.slice(), learners: [] }
    this.stepFn = this.stepFollower
    this.tickFn = this.tickElection
    this.resetElectionTimer()
    this.emitStateIfChanged()
    this.emitConfigIfChanged()
  }

  private recover(records: readonly RaftRecord[]): void {
    for (const r of records) {
      switch (r.t) {
        case 'hard':
          this.term = r.term
          this.votedFor = r.votedFor
          break
        case 'snapshot': {
          const kv = parseKvSnapshot(r.data)
          if (typeof kv === 'string')
            throw new Error(`raft ${this.id}: recovered snapshot at ${r.index}: ${kv}`)
          this.term = r.hardTerm
          this.votedFor = r.votedFor
          this.log.reset(r.index, r.term)
          this.confs.reset(r.configIndex, r.config)
          this.kv.restore(kv)
          this.snapshot = {
            index: r.index,
            term: r.term,
            config: r.config,
            configIndex: r.configIndex,
            data: r.data,
          }
          this.commitIndex = r.index
          this.lastApplied = r.index
          this.appendRecovered(r.index + 1, r.entries)
          break
        }
        case 'append':
          this.log.truncateFrom(r.index)
          this.confs.truncateFrom(r.index)
          if (r.index !== this.log.lastIndex() + 1)
            throw new Error(
              `raft ${this.id}: recovered append at ${r.index} leaves a gap (last ${this.log.lastIndex()})`,
            )
          this.appendRecovered(r.index, r.entries)
          break
        case 'truncate':
          this.log.truncateFrom(r.index)
          this.confs.truncateFrom(r.index)
          break
      }
    }
    this.hardTerm = this.term
    this.hardVote = this.votedFor
  }

  private appendRecovered(index: number, entries: readonly RaftEntry[]): void {
    this.log.append(entries)
    for (let k = 0; k < entries.length; k++) {
      const c = entries[k].conf
      if (c !== undefined) this.confs.append(index + k, c)
    }
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
    if (this.leadTransferee !== null) {
      // Thesis 3.10: a leader handing over takes no new requests; the target leads next.
      this.out.replies.push({ id: req.id, ok: false, error: 'not_leader', leaderHint: this.leadTransferee })
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

  /**
   * A cluster operation: membership changes wait in a queue for their turn (one change at a
   * time, §4.1), a leadership transfer starts at once (thesis 3.10). Only the leader acts.
   */
  admin(cmd: AdminCommand): void {
    if (this.role !== 'leader') return
    if (cmd.type === 'transfer-leadership') this.transferLeadership(cmd.target)
    else if (
      (this.members.has(cmd.node) || cmd.node === this.id) &&
      this.adminQueue.length < MAX_ADMIN_QUEUE
    ) {
      // Started at ready(): commands that arrive together make one joint change.
      this.adminQueue.push({ action: cmd.action, node: cmd.node })
    }
    this.emitStateIfChanged()
  }

  /** Start an election now (as if the election timer fired); tests and tools. */
  campaign(): void {
    if (this.role === 'leader' || !this.tracker.isVoter(this.id)) return
    if (this.params.preVote) this.becomePreCandidate()
    else this.becomeCandidate()
    this.emitStateIfChanged()
  }

  ready(): Ready<RaftMsg, RaftRecord> {
    this.flush()
    const forget = this.mut.forgetPersistVote === true
    if (this.needBase) {
      // Log compaction: one record with everything durable replaces all earlier ones.
      this.needBase = false
      this.hardTerm = this.term
      this.hardVote = this.votedFor
      this.emitStateIfChanged()
      const snap = this.snapshot as Snapshot
      const base: RaftRecord = {
        t: 'snapshot',
        hardTerm: this.term,
        // Mutation forgetPersistVote: the vote never reaches storage.
        votedFor: forget ? null : this.votedFor,
        index: snap.index,
        term: snap.term,
        config: snap.config,
        configIndex: snap.configIndex,
        data: snap.data,
        entries: this.log.slice(snap.index + 1, this.log.lastIndex()),
      }
      return this.out.drainWithBase(base)
    }
    if (this.term !== this.hardTerm || this.votedFor !== this.hardVote) {
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
    const s: NodeStatus = {
      id: this.id,
      role: this.role,
      term: this.term,
      leader: this.leader,
      commitIndex: this.commitIndex,
      lastIndex: this.log.lastIndex(),
    }
    // Only when it differs from "every node a voter" (what a status without it means).
    if (this.configShown()) s.config = copyConfig(this.confs.current())
    return s
  }

  /** Extra introspection for tests and the live view. */
  inspect(): {
    votedFor: NodeId | null
    lastApplied: number
    electionTimeout: number
    progress: Record<string, { match: number; next: number; state: string }>
    config: ClusterConfig
    configIndex: number
    snapshotIndex: number
    leadTransferee: NodeId | null
    adminQueue: number
  } {
    const progress: Record<string, { match: number; next: number; state: string }> = {}
    for (const [p, pr] of this.prs) progress[p] = { match: pr.match, next: pr.next, state: pr.state }
    return {
      votedFor: this.votedFor,
      lastApplied: this.lastApplied,
      electionTimeout: this.randomizedElectionTimeout,
      progress,
      config: copyConfig(this.confs.current()),
      configIndex: this.confs.lastIndex(),
      snapshotIndex: this.log.snapshotIndex(),
      leadTransferee: this.leadTransferee,
      adminQueue: this.adminQueue.length,
    }
  }

  // ---------------------------------------------------------------- step

  private stepInner(from: NodeId, m: RaftMsg): void {
    if (m.term > this.term) {
      if (
        (m.type === 'PreVote' || m.type === 'RequestVote') &&
        this.inLease() &&
        !(m.type === 'RequestVote' && m.transfer)
      ) {
        // Thesis 4.2.3: we heard from a current leader within the minimum election timeout,
        // so ignore a (pre-)vote request that would disrupt it (unless the leader itself asked
        // for it: a leadership transfer, thesis 3.10).
        return
      }
      if (m.type === 'PreVote') {
        // A pre-vote never changes our term.
      } else if (m.type === 'PreVoteResp' && m.granted) {
        // A granted pre-vote carries the proposed term, not the voter's.
      } else {
        this.becomeFollower(m.term, m.type === 'AppendEntries' || m.type === 'InstallSnapshot' ? from : null)
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
        case 'InstallSnapshot':
          this.send(from, {
            type: 'InstallSnapshotResp',
            term: this.term,
            index: m.index,
            next: 0,
            done: false,
            match: 0,
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
    switch (m.type) {
      case 'AppendEntries':
        this.leader = from
        this.resetElectionTimer()
        this.handleAppend(from, m)
        return
      case 'InstallSnapshot':
        this.leader = from
        this.resetElectionTimer()
        this.handleSnapshot(from, m)
        return
      case 'TimeoutNow':
        // Thesis 3.10: the leader hands over to us; stand at once, without pre-vote. Only a
        // voter can (a learner or a removed node would need votes it cannot count).
        if (from === this.leader && this.tracker.isVoter(this.id)) this.becomeCandidate(true)
        return
      default:
        return
    }
  }

  private stepCandidate(from: NodeId, m: RaftMsg): void {
    switch (m.type) {
      case 'AppendEntries':
        // A leader for our term exists (§5.2): step down and accept it.
        this.becomeFollower(m.term, from)
        this.handleAppend(from, m)
        return
      case 'InstallSnapshot':
        this.becomeFollower(m.term, from)
        this.handleSnapshot(from, m)
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
    else if (m.type === 'InstallSnapshotResp') this.handleSnapshotResp(from, m)
    // AppendEntries for our own term from someone else cannot happen with honest nodes (§5.2).
  }

  private tally(from: NodeId, granted: boolean): void {
    this.votes.set(from, granted)
    const r = this.tracker.vote(this.votes)
    if (r === 'won') {
      if (this.role === 'pre-candidate') this.becomeCandidate()
      else this.becomeLeader()
    } else if (r === 'lost') {
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
    for (const p of this.tracker.voters()) this.send(p, m)
  }

  /** `transfer`: on a TimeoutNow (thesis 3.10), so voters set their leader lease aside. */
  private becomeCandidate(transfer = false): void {
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
    const m: RaftMsg = transfer
      ? {
          type: 'RequestVote',
          term: this.term,
          lastLogIndex: this.log.lastIndex(),
          lastLogTerm: this.log.lastTerm(),
          transfer: true,
        }
      : {
          type: 'RequestVote',
          term: this.term,
          lastLogIndex: this.log.lastIndex(),
          lastLogTerm: this.log.lastTerm(),
        }
    for (const p of this.tracker.voters()) this.send(p, m)
  }

  private becomeLeader(): void {
    this.role = 'leader'
    this.leader = this.id
    this.stepFn = this.stepLeader
    this.tickFn = this.tickHeartbeat
    this.electionElapsed = 0
    this.heartbeatElapsed = 0
    this.tracker.reset(this.log.lastIndex() + 1)
    this.adminQueue = []
    this.promoteWait = 0
    this.leadTransferee = null
    this.emitStateIfChanged()
    // §8 / thesis 6.4: commit a no-op of this term at once (commits earlier entries, enables reads).
    this.appendLocal([{ term: this.term, id: 'noop', cmd: null }])
    this.needBroadcast = true
  }

  /** Leaving leadership: reads cannot be answered any more (they had no effect: reject them).
   *  Pending writes stay pending: they may still commit, and we reply if we apply them.
   *  Membership changes not started and a transfer in progress are dropped. */
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
    this.adminQueue = []
    this.leadTransferee = null
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
      // Only a voter stands (a learner, or a node outside the configuration, waits to be added).
      if (!this.tracker.isVoter(this.id)) return
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
      const ok = this.tracker.quorumHas((id) => id === this.id || this.prs.get(id)?.active === true)
      for (const pr of this.prs.values()) pr.active = false
      if (!ok) {
        this.becomeFollower(this.term, null)
        return
      }
    }
    if (this.leadTransferee !== null && ++this.transferElapsed >= this.transferTimeout) {
      // Thesis 3.10: the target did not take over in time; serve again.
      this.leadTransferee = null
    }
    if (this.heartbeatElapsed >= this.params.heartbeatTicks) {
      this.heartbeatElapsed = 0
      this.bcastHeartbeat()
      const last = this.log.lastIndex()
      for (const [p, pr] of this.prs) {
        if (pr.state === 'snapshot') {
          // A piece lost (or the follower restarted): send it again.
          if (pr.snapOffset === pr.snapOffsetAtHeartbeat) this.sendSnapshotPiece(p, pr)
          pr.snapOffsetAtHeartbeat = pr.snapOffset
        } else if (pr.match < last) {
          if (pr.state === 'probe') pr.paused = false
          else if (pr.match === pr.matchAtHeartbeat) this.becomeProbe(pr, pr.match + 1) // pipeline stalled
          this.sendAppend(p, false)
        }
        pr.matchAtHeartbeat = pr.match
      }
    }
    if (this.adminQueue.length > 0) {
      this.promoteWait++
      this.maybeChangeConfig()
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
    for (const p of this.tracker.members()) this.sendAppend(p, false)
  }

  /** Heartbeats to every follower (onlyStale: only to those not yet sent the current read round). */
  private bcastHeartbeat(onlyStale = false): void {
    const snapIndex = this.log.snapshotIndex()
    for (const p of this.tracker.members()) {
      const pr = this.prs.get(p)
      if (!pr || (onlyStale && pr.sentCtx >= this.readCtx)) continue
      // prevIndex = match: always consistent on the follower, so a heartbeat never disturbs the
      // pipeline. A match behind our snapshot has no term here any more: prevIndex 0 (the
      // follower answers with what its own snapshot covers).
      const prev = pr.match < snapIndex ? 0 : pr.match
      pr.sentCtx = this.readCtx
      this.send(p, {
        type: 'AppendEntries',
        term: this.term,
        prevIndex: prev,
        prevTerm: this.log.term(prev),
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

  /**
   * Send entries from pr.next: one message when probing, up to MAX_INFLIGHT pipelined when
   * replicating; the snapshot instead when pr.next was compacted away (§5.3 / thesis 5.3).
   */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): void {
    const pr = this.prs.get(to)
    if (!pr || pr.state === 'snapshot') return
    const last = this.log.lastIndex()
    for (;;) {
      if (pr.state === 'probe' ? pr.paused : pr.inflight.length >= MAX_INFLIGHT) return
      const prev = pr.next - 1
      if (prev < this.log.snapshotIndex()) {
        this.startSnapshot(to, pr)
        return
      }
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
      // Ignore stale rejections (of messages sent before we already moved on), and any while
      // the snapshot is on its way.
      if (
        pr.state === 'snapshot' ||
        (pr.state === 'replicate' ? m.index <= pr.match : m.index !== pr.next - 1)
      ) {
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
        } else if (pr.state === 'snapshot') {
          // The follower got there another way (e.g. its own snapshot): replicate again.
          if (pr.match >= pr.snapIndex) this.becomeProbe(pr, pr.match + 1)
        } else {
          if (pr.next <= idx) pr.next = idx + 1
          let k = 0
          while (k < pr.inflight.length && pr.inflight[k] <= idx) k++
          if (k > 0) pr.inflight.splice(0, k)
        }
        this.progressed(from, pr)
      } else if (pr.state === 'probe') {
        pr.paused = false // e.g. a heartbeat answer: the follower is reachable, probe again
      }
      if (pr.match < this.log.lastIndex()) this.sendAppend(from, false)
    }
    this.processReads()
  }

  /** A follower's match advanced: commit what a quorum has, and what waits on it may go on. */
  private progressed(from: NodeId, pr: Progress): void {
    this.maybeCommit()
    if (this.role !== 'leader') return
    if (from === this.leadTransferee && pr.match === this.log.lastIndex()) {
      // Thesis 3.10: the target has everything; tell it to stand now.
      this.send(from, { type: 'TimeoutNow', term: this.term })
    }
    if (this.adminQueue.length > 0) this.maybeChangeConfig()
  }

  /** §5.3/§5.4.2: commit the highest index on a quorum, but only if it is from the current term. */
  private maybeCommit(): boolean {
    const last = this.log.lastIndex()
    const n = this.tracker.committed((id) => (id === this.id ? last : (this.prs.get(id)?.match ?? 0)))
    if (!(n > this.commitIndex) || n > last) return false
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
    // Traced before what the commit lets the leader do next (a configuration change).
    this.emitStateIfChanged()
    if (this.role !== 'leader' || this.confs.lastIndex() > n) return
    if (!this.tracker.isVoter(this.id)) {
      // §4.2.2: the configuration without us is committed: a removed leader steps down.
      this.becomeFollower(this.term, null)
    } else this.maybeChangeConfig()
  }

  // ---------------------------------------------------------------- snapshots (leader)

  private startSnapshot(to: NodeId, pr: Progress): void {
    if (this.snapshot === null) return
    pr.state = 'snapshot'
    pr.snapIndex = this.snapshot.index
    pr.snapOffset = 0
    pr.snapOffsetAtHeartbeat = -1
    pr.paused = false
    pr.inflight.length = 0
    this.sendSnapshotPiece(to, pr)
  }

  /** The piece of our snapshot at pr.snapOffset (from the start of a newer one if we took one since). */
  private sendSnapshotPiece(to: NodeId, pr: Progress): void {
    const snap = this.snapshot
    if (snap === null) return
    if (pr.snapIndex !== snap.index) {
      pr.snapIndex = snap.index
      pr.snapOffset = 0
    }
    const piece = chunkAt(snap.data, pr.snapOffset, this.chunkSize)
    this.send(to, {
      type: 'InstallSnapshot',
      term: this.term,
      index: snap.index,
      snapTerm: snap.term,
      config: snap.config,
      configIndex: snap.configIndex,
      offset: pr.snapOffset,
      data: piece.data,
      done: piece.done,
    })
  }

  private handleSnapshotResp(from: NodeId, m: Msg<'InstallSnapshotResp'>): void {
    const pr = this.prs.get(from)
    if (!pr) return
    pr.active = true
    if (m.done) {
      const idx = Math.min(m.match, this.log.lastIndex())
      if (idx > pr.match) pr.match = idx
      if (pr.state === 'snapshot') {
        this.becomeProbe(pr, pr.match + 1)
        this.sendAppend(from, true)
      }
      this.progressed(from, pr)
      return
    }
    if (pr.state !== 'snapshot' || m.index !== pr.snapIndex || m.next === pr.snapOffset) return
    // One piece at a time: the next one (or from where the follower says it is).
    pr.snapOffset = m.next
    this.sendSnapshotPiece(from, pr)
  }

  // ---------------------------------------------------------------- membership (leader, thesis 4)

  /**
   * Start the next membership change when its turn has come: the previous configuration
   * entry is committed (one change at a time, §4.1), and this leader has committed an entry of
   * its own term (the fix for the single-server bug published in 2015). In joint mode a
   * committed C_old,new is followed by C_new at once (etcd's auto-leave).
   */
  private maybeChangeConfig(): void {
    if (this.role !== 'leader' || this.leadTransferee !== null) return
    for (;;) {
      if (this.confs.lastIndex() > this.commitIndex && !this.mut.concurrentConfigChanges) return
      if (this.log.term(this.commitIndex) !== this.term && !this.mut.changeBeforeTermCommit) return
      const cur = this.confs.current()
      if (isJoint(cur)) {
        this.appendConfig({ voters: cur.voters.slice(), learners: cur.learners.slice() })
        return
      }
      const next = this.joint ? this.nextJointChange(cur) : this.nextSingleChange(cur)
      if (next === null) return
      this.appendConfig(next)
      if (!this.mut.concurrentConfigChanges) return
    }
  }

  /** A learner is ready for promotion once it has everything committed (thesis 4.2.1). */
  private caughtUp(node: NodeId): boolean {
    const pr = this.prs.get(node)
    return pr !== undefined && pr.match >= this.commitIndex
  }

  /** The queue's head: `take` it, `skip` it (it means nothing, or its learner never caught up), or `wait`. */
  private headVerdict(cfg: ClusterConfig): { verdict: 'take' | 'skip' | 'wait'; next: ClusterConfig | null } {
    const cmd = this.adminQueue[0]
    const next = changed(cfg, cmd.action, cmd.node, this.nodes)
    if (next === null) return { verdict: 'skip', next }
    if (cmd.action === 'promote' && !this.caughtUp(cmd.node)) {
      const limit = PROMOTE_WAIT_TIMEOUTS * this.params.electionTimeoutTicks[1]
      return { verdict: this.promoteWait > limit ? 'skip' : 'wait', next }
    }
    return { verdict: 'take', next }
  }

  /** Single-server changes: the next command that changes something, alone. */
  private nextSingleChange(cur: ClusterConfig): ClusterConfig | null {
    while (this.adminQueue.length > 0) {
      const h = this.headVerdict(cur)
      if (h.verdict === 'wait') return null
      this.adminQueue.shift()
      this.promoteWait = 0
      if (h.verdict === 'take') return h.next
    }
    return null
  }

  /**
   * Joint consensus: every command ready now, together: learners alone change in one step,
   * a change of voters goes through C_old,new (oldVoters = the current voters).
   */
  private nextJointChange(cur: ClusterConfig): ClusterConfig | null {
    let target: ClusterConfig = { voters: cur.voters, learners: cur.learners }
    let took = 0
    while (this.adminQueue.length > 0) {
      const h = this.headVerdict(target)
      if (h.verdict === 'wait') break
      this.adminQueue.shift()
      this.promoteWait = 0
      if (h.verdict === 'take' && h.next !== null) {
        target = h.next
        took++
      }
    }
    if (took === 0) return null
    if (sameConfig({ voters: target.voters, learners: [] }, { voters: cur.voters, learners: [] }))
      return target
    return { voters: target.voters, learners: target.learners, oldVoters: cur.voters.slice() }
  }

  private appendConfig(conf: ClusterConfig): void {
    this.appendLocal([{ term: this.term, id: CONFIG_ID, cmd: null, conf }])
    this.needBroadcast = true
  }

  /** The log's configuration changed (appended or truncated, thesis 4.1: in effect at once). */
  private configChanged(): void {
    const cfg = this.confs.current()
    this.tracker.setConfig(cfg)
    if (this.role === 'leader') {
      // A new member starts from our last entry (the one that added it): it answers, and a
      // follower with an older log says where it stands.
      this.tracker.sync(Math.max(1, this.log.lastIndex()))
      if (this.leadTransferee !== null && !this.tracker.isVoter(this.leadTransferee))
        this.leadTransferee = null
    }
    this.emitConfigIfChanged()
  }

  // ---------------------------------------------------------------- leadership transfer (thesis 3.10)

  private transferLeadership(target: NodeId): void {
    if (target === this.id) {
      this.leadTransferee = null
      return
    }
    const pr = this.prs.get(target)
    if (pr === undefined || !this.tracker.isVoter(target) || this.leadTransferee === target) return
    this.leadTransferee = target
    this.transferElapsed = 0
    if (pr.match === this.log.lastIndex()) this.send(target, { type: 'TimeoutNow', term: this.term })
    else this.sendAppend(target, true)
  }

  // ---------------------------------------------------------------- replication (follower)

  private handleAppend(from: NodeId, msg: Msg<'AppendEntries'>): void {
    let m = msg
    const snap = this.log.snapshotIndex()
    if (m.prevIndex < snap) {
      // Entries up to our snapshot are committed, so they are the leader's too: skip them.
      const skip = snap - m.prevIndex
      if (skip >= m.entries.length) {
        this.send(from, {
          type: 'AppendEntriesResp',
          term: this.term,
          success: true,
          index: snap,
          conflictTerm: 0,
          conflictIndex: 0,
          ctx: m.ctx,
        })
        return
      }
      m = { ...m, prevIndex: snap, prevTerm: m.entries[skip - 1].term, entries: m.entries.slice(skip) }
    }
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
    let confChanged = false
    for (let k = 0; k < n; k++) {
      const c = entries[k].conf
      if (c !== undefined) {
        this.confs.append(index + k, c)
        confChanged = true
      }
    }
    const lastRec = this.out.persist.length ? this.out.persist[this.out.persist.length - 1] : undefined
    if (lastRec !== undefined && lastRec.t === 'append' && lastRec.index + lastRec.entries.length === index) {
      for (let k = 0; k < n; k++) lastRec.entries.push(entries[k])
    } else {
      this.out.persist.push({ t: 'append', index, entries: entries.slice() })
    }
    this.out.logAppend(index, entries)
    if (confChanged) this.configChanged()
  }

  private truncateLocal(index: number): void {
    this.log.truncateFrom(index)
    this.out.persist.push({ t: 'truncate', index })
    this.out.events.push({ type: 'log', action: 'truncate', index, entries: [] })
    if (this.confs.truncateFrom(index)) this.configChanged()
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
    this.maybeSnapshot()
  }

  // ---------------------------------------------------------------- snapshots

  /** Every snapshotEveryEntries applied entries: snapshot the state machine, drop the log behind it. */
  private maybeSnapshot(): void {
    if (this.snapshotEvery <= 0 || this.lastApplied - this.log.snapshotIndex() < this.snapshotEvery) return
    const index = this.lastApplied
    const term = this.log.term(index)
    const at = this.confs.at(index)
    this.snapshot = {
      index,
      term,
      config: at.config,
      configIndex: at.index,
      data: JSON.stringify(this.kv.snapshot()),
    }
    this.log.compact(index)
    this.confs.compact(index)
    this.needBase = true
    this.out.events.push({ type: 'snapshot', action: 'take', index, term })
  }

  /** A whole snapshot arrived from the leader (a piece of it otherwise): install it, answer. */
  private handleSnapshot(from: NodeId, m: Msg<'InstallSnapshot'>): void {
    const got = this.assembly.offer(
      { index: m.index, term: m.snapTerm, epoch: m.term },
      m.offset,
      m.data,
      m.done,
    )
    const match = got.text === null ? null : this.installSnapshot(m, got.text)
    this.send(from, {
      type: 'InstallSnapshotResp',
      term: this.term,
      index: m.index,
      next: match === null && got.text !== null ? 0 : got.next,
      done: match !== null,
      match: match ?? 0,
    })
  }

  /**
   * Thesis 5.3: a snapshot we already have (it ends within what we committed) is ignored; one
   * whose last entry we hold keeps the log after it (we only learn the commit point); else
   * the log is discarded and the state machine replaced. Returns the index the follower now
   * knows to match the leader's log, or null for a snapshot that does not decode.
   */
  private installSnapshot(m: Msg<'InstallSnapshot'>, text: string): number | null {
    if (!this.mut.installStaleSnapshot) {
      if (m.index <= this.commitIndex) return this.commitIndex
      if (this.log.term(m.index) === m.snapTerm) {
        this.commitTo(m.index)
        return m.index
      }
    }
    const kv = parseKvSnapshot(text)
    if (typeof kv === 'string') return null
    const discard = this.log.lastIndex() > m.index
    this.log.reset(m.index, m.snapTerm)
    this.confs.reset(m.configIndex, m.config)
    this.kv.restore(kv)
    this.commitIndex = m.index
    this.lastApplied = m.index
    this.snapshot = {
      index: m.index,
      term: m.snapTerm,
      config: m.config,
      configIndex: m.configIndex,
      data: text,
    }
    this.needBase = true
    this.out.events.push({ type: 'snapshot', action: 'install', index: m.index, term: m.snapTerm })
    if (discard) this.out.events.push({ type: 'log', action: 'truncate', index: m.index + 1, entries: [] })
    this.configChanged()
    this.emitStateIfChanged()
    return m.index
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
    const confirmed = this.tracker.committed((id) =>
      id === this.id ? this.readCtx : (this.prs.get(id)?.readAck ?? 0),
    )
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
    if (this.adminQueue.length > 0) this.maybeChangeConfig()
    if (this.needBroadcast) {
      this.needBroadcast = false
      this.bcastAppend()
    }
    // ReadIndex rounds: followers that just got an AppendEntries carrying the new ctx need no
    // extra heartbeat; and while one round is unacknowledged, new reads batch into the next.
    if (this.needReadRound && !this.readRoundInFlight) this.bcastHeartbeat(true)
    if (this.tracker.soleVoter()) this.maybeCommit() // a single voter commits on its own
    this.processReads()
  }

  private send(to: NodeId, msg: RaftMsg): void {
    this.out.send(to, msg)
  }

  private emitStateIfChanged(): void {
    if (this.out.stateChanged(this.role, this.term, this.leader, this.commitIndex))
      this.out.state(this.role, this.term, this.leader, this.commitIndex, this.log.lastIndex())
  }

  /** Whether the configuration is other than "every node a voter" (what the trace shows without it). */
  private configShown(): boolean {
    const c = this.confs.current()
    return isJoint(c) || c.learners.length > 0 || c.voters.length !== this.nodes.length || this.shownIndex > 0
  }

  private shownIndex = 0

  private emitConfigIfChanged(): void {
    const c = this.confs.current()
    const index = this.confs.lastIndex()
    if (index === this.shownIndex && sameConfig(c, this.shownConfig)) return
    this.shownConfig = copyConfig(c)
    this.shownIndex = index
    const ev = copyConfig(c)
    this.out.events.push({ type: 'config', index, ...ev })
  }
}
