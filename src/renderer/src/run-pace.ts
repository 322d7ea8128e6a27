// How fast a live run goes compared with real time, from its progress events. Pure.

/** Progress events kept to measure the achieved speed-up (about two seconds' worth). */
export const PACE_SAMPLES = 20

/**
 * Run ms per wall ms between the first and last of `samples` ([wall ms, run ms]), i.e. the
 * speed-up achieved over the last seconds; null until they span half a second.
 */
export function achievedSpeedup(samples: ReadonlyArray<readonly [number, number]>): number | null {
  if (samples.length < 2) return null
  const [w0, r0] = samples[0]
  const [w1, r1] = samples[samples.length - 1]
  return w1 - w0 >= 500 ? (r1 - r0) / (w1 - w0) : null
}
