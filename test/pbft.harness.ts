// A one-thread test network for PBFT replicas: the shared SimNetwork of protocol.harness.ts
// (FIFO delivery, link cuts, drop filters, per-node "disks" so a crashed replica restarts
// from them) plus Byzantine replicas whose outgoing messages go through the factory's
// corrupt() (equivocate, forge) or are dropped (silent), as the simulator and the process
// host do.
import { createRng, type Rng } from '../src/core/rng'
import type { NodeId } from '../src/core/protocols/types'
import { createPbftFactory, pbftParams, type PbftNode } from '../src/core/protocols/pbft'
import type { PbftMsg, PbftMutations, PbftRecord } from '../src/core/protocols/pbft/types'
import type { PbftParams } from '../src/core/protocols/pbft/describe'
import { SimNetwork, type Envelope as NetEnvelope } from './protocol.harness'

export type Envelope = NetEnvelope<PbftMsg>

export type Byz = 'silent' | 'equivocate' | 'forge'

export interface ClusterOptions {
  seed?: number
  params?: Partial<PbftParams>
  mutations?: PbftMutations
}

/** `sent` (also `delivered`): the delivered messages, in order. */
export class Cluster extends SimNetwork<PbftMsg, PbftRecord, PbftParams, PbftNode> {
  readonly byz = new Map<NodeId, Byz>()
  private readonly byzRng: Rng
  readonly seed: number

  constructor(n: number, opts: ClusterOptions = {}) {
    const seed = opts.seed ?? 1
    const p = pbftParams({ viewChangeTicks: 10, ...opts.params })
    super(n, {
      factory: createPbftFactory(opts.mutations ?? {}),
      params: () => p,
      rngSeed: (_id, index) => seed * 31 + index,
      runSeed: seed,
      sentLog: 'delivered',
    })
    this.seed = seed
    this.byzRng = createRng(seed + 77)
    this.startAll()
  }

  /** Delivered messages, in order. */
  get delivered(): Envelope[] {
    return this.sent
  }

  protected override outgoing(from: NodeId, to: NodeId, msg: PbftMsg): PbftMsg | null {
    const b = this.byz.get(from)
    if (b === 'silent') return null
    if (b === 'forge' || b === 'equivocate') return this.factory.corrupt?.(msg, b, to, this.byzRng) ?? msg
    return msg
  }

  /** Deliver queued messages until none is left (at most `maxSteps`, then stop silently). */
  override stabilize(maxSteps = 200_000): number {
    return this.deliverAll(maxSteps)
  }

  put(id: NodeId, reqId: string, key: string, value: string): void {
    this.propose(id, reqId, { f: 'put', key, value })
  }

  /** (seq, request id) executed by a replica, in order. */
  executed(id: NodeId): Array<[number, string]> {
    return this.applyEvents(id).map((e) => [e.index, e.id])
  }

  /** seq -> id, for replicas `ids`, reporting any seq where two of them differ. */
  disagreements(ids: NodeId[]): string[] {
    const at = new Map<number, { id: string; node: NodeId }>()
    const out: string[] = []
    for (const n of ids) {
      for (const [seq, id] of this.executed(n)) {
        const prev = at.get(seq)
        if (!prev) at.set(seq, { id, node: n })
        else if (prev.id !== id) out.push(`seq ${seq}: ${prev.node} ${prev.id} vs ${n} ${id}`)
      }
    }
    return out
  }
}
