// A Dynamo-style quorum store node (DeCandia et al., "Dynamo", SOSP 2007) as a pure,
// deterministic state machine. Every node is a replica for the keys the ring gives it and the
// coordinator of whatever client request reaches it (there is no leader, never not_leader).
//
// get:  ask the key's N preferred replicas (Get), wait for R replies (§4.5), merge their
//       versions (lww: newest timestamp; siblings: every version no other causally follows).
//       Read repair sends the merged result to stale repliers; with R + W > N the read also
//       waits until W preferred replicas hold what it returns before replying (ABD's
//       write-back), which is what makes quorum reads linearizable.
// put:  first query R replicas for the key's versions (the write's context, like Dynamo's
//       get-before-put), then stamp the new version above all of them: vector clock = join of
//       every clock seen and of this node's last write to the key, +1 on its own entry; ts =
//       highest ts seen + 1. Send Put to the N preferred replicas and reply once W stored it.
// cas:  rejected (definitely not applied): a leaderless store has no atomic read-modify-write.
// Sloppy quorum and hinted handoff (§4.6, params.hintedHandoff): a preferred replica that has
//       not acknowledged within a retry period gets a stand-in (the next node clockwise), which
//       keeps the version with a hint, counts toward W, and hands it over (Handoff) until the
//       owner acknowledges. Without it the quorum is strict: only preferred replicas count.
// Anti-entropy (§4.7): every antiEntropyTicks a node sends each peer the Merkle root of the
//       keys both replicate; on a mismatch the peer returns its leaf hashes and the two
//       exchange the versions of the key ranges that differ (SyncKeys).
// Durability: a version (or hint) is persisted before anything that depends on it is sent,
//       so a restarted node recovers every version it acknowledged from `recovered`.
// A request that cannot reach its quorum within requestTimeoutTicks gets no reply: some
// replicas may have stored the write, so 'rejected' (definitely not applied) would be a lie;
// the client times out with an unknown outcome.
import type { ClientReply, ClientRequest, CreateOptions, NodeId, NodeStatus, Protocol, Ready } from '../types'
import type { QuorumParams } from './describe'
import type { Rng } from '../../rng'
import { Outbox } from '../outbox'
import { differingRanges, entriesIn, merkleLeaves, merkleRoot } from './merkle'
import { Ring } from './ring'
import type { QuorumMsg, QuorumMutations, QuorumRecord, VClock, Version } from './types'
import {
  holdsAll,
  joinClocks,
  mergeAll,
  mergeVersion,
  sameVersion,
  versionText,
  type ConflictMode,
} from './version'

/** Most hints handed to one owner per retry period. */
const HANDOFF_BATCH = 32
/** Most answered request ids remembered (a retried id gets the same answer). */
const ANSWERED = 10_000

interface Pending {
  id: string
  f: 'get' | 'put'
  key: string
  value: string
  pref: readonly NodeId[]
  stand: readonly NodeId[]
  /** read: collecting Get replies (a get, or a put's context query); write: collecting acks;
   * writeback: a get waiting for W replicas to hold its result; done: replied, repairing late repliers. */
  phase: 'read' | 'write' | 'writeback' | 'done'
  age: number
  phaseAge: number
  asked: Set<NodeId>
  replies: Map<NodeId, Version[]>
  result: Version[]
  version: Version | null
  /** Preferred replicas that acknowledged (write) or hold the result (writeback). */
  acks: Set<NodeId>
  /** Owner -> stand-in that was sent its hint. */
  hintTo: Map<NodeId, NodeId>
  /** Owners whose stand-in acknowledged the hint. */
  hintAcked: Set<NodeId>
  replied: boolean
}

interface Hint {
  owner: NodeId
  key: string
  version: Version
}

function hintKey(owner: NodeId, key: string, v: Version): string {
  return `${owner}|${key}|${v.id}|${v.ts}.${v.node}`
}

/** What a get returns in one string: the value, or siblings' values sorted and joined by '|'. */
export function readValue(result: readonly Version[]): string | null {
  if (result.length === 0) return null
  if (result.length === 1) return result[0].value
  return result
    .map((v) => v.value)
    .sort()
    .join('|')
}

export class QuorumNode implements Protocol<QuorumMsg, QuorumRecord> {
  readonly id: NodeId
  readonly ring: Ring
  private readonly peers: NodeId[]
  private readonly members: ReadonlySet<NodeId>
  private readonly p: QuorumParams
  private readonly mode: ConflictMode
  private readonly retryTicks: number
  private readonly mut: QuorumMutations

  // Durable (rebuilt from records).
  /** key -> versions held as a preferred replica. */
  readonly data = new Map<string, Version[]>()
  /** Versions held as a stand-in, until handed over. */
  readonly hints = new Map<string, Hint>()
  private readonly coordLast = new Map<string, { vc: VClock; ts: number }>()
  /** Versions and hints stored so far (the 'apply' index). */
  private stored = 0

  // Volatile.
  private readonly pending = new Map<string, Pending>()
  private readonly answered = new Map<string, ClientReply>()
  private aeElapsed: number
  private aeRound = 0
  private handoffElapsed = 0
  private readonly loop: QuorumMsg[] = []
  /** What this incarnation sent to other nodes of what the vocabulary counts (status().stats). */
  private readonly counts = { hintedWrites: 0, readRepairs: 0, antiEntropySyncs: 0 }

  private readonly out = new Outbox<QuorumMsg, QuorumRecord>()
  private reportedStored = -1

  constructor(opts: CreateOptions<QuorumParams, QuorumRecord>, mutations: QuorumMutations = {}) {
    this.id = opts.id
    if (!opts.nodes.includes(opts.id))
      throw new Error(`quorum: node ${opts.id} is not in nodes [${opts.nodes.join(', ')}]`)
    this.peers = opts.nodes.filter((n) => n !== opts.id)
    this.members = new Set(this.peers)
    this.p = opts.params
    this.mode = opts.params.conflicts
    this.mut = mutations
    this.ring = new Ring(
      opts.nodes,
      opts.params.virtualNodes,
      Math.min(opts.params.replicas, opts.nodes.length),
    )
    this.retryTicks = Math.max(2, Math.floor(opts.params.requestTimeoutTicks / 5))
    const rng: Rng = opts.rng
    this.aeElapsed = opts.params.antiEntropyTicks > 0 ? rng.int(0, opts.params.antiEntropyTicks - 1) : 0
    this.handoffElapsed = rng.int(0, this.retryTicks - 1)
    this.recover(opts.recovered)
    this.emitState()
  }

  private recover(records: readonly QuorumRecord[]): void {
    for (const r of records) {
      switch (r.t) {
        case 'store': {
          const next = mergeVersion(
            this.data.get(r.key) ?? [],
            r.version,
            this.mode,
            this.mut.lwwArrivalOrder,
          )
          if (next !== null) this.data.set(r.key, next)
          this.stored++
          break
        }
        case 'hint':
          this.hints.set(hintKey(r.owner, r.key, r.version), {
            owner: r.owner,
            key: r.key,
            version: r.version,
          })
          this.stored++
          break
        case 'unhint':
          for (const [k, h] of this.hints)
            if (h.owner === r.owner && h.key === r.key && h.version.id === r.id) this.hints.delete(k)
          break
        case 'coord':
          this.coordLast.set(r.key, { vc: r.vc, ts: r.ts })
          break
      }
    }
  }

  // ---------------------------------------------------------------- inputs

  tick(): void {
    for (const p of [...this.pending.values()]) this.tickRequest(p)
    if (++this.handoffElapsed >= this.retryTicks) {
      this.handoffElapsed = 0
      this.handoff()
    }
    const ae = this.p.antiEntropyTicks
    if (ae > 0 && ++this.aeElapsed >= ae) {
      this.aeElapsed = 0
      this.antiEntropy()
    }
    this.runLoop()
  }

  step(from: NodeId, m: QuorumMsg): void {
    if (!this.members.has(from)) return // not a peer (or ourselves): ignore
    this.handle(from, m)
    this.runLoop()
  }

  propose(req: ClientRequest): void {
    if (this.pending.has(req.id)) return // a retry of a request still in progress
    const prev = this.answered.get(req.id)
    if (prev !== undefined) {
      this.out.replies.push(prev)
      return
    }
    const cmd = req.cmd
    if (cmd.f === 'cas') {
      this.out.replies.push({ id: req.id, ok: false, error: 'rejected', leaderHint: null })
      return
    }
    const p: Pending = {
      id: req.id,
      f: cmd.f,
      key: cmd.key,
      value: cmd.f === 'put' ? cmd.value : '',
      pref: this.ring.preferenceList(cmd.key),
      stand: this.ring.standIns(cmd.key),
      phase: 'read',
      age: 0,
      phaseAge: 0,
      asked: new Set(),
      replies: new Map(),
      result: [],
      version: null,
      acks: new Set(),
      hintTo: new Map(),
      hintAcked: new Set(),
      replied: false,
    }
    this.pending.set(req.id, p)
    for (const n of p.pref) {
      p.asked.add(n)
      this.send(n, { type: 'Get', rid: `${p.id}:r`, key: p.key })
    }
    this.runLoop()
  }

  ready(): Ready<QuorumMsg, QuorumRecord> {
    if (this.stored !== this.reportedStored) this.emitState()
    return this.out.drain()
  }

  status(): NodeStatus {
    return {
      id: this.id,
      role: 'replica',
      term: 0,
      leader: null,
      commitIndex: this.stored,
      lastIndex: this.stored,
      stats: { ...this.counts },
    }
  }

  // ---------------------------------------------------------------- plumbing

  private emitState(): void {
    this.reportedStored = this.stored
    this.out.events.push({
      type: 'state',
      role: 'replica',
      term: 0,
      leader: null,
      commitIndex: this.stored,
      lastIndex: this.stored,
    })
  }

  /** Send, or queue for ourselves (a coordinator that is also a replica talks to itself in-process). */
  private send(to: NodeId, msg: QuorumMsg): void {
    if (to === this.id) {
      this.loop.push(msg)
      return
    }
    if (msg.type === 'Hint') this.counts.hintedWrites++
    else if (msg.type === 'ReadRepair') this.counts.readRepairs++
    else if (msg.type === 'MerkleDiff') this.counts.antiEntropySyncs++
    this.out.send(to, msg)
  }

  private runLoop(): void {
    while (this.loop.length > 0) this.handle(this.id, this.loop.shift() as QuorumMsg)
  }

  private reply(p: Pending, r: ClientReply): void {
    if (p.replied) return
    p.replied = true
    this.out.replies.push(r)
    this.answered.set(p.id, r)
    if (this.answered.size > ANSWERED) this.answered.delete(this.answered.keys().next().value as string)
  }

  /**
   * Store `v` as a preferred replica of `key` (persist + apply event); false if it adds nothing.
   * `write` (a Put or Handoff, whose ack counts toward a client's W): a version already made
   * obsolete by one held here is still recorded, as a no-op apply marked superseded, so that
   * the trace shows every acknowledged write was received.
   */
  private store(key: string, v: Version, write = false): boolean {
    if (!this.ring.isReplica(key, this.id)) return false
    const cur = this.data.get(key) ?? []
    const next = mergeVersion(cur, v, this.mode, this.mut.lwwArrivalOrder)
    if (next === null && (!write || cur.some((c) => sameVersion(c, v)))) return false
    if (next !== null) this.data.set(key, next)
    this.record({ t: 'store', key, version: v }, key, v, { superseded: next === null })
    return next !== null
  }

  private addHint(owner: NodeId, key: string, v: Version): void {
    const k = hintKey(owner, key, v)
    if (this.hints.has(k)) return
    this.hints.set(k, { owner, key, version: v })
    this.record({ t: 'hint', owner, key, version: v }, key, v, { hintFor: owner })
  }

  /** Persist `rec`, which keeps version `v` of `key`, and trace it as the next stored write. */
  private record(rec: QuorumRecord, key: string, v: Version, extra: Parameters<typeof versionText>[4]): void {
    this.out.persist.push(rec)
    this.stored++
    this.out.events.push({
      type: 'apply',
      index: this.stored,
      term: 0,
      id: v.id,
      key,
      version: versionText(v, this.mode, this.ring.preferenceList(key), this.p.writeQuorum, extra),
    })
  }

  /** What this node can tell a reader about `key`: its own versions, plus hinted ones. */
  private versionsFor(key: string): Version[] {
    let out = this.data.get(key) ?? []
    for (const h of this.hints.values())
      if (h.key === key) out = mergeVersion(out, h.version, this.mode) ?? out
    return [...out]
  }

  // ---------------------------------------------------------------- messages

  private handle(from: NodeId, m: QuorumMsg): void {
    switch (m.type) {
      case 'Get':
        return this.send(from, {
          type: 'GetReply',
          rid: m.rid,
          key: m.key,
          versions: this.versionsFor(m.key),
        })
      case 'GetReply':
        return this.onGetReply(from, m.rid, m.versions)
      case 'Put':
        if (!this.ring.isReplica(m.key, this.id)) return
        this.store(m.key, m.version, true)
        return this.send(from, { type: 'PutAck', rid: m.rid, key: m.key, id: m.version.id })
      case 'PutAck': {
        const p = this.request(m.rid, 'w')
        if (p === null || p.phase !== 'write' || p.version?.id !== m.id || !p.pref.includes(from)) return
        p.acks.add(from)
        return this.checkWrite(p)
      }
      case 'ReadRepair':
        if (!this.ring.isReplica(m.key, this.id)) return
        for (const v of m.versions) this.store(m.key, v)
        return this.send(from, { type: 'RepairAck', rid: m.rid, key: m.key })
      case 'RepairAck': {
        const p = this.request(m.rid, 'b')
        if (p === null || p.phase !== 'writeback' || !p.pref.includes(from)) return
        p.acks.add(from)
        return this.checkWriteback(p)
      }
      case 'Hint':
        if (!this.mut.dropHints) this.addHint(m.owner, m.key, m.version)
        return this.send(from, { type: 'HintAck', rid: m.rid, owner: m.owner, key: m.key, id: m.version.id })
      case 'HintAck': {
        const p = this.request(m.rid, 'w')
        if (p === null || p.phase !== 'write' || p.version?.id !== m.id || p.hintTo.get(m.owner) !== from)
          return
        p.hintAcked.add(m.owner)
        return this.checkWrite(p)
      }
      case 'Handoff':
        if (!this.ring.isReplica(m.key, this.id)) return
        this.store(m.key, m.version, true)
        return this.send(from, { type: 'HandoffAck', key: m.key, id: m.version.id })
      case 'HandoffAck': {
        for (const [k, h] of this.hints) {
          if (h.owner !== from || h.key !== m.key || h.version.id !== m.id) continue
          this.hints.delete(k)
          this.out.persist.push({ t: 'unhint', owner: from, key: m.key, id: m.id })
        }
        return
      }
      case 'MerkleRoot': {
        const leaves = merkleLeaves(this.data, this.ring, from)
        if (merkleRoot(leaves) === m.root) return
        return this.send(from, { type: 'MerkleDiff', round: m.round, leaves })
      }
      case 'MerkleDiff': {
        let ranges = differingRanges(merkleLeaves(this.data, this.ring, from), m.leaves)
        if (this.mut.antiEntropySkipsRange) ranges = ranges.slice(1)
        if (ranges.length === 0) return
        const entries = entriesIn(this.data, this.ring, from, ranges)
        return this.send(from, { type: 'SyncKeys', round: m.round, buckets: ranges, entries, reply: true })
      }
      case 'SyncKeys': {
        const mine = m.reply ? entriesIn(this.data, this.ring, from, m.buckets) : []
        for (const e of m.entries) for (const v of e.versions) this.store(e.key, v)
        if (m.reply)
          this.send(from, {
            type: 'SyncKeys',
            round: m.round,
            buckets: m.buckets,
            entries: mine,
            reply: false,
          })
        return
      }
    }
  }

  /** The pending request a reply's rid names (`<request id>:<phase letter>`), or null. */
  private request(rid: string, phase: string): Pending | null {
    const at = rid.lastIndexOf(':')
    if (at < 0 || rid.slice(at + 1) !== phase) return null
    return this.pending.get(rid.slice(0, at)) ?? null
  }

  private onGetReply(from: NodeId, rid: string, versions: Version[]): void {
    const p = this.request(rid, 'r')
    if (p === null || !p.asked.has(from) || p.replies.has(from)) return
    p.replies.set(from, versions)
    if (p.phase === 'read') {
      if (p.replies.size >= this.p.readQuorum) this.finishRead(p)
      return
    }
    // A late reply to a get that already has its result: repair the replier if it is stale.
    if (
      p.f === 'get' &&
      this.p.readRepair &&
      p.pref.includes(from) &&
      !holdsAll(versions, p.result, this.mode)
    )
      this.send(from, { type: 'ReadRepair', rid: `${p.id}:b`, key: p.key, versions: p.result })
  }

  /** The read phase has its replies (R of them, or fewer for a sloppy put): go on. */
  private finishRead(p: Pending): void {
    p.phaseAge = 0
    if (p.f === 'put') return this.startWrite(p)
    const result = mergeAll([...p.replies.values()], this.mode)
    p.result = result
    const holders = new Set<NodeId>()
    for (const [n, vs] of p.replies) {
      if (!p.pref.includes(n)) continue
      if (holdsAll(vs, result, this.mode)) holders.add(n)
      else if (this.p.readRepair)
        this.send(n, { type: 'ReadRepair', rid: `${p.id}:b`, key: p.key, versions: result })
    }
    const linearizable = this.p.readRepair && this.p.readQuorum + this.p.writeQuorum > p.pref.length
    if (!linearizable || holders.size >= this.p.writeQuorum || result.length === 0) {
      p.phase = 'done'
      return this.reply(p, { id: p.id, ok: true, f: 'get', value: readValue(result) })
    }
    // ABD write-back: reply once W preferred replicas hold the result.
    p.phase = 'writeback'
    p.acks = holders
    for (const n of p.pref)
      if (!p.replies.has(n))
        this.send(n, { type: 'ReadRepair', rid: `${p.id}:b`, key: p.key, versions: result })
  }

  private checkWriteback(p: Pending): void {
    if (p.acks.size < this.p.writeQuorum) return
    p.phase = 'done'
    this.reply(p, { id: p.id, ok: true, f: 'get', value: readValue(p.result) })
  }

  /** Stamp the new version above everything the query saw and send it to the preferred replicas. */
  private startWrite(p: Pending): void {
    const last = this.coordLast.get(p.key)
    let vc: VClock = last ? { ...last.vc } : {}
    let ts = last ? last.ts : 0
    for (const vs of p.replies.values()) {
      for (const v of vs) {
        vc = joinClocks(vc, v.vc)
        if (v.ts > ts) ts = v.ts
      }
    }
    vc[this.id] = (vc[this.id] ?? 0) + 1
    ts += 1
    const version: Version = { id: p.id, value: p.value, vc, ts, node: this.id }
    this.coordLast.set(p.key, { vc, ts })
    this.out.persist.push({ t: 'coord', key: p.key, vc, ts })
    p.version = version
    p.phase = 'write'
    p.phaseAge = 0
    for (const n of p.pref) this.send(n, { type: 'Put', rid: `${p.id}:w`, key: p.key, version })
    if (this.mut.ackBeforeQuorum) this.reply(p, { id: p.id, ok: true, f: 'put', value: null })
  }

  private checkWrite(p: Pending): void {
    let covered = p.acks.size
    for (const o of p.hintAcked) if (!p.acks.has(o)) covered++
    if (covered >= this.p.writeQuorum) this.reply(p, { id: p.id, ok: true, f: 'put', value: null })
    // Every preferred replica has it (or a stand-in keeps it for it): nothing left to do.
    if (covered >= p.pref.length) this.pending.delete(p.id)
  }

  // ---------------------------------------------------------------- timers

  private tickRequest(p: Pending): void {
    p.age++
    p.phaseAge++
    if (p.age >= this.p.requestTimeoutTicks) {
      // Out of time. No reply if none was sent: the outcome is unknown (see the header).
      this.pending.delete(p.id)
      return
    }
    if (p.phaseAge % this.retryTicks !== 0) return
    const sloppy = this.p.hintedHandoff
    switch (p.phase) {
      case 'read': {
        for (const n of p.asked)
          if (!p.replies.has(n)) this.send(n, { type: 'Get', rid: `${p.id}:r`, key: p.key })
        if (sloppy && p.phaseAge === this.retryTicks) {
          // Sloppy quorum: the first N reachable nodes, so ask the stand-ins too.
          for (const n of p.stand) {
            p.asked.add(n)
            this.send(n, { type: 'Get', rid: `${p.id}:r`, key: p.key })
          }
        }
        // An always-writable put goes on with the context it has.
        if (sloppy && p.f === 'put' && p.phaseAge >= 2 * this.retryTicks) this.finishRead(p)
        return
      }
      case 'write': {
        const version = p.version as Version
        const used = new Set(p.hintTo.values())
        for (const o of p.pref) {
          if (p.acks.has(o) || p.hintAcked.has(o)) continue
          this.send(o, { type: 'Put', rid: `${p.id}:w`, key: p.key, version })
          if (!sloppy) continue
          let s = p.hintTo.get(o)
          if (s === undefined) {
            s = p.stand.find((x) => !used.has(x))
            if (s === undefined) continue
            used.add(s)
            p.hintTo.set(o, s)
          }
          this.send(s, { type: 'Hint', rid: `${p.id}:w`, owner: o, key: p.key, version })
        }
        return
      }
      case 'writeback':
        for (const n of p.pref)
          if (!p.acks.has(n))
            this.send(n, { type: 'ReadRepair', rid: `${p.id}:b`, key: p.key, versions: p.result })
        return
      case 'done':
        return
    }
  }

  /** Hinted handoff: offer every hint to its owner (until it acknowledges). */
  private handoff(): void {
    const perOwner = new Map<NodeId, number>()
    for (const h of this.hints.values()) {
      const n = perOwner.get(h.owner) ?? 0
      if (n >= HANDOFF_BATCH) continue
      perOwner.set(h.owner, n + 1)
      this.send(h.owner, { type: 'Handoff', key: h.key, version: h.version })
    }
  }

  /** Anti-entropy round: send every peer the Merkle root of the keys we both replicate. */
  private antiEntropy(): void {
    this.aeRound++
    for (const peer of this.peers)
      this.send(peer, {
        type: 'MerkleRoot',
        round: this.aeRound,
        root: merkleRoot(merkleLeaves(this.data, this.ring, peer)),
      })
  }
}
