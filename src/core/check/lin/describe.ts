// Operations, values and times in words (shared by every explanation).
import type { HistoryOp } from '../../../shared/history'
import type { HistoryTimeUnit } from '../../../shared/history-formats/types'

/** Unit of a history's times (see HistoryTimeUnit). */
export type TimeUnit = HistoryTimeUnit

/** Format a history time for people: seconds for ns/us/ms/s units, `t=<n>` for unit-less, `line <n>`. */
export function formatTime(t: number, unit: TimeUnit = 'us'): string {
  if (!Number.isFinite(t)) return 'never'
  if (unit === 'none') return `t=${t}`
  if (unit === 'line') return `line ${t}`
  const sec = unit === 'ns' ? t / 1e9 : unit === 'us' ? t / 1e6 : unit === 'ms' ? t / 1e3 : t
  let s = sec.toFixed(3)
  const fine = unit === 'ns' ? 9 : 6
  if (Math.abs(Number(s) - sec) > 1e-12) s = sec.toFixed(fine).replace(/0+$/, '').replace(/\.$/, '')
  return `${s} s`
}

/** Longer strings are shown by their two ends (appends make long values). */
const MAX_SHOWN = 60

export function formatValue(v: string | null | undefined): string {
  if (v === null || v === undefined) return 'absent'
  if (v.length <= MAX_SHOWN) return JSON.stringify(v)
  const half = (MAX_SHOWN - 6) >> 1
  return `${JSON.stringify(v.slice(0, half)).slice(0, -1)}…${JSON.stringify(v.slice(-half)).slice(1)} (${v.length} chars)`
}

/** e.g. `get k3 by client 2`, `put k3 = "a" by client 2`, `cas k3 "a"→"b" by client 2`, `append k3 += "x" by client 2`. */
export function describeOp(op: HistoryOp): string {
  const what =
    op.f === 'get'
      ? `get ${op.key}`
      : op.f === 'put'
        ? `put ${op.key} = ${formatValue(op.value)}`
        : op.f === 'append'
          ? `append ${op.key} += ${formatValue(op.value)}`
          : `cas ${op.key} ${formatValue(op.expected)}→${formatValue(op.value)}`
  return `${what} by client ${op.process}`
}
