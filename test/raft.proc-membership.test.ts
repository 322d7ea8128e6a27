// Raft membership changes with real processes (issue 15; Ongaro's thesis chapter 4, §5.3):
// three voters over TCP, cluster.maxNodes 4. A membership fault adds n4: the lab forks a new
// node process, which joins as a learner and, because the others have compacted their logs,
// catches up through a chunked InstallSnapshot; a second fault promotes it. Then the leader
// is removed live (the UI's "remove node" action on the ring): it steps down, another voter
// leads. Finally n4 is SIGKILLed and restarts from its own snapshot plus log tail. Every
// check passes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { driveProcessRun, type ProcessRun } from '../src/main/lab/processes'
import type { RunSummary } from '../src/shared/api'
import type { ConfigEvent, FaultEvent, SnapshotEvent, TraceEvent } from '../src/shared/trace'
import { ofKind, startRun, tempDir, until } from './proc.helpers'

const tmp = tempDir('ql-proc-member-')
let run: ProcessRun
let trace: TraceEvent[]
let summary: RunSummary
let removed = ''
let removeFault = -1
const CRASH_AT = 5000

beforeAll(async () => {
  run = await startRun(
    {
      name: 'proc-raft-membership',
      algorithm: { kind: 'raft', params: { snapshotEveryEntries: 40, snapshotChunkBytes: 256 } },
      cluster: { nodes: 3, maxNodes: 4, tickMs: 10 },
      durationMs: 8000,
      seed: 21,
      workload: { clients: 4, ratePerSec: 300, keys: 40, timeoutMs: 1000 },
      network: { latencyMs: 1, jitterMs: 0.5 },
      faults: [
        { atMs: 1500, kind: 'membership', action: 'add', target: 'n4' },
        { atMs: 2500, kind: 'membership', action: 'promote', target: 'n4' },
        { atMs: CRASH_AT, kind: 'crash', target: 'n4', restartAfterMs: 1000 },
      ],
    },
    { dataDir: tmp.dir },
  )
  const ended = new Promise<void>((resolve) => driveProcessRun(run, { onEnd: () => resolve() }))
  // At 3.5 s: remove whoever leads (a live action, as the ring's "remove node" sends it).
  await until(() => run.nowMs() >= 3500, 'run time 3.5 s', 30_000)
  await until(() => run.nodes().some((n) => n.role === 'leader'), 'a leader', 10_000)
  removed = run.nodes().find((n) => n.role === 'leader')!.id
  removeFault = run.injectFault({ kind: 'membership', action: 'remove', target: removed, atMs: 0 })
  await ended
  trace = run.trace()
  summary = run.summary(0)
}, 120_000)

afterAll(() => tmp.cleanup())

const faultEnd = (i: number): FaultEvent | undefined =>
  ofKind.fault(trace).find((e) => e.faultId === i && e.phase === 'end')
const snaps = (node: string): SnapshotEvent[] =>
  trace.filter((e): e is SnapshotEvent => e.kind === 'snapshot' && e.node === node)

describe('Raft membership changes in processes mode (thesis chapter 4)', () => {
  it('§4.1/§4.2.1: adding n4 forks its process; it joins as a learner and catches up by InstallSnapshot', () => {
    expect(ofKind.fault(trace).find((e) => e.faultId === 0 && e.phase === 'start')?.detail).toMatch(
      /^add n4 as a learner \(asked of leader n[123], n4 started\)$/,
    )
    expect(faultEnd(0)?.detail).toMatch(/^add n4: done/)
    expect(trace.some((e) => e.node === 'n4' && e.t < 1_500_000)).toBe(false)
    const install = snaps('n4').find((e) => e.action === 'install')
    expect(install).toBeDefined()
    expect(install!.index).toBeGreaterThan(40)
    expect(faultEnd(1)?.detail).toMatch(/^promote n4: done/)
  })

  it('§4.2.3: the removed leader steps down once C_new commits and another voter leads', () => {
    expect(removed).toMatch(/^n[1-4]$/)
    expect(faultEnd(removeFault)?.detail).toMatch(new RegExp(`^remove ${removed}: done`))
    const end = faultEnd(removeFault)!.t
    const cfg = trace.filter(
      (e): e is ConfigEvent => e.kind === 'config' && e.t >= end - 1_000_000 && e.node !== removed,
    )
    expect(cfg.at(-1)!.voters).not.toContain(removed)
    const leaders = ofKind.state(trace).filter((e) => e.role === 'leader' && e.t > end)
    expect(leaders.length).toBeGreaterThan(0)
    expect(leaders.every((e) => e.node !== removed)).toBe(true)
    const okAfter = ofKind.op(trace).filter((e) => e.phase === 'ok' && e.t > end + 500_000)
    expect(okAfter.length).toBeGreaterThan(100)
  })

  it('§5.1/§5.3: n4, killed, restarts from its snapshot plus log tail', () => {
    const restart = ofKind.node(trace).find((e) => e.node === 'n4' && e.action === 'restart')
    expect(restart).toBeDefined()
    const restored = snaps('n4').find((e) => e.action === 'restore' && e.t >= restart!.t)
    expect(restored).toBeDefined()
    const applied = trace.filter((e) => e.kind === 'apply' && e.node === 'n4' && e.t > restart!.t)
    expect(applied.length).toBeGreaterThan(10)
  })

  it('the run summary lists each operation with its unavailability (ms)', () => {
    const ops = summary.clusterOps!
    expect(ops.map((o) => [o.fault, o.what, o.outcome])).toEqual([
      [0, 'add n4', 'done'],
      [1, 'promote n4', 'done'],
      [removeFault, `remove ${removed}`, 'done'],
    ])
    for (const o of ops) {
      console.log(
        `processes, 300 ops/s: ${o.what} ${o.outcome} in ${(o.endMs - o.startMs).toFixed(1)} ms, unavailable ${o.unavailableMs!.toFixed(1)} ms`,
      )
      expect(o.endMs).toBeGreaterThanOrEqual(o.startMs)
      expect(o.unavailableMs!).toBeLessThanOrEqual(o.endMs - o.startMs + 0.001)
    }
  })

  it('the run passes every check (per configuration), with no acknowledged write lost', () => {
    expect(summary.ops.ok).toBeGreaterThan(500)
    for (const c of summary.checks)
      expect(c, `${c.name}: ${c.details.join('; ')}`).toMatchObject({ ok: true })
    expect(summary.verdict).toBe('ok')
  })
})
