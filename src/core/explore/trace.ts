// A counterexample as a run: replay its actions from the initial state with the whole trace
// recorded, the way the simulator records a run (send / deliver / drop events with message
// ids, Lamport and vector clocks; state, log and apply events from the protocol; node crash /
// restart; client op events), then judge that trace with a fresh checker, so the violations
// reported are exactly what the recorded run shows. Time: step k happens at k synthetic ms
// (STEP_US µs), each of its events 1 µs after the one before. Pure.
import type { CheckResult } from '../../shared/api'
import { historyFromTrace } from '../../shared/history'
import { clusterSize } from '../../shared/cluster'
import type { TraceEvent } from '../../shared/trace'
import { checkLinearizable, linCheckResult } from '../check/linearizability'
import { COMMON_CHECK_NAMES, type TraceChecker } from '../check/trace-checker'
import { describeAction } from './actions'
import { StateShapeError } from './encode'
import type { Action, Counterexample, ExploreStep } from './types'
import { STEP_US, Stepper, type Recording, type StepConfig, type World } from './world'

/** The name of the check a protocol that throws fails. */
export const PROTOCOL_ERROR = 'Protocol error'

/**
 * The checker's verdicts on a path's trace so far (as of `atUs`, the path's time, where the
 * checker judges quiet time: resultsAt). A path's trace is complete at every step
 * (each event is recorded as its step happens; none arrives late, as telemetry can in
 * processes mode), so what a checker defers for late events (e.g. Raft's per-configuration
 * election quorum) is judged at once: its finalResults.
 */
export function verdicts(checker: TraceChecker, atUs?: number): CheckResult[] {
  if (atUs !== undefined && checker.resultsAt) return checker.resultsAt(atUs)
  return checker.finalResults ? checker.finalResults() : checker.results()
}

/** A failing check (a check that could not decide is not a violation). */
export function isViolation(r: CheckResult): boolean {
  return !r.ok && r.verdict !== 'unknown'
}

/** Replay `actions` with the trace recorded; the steps in words, the trace and what it violates. */
export function counterexample(
  cfg: StepConfig,
  actions: readonly Action[],
  linearizability: boolean,
  /** Judge checks of quiet time as if the cluster then stayed quiet this long (a settle's find). */
  quietMs = 0,
): Counterexample {
  const n = clusterSize(cfg.spec.cluster)
  const trace: TraceEvent[] = []
  const rec: Recording = {
    emit: (e) => trace.push(e),
    lc: new Array<number>(n).fill(0),
    vc: Array.from({ length: n }, () => new Array<number>(n).fill(0)),
    msgSeq: 0,
  }
  const st = new Stepper(cfg, rec)
  let w: World = st.initial()
  const steps: ExploreStep[] = []
  let thrown: string | null = null
  for (const a of actions) {
    steps.push({ action: a, text: describeAction(st, w, a) })
    try {
      const out = st.apply(w, a)
      if (out === null) throw new Error(`step ${steps.length} (${steps[steps.length - 1].text}) did nothing`)
      w = out.world
    } catch (e) {
      if (e instanceof StateShapeError) throw e
      thrown = e instanceof Error ? e.message : String(e)
      break
    }
  }
  const checks = judge(cfg, trace, linearizability, thrown, w.depth * STEP_US + quietMs * 1000)
  return { steps, trace, checks, violations: checks.filter(isViolation) }
}

/** Every check of a path's trace (a protocol error first, when the protocol threw). */
export function judge(
  cfg: StepConfig,
  trace: readonly TraceEvent[],
  linearizability: boolean,
  thrown: string | null,
  /** The path's time at its end (checks of quiet time are judged as of then). */
  endUs?: number,
): CheckResult[] {
  const out: CheckResult[] = []
  if (thrown !== null) out.push({ name: PROTOCOL_ERROR, ok: false, count: 1, details: [thrown] })
  const checker = cfg.module.checker()
  for (const e of trace) checker.onEvent(e)
  out.push(...verdicts(checker, endUs))
  if (linearizability) {
    const r = checkLinearizable(historyFromTrace(trace.filter((e) => e.kind === 'op')), { timeUnit: 'us' })
    out.push(linCheckResult(r, COMMON_CHECK_NAMES.linearizability))
  }
  return out
}
