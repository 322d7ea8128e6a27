// What a program's run keeps of its nodes beyond the trace (RunSummary.program): each node's
// stderr, capped (StderrTail), and the problems with what it wrote, capped per node.
import type { ProgramReport, ProgramTails } from '../../shared/api'
import type { NodeId } from '../../shared/trace'
import { STDERR_CAP_BYTES, StderrTail } from './stderr'

/** Most problems kept per node (the newest). */
export const MAX_PROBLEMS_PER_NODE = 100

export class ProgramReportKeeper {
  private readonly stderrTails = new Map<NodeId, StderrTail>()
  private readonly problems = new Map<NodeId, string[]>()
  private dropped = 0

  constructor(private readonly ids: readonly NodeId[]) {
    for (const id of ids) {
      this.stderrTails.set(id, new StderrTail())
      this.problems.set(id, [])
    }
  }

  stderr(node: NodeId, text: string): void {
    this.stderrTails.get(node)?.append(text)
  }

  problem(node: NodeId, line: string): void {
    const list = this.problems.get(node)
    if (list === undefined) return
    list.push(line)
    if (list.length > MAX_PROBLEMS_PER_NODE) {
      list.shift()
      this.dropped++
    }
  }

  /** Each node's last `k` stderr lines and problems. */
  tails(k: number): ProgramTails {
    const out: ProgramTails = {}
    for (const id of this.ids)
      out[id] = {
        stderr: (this.stderrTails.get(id) as StderrTail).lastLines(k),
        problems: (this.problems.get(id) as string[]).slice(-k),
      }
    return out
  }

  report(): ProgramReport {
    const stderr: ProgramReport['stderr'] = {}
    const problems: ProgramReport['problems'] = {}
    for (const id of this.ids) {
      stderr[id] = (this.stderrTails.get(id) as StderrTail).record()
      problems[id] = (this.problems.get(id) as string[]).slice()
    }
    return { stderrCapBytes: STDERR_CAP_BYTES, stderr, problems, droppedProblems: this.dropped }
  }
}
