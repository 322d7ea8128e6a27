// What the Explore and Fuzz screens share: counts, rates and times in words, and a whole-number
// field read from its text within its bounds (the error names the field and the range). Pure.
import type { InputHTMLAttributes } from 'vue'
import type { FieldError } from '../../shared/spec'

/** 1234567 -> "1,234,567". */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** Items per second over `elapsedMs` ("—" before a tenth of a second has passed). */
export function perSecond(items: number, elapsedMs: number): string {
  if (!(elapsedMs >= 100)) return '—'
  const r = items / (elapsedMs / 1000)
  return r >= 100 ? count(r) : r.toFixed(1)
}

/** 83_400 ms -> "1 min 23 s"; 4_200 -> "4.2 s". */
export function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)} min ${s % 60} s`
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: FieldError }

/** A whole number typed into field `path`, within [lo, hi]. */
export function wholeNumber(
  path: string,
  text: string,
  [lo, hi]: readonly [number, number],
  unit = '',
): Parsed<number> {
  const t = text.trim().replace(/[,_\s]/g, '')
  const n = Number(t)
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(n) || n < lo || n > hi)
    return {
      ok: false,
      error: {
        path,
        message: `must be a whole number between ${count(lo)} and ${count(hi)}${unit ? ` ${unit}` : ''}`,
      },
    }
  return { ok: true, value: n }
}

/** The violations of a check list in one line each: `Election Safety: 1 violation`. */
export function violationLines(vs: ReadonlyArray<{ name: string; count: number }>): string[] {
  return vs.map((v) => `${v.name}: ${v.count} violation${v.count === 1 ? '' : 's'}`)
}

/** An NInput's native input attributes: a test id and an accessible name. */
export function fieldProps(testid: string, label: string, id?: string): InputHTMLAttributes {
  return { 'data-testid': testid, 'aria-label': label, ...(id ? { id } : {}) } as InputHTMLAttributes
}
