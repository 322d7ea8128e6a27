// A one-thread test network for Multi-Paxos nodes: the shared SimNetwork of protocol.harness.ts
// (FIFO delivery, cuts / isolation / drop filter, crash/restart from each node's disk) plus
// leader election, every ready() kept for write-ahead assertions, and slot agreement.
import { MultiPaxosParamsSchema, type MultiPaxosParams } from '../src/core/protocols/multipaxos/describe'
import type { NodeId, Ready } from '../src/core/protocols/types'
import {
  createMultiPaxosFactory,
  type MpMsg,
  type MpRecord,
  type MultiPaxosMutations,
  type MultiPaxosNode,
  validateMpMsg,
} from '../src/core/protocols/multipaxos'
import { SimNetwork, type ApplyEvent, type Envelope as NetEnvelope } from './protocol.harness'

export { put } from './protocol.harness'

export type Envelope = NetEnvelope<MpMsg>

export interface ClusterOptions {
  seed?: number
  params?: Partial<MultiPaxosParams>
  mutations?: MultiPaxosMutations
}

export function params(p: Partial<MultiPaxosParams> = {}): MultiPaxosParams {
  return MultiPaxosParamsSchema.parse({ leaderTimeoutTicks: [10, 20], heartbeatTicks: 2, ...p })
}

export type ApplyEv = ApplyEvent

/** `sent`: every message taken off the queue (delivered or not), in order. */
export class Cluster extends SimNetwork<MpMsg, MpRecord, MultiPaxosParams, MultiPaxosNode> {
  /** For each node: the persist records and messages of every ready(), in order. */
  readonly readies: Array<{ node: NodeId; persist: MpRecord[]; messages: MpMsg[] }> = []

  constructor(n: number, opts: ClusterOptions = {}) {
    super(n, {
      factory: createMultiPaxosFactory(opts.mutations ?? {}),
      params: () => params(opts.params),
      seed: opts.seed,
      copyMessages: true,
    })
    this.startAll()
  }

  /** Every message must pass the wire check a real node applies (processes mode). */
  protected override outgoing(from: NodeId, to: NodeId, msg: MpMsg): MpMsg | null {
    const bad = validateMpMsg(msg)
    if (bad !== null)
      throw new Error(`${from} -> ${to}: a real node would refuse ${JSON.stringify(msg)}: ${bad}`)
    return msg
  }

  protected override onReady(id: NodeId, rd: Ready<MpMsg, MpRecord>): void {
    this.readies.push({ node: id, persist: [...rd.persist], messages: rd.messages.map((o) => o.msg) })
  }

  /** Tick until one leader is followed by a majority (after a crash: once leases expire). */
  elect(max = 1000): MultiPaxosNode {
    const quorum = Math.floor(this.ids.length / 2) + 1
    this.tickUntil(() => {
      const ls = this.leaders()
      if (ls.length !== 1) return false
      return this.live().filter((n) => n.status().leader === ls[0].id).length >= quorum
    }, max)
    return this.leaders()[0]
  }

  campaign(id: NodeId): void {
    this.act(id, (n) => n.campaign())
  }

  /** Apply events of a node since it was created (all incarnations). */
  applied(id: NodeId): ApplyEv[] {
    return this.applyEvents(id)
  }

  /** Ids applied by a node, in order, as `slot:id` (the last incarnation's replays included). */
  appliedIds(id: NodeId): string[] {
    return this.applied(id).map((e) => `${e.index}:${e.id}`)
  }

  /** Slot agreement across nodes: `slot: a vs b` for every disagreement. */
  agreementViolations(): string[] {
    const at = new Map<number, string>()
    const out: string[] = []
    for (const id of this.ids) {
      for (const a of this.applied(id)) {
        const prev = at.get(a.index)
        if (prev === undefined) at.set(a.index, `${a.term}:${a.id}`)
        else if (prev !== `${a.term}:${a.id}`) out.push(`slot ${a.index}: ${prev} vs ${a.term}:${a.id}`)
      }
    }
    return out
  }

  count(type: MpMsg['type'], from?: NodeId): number {
    return this.sent.filter((e) => e.msg.type === type && (from === undefined || e.from === from)).length
  }
}
