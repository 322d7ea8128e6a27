// Two to eight runs side by side (the Compare screen), read from the store:
//   - windows: the per-window metrics as recorded (throughput, p50 / p99, messages);
//   - latencyCdf: the run's ok-op latency sketches merged, read at a grid of fractions;
//   - unavailability: stretches with no committed (ok) op while clients had ops outstanding,
//     from the ops table walked in time order (see unavailableStretches);
//   - elections: periods without a leader after the first one, from state and node events
//     (see leaderlessPeriods); n/a (null) for leaderless algorithms;
//   - faults: each fault's active period with its one-line description;
//   - headline: ops/s, p50 / p99, unavailable time, messages per committed op, verdict.
import { PROGRAM_KIND } from '../../shared/spec'
import type { CompareRun, Comparison, MetricsWindow, RunInfo } from '../../shared/api'
import type { LabStore } from '../store'
import { faultPeriods, leaderTimeline, mergedLatency, opTimeline } from '../store/compare-queries'
import type { LatencySketch } from '../../core/sketch'

/** Algorithms with no leader or view (or none the lab can see: a program): elections are n/a. */
export const LEADERLESS_ALGORITHMS: readonly string[] = ['paxos', 'quorum', PROGRAM_KIND]

/** An unavailability stretch counts when at least this long, and at least 5x the run's p50. */
export const UNAVAILABLE_FLOOR_MS = 50
export const UNAVAILABLE_P50_FACTOR = 5

type Period = { startMs: number; endMs: number }

const ms = (us: number): number => us / 1000

/**
 * Stretches of run time (µs) with no ok completion while clients were trying: a stretch
 * opens when an op is invoked with none outstanding, or at an ok completion that leaves ops
 * outstanding, and closes at the next ok completion (or the run's end). Failed / timed-out
 * ops do not close it (clients retrying against a cluster that cannot commit are waiting).
 * Start-up (before the first ok op) is not counted; a run with no ok op at all is
 * unavailable from its first invoke to its end.
 */
export function unavailableStretches(
  events: Iterable<{ t: number; phase: 'invoke' | 'ok' | 'fail' | 'info' }>,
  endUs: number,
  minUs: number,
): { periods: Array<[number, number]>; firstOkUs: number | null } {
  const periods: Array<[number, number]> = []
  let outstanding = 0
  let firstOkUs: number | null = null
  let firstInvokeUs: number | null = null
  let open: number | null = null
  const close = (to: number): void => {
    if (open !== null && to - open >= minUs) periods.push([open, to])
    open = null
  }
  for (const e of events) {
    if (e.phase === 'invoke') {
      firstInvokeUs ??= e.t
      if (outstanding === 0 && firstOkUs !== null && open === null) open = e.t
      outstanding++
      continue
    }
    outstanding = Math.max(0, outstanding - 1)
    if (e.phase !== 'ok') continue
    firstOkUs ??= e.t
    close(e.t)
    if (outstanding > 0) open = e.t
  }
  if (firstOkUs === null) {
    if (firstInvokeUs !== null) open = firstInvokeUs
  }
  if (open !== null && endUs > open) close(endUs)
  return { periods, firstOkUs }
}

/**
 * Periods without a leader, µs. One opens when the known leader crashes, pauses or stops
 * being leader, or when a node becomes a candidate (a view change for PBFT) while none is
 * open; it closes when a node that is up reports itself leader in a term at least as high
 * as every candidate's since. The start-up election (until the first leader) is returned
 * apart. Pre-candidates (Raft's pre-vote) do not open one: a pre-vote disturbs nobody.
 */
export function leaderlessPeriods(
  events: Iterable<
    | { t: number; node: string; kind: 'state'; role: string; term: number; leader: string | null }
    | { t: number; node: string; kind: 'node'; action: string }
  >,
  endUs: number,
): { periods: Array<[number, number]>; firstLeaderUs: number | null } {
  const periods: Array<[number, number]> = []
  const down = new Set<string>()
  let firstLeaderUs: number | null = null
  let leader: string | null = null
  let open: number | null = 0
  let maxCandidateTerm = -1
  const lose = (t: number): void => {
    leader = null
    open ??= t
  }
  for (const e of events) {
    if (e.kind === 'node') {
      if (e.action === 'crash' || e.action === 'pause') {
        down.add(e.node)
        if (e.node === leader) lose(e.t)
      } else down.delete(e.node)
      continue
    }
    if (e.role === 'leader') {
      if (down.has(e.node) || e.term < maxCandidateTerm) continue
      if (open !== null) {
        if (firstLeaderUs === null) firstLeaderUs = e.t
        else periods.push([open, e.t])
        open = null
      }
      leader = e.node
      continue
    }
    if (e.node === leader) lose(e.t)
    if (e.role === 'candidate') {
      maxCandidateTerm = Math.max(maxCandidateTerm, e.term)
      open ??= e.t
    }
  }
  if (open !== null && firstLeaderUs !== null && endUs > open) periods.push([open, endUs])
  return { periods, firstLeaderUs }
}

/** Fractions the CDF is read at: every percent, then finer towards the tail. */
function cdfGrid(): number[] {
  const qs: number[] = []
  for (let i = 0; i < 90; i++) qs.push(i / 100)
  for (let i = 0; i < 36; i++) qs.push(0.9 + i / 400)
  for (let i = 0; i < 9; i++) qs.push(0.99 + i / 1000)
  qs.push(0.999, 1)
  return qs
}
const CDF_GRID = cdfGrid()

/** [ms, fraction of ok ops <= ms], ascending in both; ends at [max, 1]. Empty: no ok op. */
export function latencyCdf(sketch: LatencySketch): Array<[number, number]> {
  const st = sketch.stats()
  if (st.count === 0 || st.min === null || st.max === null) return []
  const out: Array<[number, number]> = []
  let last = st.min
  for (const q of CDF_GRID) {
    let v = q === 0 ? st.min : q === 1 ? st.max : (sketch.quantile(q) ?? st.max)
    v = Number(Math.min(st.max, Math.max(last, v)).toFixed(4))
    last = v
    const prev = out[out.length - 1]
    if (prev && prev[0] >= v) prev[1] = q
    else out.push([v, q])
  }
  return out
}

function durationMsOf(run: RunInfo, windows: MetricsWindow[]): number {
  if (run.summary) return run.summary.simulatedMs
  const last = windows[windows.length - 1]
  if (run.status === 'running' && last) return last.endMs
  return last ? Math.max(last.endMs, 1) : run.spec.durationMs
}

export function compareRun(store: LabStore, run: RunInfo): CompareRun {
  const windows = store.metrics([run.runId])[0]?.windows ?? []
  const durationMs = durationMsOf(run, windows)
  const endUs = durationMs * 1000
  const sketch = mergedLatency(store, run.runId)
  const lat = sketch.stats()
  const minMs = Math.max(UNAVAILABLE_FLOOR_MS, UNAVAILABLE_P50_FACTOR * (lat.p50 ?? 0))
  const un = unavailableStretches(opTimeline(store, run.runId), endUs, minMs * 1000)
  const unavailability = un.periods.map(([a, b]) => ({ startMs: ms(a), endMs: ms(b) }))

  let elections: CompareRun['elections'] = null
  if (!LEADERLESS_ALGORITHMS.includes(run.algorithm)) {
    const le = leaderlessPeriods(leaderTimeline(store, run.runId), endUs)
    const periods: Period[] = le.periods.map(([a, b]) => ({ startMs: ms(a), endMs: ms(b) }))
    const lengths = periods.map((p) => p.endMs - p.startMs)
    const totalMs = lengths.reduce((s, x) => s + x, 0)
    elections = {
      count: periods.length,
      totalMs,
      meanMs: periods.length ? totalMs / periods.length : null,
      maxMs: periods.length ? Math.max(...lengths) : null,
      periods,
      firstLeaderMs: le.firstLeaderUs === null ? null : ms(le.firstLeaderUs),
    }
  }

  const faults = faultPeriods(store, run.runId).map((f) => ({
    startMs: ms(f.startUs),
    endMs: f.endUs === null ? durationMs : ms(f.endUs),
    label: f.detail || f.kind,
  }))

  const okFromWindows = windows.reduce((s, w) => s + w.ok, 0)
  const msgsFromWindows = windows.reduce((s, w) => s + w.messages, 0)
  const ok = run.summary?.ops.ok ?? okFromWindows
  const messages = run.summary?.messages.sent ?? msgsFromWindows
  return {
    run,
    windows,
    latencyCdf: latencyCdf(sketch),
    unavailability,
    unavailableMinMs: minMs,
    elections,
    faults,
    headline: {
      opsPerSec: durationMs > 0 ? ok / (durationMs / 1000) : 0,
      p50: lat.p50,
      p99: lat.p99,
      unavailableMs: unavailability.reduce((s, p) => s + (p.endMs - p.startMs), 0),
      messagesPerOp: ok > 0 ? messages / ok : null,
      verdict: run.summary?.verdict ?? null,
      firstCommitMs: un.firstOkUs === null ? null : ms(un.firstOkUs),
    },
  }
}

/** The runs (already looked up: the service names a missing one's runIds[i]) side by side. */
export function compareRuns(store: LabStore, runs: RunInfo[]): Comparison {
  return { runs: runs.map((r) => compareRun(store, r)) }
}
