// Human-readable run summaries for the CLI.
import type { RunInfo } from '../../shared/api'

const fmtMs = (v: number | null): string => (v === null ? 'n/a' : `${v.toFixed(2)} ms`)

export function formatSummary(run: RunInfo): string {
  const s = run.summary
  const lines: string[] = []
  const head = `${run.name}: ${run.algorithm}, ${run.spec.cluster.nodes} nodes, seed ${run.seed}, ${run.mode}`
  if (!s) {
    lines.push(`${head} -- ${run.status}, no summary`)
    if (run.error) lines.push(`error: ${run.error}`)
    return lines.join('\n')
  }
  const speedup = s.wallMs > 0 ? ` (${(s.simulatedMs / s.wallMs).toFixed(1)}x real time)` : ''
  lines.push(`${head} -- ${run.status}`)
  lines.push(
    `time:           ${(s.simulatedMs / 1000).toFixed(2)} s simulated in ${(s.wallMs / 1000).toFixed(2)} s wall${speedup}`,
  )
  lines.push(`leader changes: ${s.leaderChanges}`)
  lines.push(`elections:      ${s.elections}`)
  lines.push(
    `ops:            ${s.ops.total} total, ${s.ops.ok} ok, ${s.ops.fail} failed, ${s.ops.info} unknown`,
  )
  lines.push(
    `latency:        p50 ${fmtMs(s.latencyMs.p50)}, p99 ${fmtMs(s.latencyMs.p99)}, max ${fmtMs(s.latencyMs.max)}`,
  )
  lines.push(
    `messages:       ${s.messages.sent} sent, ${s.messages.delivered} delivered, ${s.messages.dropped} dropped, ${s.messages.duplicated} duplicated`,
  )
  if (s.checks.length === 0) lines.push('checks:         none ran')
  else {
    lines.push('checks:')
    for (const c of s.checks) {
      lines.push(`  ${c.name}: ${c.ok ? 'ok' : `VIOLATION (${c.count})`}`)
      if (!c.ok) for (const d of c.details) lines.push(`    - ${d}`)
    }
  }
  lines.push(`verdict:        ${s.verdict}`)
  if (run.error) lines.push(`error: ${run.error}`)
  return lines.join('\n')
}
