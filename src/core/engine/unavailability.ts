// How long a cluster was unavailable to its clients over a stretch of a run: the longest
// interval in [fromUs, toUs] in which no client operation completed successfully (the edges of
// the stretch count as ends of intervals). Used for the membership-change figures. Pure.
import type { TraceEvent } from '../../shared/trace'

/** The longest stretch of [fromUs, toUs] without an ok op completion, ms (µs precision). */
export function unavailableMs(trace: readonly TraceEvent[], fromUs: number, toUs: number): number {
  let prev = fromUs
  let longest = 0
  for (const e of trace) {
    if (e.kind !== 'op' || e.phase !== 'ok' || e.t < fromUs) continue
    if (e.t > toUs) break
    longest = Math.max(longest, e.t - prev)
    prev = e.t
  }
  longest = Math.max(longest, toUs - prev)
  return longest / 1000
}
