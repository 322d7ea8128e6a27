// Checking a history file's text: read it in its format (detected unless named), then run
// the linearizability checker with the file's own model (initial value, unit of time).
// Shared by `quorum-lab check` and the LabApi's checkHistory (the History view).
import { performance } from 'node:perf_hooks'
import {
  checkLinearizable,
  linCheckResult,
  type LinOptions,
  type LinResult,
} from '../../core/check/linearizability'
import { parseHistory, type HistoryFormat, type ParsedHistory } from '../../shared/history-formats'
import { LabError, type CheckedHistory, type WireHistoryOp } from '../../shared/api'

export type HistoryCheck =
  { ok: true; history: ParsedHistory; result: LinResult } | { ok: false; errors: string[] }

export function checkHistoryText(
  text: string,
  format: HistoryFormat | 'auto',
  opts: Pick<LinOptions, 'mode' | 'budgetMs' | 'timeUnit'> = {},
): HistoryCheck {
  const parsed = parseHistory(text, format)
  if (!parsed.ok) return parsed
  const h = parsed.history
  const result = checkLinearizable(h.ops, {
    mode: opts.mode,
    budgetMs: opts.budgetMs,
    now: () => performance.now(),
    timeUnit: opts.timeUnit ?? h.timeUnit ?? 'none',
    initial: h.initial,
  })
  return { ok: true, history: h, result }
}

/** Errors shown with a bad file, at most. */
const MAX_SHOWN_ERRORS = 10

/** checkHistory: the History view's check of a file; bad input is a LabError naming the lines. */
export function checkHistoryForView(arg: {
  text: string
  format?: HistoryFormat | 'auto'
  name: string
}): CheckedHistory {
  const r = checkHistoryText(arg.text, arg.format ?? 'auto', { budgetMs: 10_000 })
  if (!r.ok) {
    const shown = r.errors.slice(0, MAX_SHOWN_ERRORS)
    const more = r.errors.length > shown.length ? ` (and ${r.errors.length - shown.length} more)` : ''
    throw new LabError(
      'bad_input',
      `${arg.name || 'the file'} is not a valid history: ${shown.join('; ')}${more}`,
    )
  }
  const ops: WireHistoryOp[] = r.history.ops.map((o) => ({
    ...o,
    complete: Number.isFinite(o.complete) ? o.complete : null,
  }))
  return {
    name: arg.name,
    format: r.history.format,
    model: r.history.model,
    timeUnit: r.history.timeUnit ?? 'none',
    ops,
    check: linCheckResult(r.result),
    faults: r.history.faults,
    keys: r.result.keys,
  }
}
