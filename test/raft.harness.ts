// A tiny etcd-style test network for Raft nodes (the shared SimNetwork of protocol.harness.ts:
// FIFO delivery, cuts, drop filter, crash/restart from disk) plus Raft's elections and the
// safety checks of the Raft paper.
import { RaftParamsSchema, type RaftParams } from '../src/core/protocols/raft/describe'
import type { AdminCommand, ClusterConfig, NodeId } from '../src/core/protocols/types'
import { createRaftFactory, type RaftNode } from '../src/core/protocols/raft'
import type { RaftMsg, RaftMutations, RaftRecord } from '../src/core/protocols/raft/types'
import { SimNetwork, type Envelope as NetEnvelope } from './protocol.harness'

export type Envelope = NetEnvelope<RaftMsg>

export interface ClusterOptions {
  seed?: number
  params?: Partial<RaftParams>
  /** Per-node params overrides. */
  paramsFor?: Record<string, Partial<RaftParams>>
  mutations?: RaftMutations
  /** Initial durable records per node (to build specific logs). */
  disks?: Record<string, RaftRecord[]>
  /** The initial voters (default: every node); the others start outside the configuration. */
  voters?: NodeId[]
}

export function params(p: Partial<RaftParams> = {}): RaftParams {
  return RaftParamsSchema.parse({ electionTimeoutTicks: [10, 20], heartbeatTicks: 2, ...p })
}

/** `sent`: every message taken off the queue (delivered or dropped), in order. */
export class Cluster extends SimNetwork<RaftMsg, RaftRecord, RaftParams, RaftNode> {
  constructor(n: number, opts: ClusterOptions = {}) {
    super(n, {
      factory: createRaftFactory(opts.mutations ?? {}),
      params: (id) => params({ ...opts.params, ...opts.paramsFor?.[id] }),
      seed: opts.seed,
      disks: opts.disks,
      voters: opts.voters,
    })
    this.startAll()
  }

  /** A cluster operation handed to `id` (membership change, leadership transfer), then settle. */
  admin(id: NodeId, cmd: AdminCommand, settle = true): void {
    this.act(id, (n) => n.admin(cmd), settle)
  }

  /** The configuration node `id` works with. */
  config(id: NodeId): ClusterConfig {
    return this.node(id).inspect().config
  }

  /** The unique leader with the highest term (throws when there is none). */
  leader(): RaftNode {
    const ls = this.leaders().sort((a, b) => b.status().term - a.status().term)
    if (!ls.length) throw new Error('no leader')
    return ls[0]
  }

  /** Tick until there is a leader that a majority of live nodes follow. */
  elect(max = 1000): RaftNode {
    this.tickUntil(() => {
      const ls = this.leaders()
      if (ls.length === 0) return false
      const l = ls.sort((a, b) => b.status().term - a.status().term)[0]
      const followers = this.live().filter(
        (n) => n.status().leader === l.id && n.status().term === l.status().term,
      )
      const voters = l.inspect().config.voters
      return (
        followers.filter((n) => voters.includes(n.id)).length >= Math.floor(voters.length / 2) + 1 &&
        l.status().commitIndex >= l.status().lastIndex
      )
    }, max)
    return this.leader()
  }

  campaign(id: NodeId): void {
    this.act(id, (n) => n.campaign())
  }

  /** Every entry of every live node's log as `index:term:id`. */
  logOf(id: NodeId): string[] {
    return this.node(id)
      .log.all()
      .map((e, i) => `${i + 1}:${e.term}:${e.id}`)
  }

  /** All (node, index, id) apply events seen so far. */
  applied(id: NodeId): Array<{ index: number; term: number; id: string }> {
    return this.applyEvents(id).map((e) => ({ index: e.index, term: e.term, id: e.id }))
  }

  /** State machine safety (§5.4.3): no two nodes applied different entries at the same index. */
  stateMachineViolations(): string[] {
    const at = new Map<number, { node: NodeId; id: string; term: number }>()
    const out: string[] = []
    for (const id of this.ids) {
      for (const a of this.applied(id)) {
        const prev = at.get(a.index)
        if (!prev) at.set(a.index, { node: id, id: a.id, term: a.term })
        else if (prev.id !== a.id || prev.term !== a.term)
          out.push(
            `index ${a.index}: ${prev.node} applied ${prev.id}@t${prev.term}, ${id} applied ${a.id}@t${a.term}`,
          )
      }
    }
    return out
  }

  /** Election safety (§5.2): at most one leader per term, from the state events. */
  electionViolations(): string[] {
    const byTerm = new Map<number, NodeId>()
    const out: string[] = []
    for (const id of this.ids) {
      for (const e of this.events.get(id)!) {
        if (e.type !== 'state' || e.role !== 'leader') continue
        const prev = byTerm.get(e.term)
        const v = `term ${e.term}: ${prev} and ${id}`
        if (prev && prev !== id) {
          if (!out.includes(v)) out.push(v)
        } else byTerm.set(e.term, id)
      }
    }
    return out
  }
}

/** Records for a node whose log has the given terms (ids e<index>t<term>, put commands). */
export function diskWithLog(term: number, terms: number[], votedFor: NodeId | null = null): RaftRecord[] {
  return [
    { t: 'hard', term, votedFor },
    {
      t: 'append',
      index: 1,
      entries: terms.map((t, i) => ({
        term: t,
        id: `x${i + 1}.${t}`,
        cmd: { f: 'put', key: 'k', value: `v${i + 1}.${t}` },
      })),
    },
  ]
}
