// Replay on real recorded simulator runs: the state of every node at an instant agrees with
// what the trace says (a crashed node is down, the leader after an election, the log tail
// and active faults), a re-run with the same seed diffs as identical, a run with one
// parameter changed reports its first divergence, and bad input names the field.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LabService } from '../src/main/lab/service'
import { explainDifference } from '../src/main/lab/replay'
import { LabError, type RunInfo } from '../src/shared/api'
import { defaultSpec, type ExperimentSpec } from '../src/shared/spec'
import type { LogEvent, StateEvent, TraceEvent } from '../src/shared/trace'

async function waitDone(service: LabService, runId: string): Promise<RunInfo> {
  for (;;) {
    const info = await service.getRun({ runId })
    if (info.status !== 'running') return info
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function record(service: LabService, spec: ExperimentSpec): Promise<RunInfo> {
  const started = await service.startRun({ spec, speed: 'max' })
  return waitDone(service, started.runId)
}

function crashSpec(seed: number, latencyMs = 1): ExperimentSpec {
  const s = defaultSpec()
  return {
    ...s,
    name: 'replay-crash',
    seed,
    durationMs: 3000,
    cluster: { ...s.cluster, nodes: 3 },
    network: { ...s.network, latencyMs },
    workload: { ...s.workload, clients: 2, ratePerSec: 50 },
    faults: [{ kind: 'crash', atMs: 1200, target: 'leader', restartAfterMs: 800 }],
  } as ExperimentSpec
}

async function fullTrace(service: LabService, runId: string): Promise<TraceEvent[]> {
  return service.getTrace({ runId, limit: 1_000_000 })
}

async function labError(p: Promise<unknown>): Promise<LabError> {
  try {
    await p
  } catch (e) {
    if (e instanceof LabError) return e
    throw e
  }
  throw new Error('expected a LabError')
}

describe('replay of recorded simulator runs', () => {
  let dataDir: string
  let service: LabService
  let run: RunInfo
  let rerun: RunInfo
  let changed: RunInfo
  let trace: TraceEvent[]

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ql-replay-test-'))
    service = new LabService({ bridge: 'browser', dataDir })
    run = await record(service, crashSpec(7))
    rerun = await waitDone(service, (await service.rerun({ runId: run.runId, speed: 'max' })).runId)
    changed = await record(service, crashSpec(7, 2))
    trace = await fullTrace(service, run.runId)
  }, 60_000)

  afterAll(() => {
    service?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it('trace info counts the events, messages, nodes and message types', async () => {
    const info = await service.getTraceInfo({ runId: run.runId })
    expect(info.events).toBe(trace.length)
    expect(info.messages).toBe(trace.filter((e) => e.kind === 'send').length)
    expect(info.firstUs).toBe(trace[0].t)
    expect(info.lastUs).toBe(trace[trace.length - 1].t)
    expect(info.nodes).toEqual(['n1', 'n2', 'n3'])
    const types = new Set(trace.flatMap((e) => (e.kind === 'send' ? [e.type] : [])))
    expect(info.messageTypes).toEqual([...types].sort())
  })

  it('a crashed node is down until it restarts, and the fault is active meanwhile', async () => {
    const crash = trace.find((e) => e.kind === 'node' && e.action === 'crash')
    const restart = trace.find((e) => e.kind === 'node' && e.action === 'restart')
    expect(crash).toBeDefined()
    expect(restart).toBeDefined()
    const victim = crash!.node!
    const before = await service.getReplayState({ runId: run.runId, atUs: crash!.t - 1 })
    expect(before.nodes.find((n) => n.id === victim)?.up).toBe(true)
    expect(before.nodes.find((n) => n.id === victim)?.role).toBe('leader')
    expect(before.faults).toEqual([])
    const during = await service.getReplayState({ runId: run.runId, atUs: crash!.t + 1 })
    const down = during.nodes.find((n) => n.id === victim)!
    expect(down.up).toBe(false)
    expect(down.role).toBe('down')
    expect(during.faults).toHaveLength(1)
    expect(during.faults[0].description).toContain(victim)
    const after = await service.getReplayState({ runId: run.runId, atUs: restart!.t })
    expect(after.nodes.find((n) => n.id === victim)?.up).toBe(true)
  })

  it('every node shows the role, term and commit index of its last state event at each instant', async () => {
    const states = trace.filter((e): e is StateEvent => e.kind === 'state')
    // A few instants spread over the run, including leader changes.
    const leaderChanges = states.filter((e) => e.role === 'leader')
    expect(leaderChanges.length).toBeGreaterThanOrEqual(2) // the first leader and the one after the crash
    const instants = [
      ...leaderChanges.map((e) => e.t),
      states[Math.floor(states.length / 2)].t,
      trace.at(-1)!.t,
    ]
    for (const at of instants) {
      const st = await service.getReplayState({ runId: run.runId, atUs: at })
      const crashedNow = new Set<string>()
      for (const e of trace) {
        if (e.t > at) break
        if (e.kind === 'node' && e.action === 'crash') crashedNow.add(e.node!)
        if (e.kind === 'node' && e.action === 'restart') crashedNow.delete(e.node!)
      }
      for (const n of st.nodes) {
        const last = states.filter((e) => e.node === n.id && e.t <= at).at(-1)
        if (crashedNow.has(n.id)) {
          expect(n.role).toBe('down')
          continue
        }
        expect(n.role).toBe(last?.role ?? 'follower')
        expect(n.term).toBe(last?.term ?? 0)
        expect(n.commitIndex).toBe(last?.commitIndex ?? 0)
      }
    }
    // At a leader change, that node is leader in the replayed state.
    const lc = leaderChanges.at(-1)!
    const st = await service.getReplayState({ runId: run.runId, atUs: lc.t })
    expect(st.nodes.find((n) => n.id === lc.node)?.role).toBe('leader')
  })

  it('the log tail is the log rebuilt by applying every log event up to the instant', async () => {
    const at = trace[Math.floor(trace.length * 0.8)].t
    const st = await service.getReplayState({ runId: run.runId, atUs: at, logTail: 5 })
    for (const n of st.nodes) {
      const log: Array<{ term: number; id: string }> = []
      for (const e of trace) {
        if (e.t > at) break
        if (e.kind !== 'log' || e.node !== n.id) continue
        const l = e as LogEvent
        if (l.action === 'truncate') log.length = Math.min(log.length, l.index - 1)
        else l.entries.forEach((x, k) => (log[l.index - 1 + k] = x))
      }
      const want = log.map((x, i) => ({ index: i + 1, term: x.term, id: x.id })).slice(-5)
      expect(n.log).toEqual(want)
      expect(n.lastIndex).toBe(log.length)
      const applied = trace.filter((e) => e.kind === 'apply' && e.node === n.id && e.t <= at).at(-1)
      expect(n.applied).toBe(applied && applied.kind === 'apply' ? applied.index : 0)
    }
    expect(st.nodes.some((n) => n.log.length === 5)).toBe(true)
  })

  it('a re-run with the same seed is identical; one parameter changed gives the first divergence', async () => {
    const same = await service.diffRuns({ a: run.runId, b: rerun.runId })
    expect(same.identical).toBe(true)
    expect(same.first).toBeNull()
    expect(same.compared).toBe(trace.length)

    const diff = await service.diffRuns({ a: run.runId, b: changed.runId })
    expect(diff.identical).toBe(false)
    const first = diff.first!
    expect(first.a).not.toBeNull()
    expect(first.b).not.toBeNull()
    // Everything before the reported position is equal, event for event.
    const other = await fullTrace(service, changed.runId)
    for (let i = 0; i < first.position; i++) expect(other[i]).toEqual(trace[i])
    expect(other[first.position]).toEqual(first.b)
    expect(trace[first.position]).toEqual(first.a)
    expect(first.reason).toMatch(/ vs /)
    expect(first.tUs).toBe(Math.min(first.a!.t, first.b!.t))
  })

  it('explains the first differing field in one line', () => {
    const base: StateEvent = {
      kind: 'state',
      t: 10,
      node: 'n2',
      lc: 3,
      role: 'leader',
      term: 2,
      leader: 'n2',
      commitIndex: 4,
      lastIndex: 4,
    }
    expect(explainDifference(base, { ...base, role: 'follower' }, true)).toBe(
      'node n2: state.role "leader" vs "follower"',
    )
    expect(explainDifference(base, { ...base, t: 11 }, true)).toBe('node n2: state.t 10 vs 11')
    expect(explainDifference(base, { ...base, t: 11 }, false)).toBeNull()
    expect(explainDifference(base, { ...base, node: 'n3' }, true)).toBe('state on node n2 vs n3')
  })

  it('unknown runs are not_found errors naming the field', async () => {
    let e = await labError(service.getTraceInfo({ runId: 'nope' }))
    expect(e.code).toBe('not_found')
    expect(e.fields?.[0]?.path).toBe('runId')
    e = await labError(service.getReplayState({ runId: 'nope', atUs: 0 }))
    expect(e.code).toBe('not_found')
    expect(e.fields?.[0]?.path).toBe('runId')
    e = await labError(service.diffRuns({ a: run.runId, b: 'nope' }))
    expect(e.code).toBe('not_found')
    expect(e.fields?.[0]?.path).toBe('b')
    e = await labError(service.diffRuns({ a: 'nope', b: run.runId }))
    expect(e.fields?.[0]?.path).toBe('a')
  })
})
