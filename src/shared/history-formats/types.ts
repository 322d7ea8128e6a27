// What reading a history file gives: the operations, in the checker's terms, with what the
// checker needs to know about the file's model (the value a key starts with, the unit of
// its times) and the faults it records (Jepsen's nemesis operations).
import type { HistoryOp } from '../history'

/** The history file formats `quorum-lab check` reads. */
export type HistoryFormat = 'jsonl' | 'edn' | 'porcupine-kv' | 'jepsen-log'

export const HISTORY_FORMATS: readonly HistoryFormat[] = ['jsonl', 'edn', 'porcupine-kv', 'jepsen-log']

/** Unit of a history's times (`line`: no timestamps; a time is the event's line in the file). */
export type HistoryTimeUnit = 'ns' | 'us' | 'ms' | 's' | 'none' | 'line'

/** A fault the history records (a Jepsen nemesis operation): reported, never checked. */
export interface HistoryFault {
  /** The line of the nemesis operation (its first event). */
  line: number
  /** What it did, e.g. `start`, `stop`, `kill` (Jepsen's :f without the colon). */
  f: string
  /** When it began (the history's time unit). */
  start: number
  /** When it was reported done; null if it never was. */
  end: number | null
  /** What the nemesis said (its :value as EDN text), or null. */
  value: string | null
}

export interface ParsedHistory {
  format: HistoryFormat
  ops: HistoryOp[]
  /** What every key holds before it is written: null (absent) or "" (Porcupine's key-value model). */
  initial: string | null
  /** The unit of `ops`' times, when the file says (null: ours, unit given by the user). */
  timeUnit: HistoryTimeUnit | null
  faults: HistoryFault[]
  /** One line on how the file was read (e.g. "Jepsen history.edn, cas-register, independent keys"). */
  model: string
}

export type ParseFormatResult = { ok: true; history: ParsedHistory } | { ok: false; errors: string[] }

export const MAX_ERRORS = 50

/** Errors, each naming its line and field: `line 7: :f: must be ...`, in line order. Stops counting at MAX_ERRORS. */
export class ErrorList {
  private readonly list: Array<{ line: number; text: string }> = []

  add(line: number, field: string, message: string): void {
    if (this.list.length <= MAX_ERRORS)
      this.list.push({ line, text: `line ${line}: ${field}${field ? ': ' : ''}${message}` })
  }

  get full(): boolean {
    return this.list.length >= MAX_ERRORS
  }

  get errors(): string[] {
    return this.list
      .map((e, i) => ({ ...e, i }))
      .sort((a, b) => a.line - b.line || a.i - b.i)
      .map((e) => e.text)
  }

  result(history: () => ParsedHistory): ParseFormatResult {
    if (this.list.length === 0) return { ok: true, history: history() }
    const errors = this.errors.slice(0, MAX_ERRORS)
    if (this.list.length > MAX_ERRORS) errors.push(`(stopped after ${MAX_ERRORS} errors)`)
    return { ok: false, errors }
  }
}
