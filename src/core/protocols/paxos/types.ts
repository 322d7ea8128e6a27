// Single-decree Paxos (Lamport, "Paxos Made Simple", 2001): wire messages, durable records,
// ballots and test-only mutations. One Paxos instance decides one value for one (key, slot):
// each key of the KV store is a sequence of instances, slot 1, 2, 3, ...
import type { KvCommand } from '../types'

/** The value of an instance: a client command under its request id, or a no-op (fills a gap). */
export interface PaxosValue {
  id: string
  /** null for a no-op. */
  cmd: KvCommand | null
}

/** Id of the no-op value (proposed only to learn or close an instance nobody else finishes). */
export const NOOP_ID = 'noop'
export const NOOP: PaxosValue = Object.freeze({ id: NOOP_ID, cmd: null }) as PaxosValue

/**
 * A ballot number (paper §2.2: proposals are numbered, different proposers use disjoint sets
 * of numbers): round * BALLOT_SPAN + (index of the proposer in the node list, 1-based), so
 * ballots are totally ordered, unique per node, and 0 means "none".
 */
export const BALLOT_SPAN = 1024

export function ballotOf(round: number, nodeIndex: number): number {
  return round * BALLOT_SPAN + nodeIndex + 1
}
export function ballotRound(b: number): number {
  return Math.floor(b / BALLOT_SPAN)
}
/** `round.node` (node = 1-based index, so `3.2` is round 3 of n2 in an n1..nN cluster). */
export function showBallot(b: number): string {
  return b === 0 ? '0' : `${ballotRound(b)}.${b % BALLOT_SPAN}`
}

/** A value an acceptor accepted, with the ballot it accepted it in. */
export interface AcceptedValue {
  ballot: number
  value: PaxosValue
}

/** Messages. The sender is the `from` of `step(from, msg)`. Every message names its instance. */
export type PaxosMsg =
  /** Phase 1a: "promise not to accept anything below `ballot` in this instance". */
  | { type: 'Prepare'; key: string; slot: number; ballot: number }
  /** Phase 1b: the promise, with the highest-ballot value this acceptor accepted (if any). */
  | { type: 'Promise'; key: string; slot: number; ballot: number; accepted: AcceptedValue | null }
  /** Phase 2a: "accept `value` in `ballot`". */
  | { type: 'Accept'; key: string; slot: number; ballot: number; value: PaxosValue }
  /** Phase 2b: accepted (sent to the proposer, which learns once a majority accepted). */
  | { type: 'Accepted'; key: string; slot: number; ballot: number }
  /** Refusal: the acceptor promised `promised` > `ballot` (the proposer was pre-empted). */
  | { type: 'Nack'; key: string; slot: number; ballot: number; promised: number }
  /** The instance's value is chosen (chosen in `ballot`): learners apply it. */
  | { type: 'Decided'; key: string; slot: number; ballot: number; value: PaxosValue }

export type PaxosMsgType = PaxosMsg['type']

/** Durable records (written by the host before the messages they justify are sent). */
export type PaxosRecord =
  /** The proposer started a ballot of this round (ballots are never reused after a restart). */
  | { t: 'round'; round: number }
  /** The acceptor promised `ballot` in (key, slot). */
  | { t: 'promise'; key: string; slot: number; ballot: number }
  /** The acceptor accepted `value` in `ballot` in (key, slot) (implies a promise of `ballot`). */
  | { t: 'accept'; key: string; slot: number; ballot: number; value: PaxosValue }
  /** The learner learned that `value` was chosen in (key, slot). */
  | { t: 'learn'; key: string; slot: number; ballot: number; value: PaxosValue }

/** Deliberate bugs, each breaking one rule, for the checkers/fuzzer to catch. Not in the spec. */
export interface PaxosMutations {
  /** The acceptor's promises never reach durable storage: after a restart it forgets them (§2.2, P1a needs them stable). */
  forgetPromiseOnRestart?: boolean
  /** The acceptor's accepted values never reach durable storage: after a restart it forgets them (§2.2, "remember its highest-numbered accepted proposal"). */
  forgetAcceptedOnRestart?: boolean
  /** The proposer ignores the accepted values reported in phase 1 and proposes its own (breaks P2c). */
  ignoreAcceptedValue?: boolean
  /** The acceptor accepts a ballot lower than the one it promised (breaks P1a). */
  acceptLowerBallot?: boolean
}

export const PAXOS_MUTANTS: ReadonlyArray<keyof PaxosMutations> = [
  'forgetPromiseOnRestart',
  'forgetAcceptedOnRestart',
  'ignoreAcceptedValue',
  'acceptLowerBallot',
]

/**
 * The entry id of an acceptance 'log' event (index = slot, term = ballot): the instance's key
 * and the accepted value's id, as a JSON pair (keys may hold any character).
 */
export function acceptanceId(key: string, valueId: string): string {
  return JSON.stringify([key, valueId])
}

/** The inverse of acceptanceId; null when `id` is not one. */
export function parseAcceptanceId(id: string): { key: string; valueId: string } | null {
  if (!id.startsWith('["')) return null
  try {
    const v: unknown = JSON.parse(id)
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string')
      return { key: v[0], valueId: v[1] }
  } catch {
    return null
  }
  return null
}
