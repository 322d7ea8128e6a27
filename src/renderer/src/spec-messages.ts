// What the designer says about the draft, beyond the engine's field errors: number fields in
// plain words ("not a number", with what was typed), and warnings that do not block a run
// (a setting the chosen algorithm ignores or always refuses). Pure.
import type { FieldError } from '../../shared/spec'
import { getPath } from './stores/path'

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i

/**
 * A number field's text: a finite number, `undefined` when empty, or the text itself when it
 * is not a number (kept in the draft so the spec is invalid and the field keeps it).
 */
export function parseNumberText(text: string): number | string | undefined {
  const t = text.trim()
  if (t === '') return undefined
  if (!NUMBER.test(t)) return text
  const n = Number(t)
  return Number.isFinite(n) ? n : text
}

/**
 * The engine's errors, reworded where the draft holds typed text or nothing where a number
 * goes: `not a number: "abc"`, `not a number (empty)`.
 */
export function designerErrors(errors: readonly FieldError[], draft: unknown): FieldError[] {
  return errors.map((e) => {
    if (!/must be (a number|an integer|a whole number)/.test(e.message)) return e
    const v = getPath(draft, e.path)
    if (typeof v === 'string') return { ...e, message: `not a number: ${JSON.stringify(v)}` }
    if (v === null) return { ...e, message: 'not a number (empty): enter a number' }
    return e
  })
}

/** A setting that does not stop the run but will not do what it seems to (shown in amber). */
export type SpecWarning = FieldError

/** Warnings for a draft: today, a cas share for the quorum store (which refuses every cas). */
export function specWarnings(draft: unknown): SpecWarning[] {
  const out: SpecWarning[] = []
  const cas = getPath(draft, 'workload.mix.cas')
  if (getPath(draft, 'algorithm.kind') === 'quorum' && typeof cas === 'number' && cas > 0)
    out.push({
      path: 'workload.mix.cas',
      message:
        'the quorum store refuses every cas (a leaderless store has no atomic compare-and-set): ' +
        'this share of the operations will all fail; set cas to 0',
    })
  return out
}
