// Multi-Paxos as a pure, deterministic state machine: a replicated KV log on a sequence of
// Paxos instances (slots), with a stable leader.
//
// Paper references: Lamport, "Paxos Made Simple" (2001) sections 2 (single-decree Paxos) and
// 3 (implementing a state machine: a leader runs phase 1 once for all instances, then one
// phase 2 per command; gaps are filled with no-ops); van Renesse & Altinbuken, "Paxos Made
// Moderately Complex" (2015) for leader change by a higher ballot and the commit point.
//
// - Every node is an acceptor. A node that hears no leader for a random timeout drawn from
//   params.leaderTimeoutTicks becomes a candidate: it picks a ballot (round, node index) above
//   every ballot it has seen and runs phase 1 (Prepare/Promise) for all slots after its own
//   decided prefix. Promises carry what each acceptor accepted there; with a majority, the
//   candidate becomes leader, re-proposes per slot the value with the highest ballot (keeping
//   its entry, so a decided slot has one (term, id) everywhere) and fills holes with no-ops.
// - The leader runs phase 2 (Accept/Accepted) per command, batching up to params.maxBatch
//   commands per Accept; a slot is decided when a majority accepted it. The decided prefix
//   (commit point) rides on Accepts and on Heartbeats every params.heartbeatTicks. A follower
//   decides a slot <= the commit point if it accepted it in the leader's ballot, and asks
//   (HeartbeatAck with its own commit point) for the rest, which the leader sends as CatchUp.
// - Acceptors persist their promise and accepted values before replying (the host persists
//   ready().persist before sending). A restarted node recovers from `recovered` only.
// - Reads go through the log (a get is a command like a put), so they are linearizable.
// - Commands are idempotent by request id (KvStore): a retried request applied twice answers
//   with the first result.
// - Checkpoints (params.checkpointEverySlots, 0 = off): every N applied slots a node
//   serializes its KV state, trims the slots behind it and replaces its durable records with
//   one (Ready.base). A node whose next slot another trimmed gets that checkpoint in pieces
//   (Checkpoint / CheckpointAck): a follower behind the leader's trim point, or a candidate
//   whose Prepare asks about slots an acceptor trimmed (that acceptor does not promise: its
//   values there are gone, so the candidate first installs the checkpoint, then prepares from
//   after it). With checkpoints on, the slot store, the leader's per-slot tables and the KV
//   state are bounded; the dedup table is bounded per client (see kv.ts).
// - Liveness helpers (not needed for safety): an acceptor that heard from a leader within the
//   minimum leader timeout ignores Prepares (so a node returning from a partition does not
//   depose a working leader), a candidate that hears a working leader steps down, and a
//   leader that has not heard from a majority for the minimum leader timeout steps down.
import type { ClientRequest, CreateOptions, NodeId, NodeStatus, Protocol, Ready } from '../types'
import type { Rng } from '../../rng'
import type { MultiPaxosParams } from './describe'
import { KvStore, kvReply, parseKvSnapshot } from '../kv'
import { Outbox } from '../outbox'
import { chunkAt, SnapshotAssembly } from '../snapshot'
import { SlotLog, SlotNumbers } from './log'
import {
  CHECKPOINT_CHUNK,
  ballotRound,
  makeBallot,
  type MpEntry,
  type MpMsg,
  type MpRecord,
  type MultiPaxosMutations,
  type PromiseSlot,
} from './types'

type MpRole = 'follower' | 'candidate' | 'leader'
type Msg<T extends MpMsg['type']> = Extract<MpMsg, { type: T }>

/** Fewest decided entries a CatchUp carries (params.maxBatch may be smaller). */
export const CATCHUP_MIN = 256
/**
 * Farthest a message may reach past what this node holds (slots are array positions): a
 * corrupt frame naming slot 2^50 is dropped instead of exhausting memory. Honest leaders
 * stay far below (a lagging follower catches up from its own decided prefix).
 */
export const MAX_AHEAD = 1 << 22
/** Most entries the leader re-sends to one follower per heartbeat (as Accepts). */
const RESEND_BATCHES = 4
/** A checkpoint transfer nobody answers for this many leader timeouts is given up. */
const TRANSFER_GIVE_UP_TIMEOUTS = 10

interface Checkpoint {
  slot: number
  term: number
  data: string
}

function popcount(x: number): number {
  let n = 0
  while (x !== 0) {
    x &= x - 1
    n++
  }
  return n
}

export class MultiPaxosNode implements Protocol<MpMsg, MpRecord> {
  readonly id: NodeId
  readonly peers: readonly NodeId[]
  private readonly nodes: readonly NodeId[]
  private readonly index: number
  private readonly bit: ReadonlyMap<NodeId, number>
  private readonly quorum: number
  /** Accepted count that decides a slot (the majority, unless mutated). */
  private readonly phase2Quorum: number
  private readonly params: MultiPaxosParams
  private readonly rng: Rng
  private readonly mut: MultiPaxosMutations
  private readonly checkpointEvery: number

  // Durable state (rebuilt from records on restart).
  /** Highest ballot promised (or accepted in) as an acceptor. */
  private promised = 0
  /** Highest ballot this node ran phase 1 with. */
  private ownBallot = 0
  readonly log = new SlotLog()
  /** The latest checkpoint (taken here or installed from another node). */
  private checkpoint: Checkpoint | null = null

  // Volatile state.
  private role: MpRole = 'follower'
  private leader: NodeId | null = null
  /** Candidate / leader: the ballot of this node's phase 1 / leadership. */
  private ballot = 0
  private maxRound = 0
  /** Highest slot s such that every slot <= s is decided here. */
  private commitIndex = 0
  private lastApplied = 0
  readonly kv = new KvStore()
  private elapsed = 0
  private timeout = 0
  private hbElapsed = 0

  // Candidate.
  /** The decided prefix the Prepare asked about (promises report slots after it). */
  private prepareFrom = 0
  private readonly promises = new Map<NodeId, PromiseSlot[]>()

  // Leader.
  /** acks[slot] = bitmask of nodes that accepted the slot in this ballot. */
  private readonly acks = new SlotNumbers()
  /** First slot not yet sent to the followers. */
  private nextUnsent = 1
  /** Leader ticks so far, and sentAt[slot] = the tick its Accept last went out. */
  private ticks = 0
  private readonly sentAt = new SlotNumbers()
  private readonly active = new Set<NodeId>()

  /** Client requests this node accepted and still owes a reply for. */
  private readonly pending = new Set<string>()

  // Checkpoint transfers: pieces being received, and the ones this node sends (one piece in
  // flight per receiver; `idle` ticks since its last answer).
  private readonly assembly = new SnapshotAssembly()
  private readonly transfers = new Map<NodeId, { slot: number; offset: number; idle: number }>()
  /** A checkpoint was taken or installed: the next ready() replaces the durable state. */
  private needBase = false

  // Outputs, drained by ready().
  private readonly out = new Outbox<MpMsg, MpRecord>()
  private hardPromised = 0
  private hardCommit = 0

  constructor(opts: CreateOptions<MultiPaxosParams, MpRecord>, mutations: MultiPaxosMutations = {}) {
    this.id = opts.id
    this.index = opts.nodes.indexOf(opts.id)
    if (this.index < 0)
      throw new Error(`multipaxos: node ${opts.id} is not in nodes [${opts.nodes.join(', ')}]`)
    if (opts.nodes.length > 15) throw new Error(`multipaxos: at most 15 nodes (got ${opts.nodes.length})`)
    this.peers = opts.nodes.filter((n) => n !== opts.id)
    this.nodes = opts.nodes.slice()
    const bit = new Map<NodeId, number>()
    opts.nodes.forEach((n, i) => bit.set(n, 1 << i))
    this.bit = bit
    this.quorum = Math.floor(opts.nodes.length / 2) + 1
    this.phase2Quorum = mutations.decideOnMinority ? Math.max(1, this.quorum - 1) : this.quorum
    this.params = opts.params
    this.rng = opts.rng
    this.mut = mutations
    this.checkpointEvery = opts.params.checkpointEverySlots ?? 0
    this.recover(opts.recovered)
    this.resetTimer()
    this.emitStateIfChanged()
    // The recovered log again for the trace (the previous incarnation's events may not all
    // have reached it before the crash), then the decided prefix is applied from slot 1 (from
    // after the checkpoint, when there is one).
    if (this.checkpoint !== null)
      this.out.events.push({
        type: 'snapshot',
        action: 'restore',
        index: this.checkpoint.slot,
        term: this.checkpoint.term,
      })
    for (let s = this.log.trimmed() + 1; s <= this.log.lastSlot(); s++) {
      const e = this.log.entry(s)
      if (e !== null) this.out.logAppend(s, [e])
    }
    this.advanceCommit()
    this.hardCommit = this.commitIndex
  }

  private recover(records: readonly MpRecord[]): void {
    let commit = 0
    for (const r of records) {
      switch (r.t) {
        case 'checkpoint': {
          const kv = parseKvSnapshot(r.data)
          if (typeof kv === 'string')
            throw new Error(`multipaxos ${this.id}: recovered checkpoint at slot ${r.slot}: ${kv}`)
          this.promised = r.promised
          this.ownBallot = r.ownBallot
          this.log.trim(r.slot)
          for (const a of r.accepted) {
            if (a.ballot > this.promised && !this.mut.forgetPromise) this.promised = a.ballot
            this.log.set(a.slot, a.ballot, a.entry, a.decided)
          }
          this.kv.restore(kv)
          this.checkpoint = { slot: r.slot, term: r.term, data: r.data }
          this.commitIndex = r.slot
          this.lastApplied = r.slot
          for (let s = r.slot + 1; s <= r.commit; s++) this.log.markDecided(s)
          commit = Math.max(r.slot, r.commit)
          break
        }
        case 'promise':
          if (r.ballot > this.promised) this.promised = r.ballot
          break
        case 'ballot':
          if (r.ballot > this.ownBallot) this.ownBallot = r.ballot
          break
        case 'accept':
          // Mutation forgetPromise: the promised ballot is not durable in any form.
          if (r.ballot > this.promised && !this.mut.forgetPromise) this.promised = r.ballot
          for (let k = 0; k < r.entries.length; k++) {
            if (!this.log.isDecided(r.slot + k)) this.log.set(r.slot + k, r.ballot, r.entries[k], false)
          }
          break
        case 'learn':
          for (let k = 0; k < r.entries.length; k++) {
            if (!this.log.isDecided(r.slot + k)) this.log.set(r.slot + k, 0, r.entries[k], true)
          }
          break
        case 'commit':
          for (let s = commit + 1; s <= r.index; s++) this.log.markDecided(s)
          if (r.index > commit) commit = r.index
          break
      }
    }
    this.hardPromised = this.promised
    this.maxRound = Math.max(ballotRound(this.promised), ballotRound(this.ownBallot))
  }

  // ---------------------------------------------------------------- inputs

  tick(): void {
    this.elapsed++
    if (this.role === 'leader') this.tickLeader()
    else if (this.elapsed >= this.timeout) this.campaign()
    if (this.transfers.size > 0) this.tickTransfers()
    this.emitStateIfChanged()
  }

  step(from: NodeId, m: MpMsg): void {
    if (from === this.id || !this.bit.has(from)) return // not a member: ignore
    const r = ballotRound(m.type === 'Nack' ? m.promised : m.ballot)
    if (r > this.maxRound) this.maxRound = r
    switch (m.type) {
      case 'Prepare':
        this.onPrepare(from, m)
        break
      case 'Promise':
        this.onPromise(from, m)
        break
      case 'Accept':
        this.onAccept(from, m)
        break
      case 'Accepted':
        this.onAccepted(from, m)
        break
      case 'Nack':
        if (this.role !== 'follower' && m.ballot === this.ballot && m.promised > this.ballot)
          this.becomeFollower(null)
        break
      case 'Heartbeat':
        this.onHeartbeat(from, m)
        break
      case 'HeartbeatAck':
        this.onHeartbeatAck(from, m)
        break
      case 'CatchUp':
        this.onCatchUp(m)
        break
      case 'Checkpoint':
        this.onCheckpoint(from, m)
        break
      case 'CheckpointAck':
        this.onCheckpointAck(from, m)
        break
    }
    this.emitStateIfChanged()
  }

  propose(req: ClientRequest): void {
    if (this.role !== 'leader') {
      this.out.replies.push({ id: req.id, ok: false, error: 'not_leader', leaderHint: this.leader })
      return
    }
    if (this.pending.has(req.id)) return // a retry of a request still in progress
    this.pending.add(req.id)
    const slot = this.log.lastSlot() + 1
    this.acceptLocal(slot, [{ term: ballotRound(this.ballot), id: req.id, cmd: req.cmd }])
    this.ack(slot, this.id)
    this.advanceCommit()
  }

  /** Run phase 1 now with a new, higher ballot (as when the leader timeout fires). */
  campaign(): void {
    if (this.role === 'leader') return
    const round = Math.max(this.maxRound, ballotRound(this.promised), ballotRound(this.ownBallot)) + 1
    this.maxRound = round
    this.ballot = makeBallot(round, this.index)
    this.ownBallot = this.ballot
    this.out.persist.push({ t: 'ballot', ballot: this.ballot })
    this.role = 'candidate'
    this.leader = null
    this.resetTimer()
    this.promises.clear()
    this.prepareFrom = this.commitIndex
    this.emitStateIfChanged()
    if (this.quorum === 1) {
      this.becomeLeader()
      return
    }
    const m: MpMsg = { type: 'Prepare', ballot: this.ballot, from: this.prepareFrom }
    for (const p of this.peers) this.send(p, m)
  }

  ready(): Ready<MpMsg, MpRecord> {
    this.flush()
    if (this.needBase) {
      // Checkpoint and trim: one record with everything durable replaces all earlier ones.
      this.needBase = false
      this.hardPromised = this.promised
      this.hardCommit = this.commitIndex
      this.emitStateIfChanged()
      const cp = this.checkpoint as Checkpoint
      const base: MpRecord = {
        t: 'checkpoint',
        // Mutation forgetPromise: the promise never reaches storage.
        promised: this.mut.forgetPromise ? 0 : this.promised,
        ownBallot: this.ownBallot,
        slot: cp.slot,
        term: cp.term,
        data: cp.data,
        accepted: this.log.slotsAfter(cp.slot),
        commit: this.commitIndex,
      }
      return this.out.drainWithBase(base)
    }
    if (this.promised !== this.hardPromised) {
      // Mutation forgetPromise: the promise never reaches storage.
      if (!this.mut.forgetPromise) this.out.persist.unshift({ t: 'promise', ballot: this.promised })
      this.hardPromised = this.promised
    }
    if (this.commitIndex > this.hardCommit) {
      this.out.persist.push({ t: 'commit', index: this.commitIndex })
      this.hardCommit = this.commitIndex
    }
    this.emitStateIfChanged()
    return this.out.drain()
  }

  status(): NodeStatus {
    return {
      id: this.id,
      role: this.role,
      term: this.term(),
      leader: this.leader,
      commitIndex: this.commitIndex,
      lastIndex: this.log.lastSlot(),
    }
  }

  /** Extra introspection for tests. */
  inspect(): {
    promised: number
    ballot: number
    lastApplied: number
    timeout: number
    trimmed: number
    transfers: number
  } {
    return {
      promised: this.promised,
      ballot: this.ballot,
      lastApplied: this.lastApplied,
      timeout: this.timeout,
      trimmed: this.log.trimmed(),
      transfers: this.transfers.size,
    }
  }

  // ---------------------------------------------------------------- phase 1

  private onPrepare(from: NodeId, m: Msg<'Prepare'>): void {
    // A candidate refuses a lower ballot than its own too (else two candidates depose each other).
    const floor = this.role === 'candidate' ? Math.max(this.promised, this.ballot) : this.promised
    if (m.ballot < floor) {
      this.send(from, { type: 'Nack', ballot: m.ballot, promised: floor })
      return
    }
    if (m.ballot > this.promised) {
      // A working leader (or a follower that hears one) does not let a newcomer depose it.
      if (
        this.role === 'leader' ||
        (this.leader !== null && this.elapsed < this.params.leaderTimeoutTicks[0])
      )
        return
      if (m.from < this.log.trimmed()) {
        // We trimmed slots the candidate asks about: our values there are only in the
        // checkpoint. No promise (it could not use one); the checkpoint instead.
        this.startTransfer(from)
        return
      }
      this.promised = m.ballot
      if (this.role !== 'follower') this.becomeFollower(null)
      this.leader = null
      this.resetTimer()
    }
    if (m.from < this.log.trimmed()) {
      this.startTransfer(from)
      return
    }
    // m.ballot === promised: a repeated Prepare, answer again.
    this.send(from, { type: 'Promise', ballot: m.ballot, from: m.from, slots: this.log.slotsAfter(m.from) })
  }

  private onPromise(from: NodeId, m: Msg<'Promise'>): void {
    if (this.role !== 'candidate' || m.ballot !== this.ballot || m.from !== this.prepareFrom) return
    const far = m.from + m.slots.length + MAX_AHEAD
    if (m.slots.some((s) => s.slot <= m.from || s.slot > far)) return // not a real promise
    this.promises.set(from, m.slots)
    if (this.promises.size + 1 >= this.quorum) this.becomeLeader()
  }

  /** Phase 1 done: promise our own ballot, adopt the reported values, re-propose them (§3). */
  private becomeLeader(): void {
    if (this.promised > this.ballot) {
      this.becomeFollower(null)
      return
    }
    this.promised = this.ballot
    this.role = 'leader'
    this.leader = this.id
    this.hbElapsed = this.params.heartbeatTicks // heartbeat at the next tick
    this.elapsed = 0
    this.active.clear()
    this.acks.clear()
    this.sentAt.clear()
    const from = this.prepareFrom
    // Highest-ballot value per slot over the quorum (our own log counts as one promise).
    const best = new Map<number, PromiseSlot>()
    let maxSlot = this.log.lastSlot()
    for (const ps of [this.log.slotsAfter(from), ...this.promises.values()]) {
      for (const p of ps) {
        if (p.slot > maxSlot) maxSlot = p.slot
        const b = best.get(p.slot)
        if (b === undefined || (!b.decided && (p.decided || p.ballot > b.ballot))) best.set(p.slot, p)
      }
    }
    this.promises.clear()
    const round = ballotRound(this.ballot)
    const noop = (): MpEntry => ({ term: round, id: 'noop', cmd: null })
    let runStart = 0
    let run: MpEntry[] = []
    const flushRun = (): void => {
      if (run.length) this.acceptLocal(runStart, run)
      run = []
    }
    for (let s = from + 1; s <= maxSlot; s++) {
      if (this.log.isDecided(s)) {
        flushRun()
        continue
      }
      const b = best.get(s)
      if (b !== undefined && b.decided) {
        flushRun()
        this.learnLocal(s, [b.entry])
        continue
      }
      // Mutation skipReproposal: forget what the acceptors reported and fill with no-ops.
      const e = b !== undefined && !this.mut.skipReproposal ? b.entry : noop()
      if (run.length === 0) runStart = s
      run.push(e)
    }
    flushRun()
    for (let s = from + 1; s <= maxSlot; s++) if (!this.log.isDecided(s)) this.ack(s, this.id)
    this.nextUnsent = from + 1
    this.advanceCommit()
    this.emitStateIfChanged()
  }

  // ---------------------------------------------------------------- phase 2 (acceptor)

  /** Common to Accept and Heartbeat: is this leader current? Follow it if so. */
  private followLeader(from: NodeId, ballot: number): boolean {
    if (ballot < this.promised) {
      this.send(from, { type: 'Nack', ballot, promised: this.promised })
      return false
    }
    if (ballot > this.promised) this.promised = ballot
    if (this.role !== 'follower' && ballot !== this.ballot) this.becomeFollower(from)
    this.leader = from
    this.elapsed = 0
    return true
  }

  private onAccept(from: NodeId, m: Msg<'Accept'>): void {
    if (m.slot > this.log.lastSlot() + MAX_AHEAD) return
    if (!this.followLeader(from, m.ballot)) return
    let runStart = 0
    let run: MpEntry[] = []
    for (let k = 0; k < m.entries.length; k++) {
      const s = m.slot + k
      // A decided slot keeps its value (the leader's is the same one: that is Paxos' promise).
      if (this.log.isDecided(s)) {
        if (run.length) this.acceptLocal(runStart, run, m.ballot)
        run = []
        continue
      }
      if (run.length === 0) runStart = s
      run.push(m.entries[k])
    }
    if (run.length) this.acceptLocal(runStart, run, m.ballot)
    this.send(from, { type: 'Accepted', ballot: m.ballot, slot: m.slot, count: m.entries.length })
    this.learnCommit(m.ballot, m.commit)
  }

  private onHeartbeat(from: NodeId, m: Msg<'Heartbeat'>): void {
    if (!this.followLeader(from, m.ballot)) return
    this.learnCommit(m.ballot, m.commit)
    this.send(from, {
      type: 'HeartbeatAck',
      ballot: m.ballot,
      commit: this.commitIndex,
      leaderCommit: m.commit,
    })
  }

  /**
   * The leader of `ballot` says slots <= commit are decided. A slot we accepted in that same
   * ballot holds the leader's value (one value per slot per ballot), so it is decided here too.
   */
  private learnCommit(ballot: number, commit: number): void {
    while (this.commitIndex < commit) {
      const s = this.commitIndex + 1
      if (!this.log.isDecided(s)) {
        if (!this.log.has(s) || (this.log.ballot(s) !== ballot && !this.mut.learnAnyBallot)) break
        this.log.markDecided(s)
      }
      this.commitIndex = s
    }
    this.advanceCommit()
  }

  private onCatchUp(m: Msg<'CatchUp'>): void {
    if (m.slot > this.commitIndex + 1 + MAX_AHEAD) return
    // Decided values are facts, whoever sends them (honest nodes only send decided ones).
    let runStart = 0
    let run: MpEntry[] = []
    for (let k = 0; k < m.entries.length; k++) {
      const s = m.slot + k
      if (this.log.isDecided(s)) {
        if (run.length) this.learnLocal(runStart, run)
        run = []
        continue
      }
      if (run.length === 0) runStart = s
      run.push(m.entries[k])
    }
    if (run.length) this.learnLocal(runStart, run)
    this.advanceCommit()
  }

  // ---------------------------------------------------------------- phase 2 (leader)

  private onAccepted(from: NodeId, m: Msg<'Accepted'>): void {
    if (this.role !== 'leader' || m.ballot !== this.ballot) return
    this.active.add(from)
    const end = Math.min(m.slot + m.count - 1, this.log.lastSlot())
    for (let s = Math.max(m.slot, this.commitIndex + 1); s <= end; s++) this.ack(s, from)
    this.advanceCommit()
  }

  private onHeartbeatAck(from: NodeId, m: Msg<'HeartbeatAck'>): void {
    if (this.role !== 'leader' || m.ballot !== this.ballot) return
    this.active.add(from)
    // Only when the follower could not reach the commit point it heard (it misses values):
    // otherwise it is merely behind by what was decided while the heartbeat travelled.
    if (m.commit >= m.leaderCommit || m.commit >= this.commitIndex) return
    const first = m.commit + 1
    if (first <= this.log.trimmed()) {
      // What it misses starts before our trim point: it needs the checkpoint.
      this.startTransfer(from)
      return
    }
    const last = Math.min(this.commitIndex, m.commit + Math.max(CATCHUP_MIN, this.params.maxBatch))
    const entries: MpEntry[] = []
    for (let s = first; s <= last; s++) entries.push(this.log.entry(s) as MpEntry)
    this.send(from, { type: 'CatchUp', ballot: this.ballot, slot: first, entries })
  }

  /** Record that `from` accepted `slot` in our ballot; decide it on a quorum. */
  private ack(slot: number, from: NodeId): void {
    if (this.log.isDecided(slot)) return
    const mask = (this.acks.get(slot) ?? 0) | (this.bit.get(from) ?? 0)
    this.acks.set(slot, mask)
    if (popcount(mask) >= this.phase2Quorum) this.log.markDecided(slot)
  }

  private tickLeader(): void {
    this.ticks++
    this.hbElapsed++
    if (this.elapsed >= this.params.leaderTimeoutTicks[0]) {
      this.elapsed = 0
      // Check quorum: without a majority's answers for a leader timeout, we are cut off.
      if (this.active.size + 1 < this.quorum) {
        this.becomeFollower(null)
        return
      }
      this.active.clear()
    }
    if (this.hbElapsed >= this.params.heartbeatTicks) {
      this.hbElapsed = 0
      this.resendUndecided()
      const hb: MpMsg = { type: 'Heartbeat', ballot: this.ballot, commit: this.commitIndex }
      for (const p of this.peers) this.send(p, hb)
    }
  }

  /**
   * Re-send Accepts for slots a follower has not acknowledged although they went out at
   * least a heartbeat interval ago (lost messages, or a follower that was down).
   */
  private resendUndecided(): void {
    const last = Math.min(this.log.lastSlot(), this.nextUnsent - 1)
    const cap = RESEND_BATCHES * this.params.maxBatch
    const before = this.ticks - this.params.heartbeatTicks
    const due = (s: number, bit: number): boolean =>
      !this.log.isDecided(s) && ((this.acks.get(s) ?? 0) & bit) === 0 && (this.sentAt.get(s) ?? 0) <= before
    let resent = 0
    for (const p of this.peers) {
      const bit = this.bit.get(p) ?? 0
      let sent = 0
      let s = this.commitIndex + 1
      while (s <= last && sent < cap) {
        if (!due(s, bit)) {
          s++
          continue
        }
        const start = s
        const entries: MpEntry[] = []
        while (s <= last && entries.length < this.params.maxBatch && due(s, bit)) {
          entries.push(this.log.entry(s) as MpEntry)
          s++
        }
        sent += entries.length
        if (start + entries.length - 1 > resent) resent = start + entries.length - 1
        this.send(p, { type: 'Accept', ballot: this.ballot, slot: start, entries, commit: this.commitIndex })
      }
    }
    for (let s = this.commitIndex + 1; s <= resent; s++)
      if ((this.sentAt.get(s) ?? 0) <= before) this.sentAt.set(s, this.ticks)
  }

  // ---------------------------------------------------------------- role changes

  private becomeFollower(leader: NodeId | null): void {
    this.role = 'follower'
    this.leader = leader
    this.promises.clear()
    this.acks.clear()
    this.active.clear()
    this.resetTimer()
    // Pending writes stay pending: they may still be decided, and we reply if we apply them.
    this.emitStateIfChanged()
  }

  private resetTimer(): void {
    this.elapsed = 0
    const [lo, hi] = this.params.leaderTimeoutTicks
    this.timeout = this.rng.int(lo, hi)
  }

  // ---------------------------------------------------------------- log + state machine

  /** Accept `entries` at slot, slot+1, ... in `ballot` (default: ours, as leader). */
  private acceptLocal(slot: number, entries: readonly MpEntry[], ballot = this.ballot): void {
    for (let k = 0; k < entries.length; k++) this.log.set(slot + k, ballot, entries[k], false)
    const lastRec = this.out.persist.length ? this.out.persist[this.out.persist.length - 1] : undefined
    if (
      lastRec !== undefined &&
      lastRec.t === 'accept' &&
      lastRec.ballot === ballot &&
      lastRec.slot + lastRec.entries.length === slot
    ) {
      for (const e of entries) lastRec.entries.push(e)
    } else {
      this.out.persist.push({ t: 'accept', ballot, slot, entries: entries.slice() })
    }
    this.out.logAppend(slot, entries)
  }

  /** Store decided values learned from others. */
  private learnLocal(slot: number, entries: readonly MpEntry[]): void {
    for (let k = 0; k < entries.length; k++) this.log.set(slot + k, 0, entries[k], true)
    this.out.persist.push({ t: 'learn', slot, entries: entries.slice() })
    this.out.logAppend(slot, entries)
  }

  /** Extend the decided prefix over slots known decided, and apply it in order. */
  private advanceCommit(): void {
    while (this.log.isDecided(this.commitIndex + 1)) this.commitIndex++
    while (this.lastApplied < this.commitIndex) {
      const s = ++this.lastApplied
      const e = this.log.entry(s) as MpEntry
      this.out.events.push({ type: 'apply', index: s, term: e.term, id: e.id })
      if (!e.cmd) continue
      const res = this.kv.apply(e.id, e.cmd)
      if (this.pending.delete(e.id)) {
        this.out.replies.push(kvReply(e.id, res))
      }
    }
    if (this.checkpointEvery > 0) this.maybeCheckpoint()
  }

  // ---------------------------------------------------------------- checkpoints

  /** Every checkpointEverySlots applied slots: serialize the state machine, trim behind it. */
  private maybeCheckpoint(): void {
    if (this.lastApplied - this.log.trimmed() < this.checkpointEvery) return
    const slot = this.lastApplied
    const term = (this.log.entry(slot) as MpEntry).term
    this.checkpoint = { slot, term, data: JSON.stringify(this.kv.snapshot()) }
    this.trimThrough(slot)
    this.out.events.push({ type: 'snapshot', action: 'take', index: slot, term })
  }

  private trimThrough(slot: number): void {
    this.log.trim(slot)
    this.acks.dropThrough(slot)
    this.sentAt.dropThrough(slot)
    this.needBase = true
  }

  /** Send our checkpoint to `to` (a node behind our trim point), one piece at a time. */
  private startTransfer(to: NodeId): void {
    const cp = this.checkpoint
    if (cp === null) return
    const t = this.transfers.get(to)
    if (t !== undefined && t.slot === cp.slot) return // on its way: pieces follow the answers
    this.transfers.set(to, { slot: cp.slot, offset: 0, idle: 0 })
    this.sendPiece(to)
  }

  private sendPiece(to: NodeId): void {
    const cp = this.checkpoint
    const t = this.transfers.get(to)
    if (cp === null || t === undefined) return
    if (t.slot !== cp.slot) {
      // A newer checkpoint since: send that one from the start.
      t.slot = cp.slot
      t.offset = 0
    }
    const piece = chunkAt(cp.data, t.offset, CHECKPOINT_CHUNK)
    this.send(to, {
      type: 'Checkpoint',
      ballot: this.role === 'follower' ? this.promised : this.ballot,
      slot: cp.slot,
      term: cp.term,
      offset: t.offset,
      data: piece.data,
      done: piece.done,
    })
  }

  private onCheckpointAck(from: NodeId, m: Msg<'CheckpointAck'>): void {
    const t = this.transfers.get(from)
    if (t === undefined || m.slot !== t.slot) return
    if (m.done) {
      this.transfers.delete(from)
      return
    }
    t.idle = 0
    if (m.next === t.offset) return // a piece out of order: the tick sends it again
    t.offset = m.next
    this.sendPiece(from)
  }

  /** A piece not answered for a heartbeat interval goes again; a silent receiver is given up. */
  private tickTransfers(): void {
    const giveUp = TRANSFER_GIVE_UP_TIMEOUTS * this.params.leaderTimeoutTicks[1]
    for (const [to, t] of this.transfers) {
      t.idle++
      if (t.idle > giveUp) this.transfers.delete(to)
      else if (t.idle % this.params.heartbeatTicks === 0) this.sendPiece(to)
    }
  }

  /**
   * A checkpoint arrives (in pieces): slots up to it are decided (decided values are facts,
   * whoever sends them). One within our decided prefix changes nothing; else it replaces
   * the state machine and trims, keeping what we accepted after it.
   */
  private onCheckpoint(from: NodeId, m: Msg<'Checkpoint'>): void {
    const key = { index: m.slot, term: m.term, epoch: this.nodes.indexOf(from) + 1 }
    const got = this.assembly.offer(key, m.offset, m.data, m.done)
    const ack = (next: number, done: boolean): void =>
      this.send(from, { type: 'CheckpointAck', ballot: m.ballot, slot: m.slot, next, done })
    if (got.text === null) return ack(got.next, false)
    if (m.slot <= this.commitIndex) return ack(got.next, true)
    const kv = parseKvSnapshot(got.text)
    if (typeof kv === 'string') return ack(0, false)
    this.kv.restore(kv)
    this.checkpoint = { slot: m.slot, term: m.term, data: got.text }
    this.trimThrough(m.slot)
    this.commitIndex = m.slot
    this.lastApplied = m.slot
    this.out.events.push({ type: 'snapshot', action: 'install', index: m.slot, term: m.term })
    this.advanceCommit()
    ack(got.next, true)
    if (this.role === 'candidate') {
      // Phase 1 again from after the checkpoint (promises for the old start are useless).
      this.promises.clear()
      this.prepareFrom = this.commitIndex
      const p: MpMsg = { type: 'Prepare', ballot: this.ballot, from: this.prepareFrom }
      for (const q of this.peers) this.send(q, p)
    }
  }

  // ---------------------------------------------------------------- output helpers

  /** New proposals since the last ready() go out together, in Accepts of up to maxBatch. */
  private flush(): void {
    if (this.role !== 'leader') return
    const last = this.log.lastSlot()
    if (this.nextUnsent > last) return
    const max = this.params.maxBatch
    let s = this.nextUnsent
    // Slots already in the decided prefix reach the followers by CatchUp instead.
    while (s <= last) {
      if (s <= this.commitIndex) {
        s++
        continue
      }
      const start = s
      const entries: MpEntry[] = []
      while (s <= last && entries.length < max) {
        entries.push(this.log.entry(s) as MpEntry)
        s++
      }
      const m: MpMsg = { type: 'Accept', ballot: this.ballot, slot: start, entries, commit: this.commitIndex }
      for (const p of this.peers) this.send(p, m)
    }
    for (let k = this.nextUnsent; k <= last; k++) this.sentAt.set(k, this.ticks)
    this.nextUnsent = last + 1
  }

  private send(to: NodeId, msg: MpMsg): void {
    this.out.send(to, msg)
  }

  private term(): number {
    return ballotRound(this.role === 'follower' ? this.promised : this.ballot)
  }

  private emitStateIfChanged(): void {
    const term = this.term()
    if (this.out.stateChanged(this.role, term, this.leader, this.commitIndex))
      this.out.state(this.role, term, this.leader, this.commitIndex, this.log.lastSlot())
  }
}
