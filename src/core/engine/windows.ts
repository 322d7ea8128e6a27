// Per-window run metrics (default 1 s of run time), shared by the simulator and processes
// mode so both report windows the same way. The engine bumps the open window's counters;
// closing a window computes its latency quantiles and starts the next one in place.
import type { MetricsWindow } from '../../shared/api'
import { quantileSorted } from './stats'

/** Metric window length, µs. */
export const WINDOW_US = 1_000_000

export interface OpenWindow {
  startUs: number
  ok: number
  fail: number
  info: number
  /** Latencies (µs) of ok ops completed in this window. */
  lat: number[]
  messages: number
  /** Messages sent in this window per message type. */
  byType: Map<string, number>
}

export class WindowMeter {
  /** The open window: a stable object, reset in place when it closes. */
  readonly cur: OpenWindow = {
    startUs: 0,
    ok: 0,
    fail: 0,
    info: 0,
    lat: [],
    messages: 0,
    byType: new Map(),
  }
  private closed: MetricsWindow[] = []

  /** Close every full window that ends at or before `tUs`. */
  closeUpTo(tUs: number): void {
    while (tUs >= this.cur.startUs + WINDOW_US) this.close(this.cur.startUs + WINDOW_US)
  }

  /** Count one message of `type` sent in the open window (also counts it in `messages`). */
  countMessage(type: string): void {
    this.cur.messages++
    this.countType(type, 1)
  }

  /** Count `k` messages of `type` by type only (when `messages` is counted elsewhere). */
  countType(type: string, k: number): void {
    const m = this.cur.byType
    m.set(type, (m.get(type) ?? 0) + k)
  }

  /** The open window's figures so far, as if it closed at `endUs` (it stays open). */
  peek(endUs: number): MetricsWindow {
    return summarise(this.cur, endUs)
  }

  /** Close the open window at `endUs` and open the next one there. */
  close(endUs: number): void {
    const w = this.cur
    this.closed.push(summarise(w, endUs))
    w.startUs = endUs
    w.ok = 0
    w.fail = 0
    w.info = 0
    w.lat = []
    w.messages = 0
    w.byType = new Map()
  }

  /** Windows closed since the previous call. */
  take(): MetricsWindow[] {
    const out = this.closed
    this.closed = []
    return out
  }
}

function summarise(w: OpenWindow, endUs: number): MetricsWindow {
  const lat = Float64Array.from(w.lat).sort()
  const p50 = quantileSorted(lat, 0.5)
  const p99 = quantileSorted(lat, 0.99)
  const out: MetricsWindow = {
    startMs: w.startUs / 1000,
    endMs: endUs / 1000,
    ok: w.ok,
    fail: w.fail,
    info: w.info,
    p50: p50 === null ? null : p50 / 1000,
    p99: p99 === null ? null : p99 / 1000,
    messages: w.messages,
  }
  if (w.byType.size > 0) out.byType = Object.fromEntries(w.byType)
  return out
}
