// Multi-Paxos safety checks over a run's trace, streaming, plus the protocol-independent
// ones (State Machine Safety over 'apply' events, No acknowledged write lost).
//
//   Slot Agreement    no two nodes decide different commands for the same slot (Paxos'
//                     safety, per instance: only one value is ever chosen). A node decides a
//                     slot when it applies it, so this compares 'apply' events across nodes
//                     by slot and request id.
//   In-order Apply    each node applies its decided prefix in slot order, without gaps: the
//                     first apply (or the first after a crash / restart, which replays from
//                     the start) is at a slot <= the next one, every other apply is exactly
//                     at the next slot; and the applied command is the one the node holds at
//                     that slot (its last 'log' append there). A checkpoint installed or
//                     restored ('snapshot' event) moves the node to its slot.
import type { CheckResult } from '../../shared/api'
import type { ApplyEvent, NodeId, TraceEvent } from '../../shared/trace'
import { createRaftChecker } from './raft'
import type { TraceChecker } from './trace-checker'
import { fmtTime, Tally } from './tally'

export const MULTIPAXOS_CHECK_NAMES = {
  slotAgreement: 'Slot Agreement',
  inOrderApply: 'In-order Apply',
} as const

interface Decision {
  id: string
  node: NodeId
  t: number
}

interface NodeView {
  /** Last slot applied (0 = none yet). */
  applied: number
  /** The next apply may start over (first apply of an incarnation). */
  fresh: boolean
  /** id held at each slot, from 'log' appends (slot s at position s). */
  held: string[]
}

export class MultiPaxosTraceChecker implements TraceChecker {
  private readonly agreement = new Tally(MULTIPAXOS_CHECK_NAMES.slotAgreement)
  private readonly order = new Tally(MULTIPAXOS_CHECK_NAMES.inOrderApply)
  private readonly generic = createRaftChecker({ raft: false })
  /** decided[slot] = the first decision seen for that slot. */
  private readonly decided: Array<Decision | undefined> = []
  private readonly nodes = new Map<NodeId, NodeView>()

  private view(id: NodeId): NodeView {
    let v = this.nodes.get(id)
    if (!v) {
      v = { applied: 0, fresh: true, held: [] }
      this.nodes.set(id, v)
    }
    return v
  }

  onEvent(e: TraceEvent): void {
    this.generic.onEvent(e)
    if (e.node === null) return
    switch (e.kind) {
      case 'log': {
        const v = this.view(e.node)
        if (e.action === 'truncate') {
          if (v.held.length > e.index) v.held.length = e.index
        } else {
          for (let k = 0; k < e.entries.length; k++) v.held[e.index + k] = e.entries[k].id
        }
        break
      }
      case 'apply':
        this.onApply(e.node, e)
        break
      case 'node':
        if (e.action === 'crash' || e.action === 'restart') this.view(e.node).fresh = true
        break
      case 'snapshot':
        // A checkpoint installed or restored: the node goes on after its slot (a checkpoint
        // going back is State Machine Safety's to report).
        if (e.action !== 'take') {
          const v = this.view(e.node)
          v.applied = e.index
          v.fresh = false
        }
        break
      default:
        break
    }
  }

  private onApply(node: NodeId, e: ApplyEvent): void {
    const v = this.view(node)
    // Slot Agreement.
    const d = this.decided[e.index]
    if (d === undefined) this.decided[e.index] = { id: e.id, node, t: e.t }
    else if (d.id !== e.id) {
      this.agreement.add(
        () =>
          `slot ${e.index}: ${node} decided ${JSON.stringify(e.id)} at ${fmtTime(e.t)}, but ${d.node} ` +
          `decided ${JSON.stringify(d.id)} at ${fmtTime(d.t)}`,
        `${node}:${e.index}:${e.id}`,
      )
    }
    // In-order Apply.
    const next = v.applied + 1
    if (e.index !== next && !(v.fresh && e.index >= 1 && e.index <= next)) {
      const prev = v.applied
      this.order.add(
        () =>
          `${node} applied slot ${e.index} at ${fmtTime(e.t)} right after slot ${prev} ` +
          (e.index > next ? `(slot ${next} was skipped)` : '(out of order)'),
        `order:${node}:${e.index}:${prev}`,
      )
    }
    const held = v.held[e.index]
    if (held !== e.id) {
      this.order.add(
        () =>
          `${node} applied ${JSON.stringify(e.id)} at slot ${e.index} at ${fmtTime(e.t)}, but it holds ` +
          `${held === undefined ? 'nothing' : JSON.stringify(held)} there`,
        `held:${node}:${e.index}:${e.id}`,
      )
    }
    v.applied = e.index
    v.fresh = false
  }

  results(): CheckResult[] {
    return [this.agreement.result(), this.order.result(), ...this.generic.results()]
  }

  finalResults(): CheckResult[] {
    return [this.agreement.result(), this.order.result(), ...this.generic.finalResults()]
  }
}

export function createMultiPaxosChecker(): TraceChecker {
  return new MultiPaxosTraceChecker()
}
