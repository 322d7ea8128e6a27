// What the lab sees of a run, in either mode: its clock, its nodes, its metrics, live faults,
// and its summary. The simulator (src/core/sim) adds runUntil (virtual time advances only when
// asked); a processes-mode run (src/main/lab/processes.ts) runs in real time by itself.
import type { MetricsWindow, NodeLive, ProgramTails, RunSummary } from '../../shared/api'
import type { ExperimentSpec, FaultSpec } from '../../shared/spec'
import type { TraceEvent } from '../../shared/trace'
import type { RunEngine } from './engine'

export interface Run {
  readonly spec: ExperimentSpec
  /** Run time reached, ms. */
  nowMs(): number
  /** True once the run is over (its duration reached, or stop()) and everything is recorded. */
  done(): boolean
  /** End the run early (ops in flight complete as info). */
  stop(): void
  /** Each node's current state (for the live view). */
  nodes(): NodeLive[]
  /** Metrics windows closed since the previous call. */
  takeWindows(): MetricsWindow[]
  /** The open metrics window's figures so far (it stays open), or null. */
  currentWindow(): MetricsWindow | null
  /**
   * Start a fault now (live fault injection; its atMs is ignored). Returns its index in the
   * run's fault list (spec faults first, live ones appended in injection order). Throws when
   * the run is over or the fault cannot be done here.
   */
  injectFault(f: FaultSpec): number
  /** End an active fault now (a crash fault restarts its nodes). */
  endFault(index: number): void
  /** The full trace so far (empty when the trace is not kept). */
  trace(): TraceEvent[]
  /** Figures for the run so far, including the safety checks' verdicts. */
  summary(wallMs: number): RunSummary
  /** A program's run: each node's last `lines` stderr lines and problems (absent otherwise). */
  programTails?(lines: number): ProgramTails | null
}

/**
 * What every run mode's Run does the same way, through its engine (the rest, clock, nodes and
 * lifecycle, is the mode's own).
 */
export abstract class EngineRun implements Run {
  abstract readonly spec: ExperimentSpec
  /** Set by the subclass's constructor (the engine needs the finished host). */
  protected engine!: RunEngine

  abstract nowMs(): number
  abstract done(): boolean
  abstract stop(): void
  abstract nodes(): NodeLive[]
  abstract currentWindow(): MetricsWindow | null

  takeWindows(): MetricsWindow[] {
    return this.engine.meter.takeWindows()
  }

  injectFault(f: FaultSpec): number {
    return this.engine.injectFault(f)
  }

  endFault(index: number): void {
    this.engine.endFault(index)
  }

  trace(): TraceEvent[] {
    return this.engine.trace()
  }

  summary(wallMs: number): RunSummary {
    return this.engine.summary(this.nowMs(), wallMs)
  }
}
