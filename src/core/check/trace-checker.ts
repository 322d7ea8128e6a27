// The contract every safety checker keeps: fed a run's trace events in order, it says at any
// time what it found (one CheckResult per check). Streaming, so a long run need not keep its
// trace. Also the names of the checks every algorithm's run gets whatever the algorithm.
import type { CheckResult } from '../../shared/api'
import type { TraceEvent } from '../../shared/trace'

/** Streaming checker: feed events in order, then read the verdicts. */
export interface TraceChecker {
  onEvent(e: TraceEvent): void
  /** Verdicts for everything fed so far (may be called more than once). */
  results(): CheckResult[]
  /**
   * Verdicts once the trace is complete: also judges what results() still waits on because
   * events may arrive late (processes mode). Absent: the same as results().
   */
  finalResults?(): CheckResult[]
  /**
   * Final verdicts as if the run had gone on, with no event, until `endUs` (at least the last
   * event's time): for checks judged only after a quiet time (the quorum store's Convergence)
   * in a trace that does not record every message (the explorer's). Absent: time plays no part.
   */
  resultsAt?(endUs: number): CheckResult[]
}

/** Checks of the client history that apply to every algorithm. */
export const COMMON_CHECK_NAMES = {
  ackedWrites: 'No acknowledged write lost',
  /** Every run's client history is checked (see check/index.ts). */
  linearizability: 'Linearizability',
} as const
