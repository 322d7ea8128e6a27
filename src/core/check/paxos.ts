// Single-decree Paxos safety ("Paxos Made Simple" §2.1) checked over a run's trace, streaming.
//
// What the trace shows: every acceptance as a 'log' append event (index = slot, entry term =
// ballot, entry id = acceptanceId(key, value id)), every applied value as an 'apply' event
// (index = slot, key = the instance's key), and the client history ('op' events).
//
// Checks (each a CheckResult):
//   Agreement       at most one value is chosen per instance (key, slot): a value is chosen
//                   when a majority of the cluster accepted it in the same ballot; every
//                   value a node applies at an instance is that instance's only value; a
//                   ballot carries one value per instance
//   Validity        every accepted or applied value was proposed: a client request id that
//                   was invoked, or the no-op
//   Slot order      each node applies each key's values in slot order without gaps (a restart
//                   re-applies from slot 1)
//   No acknowledged write lost  every put / successful cas acked to a client was applied by
//                   at least one node
//
// The cluster size (for "majority") is the number of nodes seen in the trace; every node
// reports its state when it boots, before it can accept anything. Acceptances are evaluated
// when results are read, so a node whose boot event arrives late is still counted.
import type { CheckResult } from '../../shared/api'
import type { ApplyEvent, LogEvent, NodeId, OpEvent, TraceEvent } from '../../shared/trace'
import { NOOP_ID, parseAcceptanceId, showBallot } from '../protocols/paxos/types'
import { COMMON_CHECK_NAMES as CHECK_NAMES, type TraceChecker } from './trace-checker'
import { fmtTime, isAckedWrite, lostWrites, notApplied, Tally } from './tally'

export const PAXOS_CHECK_NAMES = {
  agreement: 'Agreement',
  validity: 'Validity',
  slotOrder: 'Slot order',
  ackedWrites: CHECK_NAMES.ackedWrites,
} as const

/** The value an instance was decided on, and how the trace showed it. */
interface Decided {
  id: string
  how: string
}

interface Instance {
  key: string
  slot: number
  /** ballot -> value id -> acceptor -> time of its (first) acceptance. */
  ballots: Map<number, Map<string, Map<NodeId, number>>>
  decided: Decided | null
}

interface FirstSeen {
  node: NodeId
  t: number
  where: string
}

function instName(key: string, slot: number): string {
  return `instance ${JSON.stringify(key)}#${slot}`
}

export class PaxosTraceChecker implements TraceChecker {
  private readonly agreement = new Tally(PAXOS_CHECK_NAMES.agreement)
  private readonly order = new Tally(PAXOS_CHECK_NAMES.slotOrder)
  private readonly nodes = new Set<NodeId>()
  private readonly instances = new Map<string, Instance>()
  private readonly dirty = new Set<Instance>()
  /** node -> key -> last slot applied. */
  private readonly applied = new Map<NodeId, Map<string, number>>()
  private readonly invoked = new Set<string>()
  /** Value ids accepted or applied but (so far) never invoked by a client. */
  private readonly unproposed = new Map<string, FirstSeen>()
  private readonly appliedIds = new Set<string>()
  private readonly acked: OpEvent[] = []

  onEvent(e: TraceEvent): void {
    if (e.node !== null) this.nodes.add(e.node)
    switch (e.kind) {
      case 'log':
        if (e.node !== null && e.action === 'append') this.onAccept(e.node, e)
        break
      case 'apply':
        if (e.node !== null && e.key !== undefined) this.onApply(e.node, e, e.key)
        break
      case 'node':
        if (e.node !== null && (e.action === 'crash' || e.action === 'restart')) this.applied.delete(e.node)
        break
      case 'op':
        if (e.phase === 'invoke') {
          this.invoked.add(e.opId)
          this.unproposed.delete(e.opId)
        } else if (isAckedWrite(e)) {
          this.acked.push(e)
        }
        break
      default:
        break
    }
  }

  private instance(key: string, slot: number): Instance {
    const k = `${slot}:${key}`
    let i = this.instances.get(k)
    if (i === undefined) {
      i = { key, slot, ballots: new Map(), decided: null }
      this.instances.set(k, i)
    }
    return i
  }

  private seeValue(id: string, node: NodeId, t: number, where: string): void {
    if (id === NOOP_ID || this.invoked.has(id) || this.unproposed.has(id)) return
    this.unproposed.set(id, { node, t, where })
  }

  private onAccept(node: NodeId, e: LogEvent): void {
    for (const entry of e.entries) {
      const a = parseAcceptanceId(entry.id)
      if (a === null) continue
      const inst = this.instance(a.key, e.index)
      this.seeValue(a.valueId, node, e.t, `accepted by ${node} in ${instName(a.key, e.index)}`)
      let byValue = inst.ballots.get(entry.term)
      if (byValue === undefined) {
        byValue = new Map()
        inst.ballots.set(entry.term, byValue)
      }
      let acceptors = byValue.get(a.valueId)
      if (acceptors === undefined) {
        acceptors = new Map()
        byValue.set(a.valueId, acceptors)
        if (byValue.size > 1) {
          const other = [...byValue.keys()].find((v) => v !== a.valueId) as string
          this.agreement.add(
            () =>
              `${instName(a.key, e.index)}: ballot ${showBallot(entry.term)} carries two values: ` +
              `${node} accepted ${JSON.stringify(a.valueId)} at ${fmtTime(e.t)}, others accepted ` +
              `${JSON.stringify(other)}`,
            `ballot:${a.key}:${e.index}:${entry.term}`,
          )
        }
      }
      if (!acceptors.has(node)) acceptors.set(node, e.t)
      this.dirty.add(inst)
    }
  }

  private decide(inst: Instance, d: Decided): void {
    const prev = inst.decided
    if (prev === null) {
      inst.decided = d
      return
    }
    if (prev.id === d.id) return
    this.agreement.add(
      () =>
        `${instName(inst.key, inst.slot)} has two values: ${JSON.stringify(prev.id)} (${prev.how}) ` +
        `and ${JSON.stringify(d.id)} (${d.how})`,
      `two:${inst.key}:${inst.slot}:${d.id}`,
    )
  }

  private onApply(node: NodeId, e: ApplyEvent, key: string): void {
    this.appliedIds.add(e.id)
    this.seeValue(e.id, node, e.t, `applied by ${node} in ${instName(key, e.index)}`)
    this.decide(this.instance(key, e.index), { id: e.id, how: `applied by ${node} at ${fmtTime(e.t)}` })

    let keys = this.applied.get(node)
    if (keys === undefined) {
      keys = new Map()
      this.applied.set(node, keys)
    }
    const last = keys.get(key) ?? 0
    if (e.index !== last + 1) {
      this.order.add(
        () =>
          `${node} applied ${instName(key, e.index)} at ${fmtTime(e.t)} right after slot ${last} ` +
          (e.index > last + 1 ? `(skipped slot ${last + 1})` : '(out of order)'),
        `order:${node}:${key}:${e.index}:${last}`,
      )
    }
    keys.set(key, e.index)
  }

  /** Find the values chosen (a majority of the cluster accepted them in one ballot). */
  private evaluate(): void {
    const quorum = Math.floor(this.nodes.size / 2) + 1
    for (const inst of this.dirty) {
      for (const [ballot, byValue] of inst.ballots) {
        for (const [id, acceptors] of byValue) {
          if (acceptors.size < quorum) continue
          const times = [...acceptors.values()].sort((a, b) => a - b)
          const t = times[quorum - 1]
          const who = [...acceptors.keys()].sort().join(', ')
          this.decide(inst, {
            id,
            how: `chosen in ballot ${showBallot(ballot)} at ${fmtTime(t)}, accepted by ${who}`,
          })
        }
      }
    }
    this.dirty.clear()
  }

  private validity(): CheckResult {
    const tally = new Tally(PAXOS_CHECK_NAMES.validity)
    for (const [id, f] of this.unproposed) {
      tally.add(
        () => `value ${JSON.stringify(id)} was ${f.where} at ${fmtTime(f.t)}, but no client proposed it`,
      )
    }
    return tally.result()
  }

  results(): CheckResult[] {
    this.evaluate()
    return [
      this.agreement.result(),
      this.validity(),
      this.order.result(),
      lostWrites(PAXOS_CHECK_NAMES.ackedWrites, this.acked, (id) => this.appliedIds.has(id), notApplied),
    ]
  }
}

export function createPaxosChecker(): TraceChecker {
  return new PaxosTraceChecker()
}
