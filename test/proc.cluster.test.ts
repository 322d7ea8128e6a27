// A 5-node Raft cluster as real processes over real TCP through the lab's proxy: it elects a
// leader, commits a client workload, survives a leader crash (SIGKILL + restart from the WAL)
// and a majorities-ring partition, and its trace passes the Raft checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { driveProcessRun, type ProcessRun } from '../src/main/lab/processes'
import type { MetricsWindow, RunSummary } from '../src/shared/api'
import type { TraceEvent } from '../src/shared/trace'
import { logLength, ofKind, startRun, tempDir } from './proc.helpers'

const tmp = tempDir('ql-cluster-')
let run: ProcessRun
let trace: TraceEvent[]
let summary: RunSummary
const logs: string[] = []
const progress: Array<{ tMs: number; roles: string[] }> = []
const windows: MetricsWindow[] = []
let ended = ''

const CRASH_AT = 2500
const RESTART_AFTER = 1500
const PART_AT = 5000
const PART_FOR = 2000
const DURATION = 9000

beforeAll(async () => {
  run = await startRun(
    {
      name: 'proc-5',
      cluster: { nodes: 5, tickMs: 10 },
      durationMs: DURATION,
      seed: 7,
      workload: { clients: 4, ratePerSec: 200, keys: 5, timeoutMs: 1000 },
      network: { latencyMs: 1, jitterMs: 0.5 },
      faults: [
        { atMs: CRASH_AT, kind: 'crash', target: 'leader', restartAfterMs: RESTART_AFTER },
        { atMs: PART_AT, forMs: PART_FOR, kind: 'partition', shape: 'majorities-ring' },
      ],
    },
    { dataDir: tmp.dir, onLog: (l) => logs.push(l) },
  )
  // Drive it as the lab service would: progress callbacks with live nodes and metric windows.
  await new Promise<void>((resolve) => {
    driveProcessRun(run, {
      progressEveryMs: 200,
      onProgress: (r) => {
        progress.push({ tMs: r.nowMs(), roles: r.nodes().map((n) => n.role) })
        windows.push(...r.takeWindows())
      },
      onEnd: (end) => {
        ended = end.status
        resolve()
      },
    })
  })
  trace = run.trace()
  summary = run.summary(0)
}, 120_000)

afterAll(() => tmp.cleanup())

describe('a 5-node Raft cluster in processes mode', () => {
  it('elects a leader and commits the workload; the safety checks pass', () => {
    const leaders = ofKind.state(trace).filter((e) => e.role === 'leader')
    expect(leaders.length).toBeGreaterThan(0)
    expect(leaders[0].t).toBeLessThan(CRASH_AT * 1000)
    expect(summary.ops.ok).toBeGreaterThan(200)
    for (const c of summary.checks)
      expect(c, `${c.name}: ${c.details.join('; ')}`).toMatchObject({ ok: true })
    expect(summary.verdict).toBe('ok')
    expect(run.done()).toBe(true)
  })

  it('produces the same event kinds as the simulator, in time order, with clocks', () => {
    const kinds = new Set(trace.map((e) => e.kind))
    for (const k of ['send', 'deliver', 'state', 'log', 'apply', 'op', 'fault', 'node'])
      expect(kinds).toContain(k)
    let disorder = 0
    for (let i = 1; i < trace.length; i++) if (trace[i].t < trace[i - 1].t) disorder++
    expect(disorder).toBeLessThanOrEqual(run.lateEvents())
    // Every delivery matches a send of the same message id, later, with a merged vector clock.
    const sends = new Map(ofKind.send(trace).map((e) => [e.msgId, e]))
    const delivers = ofKind.deliver(trace)
    expect(delivers.length).toBeGreaterThan(1000)
    const bad: string[] = []
    for (const d of delivers) {
      const s = sends.get(d.msgId)
      if (s === undefined) {
        bad.push(`no send for delivered message ${d.msgId}`)
        continue
      }
      if (s.from !== d.from || s.to !== d.to || s.type !== d.type)
        bad.push(`message ${d.msgId}: send/deliver disagree`)
      if (d.t < s.t || d.lc <= s.lc) bad.push(`message ${d.msgId}: delivered before it was sent`)
      if (d.vc.length !== 5 || s.vc.some((v, i) => d.vc[i] < v))
        bad.push(`message ${d.msgId}: vector clock not merged`)
      if (s.summary.length === 0) bad.push(`message ${d.msgId}: no summary`)
    }
    expect(bad.length, bad.slice(0, 5).join('; ')).toBe(0)
    // Op history: every invoke has exactly one completion.
    const ops = ofKind.op(trace)
    const invokes = ops.filter((o) => o.phase === 'invoke').length
    expect(ops.length - invokes).toBe(invokes)
  })

  it('crashes the leader, elects another, and the restarted node recovers its log from the WAL', () => {
    const crashFault = ofKind.fault(trace).find((f) => f.fault === 'crash' && f.phase === 'start')
    expect(crashFault).toBeDefined()
    const victim = crashFault!.targets[0]
    const crashUs = crashFault!.t
    // It was the leader when it was killed.
    const before = ofKind.state(trace).filter((e) => e.node === victim && e.t < crashUs)
    expect(before[before.length - 1].role).toBe('leader')
    const oldTerm = before[before.length - 1].term
    const crash = ofKind.node(trace).find((e) => e.node === victim && e.action === 'crash')
    const restart = ofKind.node(trace).find((e) => e.node === victim && e.action === 'restart')
    expect(crash && restart).toBeTruthy()
    expect(restart!.t - crash!.t).toBeGreaterThanOrEqual(RESTART_AFTER * 1000)
    // Someone else led a later term while it was down.
    const next = ofKind.state(trace).find((e) => e.role === 'leader' && e.term > oldTerm && e.t > crashUs)
    expect(next).toBeDefined()
    expect(next!.node).not.toBe(victim)
    // Its log after restart (re-emitted from the WAL) is at least as long as before the crash.
    const lenBefore = logLength(trace, victim, crash!.t)
    const recovered = ofKind
      .log(trace)
      .find((e) => e.node === victim && e.t >= restart!.t && e.action === 'truncate')
    expect(lenBefore).toBeGreaterThan(0)
    expect(recovered!.index - 1).toBeGreaterThanOrEqual(lenBefore)
    const end = ofKind.fault(trace).find((f) => f.fault === 'crash' && f.phase === 'end')
    expect(end!.detail).toMatch(/recovered \d+ WAL records, last index \d+/)
    // And it catches up: it applies entries again after the restart.
    expect(trace.some((e) => e.kind === 'apply' && e.node === victim && e.t > restart!.t)).toBe(true)
  })

  it('a majorities-ring partition cuts exactly its links and the cluster keeps committing', () => {
    const start = ofKind.fault(trace).find((f) => f.fault === 'partition' && f.phase === 'start')!
    const end = ofKind.fault(trace).find((f) => f.fault === 'partition' && f.phase === 'end')!
    const ring = /majorities-ring ((?:n\d-?)+)/.exec(start.detail)![1].split('-')
    const cut = new Set<string>()
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++) {
        const dist = Math.abs(i - j)
        if (i !== j && Math.min(dist, 5 - dist) > 1) cut.add(`${ring[i]}->${ring[j]}`)
      }
    expect(cut.size).toBe(10)
    const inside = (t: number): boolean => t > start.t + 50_000 && t < end.t
    const during = ofKind.deliver(trace).filter((e) => inside(e.t))
    expect(during.length).toBeGreaterThan(0)
    for (const d of during)
      expect(cut.has(`${d.from}->${d.to}`), `${d.from}->${d.to} delivered during the cut`).toBe(false)
    const partDrops = trace.filter((e) => e.kind === 'drop' && e.reason === 'partition' && inside(e.t))
    expect(partDrops.length).toBeGreaterThan(0)
    // Ops still commit after it heals.
    const okAfter = ofKind.op(trace).filter((o) => o.phase === 'ok' && o.t > end.t + 500_000)
    expect(okAfter.length).toBeGreaterThan(10)
  })

  it('reports progress: live node roles, time, and metric windows that add up to the summary', () => {
    expect(ended).toBe('done')
    expect(progress.length).toBeGreaterThan(20)
    expect(progress.some((p) => p.roles.includes('leader'))).toBe(true)
    expect(progress.some((p) => p.roles.includes('down'))).toBe(true) // the crashed leader
    for (let i = 1; i < progress.length; i++)
      expect(progress[i].tMs).toBeGreaterThanOrEqual(progress[i - 1].tMs)
    // The end timer may fire a moment late: the run ends at durationMs or just after it.
    const endMs = progress[progress.length - 1].tMs
    expect(endMs).toBeGreaterThanOrEqual(DURATION)
    expect(endMs).toBeLessThan(DURATION + 1000)
    expect(ofKind.op(trace).filter((o) => o.phase === 'invoke' && o.t >= DURATION * 1000)).toEqual([])
    expect(windows.length).toBe(Math.ceil(DURATION / 1000))
    expect(windows.reduce((a, w) => a + w.ok, 0)).toBe(summary.ops.ok)
    expect(windows.reduce((a, w) => a + w.messages, 0)).toBe(summary.messages.sent)
  })

  it('leaves no process behind', () => {
    const pids = run.pids()
    for (const pid of [pids.proxy, ...pids.nodes]) {
      if (pid === null) continue
      expect(() => process.kill(pid, 0)).toThrow()
    }
  })
})
