// A one-thread test network for quorum-store nodes: the shared SimNetwork of
// protocol.harness.ts (FIFO delivery, link cuts / isolation, crash and restart from each
// node's "disk") plus client get/put requests and the versions each node holds.
import { QuorumParamsSchema, type QuorumParams } from '../src/core/protocols/quorum/describe'
import type { ClientReply, KvCommand, NodeId } from '../src/core/protocols/types'
import {
  createQuorumFactory,
  type QuorumMsg,
  type QuorumMutations,
  type QuorumNode,
  type QuorumRecord,
} from '../src/core/protocols/quorum'
import { SimNetwork, type ApplyEvent, type Envelope as NetEnvelope } from './protocol.harness'

export type Envelope = NetEnvelope<QuorumMsg>

export function qparams(p: Partial<QuorumParams> = {}): QuorumParams {
  return QuorumParamsSchema.parse({ antiEntropyTicks: 0, requestTimeoutTicks: 50, ...p })
}

/** `sent`: every message taken off the queue (delivered or not), in order. */
export class QCluster extends SimNetwork<QuorumMsg, QuorumRecord, QuorumParams, QuorumNode> {
  constructor(
    n: number,
    readonly params: QuorumParams,
    mutations: QuorumMutations = {},
  ) {
    super(n, {
      factory: createQuorumFactory(mutations),
      params: () => params,
      copyMessages: true,
      maxSteps: 100_000,
    })
    this.startAll()
  }

  /** Send a client request to `id` and deliver everything it causes. */
  request(id: NodeId, reqId: string, cmd: KvCommand): ClientReply | undefined {
    this.propose(id, reqId, cmd)
    return this.reply(reqId)
  }

  put(id: NodeId, reqId: string, key: string, value = reqId): ClientReply | undefined {
    return this.request(id, reqId, { f: 'put', key, value })
  }

  get(id: NodeId, reqId: string, key: string): ClientReply | undefined {
    return this.request(id, reqId, { f: 'get', key })
  }

  /** Request ids of the versions `id` holds for `key` (sorted). */
  holds(id: NodeId, key: string): string[] {
    return (this.node(id).data.get(key) ?? []).map((v) => v.id).sort()
  }

  applies(id: NodeId): ApplyEvent[] {
    return this.applyEvents(id)
  }

  /** Message types taken off the queue so far. */
  types(): string[] {
    return this.sent.map((e) => e.msg.type)
  }
}
