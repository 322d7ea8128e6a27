// What the explorer checks after every transition: the algorithm's own safety checker (fed
// the path's events) and linearizability of the client ops so far (open ops count as unknown
// outcomes). Linearizability verdicts are cached by client history (the same history always
// gets the same verdict); a search that runs out of budget is counted, never taken for a
// violation. Pure.
import { historyFromTrace } from '../../shared/history'
import { checkLinearizable } from '../check/linearizability'
import { isViolation, verdicts } from './trace'
import { STEP_US, type StepOutcome, type World } from './world'

/** Search steps one linearizability check may take (beyond it: unknown). */
const LIN_STEPS = 200_000

export class Invariants {
  private readonly linCache = new Map<string, boolean>()
  /** Linearizability checks that ran out of budget. */
  linUnknown = 0

  constructor(private readonly linearizability: boolean) {}

  /** Whether the world `out` reached breaks an invariant. */
  violated(out: StepOutcome): boolean {
    const w = out.world
    // A checker that judges quiet time is asked at every step: time passes without events.
    if (
      (out.checked || w.checker.resultsAt !== undefined) &&
      verdicts(w.checker, w.depth * STEP_US).some(isViolation)
    )
      return true
    if (!out.completed || !this.linearizability) return false
    let bad = this.linCache.get(w.histKey)
    if (bad === undefined) {
      const r = checkLinearizable(historyFromTrace(w.hist), { maxSteps: LIN_STEPS, shrink: false })
      if (r.verdict === 'unknown') this.linUnknown++
      bad = r.verdict === 'violation'
      this.linCache.set(w.histKey, bad)
    }
    return bad
  }

  /**
   * Whether a check of quiet time (resultsAt) fails `w` judged as if nothing happened for
   * `quietMs` more (Infinity: for good): what a fair settle (search.ts) must repair.
   */
  unsettled(w: World, quietMs: number): boolean {
    const at = w.checker.resultsAt
    if (at === undefined) return false
    const end = quietMs === Infinity ? Number.MAX_SAFE_INTEGER : w.depth * STEP_US + quietMs * 1000
    return at.call(w.checker, end).some(isViolation)
  }
}
