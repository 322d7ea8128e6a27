// Human-readable run summaries for the CLI, in each algorithm's own words (its vocabulary).
import type { RunInfo } from '../../shared/api'
import { checkJudgement } from '../../shared/checks'
import { clusterSize } from '../../shared/cluster'
import { formatDateTime } from '../../shared/format'
import { vocabularyOf } from '../../shared/vocabulary'

const fmtMs = (v: number | null): string => (v === null ? 'n/a' : `${v.toFixed(2)} ms`)

export function formatSummary(run: RunInfo): string {
  const s = run.summary
  const lines: string[] = []
  const max = clusterSize(run.spec.cluster)
  const nodes = `${run.spec.cluster.nodes} nodes${max > run.spec.cluster.nodes ? ` (up to ${max})` : ''}`
  const head = `${run.name}: ${run.algorithm}, ${nodes}, seed ${run.seed}, ${run.mode}`
  if (!s) {
    lines.push(`${head} -- ${run.status}, no summary`)
    if (run.error) lines.push(`error: ${run.error}`)
    return lines.join('\n')
  }
  lines.push(`${head} -- ${run.status}`)
  if (run.mode === 'processes')
    // Real processes on the wall clock: nothing is simulated, run time is wall time.
    lines.push(`time:           ${(s.simulatedMs / 1000).toFixed(2)} s of run time`)
  else {
    const speedup = s.wallMs > 0 ? ` (${(s.simulatedMs / s.wallMs).toFixed(1)}x real time)` : ''
    lines.push(
      `time:           ${(s.simulatedMs / 1000).toFixed(2)} s simulated in ${(s.wallMs / 1000).toFixed(2)} s wall${speedup}`,
    )
  }
  const v = vocabularyOf(run.algorithm)
  // `label:` padded to the summary's column (16), wider labels get one space.
  const row = (label: string, value: string): string => `${`${label}:`.padEnd(15)} ${value}`
  if (v.leaderChanges !== null) lines.push(row(v.leaderChanges, String(s.leaderChanges)))
  if (v.elections !== null) lines.push(row(v.elections, String(s.elections)))
  if (v.leader === null) lines.push(row('leader', `none (${run.algorithm} is leaderless)`))
  for (const c of v.counters)
    if (s.counters?.[c.key] !== undefined) lines.push(row(c.label, String(s.counters[c.key])))
  lines.push(
    `ops:            ${s.ops.total} total, ${s.ops.ok} ok, ${s.ops.fail} failed, ${s.ops.info} unknown`,
  )
  lines.push(
    `latency:        p50 ${fmtMs(s.latencyMs.p50)}, p99 ${fmtMs(s.latencyMs.p99)}, max ${fmtMs(s.latencyMs.max)}`,
  )
  lines.push(
    `messages:       ${s.messages.sent} sent, ${s.messages.delivered} delivered, ${s.messages.dropped} dropped, ${s.messages.duplicated} duplicated`,
  )
  const r = s.rejectedConnections
  if (r !== undefined) {
    const per = Object.entries(r.nodes).map(([node, k]) => `${node} ${k}`)
    lines.push(`refused conns:  ${r.total} (no valid hello; proxy ${r.proxy}, ${per.join(', ')})`)
  }
  if (s.clusterOps !== undefined && s.clusterOps.length > 0) {
    lines.push('cluster ops:')
    for (const o of s.clusterOps)
      lines.push(
        `  ${o.what} at ${(o.startMs / 1000).toFixed(3)} s: ${o.outcome} after ${(o.endMs - o.startMs).toFixed(1)} ms, unavailable ${o.unavailableMs === null ? 'n/a (no client load)' : `${o.unavailableMs.toFixed(1)} ms`}`,
      )
  }
  if (s.checks.length === 0) lines.push('checks:         none ran')
  else {
    lines.push('checks:')
    for (const c of s.checks) {
      const judged = checkJudgement(c)
      lines.push(
        `  ${c.name}: ${judged === 'pass' ? 'ok' : judged === 'fail' ? `VIOLATION (${c.count})` : 'not judged'}`,
      )
      if (judged !== 'pass') for (const d of c.details) lines.push(`    - ${d}`)
    }
  }
  lines.push(
    `verdict:        ${s.verdict === 'unknown' ? 'unknown (a check could not be judged)' : s.verdict}`,
  )
  if (run.error) lines.push(`error: ${run.error}`)
  return lines.join('\n')
}

/** A plain text table: a header row, a rule, then rows; numeric columns right-aligned. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^-?[\d.,]+( ms)?$|^–$/.test(r[i] ?? '')),
  )
  const line = (cells: ReadonlyArray<string>): string =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

const dash = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined ? '–' : v.toFixed(digits)

export const RUN_TABLE_HEADER = [
  'id',
  'name',
  'algorithm',
  'nodes',
  'mode',
  'status',
  'started',
  'ops',
  'p99 ms',
  'verdict',
] as const

export function runTableRow(r: RunInfo): string[] {
  return [
    r.runId,
    r.name,
    r.algorithm,
    String(r.spec.cluster.nodes),
    r.mode,
    r.status,
    formatDateTime(r.startedAt),
    r.summary ? String(r.summary.ops.total) : '–',
    dash(r.summary?.latencyMs.p99),
    r.summary?.verdict ?? '–',
  ]
}

/** The runs as a table; `filtered`: some filter was given (an empty list then says so). */
export function formatRunsTable(runs: readonly RunInfo[], filtered = false): string {
  if (runs.length === 0) return filtered ? 'no runs match these filters' : 'no runs recorded (yet)'
  return formatTable(RUN_TABLE_HEADER, runs.map(runTableRow))
}

export interface SweepRow {
  labels: string[]
  runs: number
  opsOk: number
  p50: number | null
  p99: number | null
  elections: number
  violations: number
  failed: number
}

/** `elections` is the mean per run; p50 / p99 come from the runs' sketches merged. */
export function formatSweepTable(paramNames: readonly string[], rows: readonly SweepRow[]): string {
  const header = [...paramNames, 'runs', 'ops ok', 'p50 ms', 'p99 ms', 'elections', 'violations']
  const anyFailed = rows.some((r) => r.failed > 0)
  if (anyFailed) header.push('failed')
  return formatTable(
    header,
    rows.map((r) => {
      const cells = [
        ...r.labels,
        String(r.runs),
        String(r.opsOk),
        dash(r.p50),
        dash(r.p99),
        (r.elections / Math.max(1, r.runs)).toFixed(1),
        String(r.violations),
      ]
      if (anyFailed) cells.push(String(r.failed))
      return cells
    }),
  )
}
