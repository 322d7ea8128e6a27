// Pairing each process's invocation with its completion, for the formats that write them
// as separate events (Jepsen, Porcupine). A process runs one operation at a time; one whose
// operation ended in doubt (info) may go on with another (the first stays in doubt).
import type { HistoryFn, HistoryOp, HistoryOpType } from '../history'
import type { ErrorList } from './types'

export interface Completion {
  type: HistoryOpType
  f: HistoryFn
  /** When given, must match the invocation's key. */
  key?: string
  time: number
  /** get ok: the value read. */
  read?: string | null
  /** cas ok: true = written, false = compare failed. */
  result?: boolean
  error?: string
}

export class Pairer {
  private readonly pending = new Map<number, { op: HistoryOp; line: number }>()
  private readonly ops: HistoryOp[] = []

  constructor(
    private readonly errors: ErrorList,
    /** How the file names a process (e.g. `:process 3` or `process 3`). */
    private readonly name: (p: number) => string,
    /** The field that names the process and the op, in this format's words. */
    private readonly fields: { process: string; f: string; key: string; time: string },
  ) {}

  invoke(line: number, op: HistoryOp): void {
    const prev = this.pending.get(op.process)
    if (prev) {
      this.errors.add(
        line,
        this.fields.process,
        `${this.name(op.process)} invoked again while its op from line ${prev.line} is pending`,
      )
      return
    }
    this.pending.set(op.process, { op, line })
    this.ops.push(op)
  }

  complete(line: number, process: number, c: Completion): void {
    const p = this.pending.get(process)
    if (!p) {
      this.errors.add(line, this.fields.process, `${this.name(process)} has no pending invoke to complete`)
      return
    }
    this.pending.delete(process)
    const op = p.op
    let bad = false
    if (c.f !== op.f) {
      this.errors.add(line, this.fields.f, `does not match the invoke on line ${p.line}`)
      bad = true
    }
    if (c.key !== undefined && c.key !== op.key) {
      this.errors.add(
        line,
        this.fields.key,
        `must match the invoke on line ${p.line} (${JSON.stringify(op.key)})`,
      )
      bad = true
    }
    if (c.time < op.invoke) {
      this.errors.add(line, this.fields.time, `is before the invoke on line ${p.line} (${op.invoke})`)
      bad = true
    }
    if (bad) return
    op.type = c.type
    if (c.error !== undefined) op.error = c.error
    if (c.type === 'info') {
      op.infoTime = c.time
      return
    }
    op.complete = c.time
    if (c.type !== 'ok') return
    if (op.f === 'get') op.value = c.read ?? null
    if (op.f === 'cas') op.result = c.result ?? true
  }

  /** The operations in invocation order; those never completed stay in doubt (info). */
  finish(): HistoryOp[] {
    return this.ops.sort((a, b) => a.invoke - b.invoke)
  }
}
