// A checked history file (checkHistory) made ready for the History view: its ops with
// times in µs (the view's clock), a run-shaped summary carrying the check (so the view
// shows the verdict and the counterexample as for a run), and its faults in words.
import type { CheckedHistory, RunInfo } from '../../shared/api'
import type { HistoryOp } from '../../shared/history'
import type { HistoryTimeUnit } from '../../shared/history-formats/types'
import { defaultSpec } from '../../shared/spec'

/** µs per unit of the file's times; a line (no timestamps) is drawn as one second. */
const US_PER: Record<HistoryTimeUnit, number> = { ns: 1e-3, us: 1, ms: 1e3, s: 1e6, none: 1, line: 1e6 }

/** The ops with times in µs (null completions are Infinity again: outcome unknown). */
export function displayOps(h: CheckedHistory): HistoryOp[] {
  const k = US_PER[h.timeUnit]
  return h.ops.map((o) => {
    const op: HistoryOp = {
      ...o,
      invoke: o.invoke * k,
      complete: o.complete === null ? Infinity : o.complete * k,
    }
    if (o.infoTime !== undefined) op.infoTime = o.infoTime * k
    return op
  })
}

/** What the time axis means, when it is not the file's own clock in seconds. */
export function timeNote(unit: HistoryTimeUnit): string | null {
  if (unit === 'line')
    return 'This format has no timestamps: events are in time order, and the time axis counts lines (1 s = 1 line).'
  if (unit === 'none')
    return 'The file does not say its unit of time: the axis reads its times as microseconds.'
  return null
}

/** A run-shaped record of the file, for the History view (which shows a run's check). */
export function historyRun(h: CheckedHistory, ops: readonly HistoryOp[]): RunInfo {
  let endUs = 0
  for (const o of ops)
    for (const t of [o.invoke, o.complete, o.infoTime ?? 0])
      if (Number.isFinite(t)) endUs = Math.max(endUs, t)
  const count = (t: HistoryOp['type']) => ops.filter((o) => o.type === t).length
  const spec = defaultSpec()
  spec.name = h.name
  spec.durationMs = Math.max(1, Math.ceil(endUs / 1000))
  return {
    runId: `file:${h.name}`,
    name: h.name,
    algorithm: h.format,
    mode: spec.mode,
    seed: 0,
    status: 'done',
    startedAt: '',
    endedAt: null,
    progress: 1,
    spec,
    summary: {
      simulatedMs: spec.durationMs,
      wallMs: 0,
      leaderChanges: 0,
      elections: 0,
      ops: { total: ops.length, ok: count('ok'), fail: count('fail'), info: count('info') },
      latencyMs: { p50: null, p99: null, max: null },
      messages: { sent: 0, delivered: 0, dropped: 0, duplicated: 0 },
      checks: [h.check],
      verdict: h.check.verdict ?? (h.check.ok ? 'ok' : 'violation'),
    },
    error: null,
  }
}

/** The file's faults (Jepsen's nemesis) in words: what, when (the file's unit), and what it said. */
export function faultRows(h: CheckedHistory): Array<{ f: string; when: string; value: string }> {
  const t = (x: number): string =>
    h.timeUnit === 'line'
      ? `line ${x}`
      : h.timeUnit === 'none'
        ? `t=${x}`
        : `${Number(((x * US_PER[h.timeUnit]) / 1e6).toFixed(6))} s`
  return h.faults.map((f) => ({
    f: f.f,
    when: f.end === null ? `from ${t(f.start)} (no end reported)` : `${t(f.start)} – ${t(f.end)}`,
    value: f.value ?? '',
  }))
}
