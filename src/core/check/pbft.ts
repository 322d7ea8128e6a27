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
import { COMMON_CHECK_NAMES as CHECK_NAMES, type TraceChecker } from './trace-checker'
import { fmtTime, isAckedWrite, lostWrites, Tally } from './tally'

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
