// The acceptor role of single-decree Paxos ("Paxos Made Simple" §2.2, P1a and phase 2b),
// one state per instance (key, slot): the highest ballot promised and the last value
// accepted. Decisions are pure; the node turns them into durable records and replies.
import type { AcceptedValue, PaxosValue } from './types'

export interface AcceptorInstance {
  promised: number
  accepted: AcceptedValue | null
}

export type PrepareDecision =
  { ok: true; changed: boolean; accepted: AcceptedValue | null } | { ok: false; promised: number }

export type AcceptDecision = { ok: true } | { ok: false; promised: number }

export class Acceptors {
  private readonly byKey = new Map<string, Map<number, AcceptorInstance>>()
  /** Instances in which this acceptor accepted something (for the state's lastIndex). */
  acceptedCount = 0

  constructor(private readonly acceptLowerBallot = false) {}

  get(key: string, slot: number): AcceptorInstance {
    let m = this.byKey.get(key)
    if (m === undefined) {
      m = new Map()
      this.byKey.set(key, m)
    }
    let a = m.get(slot)
    if (a === undefined) {
      a = { promised: 0, accepted: null }
      m.set(slot, a)
    }
    return a
  }

  /** Forget an instance whose value is learned (the learner answers for it from now on). */
  drop(key: string, slot: number): void {
    this.byKey.get(key)?.delete(slot)
  }

  /** Phase 1b: promise `ballot` unless a higher one was promised (a repeat of the same ballot is promised again). */
  prepare(key: string, slot: number, ballot: number): PrepareDecision {
    const a = this.get(key, slot)
    if (ballot < a.promised) return { ok: false, promised: a.promised }
    const changed = ballot > a.promised
    a.promised = ballot
    return { ok: true, changed, accepted: a.accepted }
  }

  /** Phase 2b: accept unless a higher ballot was promised (P1a). */
  accept(key: string, slot: number, ballot: number, value: PaxosValue): AcceptDecision {
    const a = this.get(key, slot)
    if (ballot < a.promised && !this.acceptLowerBallot) return { ok: false, promised: a.promised }
    if (ballot > a.promised) a.promised = ballot
    this.record(a, ballot, value)
    return { ok: true }
  }

  /** Recovery: replay a durable promise. */
  restorePromise(key: string, slot: number, ballot: number): void {
    const a = this.get(key, slot)
    if (ballot > a.promised) a.promised = ballot
  }

  /** Recovery: replay a durable acceptance. */
  restoreAccept(key: string, slot: number, ballot: number, value: PaxosValue): void {
    const a = this.get(key, slot)
    if (ballot > a.promised) a.promised = ballot
    this.record(a, ballot, value)
  }

  private record(a: AcceptorInstance, ballot: number, value: PaxosValue): void {
    if (a.accepted === null) this.acceptedCount++
    a.accepted = { ballot, value }
  }
}
