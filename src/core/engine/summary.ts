// A run's RunSummary from its running figures, for both the simulator (src/core/sim) and
// processes mode (src/main/lab/processes.ts). Pure.
import type { CheckResult, RunSummary, Verdict } from '../../shared/api'
import { overallVerdict } from '../check'
import type { LatencyHistogram } from './stats'

/** What a run counted as it went. */
export interface RunFigures {
  /** Run time reached, ms. */
  simulatedMs: number
  wallMs: number
  leaderChanges: number
  elections: number
  ops: RunSummary['ops']
  /** Latencies of ok ops, µs. */
  latency: LatencyHistogram
  messages: RunSummary['messages']
}

/** The summary: latency quantiles in ms, the checks' results and the overall verdict (by default overallVerdict). */
export function runSummary(
  fig: RunFigures,
  checks: CheckResult[],
  verdict: Verdict = overallVerdict(checks),
): RunSummary {
  const ms = (us: number | null): number | null => (us === null ? null : us / 1000)
  return {
    simulatedMs: fig.simulatedMs,
    wallMs: fig.wallMs,
    leaderChanges: fig.leaderChanges,
    elections: fig.elections,
    ops: fig.ops,
    latencyMs: {
      p50: ms(fig.latency.quantile(0.5)),
      p99: ms(fig.latency.quantile(0.99)),
      max: ms(fig.latency.max()),
    },
    messages: fig.messages,
    checks,
    verdict,
  }
}
