// The leader's view of its followers (etcd-io/raft's tracker package): one Progress per other
// member of the configuration (voters, old voters during joint consensus, learners), and the
// configuration's quorum questions: which index is committed, who won a vote, whether a
// majority is active. Learners replicate but never count (unless the learnerCountsAsVoter
// mutation says otherwise). Pure.
import type { ClusterConfig, NodeId } from '../types'
import { configMembers, isVoterIn } from './config'
import { jointVote, majorityHas, majorityValue, type VoteResult } from './quorum'

export interface Progress {
  /** Highest index known to be replicated on the follower. */
  match: number
  /** Next index to send. */
  next: number
  /**
   * probe: one message at a time until the match point is found; replicate: pipelined;
   * snapshot: the follower needs the snapshot (its next entry was compacted away).
   */
  state: 'probe' | 'replicate' | 'snapshot'
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
  /** snapshot: index of the snapshot being sent, characters acknowledged, and at the last heartbeat. */
  snapIndex: number
  snapOffset: number
  snapOffsetAtHeartbeat: number
}

export function newProgress(next: number): Progress {
  return {
    match: 0,
    next,
    state: 'probe',
    paused: false,
    inflight: [],
    active: true,
    readAck: 0,
    matchAtHeartbeat: 0,
    sentCtx: 0,
    snapIndex: 0,
    snapOffset: 0,
    snapOffsetAtHeartbeat: 0,
  }
}

export class ProgressTracker {
  /** Progress of every other member, in the cluster's node order (leader only). */
  readonly progress = new Map<NodeId, Progress>()
  private config: ClusterConfig
  /** Who counts: the voters of each half (plus the learners under learnerCountsAsVoter). */
  private incoming: NodeId[] = []
  private outgoing: NodeId[] = []
  /** Other nodes a candidate asks for votes; other members a leader replicates to. */
  private voterPeers: NodeId[] = []
  private memberPeers: NodeId[] = []
  private readonly scratch: number[]

  constructor(
    private readonly self: NodeId,
    private readonly order: readonly NodeId[],
    config: ClusterConfig,
    private readonly learnersCount = false,
  ) {
    this.scratch = new Array<number>(order.length).fill(0)
    this.config = config
    this.setConfig(config)
  }

  setConfig(c: ClusterConfig): void {
    this.config = c
    this.incoming = this.learnersCount
      ? this.order.filter((n) => c.voters.includes(n) || c.learners.includes(n))
      : c.voters.slice()
    this.outgoing = c.oldVoters ? c.oldVoters.slice() : []
    const counted = new Set([...this.incoming, ...this.outgoing])
    this.voterPeers = this.order.filter((n) => n !== this.self && counted.has(n))
    const members = configMembers(c)
    this.memberPeers = this.order.filter((n) => n !== this.self && members.has(n))
  }

  get current(): ClusterConfig {
    return this.config
  }

  /** May `id` campaign and vote in this configuration (a voter of either half)? */
  isVoter(id: NodeId): boolean {
    return isVoterIn(this.config, id)
  }

  /** Other nodes whose votes count. */
  voters(): readonly NodeId[] {
    return this.voterPeers
  }

  /** Other members (voters and learners). */
  members(): readonly NodeId[] {
    return this.memberPeers
  }

  /** The only node that counts is this one (it commits on its own). */
  soleVoter(): boolean {
    return this.voterPeers.length === 0
  }

  /** Fresh progress for every other member (a new leader); `next` = its last index + 1. */
  reset(next: number): void {
    this.progress.clear()
    for (const p of this.memberPeers) this.progress.set(p, newProgress(next))
  }

  /** After a configuration change on the leader: progress for new members, none for removed ones. */
  sync(next: number): void {
    const old = new Map(this.progress)
    this.progress.clear()
    for (const p of this.memberPeers) this.progress.set(p, old.get(p) ?? newProgress(next))
  }

  /** The largest value a majority of each half reached (`valueOf` per node, this one included). */
  committed(valueOf: (id: NodeId) => number): number {
    const a = majorityValue(this.incoming, valueOf, this.scratch)
    const b = majorityValue(this.outgoing, valueOf, this.scratch)
    return Math.min(a, b)
  }

  vote(votes: ReadonlyMap<NodeId, boolean>): VoteResult {
    return jointVote(this.incoming, this.outgoing, votes)
  }

  /** Whether a majority of each half satisfies `ok`. */
  quorumHas(ok: (id: NodeId) => boolean): boolean {
    return majorityHas(this.incoming, ok) && majorityHas(this.outgoing, ok)
  }
}
