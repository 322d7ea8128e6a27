// The program output panel's logic (ProgramOutputPanel.vue): each node of a program's run with
// its stderr lines and the problems with what it wrote, from the live tails while it runs and
// from the record kept with the run once it ended (or in Replay), with the cap said in words.
import type { ProgramReport, ProgramTails } from '../../shared/api'

export interface ProgramNodeOutput {
  node: string
  lines: string[]
  problems: string[]
  /** What is shown of what was written (`last 40 lines`, `older 3.2 KB dropped`, ...). */
  note: string
}

/** Lines shown per node (the newest). */
export const PANEL_LINES = 200

function kb(n: number): string {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KB`
}

/** Node ids in cluster order (n2 before n10). */
function byNode(a: string, b: string): number {
  return Number(a.slice(1)) - Number(b.slice(1)) || a.localeCompare(b)
}

/** The panel's nodes: the kept record when there is one, else the live tails; [] for neither. */
export function programOutput(
  report: ProgramReport | null | undefined,
  live: ProgramTails | null | undefined,
  maxLines = PANEL_LINES,
): ProgramNodeOutput[] {
  if (report) {
    const cap = `kept: the newest ${kb(report.stderrCapBytes)} per node`
    return Object.keys(report.stderr)
      .sort(byNode)
      .map((node) => {
        const r = report.stderr[node]
        const all = r.text.split('\n').filter((l) => l.length > 0)
        const lines = all.slice(-maxLines)
        const parts: string[] = []
        if (all.length === 0) parts.push('nothing on stderr')
        else
          parts.push(
            lines.length < all.length
              ? `last ${lines.length} of ${all.length} lines kept`
              : `${all.length} line${all.length === 1 ? '' : 's'}`,
          )
        if (r.droppedBytes > 0) parts.push(`older ${kb(r.droppedBytes)} dropped`)
        parts.push(cap)
        return { node, lines, problems: report.problems[node] ?? [], note: parts.join(' · ') }
      })
  }
  if (live) {
    return Object.keys(live)
      .sort(byNode)
      .map((node) => ({
        node,
        lines: live[node].stderr.slice(-maxLines),
        problems: live[node].problems,
        note:
          live[node].stderr.length === 0
            ? 'nothing on stderr yet'
            : `live: the last ${live[node].stderr.length} lines`,
      }))
  }
  return []
}

/** The tab label: `n2 · 3 problems`. */
export function tabLabel(o: ProgramNodeOutput): string {
  const k = o.problems.length
  return k === 0 ? o.node : `${o.node} · ${k} problem${k === 1 ? '' : 's'}`
}
