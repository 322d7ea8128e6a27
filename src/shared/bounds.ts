// Ranges for every number in an experiment: what a real experiment could use, no more. A
// value outside its range is refused with the whole range in the error ("must be between 0
// and 60000 ms"), so a typo such as 1e12 never reaches the simulator or a node process.
import { z } from 'zod'

/** Longest run, and longest time anything in a spec may name (24 hours), ms. */
export const MAX_RUN_MS = 24 * 3600 * 1000
/** Shortest run, ms. */
export const MIN_RUN_MS = 10
/** Most network latency or jitter a link or a delay fault may add, ms (one minute). */
export const MAX_LATENCY_MS = 60_000
/** Longest forward clock jump, ms (one hour). */
export const MAX_JUMP_MS = 3600 * 1000
/** Longest client timeout, ms (ten minutes). */
export const MAX_CLIENT_TIMEOUT_MS = 600_000
/** Most ticks any protocol timer may be set to. */
export const MAX_TICKS = 10_000
/** Clock rate multipliers a clock fault may set. */
export const MIN_CLOCK_RATE = 0.01
export const MAX_CLOCK_RATE = 100
/** Most nodes a cluster may have (cluster.nodes and cluster.maxNodes). */
export const MAX_NODES = 15
/** Most offered load, ops/s over all clients. */
export const MAX_RATE_PER_SEC = 100_000

/** Whether an error message states a range (toFieldErrors keeps such messages as they are). */
export function isRangeMessage(message: string): boolean {
  return message.startsWith('must be between ') || message.startsWith('must be more than ')
}

function fmt(n: number): string {
  return String(n)
}

function unitText(unit: string | undefined): string {
  return unit ? ` ${unit}` : ''
}

/** A number in [min, max] (inclusive), `int` for whole numbers; errors state the range. */
export function between(min: number, max: number, unit?: string, opts: { int?: boolean } = {}): z.ZodNumber {
  const what = opts.int ? 'a whole number' : 'a number'
  const range = `must be between ${fmt(min)} and ${fmt(max)}${unitText(unit)}`
  let s = z.number({ error: (iss) => (iss.input === undefined ? undefined : `must be ${what}`) })
  if (opts.int) s = s.int({ error: `${range} (a whole number)` })
  return s.min(min, { error: range }).max(max, { error: range })
}

/** A whole number in [min, max]. */
export function intBetween(min: number, max: number, unit?: string): z.ZodNumber {
  return between(min, max, unit, { int: true })
}

/** A number in (min, max]: more than `min` (exclusive), at most `max`. */
export function above(min: number, max: number, unit?: string): z.ZodNumber {
  const range = `must be more than ${fmt(min)} and at most ${fmt(max)}${unitText(unit)}`
  return z
    .number({ error: (iss) => (iss.input === undefined ? undefined : 'must be a number') })
    .gt(min, { error: range })
    .max(max, { error: range })
}

/** Protocol timers in ticks: a whole number from 1 to MAX_TICKS. */
export function ticks(): z.ZodNumber {
  return intBetween(1, MAX_TICKS, 'ticks')
}
