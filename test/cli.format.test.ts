// The CLI's run summary speaks each algorithm's words (its vocabulary): PBFT counts view
// changes, not leader changes; the leaderless quorum store has no leader and shows its read
// repairs, hinted writes and anti-entropy syncs instead; a check that could not be judged says
// so instead of "ok". Dates read the same as on the screens.
import { describe, expect, it } from 'vitest'
import { formatSummary, runTableRow } from '../src/main/cli/format'
import { formatDateTime } from '../src/shared/format'
import type { CheckResult, RunInfo, RunSummary } from '../src/shared/api'
import { ExperimentSpecSchema } from '../src/shared/spec'

function run(kind: 'raft' | 'pbft' | 'quorum', summary: Partial<RunSummary> = {}): RunInfo {
  const spec = ExperimentSpecSchema.parse({ name: `${kind}-run`, algorithm: { kind } })
  return {
    runId: 'run-1',
    name: spec.name,
    algorithm: kind,
    mode: 'simulation',
    seed: 1,
    status: 'done',
    startedAt: '2026-12-06T21:04:05.123Z',
    endedAt: '2026-12-06T21:04:15.000Z',
    progress: 1,
    spec,
    error: null,
    summary: {
      simulatedMs: 10_000,
      wallMs: 500,
      leaderChanges: 4,
      elections: 15,
      ops: { total: 10, ok: 10, fail: 0, info: 0 },
      latencyMs: { p50: 1, p99: 2, max: 3 },
      messages: { sent: 100, delivered: 100, dropped: 0, duplicated: 0 },
      checks: [{ name: 'Linearizability', ok: true, verdict: 'ok', count: 0, details: [] }],
      verdict: 'ok',
      ...summary,
    },
  }
}

describe('CLI run summary', () => {
  it('says simulated time and the speed-up for a simulation, run time for real processes', () => {
    expect(formatSummary(run('raft'))).toMatch(
      /^time: {11}10\.00 s simulated in 0\.50 s wall \(20\.0x real time\)$/m,
    )
    const p = { ...run('raft'), mode: 'processes' as const }
    expect(formatSummary(p)).toMatch(/^time: {11}10\.00 s of run time$/m)
    expect(formatSummary(p)).not.toContain('simulated')
  })

  it("uses Raft's words for Raft", () => {
    const out = formatSummary(run('raft'))
    expect(out).toMatch(/^leader changes: 4$/m)
    expect(out).toMatch(/^elections: {6}15$/m)
  })

  it('lists cluster operations with their outcome and unavailability', () => {
    const out = formatSummary(
      run('raft', {
        clusterOps: [
          { fault: 0, what: 'add n4', outcome: 'done', startMs: 1000, endMs: 1002.5, unavailableMs: 1.25 },
          {
            fault: 1,
            what: 'transfer leadership to n3',
            outcome: 'not done',
            startMs: 2000,
            endMs: 4000,
            unavailableMs: null,
          },
        ],
      }),
    )
    expect(out).toContain('cluster ops:\n  add n4 at 1.000 s: done after 2.5 ms, unavailable 1.3 ms')
    expect(out).toContain(
      '  transfer leadership to n3 at 2.000 s: not done after 2000.0 ms, unavailable n/a (no client load)',
    )
    expect(formatSummary(run('raft'))).not.toContain('cluster ops')
    const r = run('raft')
    expect(formatSummary({ ...r, spec: { ...r.spec, cluster: { ...r.spec.cluster, maxNodes: 7 } } })).toMatch(
      /^raft-run: raft, 5 nodes \(up to 7\), seed 1, simulation -- done$/m,
    )
  })

  it('counts view changes for PBFT, never leader changes or elections', () => {
    const out = formatSummary(run('pbft'))
    expect(out).toMatch(/^view changes: +4$/m)
    expect(out).toMatch(/^view-change votes: 15$/m)
    expect(out).not.toMatch(/leader changes|elections/)
  })

  it('shows no leader for the quorum store, and its own counters', () => {
    const out = formatSummary(
      run('quorum', {
        leaderChanges: 0,
        elections: 0,
        counters: { hintedWrites: 7, readRepairs: 12, antiEntropySyncs: 3 },
      }),
    )
    expect(out).not.toMatch(/leader changes|elections/)
    expect(out).toMatch(/^leader: +none \(quorum is leaderless\)$/m)
    expect(out).toMatch(/^hinted writes: +7$/m)
    expect(out).toMatch(/^read repairs: +12$/m)
    expect(out).toMatch(/^anti-entropy syncs: 3$/m)
  })

  it('says "not judged" (with why) for a check that could not be judged, never "ok"', () => {
    const notJudged: CheckResult = {
      name: 'Convergence',
      ok: true,
      verdict: 'unknown',
      count: 0,
      details: ['not judged: faults still active at the end of the run (partition halves)'],
    }
    const out = formatSummary(run('quorum', { checks: [notJudged], verdict: 'unknown' }))
    expect(out).toMatch(/^ {2}Convergence: not judged$/m)
    expect(out).toContain('    - not judged: faults still active at the end of the run')
    expect(out).not.toMatch(/Convergence: ok/)
    expect(out).toMatch(/^verdict: +unknown \(a check could not be judged\)$/m)
  })

  it('lists start times in the one date format, local time to the second', () => {
    const row = runTableRow(run('raft'))
    expect(row[6]).toBe(formatDateTime('2026-12-06T21:04:05.123Z'))
    expect(row[6]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
  })
})
