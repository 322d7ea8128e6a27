// PBFT's safety checks over a run's trace, streaming.
//
//   Honest replicas agree        no two honest replicas execute different requests at one
//                                sequence number, and each honest replica executes in
//                                increasing order (a restarted replica may re-execute from
//                                its last stable checkpoint; a jump forward is a state transfer)
//   No acknowledged write lost   every put / successful cas acked to a client was executed by
//                                at least one honest replica
//
// Honest = never the target of a 'byzantine' fault in the trace. PBFT promises agreement only
// while at most f = floor((n - 1) / 3) replicas are faulty; the details say how many were
// faulty against f, so a run with f + 1 Byzantine replicas shows the bound mattering.
// Verdicts are computed when results are read (honesty is known only at the end of a trace).
import type { CheckResult } from '../../shared/api'
import type { NodeId, OpEvent, TraceEvent } from '../../shared/trace'
import type { ExperimentSpec, FaultSpec, Target } from '../../shared/spec'
import type { FaultStyle } from './fuzz'
import type { Rng } from '../rng'
import { CHECK_NAMES, type TraceChecker } from './raft'
import { fmtTime, isAckedWrite, lostWrites, Tally } from './tally'
import { randomFaultSchedule } from './fuzz'

export const PBFT_CHECK_NAMES = {
  agreement: 'Honest replicas agree',
  ackedWrites: CHECK_NAMES.ackedWrites,
} as const

interface Exec {
  node: NodeId
  id: string
  view: number
  t: number
}

interface OrderBreak {
  node: NodeId
  index: number
  prev: number
  t: number
}

export class PbftTraceChecker implements TraceChecker {
  private readonly nodes = new Set<NodeId>()
  private readonly byzantine = new Set<NodeId>()
  /** seq -> executions (one per node and request id). */
  private readonly execs = new Map<number, Exec[]>()
  /** Seqs where two different request ids were executed (by any replicas). */
  private readonly split = new Set<number>()
  private readonly last = new Map<NodeId, { index: number; restarted: boolean }>()
  private readonly orderBreaks: OrderBreak[] = []
  /** Request id -> nodes that executed it. */
  private readonly executedBy = new Map<string, Set<NodeId>>()
  private readonly acked: OpEvent[] = []

  onEvent(e: TraceEvent): void {
    if (e.node !== null && e.kind !== 'op') this.nodes.add(e.node)
    switch (e.kind) {
      case 'fault':
        if (e.fault === 'byzantine' && e.phase === 'start') for (const t of e.targets) this.byzantine.add(t)
        break
      case 'node':
        if (e.node !== null && (e.action === 'crash' || e.action === 'restart')) {
          const l = this.last.get(e.node)
          if (l) l.restarted = true
        }
        break
      case 'apply': {
        if (e.node === null) break
        const node = e.node
        let row = this.execs.get(e.index)
        if (!row) {
          row = []
          this.execs.set(e.index, row)
        }
        if (!row.some((x) => x.node === node && x.id === e.id)) {
          row.push({ node, id: e.id, view: e.term, t: e.t })
          if (row[0].id !== e.id) this.split.add(e.index)
        }
        let by = this.executedBy.get(e.id)
        if (!by) {
          by = new Set()
          this.executedBy.set(e.id, by)
        }
        by.add(node)
        const l = this.last.get(node) ?? { index: 0, restarted: false }
        if (e.index <= l.index && !l.restarted)
          this.orderBreaks.push({ node, index: e.index, prev: l.index, t: e.t })
        this.last.set(node, { index: e.index, restarted: false })
        break
      }
      case 'op':
        if (isAckedWrite(e)) this.acked.push(e)
        break
      default:
        break
    }
  }

  /** n, f and the Byzantine replicas, in words. */
  private faultLine(): string {
    const n = this.nodes.size
    const f = Math.floor((n - 1) / 3)
    const byz = [...this.byzantine].sort()
    const b = byz.length
    const cmp = b <= f ? `<= f = ${f}: PBFT's guarantee applies` : `> f = ${f}: beyond the 3f + 1 bound`
    return `n = ${n}, Byzantine replicas: ${b === 0 ? 'none' : byz.join(', ')} (${b} ${cmp})`
  }

  private agreement(): CheckResult {
    const honest = (x: NodeId): boolean => !this.byzantine.has(x)
    const tally = new Tally(PBFT_CHECK_NAMES.agreement)
    const seqs = [...this.split].sort((a, b) => a - b)
    for (const seq of seqs) {
      const row = this.execs.get(seq)?.filter((x) => honest(x.node)) ?? []
      if (row.length < 2) continue
      const first = row[0]
      const other = row.find((x) => x.id !== first.id)
      if (!other) continue
      tally.add(
        () =>
          `seq ${seq}: ${first.node} executed ${JSON.stringify(first.id)} (view ${first.view}) at ${fmtTime(first.t)}, ` +
          `but ${other.node} executed ${JSON.stringify(other.id)} (view ${other.view}) at ${fmtTime(other.t)}`,
      )
    }
    for (const o of this.orderBreaks) {
      if (!honest(o.node)) continue
      tally.add(
        () => `${o.node} executed seq ${o.index} at ${fmtTime(o.t)} after seq ${o.prev} (out of order)`,
      )
    }
    const r = tally.result()
    return { ...r, details: [...r.details, this.faultLine()] }
  }

  private ackedWrites(): CheckResult {
    // A client here takes the first reply (a PBFT client would wait for f + 1 matching
    // ones), so the write counts as kept if any replica executed it.
    return lostWrites(
      PBFT_CHECK_NAMES.ackedWrites,
      this.acked,
      (id) => this.executedBy.has(id),
      (op) =>
        `client ${op.client} ${op.f} ${op.opId} (key ${JSON.stringify(op.key)}) was acknowledged at ` +
        `${fmtTime(op.t)} by ${op.node ?? 'the cluster'}, but no replica executed it`,
    )
  }

  results(): CheckResult[] {
    return [this.agreement(), this.ackedWrites()]
  }
}

export function createPbftChecker(): TraceChecker {
  return new PbftTraceChecker()
}

/**
 * Fuzz schedule within PBFT's fault model: the usual crash-recovery and network faults, plus
 * Byzantine faults on at most f distinct replicas (fixed node targets, so no more than f
 * replicas are ever faulty), each equivocating, forging, silent or slow for a while.
 */
export function pbftFaults(rng: Rng, spec: ExperimentSpec, style: FaultStyle): FaultSpec[] {
  const faults = randomFaultSchedule(rng, spec, style)
  const n = spec.cluster.nodes
  const f = Math.floor((n - 1) / 3)
  // Most seeds get f Byzantine replicas; n1 (the first primary) is picked most often.
  const count = rng.chance(0.75) ? f : rng.int(0, f)
  const ids: number[] = []
  while (ids.length < count) {
    const k = rng.chance(0.5) ? 1 : rng.int(1, n)
    if (!ids.includes(k)) ids.push(k)
  }
  const behaviors = ['equivocate', 'equivocate', 'equivocate', 'forge', 'silent', 'slow'] as const
  for (const k of ids) {
    const atMs = rng.int(0, Math.floor(spec.durationMs / 2))
    const forMs = rng.chance(0.5) ? undefined : rng.int(100, spec.durationMs)
    const behavior = behaviors[rng.int(0, behaviors.length - 1)]
    const target = `n${k}` as Target
    faults.push(
      forMs === undefined
        ? { kind: 'byzantine', atMs, target, behavior }
        : { kind: 'byzantine', atMs, forMs, target, behavior },
    )
  }
  return faults
}

/** PBFT params for a fuzz seed: short timers and small checkpoint intervals, so view changes,
 * garbage collection and state transfer all happen within a few simulated seconds. */
export function pbftFuzzParams(rng: Rng): Record<string, unknown> {
  const checkpointInterval = [4, 8, 16][rng.int(0, 2)]
  return {
    viewChangeTicks: rng.int(8, 40),
    checkpointInterval,
    watermarkWindow: checkpointInterval * rng.int(1, 4),
  }
}

/** Fuzz options for PBFT (the lead wires `npm run fuzz -- --algorithm pbft`): n = 4, so f = 1. */
export const pbftFuzz = {
  algorithm: 'pbft' as const,
  nodes: 4,
  params: pbftFuzzParams,
  faults: pbftFaults,
}
