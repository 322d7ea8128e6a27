// A node program's stderr as the lab keeps it: the most recent STDERR_CAP_BYTES characters
// per node (older text is dropped and counted), so a chatty program cannot fill the memory or
// the run's record. Pure: the node process and the lab both keep one per node.

/** Most stderr kept per node and run (the newest text), characters. */
export const STDERR_CAP_BYTES = 64 * 1024

export interface StderrRecord {
  /** The newest text, at most the cap. */
  text: string
  /** Characters dropped from the front to stay within the cap. */
  droppedBytes: number
}

export class StderrTail {
  private text = ''
  private dropped = 0

  constructor(private readonly cap = STDERR_CAP_BYTES) {}

  append(chunk: string): void {
    if (chunk.length === 0) return
    let t = this.text + chunk
    if (t.length > this.cap) {
      this.dropped += t.length - this.cap
      t = t.slice(t.length - this.cap)
    }
    this.text = t
  }

  /** The last `k` non-empty lines (for error messages). */
  lastLines(k: number): string[] {
    const lines = this.text.split('\n').filter((l) => l.trim().length > 0)
    return lines.slice(-k)
  }

  record(): StderrRecord {
    return { text: this.text, droppedBytes: this.dropped }
  }
}

/** ` Its last stderr lines: a | b`, or ` It wrote nothing on stderr.` */
export function stderrHint(tail: StderrTail, k = 5): string {
  const lines = tail.lastLines(k)
  return lines.length === 0 ? ' It wrote nothing on stderr.' : ` Its last stderr lines: ${lines.join(' | ')}`
}
