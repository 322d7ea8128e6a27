// Live fault injection in the simulator: deterministic (the same injections at the same run
// times give the same trace), effective (a crashed leader goes down and another is
// elected), and reproducible (a spec with the injected faults appended replays the run).
import { describe, expect, it } from 'vitest'
import { createSimulation, type Simulation } from '../src/core/sim'
import { WindowMeter } from '../src/core/engine/windows'
import { ExperimentSpecSchema, type ExperimentSpec, type FaultSpec } from '../src/shared/spec'
import type { FaultEvent, StateEvent, TraceEvent } from '../src/shared/trace'

function spec(faults: unknown[] = []): ExperimentSpec {
  return ExperimentSpecSchema.parse({
    name: 'live-sim',
    seed: 7,
    durationMs: 3000,
    cluster: { nodes: 3, tickMs: 10 },
    workload: { clients: 3, ratePerSec: 100, keys: 4 },
    faults,
  })
}

/** Run with the same schedule of live actions: [run time ms, action]. */
function runWith(
  s: ExperimentSpec,
  actions: Array<[number, (sim: Simulation) => void]>,
): { trace: TraceEvent[]; sim: Simulation } {
  const sim = createSimulation(s)
  for (const [at, act] of actions) {
    sim.runUntil(at)
    act(sim)
  }
  sim.runUntil(s.durationMs)
  return { trace: sim.trace(), sim }
}

const leaderAt = (sim: Simulation): string | undefined => sim.nodes().find((n) => n.role === 'leader')?.id

describe('simulator live fault injection', () => {
  it('a crash injected on the leader takes it down and another node is elected', () => {
    const s = spec()
    const sim = createSimulation(s)
    sim.runUntil(1000)
    const old = leaderAt(sim)
    expect(old).toBeDefined()
    const i = sim.injectFault!({ kind: 'crash', atMs: 0, target: 'leader' })
    expect(i).toBe(0) // no spec faults: the first live fault is index 0
    expect(sim.nodes().find((n) => n.id === old)?.role).toBe('down')
    sim.runUntil(2500)
    const now = leaderAt(sim)
    expect(now).toBeDefined()
    expect(now).not.toBe(old)
    const faults = sim.trace().filter((e): e is FaultEvent => e.kind === 'fault')
    expect(faults).toHaveLength(1)
    expect(faults[0]).toMatchObject({ phase: 'start', fault: 'crash', targets: [old], faultId: 0 })
    expect(faults[0].t).toBe(1000_001) // 1 µs after the injection point
    // Ending it restarts the node.
    sim.endFault!(i)
    expect(sim.nodes().find((n) => n.id === old)?.role).not.toBe('down')
    expect(sim.trace().filter((e) => e.kind === 'fault')).toHaveLength(2)
  })

  it('same injections at the same times give the same trace; different times a different one', () => {
    const crash: FaultSpec = { kind: 'crash', atMs: 0, target: 'leader' }
    const part: FaultSpec = { kind: 'partition', atMs: 0, shape: 'isolate', target: 'n2' }
    const plan = (t: number): Array<[number, (sim: Simulation) => void]> => [
      [t, (sim) => void sim.injectFault!(crash)],
      [1500, (sim) => void sim.injectFault!(part)],
      [2000, (sim) => sim.endFault!(1)],
      [2200, (sim) => sim.endFault!(0)],
    ]
    const a = runWith(spec(), plan(900)).trace
    const b = runWith(spec(), plan(900)).trace
    expect(a.length).toBeGreaterThan(1000)
    expect(b).toEqual(a)
    const c = runWith(spec(), plan(950)).trace
    expect(c).not.toEqual(a)
  })

  it('a spec with the injected faults appended (atMs and duration from the run) replays the trace', () => {
    const live = runWith(spec(), [
      [800, (sim) => void sim.injectFault!({ kind: 'crash', atMs: 0, target: 'leader' })],
      [1700, (sim) => sim.endFault!(0)],
    ]).trace
    const [start, end] = live.filter((e): e is FaultEvent => e.kind === 'fault')
    const replay = runWith(
      spec([
        { kind: 'crash', atMs: start.t / 1000, target: 'leader', restartAfterMs: (end.t - start.t) / 1000 },
      ]),
      [],
    ).trace
    // Same events; only the start detail says when the restart was planned.
    const plain = (t: TraceEvent[]): TraceEvent[] =>
      t.map((e) => (e.kind === 'fault' ? { ...e, detail: e.detail.replace(/ \(restart after .*\)/, '') } : e))
    expect(replay.length).toBe(live.length)
    expect(plain(replay)).toEqual(plain(live))
  })

  it('refuses a fault once the run is over', () => {
    const s = spec()
    const sim = createSimulation(s)
    sim.runUntil(s.durationMs)
    expect(() => sim.injectFault!({ kind: 'crash', atMs: 0, target: 'n1' })).toThrow(/over/)
  })

  it('counts messages by type per window, and reports the open window', () => {
    const s = spec()
    const sim = createSimulation(s)
    sim.runUntil(1500)
    const [w] = sim.takeWindows()
    expect(w.byType).toBeDefined()
    const byType = w.byType ?? {}
    expect(Object.values(byType).reduce((x, y) => x + y, 0)).toBe(w.messages)
    expect(Object.keys(byType)).toContain('AppendEntries')
    const cur = sim.currentWindow!()
    expect(cur).toMatchObject({ startMs: 1000, endMs: 1500 })
    expect(cur!.messages).toBeGreaterThan(0)
    // State events still flow: roles come from the protocol, not from the meter.
    expect(sim.trace().some((e): e is StateEvent => e.kind === 'state' && e.role === 'leader')).toBe(true)
  })

  it('WindowMeter: peek does not close; close resets byType', () => {
    const m = new WindowMeter()
    m.countMessage('A')
    m.countMessage('A')
    m.countMessage('B')
    expect(m.peek(500_000)).toMatchObject({ startMs: 0, endMs: 500, messages: 3, byType: { A: 2, B: 1 } })
    m.closeUpTo(1_000_000)
    const [w] = m.take()
    expect(w.byType).toEqual({ A: 2, B: 1 })
    m.countMessage('C')
    expect(m.peek(1_200_000).byType).toEqual({ C: 1 })
    m.closeUpTo(2_000_000)
    expect(m.take()[0].byType).toEqual({ C: 1 })
    m.closeUpTo(3_000_000)
    expect(m.take()[0].byType).toBeUndefined()
  })
})
