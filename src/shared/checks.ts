// A check's outcome in words, the same on every screen and in the CLI.
import type { CheckResult } from './api'

/**
 * Passed, found a violation, or could not be judged: a check whose verdict is unknown (it ran
 * out of budget, or its precondition did not hold, e.g. faults still active at the end) was
 * not judged, whatever its `ok` says; its details say why.
 */
export function checkJudgement(c: CheckResult): 'pass' | 'fail' | 'not judged' {
  if (c.verdict === 'unknown') return 'not judged'
  return c.ok ? 'pass' : 'fail'
}
