// Random walk streams run side by side (explore --workers): their results as one. Counts add
// up; the counterexample is the shortest any stream found (the first stream's on a tie), and
// `found` says which stream, so the user can reproduce it with that stream's seed alone. Pure.
import type { ExploreResult } from './types'

export interface MergedWalks {
  result: ExploreResult
  /** Index of the stream whose counterexample was kept, or null when none found one. */
  found: number | null
}

export function mergeWalkResults(streams: readonly ExploreResult[]): MergedWalks {
  if (streams.length === 0) throw new Error('no walk streams to merge')
  let found: number | null = null
  streams.forEach((r, i) => {
    const ce = r.counterexample
    if (ce === null) return
    const best = found === null ? null : streams[found].counterexample
    if (best === null || best === undefined || ce.steps.length < best.steps.length) found = i
  })
  const sum = (f: (r: ExploreResult) => number): number => streams.reduce((a, r) => a + f(r), 0)
  const elapsed = streams.map((r) => r.elapsedMs).filter((x): x is number => x !== null)
  const kept = found === null ? null : streams[found]
  // Without a find: cut short by time if any stream was, else by max-states if any was.
  const stop: ExploreResult['stop'] =
    kept !== null
      ? 'violation'
      : streams.some((r) => r.stop === 'time')
        ? 'time'
        : streams.some((r) => r.stop === 'stopped')
          ? 'stopped'
          : streams.some((r) => r.stop === 'max-states')
            ? 'max-states'
            : 'exhausted'
  return {
    found,
    result: {
      stop,
      states: sum((r) => r.states),
      transitions: sum((r) => r.transitions),
      depth: Math.max(...streams.map((r) => r.depth)),
      elapsedMs: elapsed.length > 0 ? Math.max(...elapsed) : null,
      linUnknown: sum((r) => r.linUnknown),
      foundSteps: kept?.foundSteps ?? null,
      counterexample: kept?.counterexample ?? null,
    },
  }
}
