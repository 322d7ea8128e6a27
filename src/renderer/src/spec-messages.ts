// What the designer says about the draft, beyond the engine's field errors: number fields in
// plain words ("not a number", with what was typed), and warnings that do not block a run
// (a setting the chosen algorithm ignores or always refuses). Pure.
import type { FieldError } from '../../shared/spec'
import { getPath } from './stores/path'
import { relativeFiles } from '../../shared/command-line'

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

/**
 * Warnings for a draft: a cas share for the quorum store (which refuses every cas); a
 * program named by a relative path with no working directory (it is looked for where the lab
 * started: a spec file loaded in the Designer does not say which folder it came from, unlike
 * the CLI, which runs it in the file's folder).
 */
export function specWarnings(draft: unknown): SpecWarning[] {
  const out: SpecWarning[] = []
  const command = getPath(draft, 'algorithm.params.command')
  const cwd = getPath(draft, 'algorithm.params.cwd')
  if (
    getPath(draft, 'algorithm.kind') === 'program' &&
    Array.isArray(command) &&
    (typeof cwd !== 'string' || cwd === '')
  ) {
    const rel = relativeFiles(command.filter((x): x is string => typeof x === 'string'))
    if (rel.length > 0)
      out.push({
        path: 'algorithm.params.cwd',
        message:
          `${rel.map((f) => JSON.stringify(f)).join(', ')} is a relative path: it is looked for in the folder the lab ` +
          "started in; if the program is elsewhere, set the working directory to its folder (a spec file's own folder " +
          'is not known here; the CLI runs it there)',
      })
  }
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
