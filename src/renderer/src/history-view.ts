// The logic of HistoryView.vue (a run's client history as bars per client, with the
// Linearizability verdict and its counterexample), kept pure so it is tested without a
// browser: the verdict in words, the bars and which series draws each, the windows the chart
// opens on, the words of a tooltip, and which bar of a row the mouse is over.
import type { CheckResult, Counterexample, RunInfo, Verdict } from '../../shared/api'
import type { HistoryOp } from '../../shared/history'

// ---- the verdict -----------------------------------------------------------------------

/** The run's linearizability check, if it has one. */
export function linearizabilityCheck(run: RunInfo): CheckResult | null {
  return run.summary?.checks.find((c) => /^linearizab/i.test(c.name)) ?? null
}

export type HistoryVerdict = Verdict | 'none'

export function verdictOf(c: CheckResult | null): HistoryVerdict {
  if (!c) return 'none'
  return c.verdict ?? (c.ok ? 'ok' : 'violation')
}

export const VERDICT_LABELS: Record<HistoryVerdict, string> = {
  ok: 'linearizable',
  violation: 'not linearizable',
  unknown: 'no verdict',
  none: 'not checked',
}

export function verdictTagType(v: HistoryVerdict): 'success' | 'error' | 'warning' {
  return v === 'ok' ? 'success' : v === 'violation' ? 'error' : 'warning'
}

/** Every key that failed, the counterexample's first (older runs: read from the details). */
export function failedKeysOf(c: CheckResult | null, v: HistoryVerdict): string[] {
  if (!c || v !== 'violation') return []
  if (c.failedKeys?.length) return c.failedKeys
  const first = c.counterexample?.key
  const also = c.details.map((d) => /^also not [\w ]+?: (.+)$/.exec(d)?.[1]).find((x) => x !== undefined)
  return [...(first ? [first] : []), ...(also ? also.split(', ') : [])]
}

/** Check details beyond what the panel already says (the explanation, stale reads, other keys). */
export function extraDetails(c: CheckResult | null, failedKeys: readonly string[]): string[] {
  if (!c) return []
  const first = c.counterexample
  return c.details.filter(
    (d) =>
      !(first && d.endsWith(first.explanation)) &&
      !/stale read/.test(d) &&
      !(failedKeys.length > 1 && /^also not /.test(d)),
  )
}

// ---- bars ------------------------------------------------------------------------------

export type BarKind = 'ok' | 'fail' | 'info' | 'cut'

/** One bar: an op on its client's row, times in seconds of run time. */
export interface Bar {
  op: HistoryOp
  lane: number
  x0: number
  /** Where the bar ends: completion, the info time, or (outcome never known) the run's end. */
  x1: number
  kind: BarKind
  /** Outcome unknown and never reported: fade out towards the end of the visible range. */
  open: boolean
  /** 0 = not in the counterexample, 1 = in it, 2 = the culprit. */
  cx: 0 | 1 | 2
  label: string
}

/** A row's plain bars of one style, in invocation order (indexes into the bars). */
export interface LaneGroup {
  lane: number
  kind: 'ok' | 'fail'
  sameKey: boolean
  members: number[]
}

/**
 * Which series draws which bar. Plain ok / failed bars: one element per client row and style
 * (fast with tens of thousands); the few others (unknown outcome, cut off, the counterexample)
 * one element each, so they can be dashed, faded and outlined.
 */
export interface HistoryLayout {
  lanes: LaneGroup[]
  special: number[]
  labelled: number[]
}

export const emptyLayout = (): HistoryLayout => ({ lanes: [], special: [], labelled: [] })

/** An op in a few words: `get k1 → "3"`, `put k1 = "3"`, `cas k1 "1"→"2"`. */
export function shortLabel(op: HistoryOp): string {
  const v = (s: string | null | undefined) => (s === null || s === undefined ? 'absent' : JSON.stringify(s))
  if (op.f === 'get') return op.type === 'ok' ? `get ${op.key} → ${v(op.value)}` : `get ${op.key}`
  if (op.f === 'put') return `put ${op.key} = ${v(op.value)}`
  if (op.f === 'append') return `append ${op.key} += ${v(op.value)}`
  return `cas ${op.key} ${v(op.expected)}→${v(op.value)}`
}

/** The history's time span, seconds: its first and last event, and where the chart ends. */
export interface HistorySpan {
  firstS: number
  lastS: number
  endS: number
}

/**
 * The span of a run's history: `eventsUs` are the loaded op events' first and last times (a
 * run's trace), or null for a history in hand (then the ops' own times are used). The chart
 * ends at the run's duration, its simulated time or the last event, whichever is latest.
 */
export function historySpan(
  run: RunInfo,
  ops: readonly HistoryOp[],
  eventsUs: { first: number; last: number } | null,
): HistorySpan {
  let firstS = eventsUs ? eventsUs.first / 1e6 : 0
  let lastS = eventsUs ? eventsUs.last / 1e6 : 0
  if (!eventsUs && ops.length > 0) {
    firstS = ops.reduce((m, o) => Math.min(m, o.invoke), Infinity) / 1e6
    lastS =
      ops.reduce((m, o) => Math.max(m, ...[o.complete, o.infoTime ?? 0].filter(Number.isFinite)), 0) / 1e6
  }
  const endS = Math.max(run.spec.durationMs / 1000, (run.summary?.simulatedMs ?? 0) / 1000, lastS)
  return { firstS, lastS, endS }
}

export interface HistoryBars {
  bars: Bar[]
  /** Client ids, one row each, in order. */
  clients: number[]
  keyCount: number
  layout: HistoryLayout
  byId: Map<string, Bar>
  /** The counterexample's bars. */
  cxBars: Bar[]
}

/**
 * Bars for `ops`, marked with the counterexample `cx` (null: none). `truncated`: only part of
 * the trace was loaded, so an op whose outcome is unknown may have completed beyond it.
 */
export function buildBars(
  ops: readonly HistoryOp[],
  cx: Counterexample | null,
  span: HistorySpan,
  truncated: boolean,
): HistoryBars {
  const clients = [...new Set(ops.map((o) => o.process))].sort((a, b) => a - b)
  const laneOf = new Map(clients.map((p, i) => [p, i]))
  const inCx = new Set(cx?.opIds ?? [])
  const keys = new Set<string>()
  const byId = new Map<string, Bar>()
  const bars = ops.map((op): Bar => {
    keys.add(op.key)
    const x0 = op.invoke / 1e6
    let kind: BarKind = op.type
    let x1: number
    let open = false
    if (op.type !== 'info') x1 = op.complete / 1e6
    else if (op.infoTime !== undefined) x1 = op.infoTime / 1e6
    else if (truncated) {
      // Its completion lies beyond what was loaded.
      kind = 'cut'
      x1 = span.lastS
    } else {
      open = true
      x1 = span.endS
    }
    const b: Bar = {
      op,
      lane: laneOf.get(op.process) ?? 0,
      x0,
      x1: Math.max(x0, x1),
      kind,
      open,
      cx: !inCx.has(op.id) ? 0 : op.id === cx?.culpritId ? 2 : 1,
      label: shortLabel(op),
    }
    byId.set(op.id, b)
    return b
  })
  const layout = emptyLayout()
  const groups = new Map<string, LaneGroup>()
  bars.forEach((b, i) => {
    if (b.cx > 0 || b.kind === 'info' || b.kind === 'cut') {
      layout.special.push(i)
      return
    }
    const kind = b.kind as 'ok' | 'fail'
    const sameKey = cx !== null && b.op.key === cx.key
    const id = `${b.lane}/${kind}/${sameKey}`
    let g = groups.get(id)
    if (!g) groups.set(id, (g = { lane: b.lane, kind, sameKey, members: [] }))
    g.members.push(i)
    layout.labelled.push(i)
  })
  // Same-key groups after the others, so they are drawn over them.
  layout.lanes = [...groups.values()].sort((a, b) => Number(a.sameKey) - Number(b.sameKey))
  return { bars, clients, keyCount: keys.size, layout, byId, cxBars: bars.filter((b) => b.cx > 0) }
}

/** When a row group's last bar ends, seconds. */
export function groupEnd(bars: readonly Bar[], g: LaneGroup): number {
  let end = -Infinity
  for (const i of g.members) end = Math.max(end, bars[i].x1)
  return end
}

/**
 * The bar of row group `g` nearest to `x` (seconds) within `tol`, or undefined. Members are in
 * invocation order: a binary search finds the last one invoked by x + tol, then up to 50
 * earlier ones (overlapping bars) are compared.
 */
export function barNear(bars: readonly Bar[], g: LaneGroup, x: number, tol: number): Bar | undefined {
  const m = g.members
  let lo = 0
  let hi = m.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (bars[m[mid]].x0 <= x + tol) lo = mid + 1
    else hi = mid
  }
  let best: Bar | undefined
  let bestD = Infinity
  for (let k = lo - 1; k >= 0 && k >= lo - 50; k--) {
    const b = bars[m[k]]
    const d = x < b.x0 ? b.x0 - x : x > b.x1 ? x - b.x1 : 0
    if (d <= tol && d < bestD) {
      best = b
      bestD = d
      if (d === 0) break
    }
  }
  return best
}

// ---- windows ---------------------------------------------------------------------------

export interface TimeWindow {
  from: number
  to: number
}

/** Where the counterexample is, seconds (its ops' extent), or null. */
export function cxExtent(cxBars: readonly Bar[]): { lo: number; hi: number } | null {
  if (cxBars.length === 0) return null
  let lo = Infinity
  let hi = -Infinity
  for (const b of cxBars) {
    lo = Math.min(lo, b.x0)
    hi = Math.max(hi, b.open ? b.x0 : b.x1)
  }
  return { lo, hi }
}

/** The counterexample with some room around it (at least 4 ms), within the run. */
export function cxWindow(extent: { lo: number; hi: number } | null, endS: number): TimeWindow | null {
  if (!extent) return null
  const pad = Math.max((extent.hi - extent.lo) * 0.6, 0.004)
  return { from: Math.max(0, extent.lo - pad), to: Math.min(endS, extent.hi + pad) }
}

/** Default window of a long run without a counterexample, seconds. */
export const FIRST_WINDOW_S = 2

/**
 * The window the chart opens on: the counterexample; else a long run's first seconds (from
 * its first op when that is late); a history file (times may be lines) and a short run whole.
 */
export function defaultWindow(
  cx: TimeWindow | null,
  span: Pick<HistorySpan, 'firstS' | 'endS'>,
  historyFile: boolean,
): TimeWindow {
  if (cx) return cx
  const from = span.firstS > 0.5 ? span.firstS : 0
  if (!historyFile && span.endS - from > FIRST_WINDOW_S * 1.25) return { from, to: from + FIRST_WINDOW_S }
  return { from: 0, to: span.endS }
}

// ---- words -----------------------------------------------------------------------------

/** Axis ticks are round numbers: print them without trailing zeros. */
export function fmtAxis(v: number): string {
  return `${Number(v.toFixed(6))} s`
}

/** Run time, seconds, to ms precision (µs when it matters). */
export function fmtT(s: number): string {
  if (!Number.isFinite(s)) return 'never'
  const ms = s.toFixed(3)
  return `${Math.abs(Number(ms) - s) > 1e-9 ? s.toFixed(6).replace(/0+$/, '') : ms} s`
}

export function fmtDur(s: number): string {
  const ms = s * 1000
  return `${ms.toFixed(ms < 10 ? 3 : ms < 100 ? 2 : 1)} ms`
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}

/** How an op ended, in words. */
export function outcomeText(op: HistoryOp): string {
  if (op.type === 'ok') {
    if (op.f === 'cas') return op.result === false ? 'ok, compare failed (nothing written)' : 'ok, written'
    return 'ok'
  }
  if (op.type === 'fail') return `failed${op.error ? `: ${op.error}` : ''} (not applied)`
  return `unknown outcome${op.error ? ` (${op.error})` : ''}: may take effect any time after its invocation, or never`
}

/** A bar's tooltip (HTML; every text from the history escaped); `color` is its outcome's. */
export function tooltipHtml(b: Bar, color: string): string {
  const op = b.op
  const times =
    op.type === 'info'
      ? `invoked ${fmtT(b.x0)}${op.infoTime !== undefined ? `, gave up at ${fmtT(op.infoTime / 1e6)}` : ', never completed'}`
      : `invoked ${fmtT(b.x0)} → ${op.type === 'ok' ? 'returned' : 'failed'} ${fmtT(b.x1)} (${fmtDur(b.x1 - b.x0)})`
  const role =
    b.cx === 2
      ? '<div style="margin-top:4px;font-weight:600">the culprit: cannot take effect</div>'
      : b.cx === 1
        ? '<div style="margin-top:4px;font-weight:600">in the counterexample</div>'
        : ''
  return (
    `<div style="font-family:var(--ql-mono);font-weight:600">${escapeHtml(b.label)}</div>` +
    `<div>client ${op.process} · <span style="color:${color}">●</span> ${escapeHtml(outcomeText(op))}</div>` +
    `<div>${times}</div>` +
    `<div style="opacity:.7">op ${escapeHtml(op.id)}</div>${role}`
  )
}
