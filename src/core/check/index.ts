// Safety checks over a run's trace. Pure and deterministic: the same trace always gives
// the same verdicts, in the same order, with the same words.
import type { CheckResult, Verdict } from '../../shared/api'
import type { TraceEvent } from '../../shared/trace'
import { linCheckResult, STEPS_PER_MS } from './linearizability'
import { SegmentedLinChecker } from './lin/segments'
import { CHECK_NAMES, createRaftChecker } from './raft'
import type { TraceChecker } from './trace-checker'
import { findAlgorithm } from '../protocols/registry'

export { CHECK_NAMES, RaftTraceChecker, createRaftChecker } from './raft'
export { fmtTime } from './tally'
export type { RaftCheckerOptions } from './raft'
export type { TraceChecker } from './trace-checker'
export { COMMON_CHECK_NAMES } from './trace-checker'

/**
 * A streaming checker for `algorithm`: its own invariants (Raft: every Raft invariant; an
 * unknown algorithm: the protocol-independent ones, state machine safety over 'apply'
 * events and no acknowledged write lost), plus linearizability of the client history.
 */
export function createChecker(algorithm: string): RunTraceChecker {
  const m = findAlgorithm(algorithm)
  return new RunChecker(m ? m.checker() : createRaftChecker({ raft: false }))
}

/**
 * The protocol's invariants, streaming, plus linearizability of the client history, judged
 * per key in segments as the history streams in (./lin/segments.ts: only each key's current
 * segment is kept, so a long run's memory does not grow with its length); the last segments
 * are judged when results are read, once per new history. The search budget is counted in
 * steps, not wall time, so a re-run gets the same verdict.
 */
export interface RunTraceChecker extends TraceChecker {
  /** The protocol's own (streaming, cheap) verdicts only: no linearizability search. */
  invariantResults(): CheckResult[]
}

class RunChecker implements RunTraceChecker {
  private readonly history = new SegmentedLinChecker({ stepsPerCheck: LIN_BUDGET_MS * STEPS_PER_MS })
  private opEvents = 0
  private lin: { len: number; result: CheckResult } | null = null
  constructor(private readonly inner: TraceChecker) {}

  onEvent(e: TraceEvent): void {
    if (e.kind === 'op') {
      this.opEvents++
      this.history.onOp(e)
    }
    this.inner.onEvent(e)
  }

  invariantResults(): CheckResult[] {
    return this.inner.results()
  }

  results(): CheckResult[] {
    if (this.lin === null || this.lin.len !== this.opEvents) {
      const r = this.history.result()
      this.lin = { len: this.opEvents, result: linCheckResult(r, CHECK_NAMES.linearizability) }
    }
    // Read at the end of a run (the summary): the trace is complete.
    const own = this.inner.finalResults ? this.inner.finalResults() : this.inner.results()
    return [...own, this.lin.result]
  }
}

/** Search budget for each check of a run's automatic linearizability verdict (converted to steps). */
const LIN_BUDGET_MS = 10_000

/** A run's overall verdict: any violation wins; otherwise unknown if a check ran out of budget. */
export function overallVerdict(checks: readonly CheckResult[]): Verdict {
  if (checks.some((c) => !c.ok && c.verdict !== 'unknown')) return 'violation'
  if (checks.some((c) => c.verdict === 'unknown')) return 'unknown'
  return 'ok'
}

/** Run every check that applies to `algorithm` over a finished run's trace. */
export function checkRun(algorithm: string, trace: readonly TraceEvent[]): CheckResult[] {
  if (algorithm !== 'raft' && !trace.some((e) => e.kind === 'apply' || e.kind === 'op')) return []
  const checker = createChecker(algorithm)
  for (const e of trace) checker.onEvent(e)
  return checker.results()
}
