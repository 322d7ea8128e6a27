// What every checker shares: counting one check's violations into a CheckResult (the count,
// the first few details, each violation once), how times read in details, and the
// "No acknowledged write lost" bookkeeping over the client history.
import type { CheckResult } from '../../shared/api'
import type { OpEvent, TraceEvent } from '../../shared/trace'

/** How many violations a result describes in its details (the count has them all). */
export const MAX_DETAILS = 5

/** Run-relative µs as readable ms, e.g. `t=1234.5ms`. */
export function fmtTime(tUs: number): string {
  const ms = Math.round(tUs) / 1000
  return `t=${ms}ms`
}

/** One check's violations: the count, the first MAX_DETAILS details. */
export class Tally {
  count = 0
  readonly details: string[] = []
  private readonly seen = new Set<string>()
  constructor(readonly name: string) {}

  /** Record a violation; `key` (optional) counts the same violation only once. */
  add(message: () => string, key?: string): void {
    if (key !== undefined) {
      if (this.seen.has(key)) return
      this.seen.add(key)
    }
    this.count++
    if (this.details.length < MAX_DETAILS) this.details.push(message())
  }

  result(): CheckResult {
    return { name: this.name, ok: this.count === 0, count: this.count, details: [...this.details] }
  }
}

/** A client was told its write took effect: an ok put, or an ok cas that did not fail. */
export function isAckedWrite(e: TraceEvent): e is OpEvent {
  return e.kind === 'op' && e.phase === 'ok' && (e.f === 'put' || (e.f === 'cas' && e.result !== false))
}

/**
 * "No acknowledged write lost" over `acked` (in trace order): every write that `kept` says is
 * gone is a violation (once per request id), described by `lost`.
 */
export function lostWrites(
  name: string,
  acked: readonly OpEvent[],
  kept: (opId: string) => boolean,
  lost: (op: OpEvent) => string,
): CheckResult {
  const tally = new Tally(name)
  for (const op of acked) {
    if (kept(op.opId)) continue
    tally.add(() => lost(op), op.opId)
  }
  return tally.result()
}

/** The usual detail of a lost write: acknowledged by a node, but no node applied it. */
export function notApplied(op: OpEvent): string {
  return (
    `client ${op.client} ${op.f} ${op.opId} (key ${JSON.stringify(op.key)}, value ` +
    `${JSON.stringify(op.value)}) was acknowledged at ${fmtTime(op.t)} by ${op.node ?? 'the cluster'}, ` +
    `but no node ever applied it`
  )
}

/**
 * "No acknowledged write lost", streaming in bounded memory: every acknowledged write must
 * be applied by some node, before or after its acknowledgement. An apply matters only for a
 * write still in flight (invoked, not completed: remembered until it completes) or one
 * acknowledged and not seen applied yet (waiting: lost unless an apply comes later); the ids
 * of other applies are not kept. A trace without invocations (a hand-written one) keeps every
 * applied id, as there is no telling which op an apply belongs to.
 */
export class AckedWrites {
  private readonly inFlight = new Set<string>()
  private readonly appliedInFlight = new Set<string>()
  private readonly waiting = new Map<string, OpEvent>()
  private sawInvoke = false
  private readonly appliedAll = new Set<string>()

  /** Feed every op event (invocations and completions), in trace order. */
  op(e: OpEvent): void {
    if (e.f !== 'put' && e.f !== 'cas') return
    if (e.phase === 'invoke') {
      this.sawInvoke = true
      this.inFlight.add(e.opId)
      return
    }
    const wasApplied = this.appliedInFlight.delete(e.opId) || this.appliedAll.has(e.opId)
    this.inFlight.delete(e.opId)
    if (isAckedWrite(e) && !wasApplied) this.waiting.set(e.opId, e)
  }

  /** A node applied the entry of op `id`. */
  applied(id: string): void {
    if (this.inFlight.has(id)) this.appliedInFlight.add(id)
    else this.waiting.delete(id)
    if (!this.sawInvoke) this.appliedAll.add(id)
  }

  /** The verdict: every acknowledged write still waiting is lost. */
  result(name: string, lost: (op: OpEvent) => string): CheckResult {
    return lostWrites(name, [...this.waiting.values()], () => false, lost)
  }
}
