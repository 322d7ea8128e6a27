// The quorum store's safety checks over a run's trace, streaming. They read 'apply' events
// (a node stored a version: its key, request id and version text, which names the conflict
// mode, the version's stamp and clock, the key's preference list and W; see versionText),
// acknowledged client writes, and the fault / node events that say when the cluster healed.
//
//   No acknowledged write lost  every put acknowledged to a client was stored (or kept as a
//                               hint) by at least W nodes before it was acknowledged, and at
//                               the end some node still holds it or a version that
//                               supersedes it (lww: a newer timestamp; siblings: a version
//                               that causally follows it).
//   Convergence                 every acknowledged put is, at the end of the run, on all N
//                               replicas of its key's preference list (or superseded there).
//                               Judged only when every fault has healed and every crashed or
//                               paused node is back at least CONVERGENCE_QUIET_MS before the
//                               end, for writes acknowledged at least that long before the end;
//                               otherwise the verdict is 'unknown' (never a false violation).
//
// The fuzz model (src/core/protocols/quorum/fuzz.ts) heals every fault by mid-run so that
// convergence is judged on every seed.
import type { CheckResult } from '../../shared/api'
import type { ApplyEvent, NodeId, OpEvent, TraceEvent } from '../../shared/trace'
import { parseVersionText, supersedes, type TracedVersion } from '../protocols/quorum/version'
import { COMMON_CHECK_NAMES as CHECK_NAMES, type TraceChecker } from './trace-checker'
import { fmtTime, Tally } from './tally'

export const QUORUM_CHECK_NAMES = {
  ackedWrites: CHECK_NAMES.ackedWrites,
  convergence: 'Convergence',
} as const

/**
 * How long the cluster must have been healed (no active fault, every node up) before the end of
 * the run for convergence to be judged, and how long before the end a write must have been
 * acknowledged. Anti-entropy rounds must fit in it (the default 50 ticks of 10 ms do, twice).
 */
export const CONVERGENCE_QUIET_MS = 1000

interface Held extends TracedVersion {
  id: string
  t: number
}

export class QuorumTraceChecker implements TraceChecker {
  /** node -> key -> versions held as a preferred replica (the model of its store). */
  private readonly held = new Map<NodeId, Map<string, Held[]>>()
  /** request id -> the first version stored under it (any node, hints included). */
  private readonly versions = new Map<string, Held>()
  private readonly hinted = new Set<string>()
  /** request id -> when each node first stored it (primary, superseded no-op or hint). */
  private readonly storedAt = new Map<string, Map<NodeId, number>>()
  private readonly acked: OpEvent[] = []
  private readonly activeFaults = new Map<number, string>()
  private readonly down = new Set<NodeId>()
  private lastHeal = 0
  private endT = 0
  private malformed: string | null = null

  onEvent(e: TraceEvent): void {
    if (e.t > this.endT) this.endT = e.t
    switch (e.kind) {
      case 'apply':
        if (e.node !== null) this.onApply(e.node, e)
        return
      case 'op':
        if (e.phase === 'ok' && (e.f === 'put' || (e.f === 'cas' && e.result === true))) this.acked.push(e)
        return
      case 'fault':
        if (e.phase === 'start') this.activeFaults.set(e.faultId, e.detail)
        else if (this.activeFaults.delete(e.faultId)) this.lastHeal = Math.max(this.lastHeal, e.t)
        return
      case 'node':
        if (e.node === null) return
        if (e.action === 'crash' || e.action === 'pause') this.down.add(e.node)
        else {
          this.down.delete(e.node)
          this.lastHeal = Math.max(this.lastHeal, e.t)
        }
        return
      default:
        return
    }
  }

  private onApply(node: NodeId, e: ApplyEvent): void {
    if (e.key === undefined || e.version === undefined) return
    const tv = parseVersionText(e.version)
    if (tv === null) {
      this.malformed ??= `${node} stored ${e.id} at ${fmtTime(e.t)} with an unreadable version ${JSON.stringify(e.version)}`
      return
    }
    const v: Held = { ...tv, id: e.id, t: e.t }
    if (!this.versions.has(e.id)) this.versions.set(e.id, v)
    let at = this.storedAt.get(e.id)
    if (at === undefined) {
      at = new Map()
      this.storedAt.set(e.id, at)
    }
    if (!at.has(node)) at.set(node, e.t)
    if (tv.hintFor !== null || tv.superseded) {
      this.hinted.add(e.id)
      return
    }
    let keys = this.held.get(node)
    if (keys === undefined) {
      keys = new Map()
      this.held.set(node, keys)
    }
    const cur = keys.get(e.key) ?? []
    // A store replaces what the new version supersedes (lww: everything, it is the one value).
    keys.set(
      e.key,
      tv.mode === 'lww' ? [v] : [...cur.filter((c) => c.id !== v.id && !supersedes(v, c, tv.mode)), v],
    )
  }

  /** `node` holds `w` for `key`, or a version that supersedes it. */
  private holds(node: NodeId, key: string, w: Held): boolean {
    const vs = this.held.get(node)?.get(key) ?? []
    return vs.some((v) => (v.id === w.id && v.ts === w.ts && v.node === w.node) || supersedes(v, w, w.mode))
  }

  private describeHeld(node: NodeId, key: string): string {
    const vs = this.held.get(node)?.get(key) ?? []
    return vs.length === 0 ? 'nothing' : vs.map((v) => `${v.id} (ts ${v.ts}.${v.node})`).join(', ')
  }

  private ackedWrites(): CheckResult {
    const tally = new Tally(QUORUM_CHECK_NAMES.ackedWrites)
    if (this.malformed !== null) tally.add(() => this.malformed as string)
    const nodes = [...this.held.keys()]
    for (const op of this.acked) {
      const w = this.versions.get(op.opId)
      const what = `client ${op.client} ${op.f} ${op.opId} (key ${JSON.stringify(op.key)}) acknowledged at ${fmtTime(op.t)}`
      if (w === undefined) {
        tally.add(() => `${what}, but no node ever stored it`)
        continue
      }
      const before = [...(this.storedAt.get(op.opId) ?? new Map<NodeId, number>())].filter(
        ([, t]) => t <= op.t,
      )
      if (before.length < w.writeQuorum) {
        tally.add(
          () =>
            `${what} after only ${before.length} of W=${w.writeQuorum} nodes stored it` +
            (before.length > 0 ? ` (${before.map(([n, t]) => `${n} at ${fmtTime(t)}`).join(', ')})` : ''),
        )
        continue
      }
      if (this.hinted.has(op.opId) || nodes.some((n) => this.holds(n, op.key, w))) continue
      tally.add(
        () =>
          `${what}: at the end no node holds it or a newer version (replicas ${w.replicas.join(', ')} hold ` +
          `${w.replicas.map((n) => `${n}: ${this.describeHeld(n, op.key)}`).join('; ')})`,
      )
    }
    return tally.result()
  }

  private convergence(endT: number): CheckResult {
    const name = QUORUM_CHECK_NAMES.convergence
    const quietUs = CONVERGENCE_QUIET_MS * 1000
    // Not judged is not a violation: ok stays true (a fuzz run must not stop on it), verdict unknown.
    const unknown = (why: string): CheckResult => ({
      name,
      ok: true,
      verdict: 'unknown',
      count: 0,
      details: [why],
    })
    if (this.activeFaults.size > 0 || this.down.size > 0) {
      const what = [...this.activeFaults.values(), ...[...this.down].map((n) => `${n} down`)]
      return unknown(`not judged: faults still active at the end of the run (${what.slice(0, 3).join('; ')})`)
    }
    if (endT - this.lastHeal < quietUs) {
      return unknown(
        `not judged: the last fault healed at ${fmtTime(this.lastHeal)}, less than ${CONVERGENCE_QUIET_MS} ms ` +
          `before the end (${fmtTime(endT)}); end faults earlier to give replicas time to converge`,
      )
    }
    const tally = new Tally(name)
    for (const op of this.acked) {
      if (endT - op.t < quietUs) continue
      const w = this.versions.get(op.opId)
      if (w === undefined) continue // reported by "No acknowledged write lost"
      const missing = w.replicas.filter((n) => !this.holds(n, op.key, w))
      if (missing.length === 0) continue
      tally.add(
        () =>
          `client ${op.client} put ${op.opId} (key ${JSON.stringify(op.key)}, acknowledged at ${fmtTime(op.t)}) is ` +
          `missing at the end (${fmtTime(endT)}) on ${missing.join(', ')} of replicas ${w.replicas.join(', ')}: ` +
          missing.map((n) => `${n} holds ${this.describeHeld(n, op.key)}`).join('; '),
      )
    }
    return tally.result()
  }

  results(): CheckResult[] {
    return [this.ackedWrites(), this.convergence(this.endT)]
  }

  resultsAt(endUs: number): CheckResult[] {
    return [this.ackedWrites(), this.convergence(Math.max(this.endT, endUs))]
  }
}

export function createQuorumChecker(): TraceChecker {
  return new QuorumTraceChecker()
}
