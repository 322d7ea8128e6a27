// Safety checks over a run's trace. Pure and deterministic: the same trace always gives
// the same verdicts, in the same order, with the same words.
import type { CheckResult } from '../../shared/api'
import type { TraceEvent } from '../../shared/trace'
import { createRaftChecker, type TraceChecker } from './raft'

export { CHECK_NAMES, RaftTraceChecker, createRaftChecker, fmtTime } from './raft'
export type { RaftCheckerOptions, TraceChecker } from './raft'

/**
 * A streaming checker for `algorithm`. Raft gets
 * every Raft invariant; any other algorithm gets the protocol-independent ones (state
 * machine safety over 'apply' events, no acknowledged write lost).
 */
export function createChecker(algorithm: string): TraceChecker {
  return createRaftChecker({ raft: algorithm === 'raft' })
}

/** Run every check that applies to `algorithm` over a finished run's trace. */
export function checkRun(algorithm: string, trace: readonly TraceEvent[]): CheckResult[] {
  if (algorithm !== 'raft' && !trace.some((e) => e.kind === 'apply')) return []
  const checker = createChecker(algorithm)
  for (const e of trace) checker.onEvent(e)
  return checker.results()
}
