// Compare: real simulated runs recorded in SQLite, compared through the LabService. A run
// whose leader crashes shows an election and an unavailability window around the crash; a
// run without faults shows none; messages per committed op and ops/s match the summary;
// the CDF rises to 1; fault periods come from the faults table; bad ids name runIds[i].
// The two walks (unavailability, leaderless periods) are also fed hand-made timelines,
// including the broken cases they must not hide; and the sweep progress report (bar on a
// terminal, plain lines on a pipe).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LabError, type Comparison, type LabEvent, type RunInfo } from '../src/shared/api'
import type { ExperimentSpecInput } from '../src/shared/spec'
import { LabService } from '../src/main/lab/service'
import { leaderless, leaderlessPeriods, unavailableStretches } from '../src/main/lab/compare'
import { sweepProgress } from '../src/main/cli/sweep'

const base: ExperimentSpecInput = {
  cluster: { nodes: 3 },
  durationMs: 3000,
  workload: { clients: 4, ratePerSec: 200, keys: 20 },
}
const crashSpec: ExperimentSpecInput = {
  ...base,
  name: 'cmp-crash',
  seed: 3,
  faults: [{ atMs: 1000, kind: 'crash', target: 'leader', restartAfterMs: 800 }],
}
const calmSpec: ExperimentSpecInput = { ...base, name: 'cmp-calm', seed: 5, faults: [] }

let dir: string
let service: LabService
let crash: RunInfo
let calm: RunInfo
let cmp: Comparison

function waitEnd(runId: string): Promise<RunInfo> {
  return new Promise((res) => {
    const off = service.on((e: LabEvent) => {
      if (e.type === 'run-status' && e.run.runId === runId && e.run.status !== 'running') {
        off()
        res(e.run)
      }
    })
  })
}
async function record(spec: ExperimentSpecInput): Promise<RunInfo> {
  const r = await service.startRun({ spec, speed: 'max' })
  const end = waitEnd(r.runId)
  // It may have ended before we subscribed.
  const now = await service.getRun({ runId: r.runId })
  return now.status === 'running' ? end : now
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ql-compare-'))
  service = new LabService({ dataDir: dir })
  crash = await record(crashSpec)
  calm = await record(calmSpec)
  cmp = await service.compareRuns({ runIds: [crash.runId, calm.runId] })
})
afterAll(() => {
  service?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('compareRuns on recorded simulated runs', () => {
  it('returns the runs in the order asked, with their windows', () => {
    expect(cmp.runs.map((r) => r.run.runId)).toEqual([crash.runId, calm.runId])
    for (const r of cmp.runs) {
      expect(r.windows.length).toBe(3)
      expect(r.windows.reduce((s, w) => s + w.ok, 0)).toBe(r.run.summary?.ops.ok)
    }
  })

  it('a leader crash shows one election after it and an unavailability window covering it', () => {
    const r = cmp.runs[0]
    expect(r.elections).not.toBeNull()
    const el = r.elections!
    expect(el.firstLeaderMs).not.toBeNull()
    expect(el.firstLeaderMs!).toBeLessThan(1000)
    expect(el.count).toBe(1)
    const p = el.periods[0]
    // The leader crashed at 1000 ms: no leader from then until a new one was elected.
    expect(p.startMs).toBe(1000)
    expect(p.endMs).toBeGreaterThan(1000)
    expect(p.endMs).toBeLessThan(1800)
    expect(el.totalMs).toBeCloseTo(p.endMs - p.startMs, 6)
    expect(el.meanMs).toBeCloseTo(el.totalMs, 6)
    // Clients waited through the election: one stretch without a commit overlapping it.
    expect(r.unavailability.length).toBeGreaterThanOrEqual(1)
    const u = r.unavailability.find((w) => w.startMs <= p.endMs && w.endMs >= p.startMs)
    expect(u).toBeDefined()
    expect(u!.endMs - u!.startMs).toBeGreaterThanOrEqual(r.unavailableMinMs)
    expect(u!.startMs).toBeLessThanOrEqual(1000 + r.unavailableMinMs)
    expect(r.headline.unavailableMs).toBeCloseTo(
      r.unavailability.reduce((s, w) => s + w.endMs - w.startMs, 0),
      6,
    )
    // The crash is a fault period from the crash to the restart.
    expect(r.faults).toHaveLength(1)
    expect(r.faults[0]).toMatchObject({ startMs: 1000, endMs: 1800 })
    expect(r.faults[0].label).toContain('crash')
  })

  it('a run without faults shows no election after start-up and no unavailability', () => {
    const r = cmp.runs[1]
    expect(r.elections?.count).toBe(0)
    expect(r.elections?.periods).toEqual([])
    expect(r.elections?.firstLeaderMs).not.toBeNull()
    expect(r.unavailability).toEqual([])
    expect(r.headline.unavailableMs).toBe(0)
    expect(r.faults).toEqual([])
    expect(r.headline.firstCommitMs).not.toBeNull()
  })

  it('headline: ops/s, messages per committed op and p50 / p99 agree with the summary', () => {
    for (const r of cmp.runs) {
      const s = r.run.summary!
      expect(r.headline.opsPerSec).toBeCloseTo(s.ops.ok / (s.simulatedMs / 1000), 6)
      expect(r.headline.messagesPerOp).toBeCloseTo(s.messages.sent / s.ops.ok, 6)
      expect(r.headline.messagesPerOp!).toBeGreaterThan(1)
      expect(r.headline.verdict).toBe(s.verdict)
      // The sketch quantiles are within DDSketch's 1% of the exact ones (plus rank rounding).
      expect(Math.abs(r.headline.p50! - s.latencyMs.p50!) / s.latencyMs.p50!).toBeLessThan(0.1)
    }
  })

  it('the latency CDF is monotone in both coordinates and ends at [max, 1]', () => {
    for (const r of cmp.runs) {
      const c = r.latencyCdf
      expect(c.length).toBeGreaterThan(10)
      for (let i = 1; i < c.length; i++) {
        expect(c[i][0]).toBeGreaterThan(c[i - 1][0])
        expect(c[i][1]).toBeGreaterThan(c[i - 1][1])
      }
      expect(c[c.length - 1][1]).toBe(1)
      expect(c[c.length - 1][0]).toBeCloseTo(r.run.summary!.latencyMs.max!, 3)
      expect(c[0][1]).toBeLessThan(0.05)
    }
  })

  it('bad ids are not_found naming runIds[i]', async () => {
    const err = await service.compareRuns({ runIds: [crash.runId, 'nope'] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LabError)
    expect((err as LabError).code).toBe('not_found')
    expect((err as LabError).fields?.[0]?.path ?? (err as LabError).message).toContain('runIds[1]')
  })

  it('leaderless algorithms report elections as n/a (null)', async () => {
    const q = await record({ ...base, name: 'cmp-quorum', seed: 2, algorithm: { kind: 'quorum' } })
    const c = await service.compareRuns({ runIds: [q.runId, calm.runId] })
    // (Whether or not the quorum store is built yet: n/a depends only on the algorithm.)
    expect(c.runs[0].elections).toBeNull()
    expect(c.runs[1].elections).not.toBeNull()
  })

  it("n/a comes from each algorithm's vocabulary: no leader named, no elections", () => {
    // PBFT's primary changes by view change: it has elections to count; Paxos and the quorum
    // store name no leader; an algorithm the lab does not know is n/a too.
    expect(['raft', 'paxos', 'multipaxos', 'pbft', 'quorum', 'nope'].filter(leaderless)).toEqual([
      'paxos',
      'quorum',
      'nope',
    ])
  })
})

describe('unavailableStretches', () => {
  const ev = (t: number, phase: 'invoke' | 'ok' | 'fail' | 'info') => ({ t, phase })

  it('finds a stretch with ops outstanding and no commit, ignoring start-up and idle time', () => {
    const events = [
      ev(0, 'invoke'),
      ev(500, 'ok'), // start-up: first commit at 500
      ev(600, 'invoke'),
      ev(610, 'ok'), // 10 µs: normal
      ev(2000, 'invoke'), // idle 610..2000: nobody waiting
      ev(2100, 'invoke'),
      ev(2500, 'fail'), // a failure does not end the stretch
      ev(2600, 'invoke'),
      ev(9000, 'ok'),
      ev(9000, 'ok'),
    ]
    const r = unavailableStretches(events, 10_000, 1000)
    expect(r.firstOkUs).toBe(500)
    expect(r.periods).toEqual([[2000, 9000]])
  })

  it('an outage that lasts to the end of the run is closed at the end; no ok at all is all unavailable', () => {
    expect(unavailableStretches([ev(0, 'invoke'), ev(5, 'ok'), ev(10, 'invoke')], 5000, 100).periods).toEqual(
      [[10, 5000]],
    )
    expect(unavailableStretches([ev(7, 'invoke'), ev(900, 'info')], 5000, 100)).toEqual({
      periods: [[7, 5000]],
      firstOkUs: null,
    })
  })

  it('rejects the broken reading: ops that keep committing are never an outage', () => {
    const events = []
    for (let t = 0; t < 100_000; t += 10) events.push(ev(t, 'invoke'), ev(t + 15, 'ok'))
    events.sort((a, b) => a.t - b.t || (a.phase === 'invoke' ? 1 : -1))
    expect(unavailableStretches(events, 100_000, 50).periods).toEqual([])
  })
})

describe('leaderlessPeriods', () => {
  const st = (t: number, node: string, role: string, term: number) =>
    ({ t, node, kind: 'state', role, term, leader: role === 'leader' ? node : null }) as const
  const nd = (t: number, node: string, action: string) => ({ t, node, kind: 'node', action }) as const

  it('start-up apart; a leader crash opens a period that the next leader closes', () => {
    const r = leaderlessPeriods(
      [
        st(100, 'n1', 'candidate', 1),
        st(120, 'n1', 'leader', 1),
        nd(1000, 'n1', 'crash'),
        st(1200, 'n2', 'pre-candidate', 1),
        st(1250, 'n2', 'candidate', 2),
        st(1300, 'n2', 'leader', 2),
      ],
      5000,
    )
    expect(r).toEqual({ firstLeaderUs: 120, periods: [[1000, 1300]] })
  })

  it('a stale leader report (lower term, or a node that is down) does not end an election', () => {
    const r = leaderlessPeriods(
      [
        st(0, 'n1', 'leader', 1),
        st(500, 'n2', 'candidate', 2),
        st(600, 'n1', 'leader', 1), // the old leader, partitioned, still thinks it leads
        nd(650, 'n3', 'crash'),
        st(700, 'n3', 'leader', 3), // down: cannot lead
        st(900, 'n2', 'leader', 2),
      ],
      5000,
    )
    expect(r.periods).toEqual([[500, 900]])
  })

  it('pre-vote alone is not an election; an election still open at the end runs to the end', () => {
    expect(
      leaderlessPeriods([st(0, 'n1', 'leader', 1), st(300, 'n3', 'pre-candidate', 1)], 1000).periods,
    ).toEqual([])
    expect(leaderlessPeriods([st(0, 'n1', 'leader', 1), st(300, 'n1', 'follower', 2)], 1000).periods).toEqual(
      [[300, 1000]],
    )
  })
})

describe('sweep progress (CLI)', () => {
  it('a pipe gets one plain line per finished run, never control codes', () => {
    const out: string[] = []
    const p = sweepProgress({ isTTY: false, write: (s: string) => out.push(s) }, 12)
    p.update(0.1, 'ignored on a pipe')
    p.runDone(3, 12, 'heartbeatTicks=2 seed 44', 'ok 354, p99 26.7 ms')
    p.stop()
    expect(out).toEqual(['sweep  3/12 heartbeatTicks=2 seed 44: ok 354, p99 26.7 ms\n'])
  })

  it('a terminal gets a bar redrawn in place with runs done and the run in progress', () => {
    const out: string[] = []
    const stream = {
      isTTY: true,
      columns: 120,
      write: (s: string) => out.push(s),
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
      on: () => stream,
    }
    const p = sweepProgress(stream, 4)
    p.runDone(2, 4, 'clients=16 seed 7', 'ok 10')
    p.stop()
    const text = out.join('')
    // Drawn with cursor control codes (redrawn in place), showing runs of the total.
    expect(text).toContain('\u001b[')
    expect(text).toMatch(/sweep \[.*\] \d+% \| \d\/4 runs/)
  })
})
