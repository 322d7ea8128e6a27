// A run's figures as it goes, one meter for both run modes: ops by outcome, latencies, message
// counts, elections and leader changes (from the nodes' state events), and the metrics
// windows. The engine counts client ops; hosts count messages; the engine's recorder feeds
// state events. Pure.
import type { MetricsWindow, RunSummary } from '../../shared/api'
import type { CheckResult } from '../../shared/api'
import type { StateEvent } from '../../shared/trace'
import { LatencyHistogram } from './stats'
import { runSummary } from './summary'
import { WindowMeter, WINDOW_US } from './windows'

export class RunMeter {
  readonly ops = { total: 0, ok: 0, fail: 0, info: 0 }
  /** Arrivals a busy client could not take (offered but never invoked). */
  skippedArrivals = 0
  readonly messages = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 }
  elections = 0
  leaderChanges = 0
  private leaderNode: string | null = null
  private leaderTerm = -1
  /** Per node, its last reported role (for counting elections). */
  private readonly lastRole = new Map<string, string>()
  readonly latency = new LatencyHistogram()
  readonly windows = new WindowMeter()
  /** The open metrics window (a stable object). */
  readonly win = this.windows.cur

  /** A completed op: its outcome and, when ok, its latency (µs). */
  opDone(phase: 'ok' | 'fail' | 'info', latencyUs: number): void {
    if (phase === 'ok') {
      this.ops.ok++
      this.win.ok++
      this.latency.add(latencyUs)
      this.win.lat.push(latencyUs)
    } else if (phase === 'fail') {
      this.ops.fail++
      this.win.fail++
    } else {
      this.ops.info++
      this.win.info++
    }
  }

  /** One message of `type` reached the network (counted as sent, in the window and by type). */
  sent(type: string): void {
    this.messages.sent++
    this.windows.countMessage(type)
  }

  /**
   * A node's state event: a node turning candidate starts an election; a leader in a higher
   * term, or another node leading the same term, is a leader change.
   */
  onState(e: StateEvent): void {
    const node = e.node as string
    if (e.role === 'candidate' && this.lastRole.get(node) !== 'candidate') this.elections++
    this.lastRole.set(node, e.role)
    if (
      e.role === 'leader' &&
      (e.term > this.leaderTerm || (e.term === this.leaderTerm && node !== this.leaderNode))
    ) {
      this.leaderChanges++
      this.leaderNode = node
      this.leaderTerm = e.term
    }
  }

  /** Close every full window that ends at or before `tUs`. */
  closeUpTo(tUs: number): void {
    if (tUs >= this.win.startUs + WINDOW_US) this.windows.closeUpTo(tUs)
  }

  /** At the run's end: close the full windows, then the last (partial) one at `endUs`. */
  closeAt(endUs: number): void {
    this.windows.closeUpTo(endUs)
    if (endUs > this.win.startUs) this.windows.close(endUs)
  }

  takeWindows(): MetricsWindow[] {
    return this.windows.take()
  }

  /** The open window's figures so far (it stays open), or null when it is empty of time. */
  currentWindow(nowUs: number): MetricsWindow | null {
    return nowUs > this.win.startUs ? this.windows.peek(nowUs) : null
  }

  summary(simulatedMs: number, wallMs: number, checks: CheckResult[]): RunSummary {
    return runSummary(
      {
        simulatedMs,
        wallMs,
        leaderChanges: this.leaderChanges,
        elections: this.elections,
        ops: { ...this.ops },
        latency: this.latency,
        messages: { ...this.messages },
      },
      checks,
    )
  }
}
