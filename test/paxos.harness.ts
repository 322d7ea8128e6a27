// A one-thread test network for Paxos nodes: the shared SimNetwork of protocol.harness.ts
// (FIFO queue, drop filter, crash/restart from each node's disk) where ticks and proposals
// deliver nothing by themselves: a test delivers with deliverOne / deliverAll / run.
import { PaxosParamsSchema, type PaxosParams } from '../src/core/protocols/paxos/describe'
import type { KvCommand, NodeId } from '../src/core/protocols/types'
import {
  createPaxosFactory,
  type PaxosMsg,
  type PaxosMutations,
  type PaxosNode,
  type PaxosRecord,
} from '../src/core/protocols/paxos'
import { SimNetwork, type Envelope as NetEnvelope } from './protocol.harness'

export { put } from './protocol.harness'

export type Envelope = NetEnvelope<PaxosMsg>

/** `sent`: every message handed to the network, in order. */
export class Cluster extends SimNetwork<PaxosMsg, PaxosRecord, PaxosParams, PaxosNode> {
  constructor(n: number, params: Partial<PaxosParams> = {}, mutations: PaxosMutations = {}) {
    const p = PaxosParamsSchema.parse(params)
    super(n, {
      factory: createPaxosFactory(mutations),
      params: () => p,
      copyPersist: false,
      sentLog: 'queued',
      maxSteps: 100_000,
    })
    this.startAll()
  }

  /** A client request to `id` (delivered by the next deliverOne / deliverAll). */
  override propose(id: NodeId, reqId: string, cmd: KvCommand): void {
    super.propose(id, reqId, cmd, false)
  }

  /** Tick every live node `times` rounds (delivering nothing). */
  override tick(times = 1): void {
    for (let k = 0; k < times; k++) this.tickRound()
  }

  /** Tick and deliver everything after each tick. */
  run(ticks: number): void {
    for (let k = 0; k < ticks; k++) {
      this.tick()
      this.deliverAll()
    }
  }

  applied(id: NodeId, key: string): string[] {
    return this.node(id)
      .appliedValues(key)
      .map((v) => v.id)
  }
}
