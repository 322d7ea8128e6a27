// Drives a Simulation in wall-clock time without blocking the event loop.
//
// The simulator is synchronous (runUntil advances virtual time and returns). This driver
// calls it in small slices: each slice spends at most `sliceBudgetMs` of wall time, then
// yields (setImmediate when behind schedule, setTimeout when ahead), so sockets, IPC and
// Ctrl-C stay responsive. Pacing: `speed` is run-time ms per wall ms (1 = real time);
// 'max' runs as fast as the slices allow. The clock lives here (src/main), never in core.
import { performance } from 'node:perf_hooks'
import type { Simulation } from '../../core/sim'

export type Speed = number | 'max'

export type DriveEnd =
  | { status: 'done'; wallMs: number }
  | { status: 'stopped'; wallMs: number }
  | { status: 'failed'; wallMs: number; error: string }

export interface DriveOptions {
  speed: Speed
  /** Wall ms of CPU one slice may use before yielding (default 15). */
  sliceBudgetMs?: number
  /** Wall ms between progress callbacks (default 100). */
  progressEveryMs?: number
  /** Called at most every progressEveryMs while running, and once more at the end. */
  onProgress?: (sim: Simulation) => void
  /** Called exactly once, synchronously, when the run ends for any reason. */
  onEnd: (end: DriveEnd) => void
  /** Wall clock in ms (tests may inject one). */
  now?: () => number
}

export interface SimDriver {
  /** Stop now: the simulation is stopped and onEnd({status:'stopped'}) runs before this returns. */
  stop(): void
  readonly finished: boolean
}

/** When ahead of schedule, how long to sleep before the next slice (wall ms). */
const IDLE_WAIT_MS = 10
/** Bounds for the adaptive step (virtual ms per runUntil call). */
const MIN_STEP_MS = 0.05
const MAX_STEP_MS = 60_000
/**
 * Most simulator events one runUntil call may process (a few ms of work): however much a
 * spec makes happen in one virtual instant, the driver yields to the event loop between
 * calls, so stop requests, signals and sockets are served.
 */
export const MAX_EVENTS_PER_CALL = 20_000

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name
  return String(e)
}

export function driveSimulation(sim: Simulation, opts: DriveOptions): SimDriver {
  const now = opts.now ?? (() => performance.now())
  const budget = opts.sliceBudgetMs ?? 15
  const progressEvery = opts.progressEveryMs ?? 100
  const speed = opts.speed
  if (speed !== 'max' && !(speed > 0 && Number.isFinite(speed))) {
    throw new RangeError(`speed must be a positive number or 'max' (got ${String(speed)})`)
  }
  const t0 = now()
  const v0 = sim.nowMs()
  const durationMs = sim.spec.durationMs
  // Virtual ms per runUntil call; adapted so one call costs roughly 1-4 wall ms.
  let step = Math.min(Math.max(sim.spec.cluster.tickMs, MIN_STEP_MS), MAX_STEP_MS)
  let lastProgress = t0
  let timer: NodeJS.Timeout | NodeJS.Immediate | null = null
  let timerKind: 'timeout' | 'immediate' | null = null
  let finished = false

  const clearTimer = (): void => {
    if (timer !== null) {
      if (timerKind === 'timeout') clearTimeout(timer as NodeJS.Timeout)
      else clearImmediate(timer as NodeJS.Immediate)
    }
    timer = null
    timerKind = null
  }

  const progress = (): void => {
    if (!opts.onProgress) return
    try {
      opts.onProgress(sim)
    } catch {
      // A listener's problem must not end the run.
    }
  }

  const finish = (end: DriveEnd): void => {
    if (finished) return
    finished = true
    clearTimer()
    progress()
    opts.onEnd(end)
  }

  const fail = (e: unknown): void => finish({ status: 'failed', wallMs: now() - t0, error: errorMessage(e) })

  const target = (t: number): number =>
    speed === 'max' ? durationMs : Math.min(durationMs, v0 + speed * (t - t0))

  const slice = (): void => {
    timer = null
    timerKind = null
    if (finished) return
    try {
      const start = now()
      let t = start
      let goal = target(t)
      while (!sim.done() && sim.nowMs() < goal && t - start < budget) {
        const before = t
        const from = sim.nowMs()
        sim.runUntil(Math.min(goal, from + step), MAX_EVENTS_PER_CALL)
        t = now()
        const cost = t - before
        if (sim.nowMs() - from >= step * 0.999) {
          // Adapt the step so one call costs about 1..4 wall ms.
          if (cost < 1) step = Math.min(step * 2, MAX_STEP_MS)
          else if (cost > 4) step = Math.max(step / 2, MIN_STEP_MS)
        }
        goal = target(t)
      }
      if (sim.done()) {
        finish({ status: 'done', wallMs: now() - t0 })
        return
      }
      if (t - lastProgress >= progressEvery) {
        lastProgress = t
        progress()
      }
      if (sim.nowMs() < target(now())) {
        // Behind schedule (or 'max'): continue right after pending I/O.
        timerKind = 'immediate'
        timer = setImmediate(slice)
      } else {
        timerKind = 'timeout'
        timer = setTimeout(slice, IDLE_WAIT_MS)
      }
    } catch (e) {
      fail(e)
    }
  }

  timerKind = 'immediate'
  timer = setImmediate(slice)

  return {
    stop(): void {
      if (finished) return
      try {
        sim.stop()
      } catch (e) {
        fail(e)
        return
      }
      finish({ status: 'stopped', wallMs: now() - t0 })
    },
    get finished(): boolean {
      return finished
    },
  }
}
