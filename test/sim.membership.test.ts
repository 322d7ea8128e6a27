// Membership changes and leadership transfer as fault-timeline events, run by the engine in
// the simulator under client load (Ongaro's thesis: §4.1 single-server changes, §4.2.2
// learners caught up before they vote, §4.3 joint consensus, §3.10 leadership transfer). The
// engine asks the current leader, starts a node that never ran on `add`, and records each
// operation as a fault whose end says whether (and when) it took effect.
import { describe, expect, it } from 'vitest'
import { createSimulation } from '../src/core/sim'
import { factoryFor } from '../src/core/protocols'
import {
  ALGORITHMS,
  ALGORITHM_INFO,
  ExperimentSpecSchema,
  parseLiveFault,
  parseSpec,
  type AlgorithmInfo,
  type ExperimentSpecInput,
} from '../src/shared/spec'
import type { ConfigEvent, FaultEvent, LogEvent, StateEvent, TraceEvent } from '../src/shared/trace'

function run(input: ExperimentSpecInput) {
  const spec = ExperimentSpecSchema.parse({
    durationMs: 6000,
    workload: { clients: 16, ratePerSec: 800, keys: 20 },
    ...input,
  })
  const sim = createSimulation(spec)
  sim.runUntil(spec.durationMs)
  const trace = sim.trace()
  return { sim, trace, summary: sim.summary(0) }
}

const faults = (trace: TraceEvent[]) => trace.filter((e): e is FaultEvent => e.kind === 'fault')
const configs = (trace: TraceEvent[]) => trace.filter((e): e is ConfigEvent => e.kind === 'config')
const startOf = (trace: TraceEvent[], i: number) =>
  faults(trace).find((e) => e.faultId === i && e.phase === 'start')!
const endOf = (trace: TraceEvent[], i: number) =>
  faults(trace).find((e) => e.faultId === i && e.phase === 'end')!

/** Every check passed (Raft's per-configuration safety checks, no lost write, linearizability). */
function expectSafe(summary: ReturnType<typeof run>['summary']) {
  for (const c of summary.checks)
    expect({ name: c.name, ok: c.ok, details: c.details }).toMatchObject({ ok: true })
  expect(summary.checks.map((c) => c.name)).toContain('No acknowledged write lost')
}

describe('membership and transfer faults (engine, simulator)', () => {
  it('§4.1 single-server add under load: n4 starts, joins as a learner, is promoted; no committed write lost; unavailability measured', () => {
    const { sim, trace, summary } = run({
      cluster: { nodes: 3, maxNodes: 4 },
      faults: [
        { kind: 'membership', action: 'add', target: 'n4', atMs: 2000 },
        { kind: 'membership', action: 'promote', target: 'n4', atMs: 3000 },
      ],
    })
    expect(startOf(trace, 0).detail).toMatch(/^add n4 as a learner \(asked of leader n\d, n4 started\)$/)
    expect(endOf(trace, 0).detail).toMatch(/^add n4: done \(configuration entry \d+ committed/)
    expect(endOf(trace, 1).detail).toMatch(/^promote n4: done/)
    // n4 ran nothing before the add, and works with the new configuration after.
    expect(trace.some((e) => e.node === 'n4' && e.t < 2_000_000)).toBe(false)
    const last = configs(trace)
      .filter((e) => e.node === 'n4')
      .at(-1)!
    expect(last.voters).toEqual(['n1', 'n2', 'n3', 'n4'])
    const n4 = sim.nodes().find((n) => n.id === 'n4')!
    expect(n4.absent).toBeUndefined()
    expect(n4.commitIndex).toBeGreaterThan(1000)
    expectSafe(summary)
    // Availability: the summary gives each operation's longest stretch without an ok op.
    const ops = summary.clusterOps!
    expect(ops.map((o) => [o.fault, o.what, o.outcome])).toEqual([
      [0, 'add n4', 'done'],
      [1, 'promote n4', 'done'],
    ])
    expect(ops[0].startMs).toBe(startOf(trace, 0).t / 1000)
    expect(ops[0].endMs).toBe(endOf(trace, 0).t / 1000)
    for (const o of ops) {
      console.log(
        `§4.1 ${o.what} under 800 ops/s: ${o.outcome} in ${(o.endMs - o.startMs).toFixed(3)} ms, unavailable ${o.unavailableMs} ms`,
      )
      expect(o.unavailableMs!).toBeGreaterThan(0)
      expect(o.unavailableMs!).toBeLessThan(100)
    }
    expect(summary.ops.ok).toBeGreaterThan(3000)
  })

  it('§4.2.2 a learner is promoted only once it has caught up (promote asked together with the add waits)', () => {
    const { trace, summary } = run({
      cluster: { nodes: 3, maxNodes: 4 },
      faults: [
        { kind: 'membership', action: 'add', target: 'n4', atMs: 3000 },
        { kind: 'membership', action: 'promote', target: 'n4', atMs: 3000 },
      ],
    })
    const cfgs = configs(trace)
    const promoted = cfgs.find((e) => e.voters.includes('n4'))!
    const leader = promoted.node
    // n4 was a learner (not a voter) first.
    expect(cfgs.some((e) => e.learners.includes('n4') && e.t < promoted.t)).toBe(true)
    // When the leader appended the promotion, n4 already held everything the leader had committed.
    const commit = trace
      .filter((e): e is StateEvent => e.kind === 'state' && e.node === leader && e.t <= promoted.t)
      .at(-1)!.commitIndex
    const n4Has = Math.max(
      ...trace
        .filter(
          (e): e is LogEvent =>
            e.kind === 'log' && e.node === 'n4' && e.action === 'append' && e.t <= promoted.t,
        )
        .map((e) => e.index + e.entries.length - 1),
    )
    expect(commit).toBeGreaterThan(500)
    expect(n4Has).toBeGreaterThanOrEqual(commit)
    expect(promoted.t).toBeGreaterThan(3_000_000)
    expect(endOf(trace, 1).detail).toMatch(/^promote n4: done/)
    expectSafe(summary)
  })

  it('§4.3 joint consensus: a change of voters goes through C_old,new then C_new', () => {
    const { trace, summary } = run({
      algorithm: { kind: 'raft', params: { membership: 'joint' } },
      cluster: { nodes: 3, maxNodes: 5 },
      faults: [
        { kind: 'membership', action: 'add', target: 'n4', atMs: 1000 },
        { kind: 'membership', action: 'add', target: 'n5', atMs: 1000 },
        { kind: 'membership', action: 'promote', target: 'n4', atMs: 2500 },
        { kind: 'membership', action: 'remove', target: 'n1', atMs: 4000 },
      ],
    })
    const cfgs = configs(trace)
    const joint = cfgs.filter((e) => e.oldVoters !== undefined)
    expect(joint.length).toBeGreaterThan(0)
    expect(joint[0]).toMatchObject({ oldVoters: ['n1', 'n2', 'n3'], voters: ['n1', 'n2', 'n3', 'n4'] })
    // Each joint configuration is followed by its C_new on the same node.
    const final = cfgs.filter((e) => e.node === 'n4').at(-1)!
    expect(final.oldVoters).toBeUndefined()
    expect(final.voters).toEqual(['n2', 'n3', 'n4'])
    expect(final.learners).toEqual(['n5'])
    for (const i of [0, 1, 2, 3]) expect(endOf(trace, i).detail).toMatch(/: done \(/)
    expectSafe(summary)
  })

  it('§4.2.3 removing the leader (a live action): it steps down once C_new commits, another voter leads, no write lost', () => {
    const spec = ExperimentSpecSchema.parse({
      durationMs: 6000,
      workload: { clients: 16, ratePerSec: 800, keys: 20 },
    })
    const sim = createSimulation(spec)
    sim.runUntil(2000)
    const old = sim.nodes().find((n) => n.role === 'leader')!.id
    const i = sim.injectFault({ kind: 'membership', action: 'remove', target: old, atMs: 0 })
    sim.runUntil(spec.durationMs)
    const trace = sim.trace()
    expect(endOf(trace, i).detail).toMatch(new RegExp(`^remove ${old}: done`))
    const nodes = sim.nodes()
    const now = nodes.find((n) => n.role === 'leader')!
    expect(now.id).not.toBe(old)
    expect(now.config?.voters).not.toContain(old)
    // The removed node is left running, outside the configuration: it leads nothing.
    expect(nodes.find((n) => n.id === old)!.role).not.toBe('leader')
    const after = trace.filter(
      (e) => e.kind === 'op' && e.phase === 'ok' && e.t > endOf(trace, i).t + 1_000_000,
    )
    expect(after.length).toBeGreaterThan(500)
    expectSafe(sim.summary(0))
  })

  it('§3.10 leadership transfer under load: the target leads the next term', () => {
    const { trace, summary } = run({
      faults: [{ kind: 'transfer-leadership', target: 'n3', atMs: 2000 }],
    })
    const start = startOf(trace, 0)
    expect(start.detail).toMatch(
      /^transfer leadership to n3 \(asked of leader n\d\)$|^transfer leadership to n3: n3 already leads$/,
    )
    expect(endOf(trace, 0).detail).toMatch(
      /^transfer leadership to n3: (done \(n3 leads term \d+\)|n3 already leads)$/,
    )
    const leaders = trace.filter(
      (e): e is StateEvent => e.kind === 'state' && e.role === 'leader' && e.t > start.t,
    )
    expect(leaders[0]?.node ?? 'n3').toBe('n3')
    expectSafe(summary)
  })

  it('§3.10 a transfer to a node that cannot catch up is given up: the leader serves again', () => {
    const { sim, trace, summary } = run({
      durationMs: 8000,
      algorithm: { kind: 'raft', params: { transferTimeoutTicks: 50 } },
      faults: [
        { kind: 'partition', shape: 'isolate', target: 'n3', atMs: 1000, forMs: 5000 },
        { kind: 'transfer-leadership', target: 'n3', atMs: 2000 },
      ],
    })
    const start = startOf(trace, 1)
    const leader = /asked of leader (n\d)/.exec(start.detail)![1]
    expect(leader).not.toBe('n3')
    // The transfer timeout is 50 ticks (500 ms): after it the leader takes requests again.
    const okAfter = trace.filter(
      (e) => e.kind === 'op' && e.phase === 'ok' && e.t > start.t + 600_000 && e.t < 6_000_000,
    )
    expect(okAfter.length).toBeGreaterThan(1000)
    expect(sim.nodes().find((n) => n.id === leader)!.role).toBe('leader')
    expect(endOf(trace, 1).detail).toBe(
      'transfer leadership to n3: not done within 2000 ms (n3 did not take over)',
    )
    // The leader turned clients away until it gave the transfer up (500 ms).
    const op = summary.clusterOps!.find((o) => o.fault === 1)!
    expect(op).toMatchObject({ what: 'transfer leadership to n3', outcome: 'not done' })
    expect(op.endMs - op.startMs).toBe(2000)
    expect(op.unavailableMs!).toBeGreaterThan(400)
    expect(op.unavailableMs!).toBeLessThan(1000)
    expectSafe(summary)
  })

  it('an operation due while there is no leader waits for one', () => {
    const { trace } = run({
      cluster: { nodes: 3, maxNodes: 4 },
      faults: [{ kind: 'membership', action: 'add', target: 'n4', atMs: 10 }],
    })
    expect(startOf(trace, 0).detail).toMatch(
      /^add n4 as a learner \(asked of leader n\d after \d+ ms without a leader, n4 started\)$/,
    )
    expect(startOf(trace, 0).t).toBeGreaterThan(10_000)
  })

  it('without client load, unavailability is not measured (null)', () => {
    const { summary } = run({
      workload: { clients: 0 },
      cluster: { nodes: 3, maxNodes: 4 },
      faults: [{ kind: 'membership', action: 'add', target: 'n4', atMs: 1000 }],
    })
    expect(summary.clusterOps).toEqual([
      expect.objectContaining({ what: 'add n4', outcome: 'done', unavailableMs: null }),
    ])
  })
})

describe('membership and transfer faults in the spec', () => {
  const errors = (input: unknown) => {
    const r = parseSpec(input)
    return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`)
  }

  it('cluster.maxNodes is optional, bounded, and at least cluster.nodes', () => {
    expect(ExperimentSpecSchema.parse({}).cluster).not.toHaveProperty('maxNodes')
    expect(errors({ cluster: { nodes: 5, maxNodes: 3 } })).toEqual([
      'cluster.maxNodes: must be >= cluster.nodes (5): it counts every node that may exist, the initial ones too',
    ])
    expect(errors({ cluster: { maxNodes: 16 } })).toEqual([
      'cluster.maxNodes: must be between 1 and 15 nodes',
    ])
    expect(errors({ cluster: { maxNodes: 2.5 } })).toEqual([
      'cluster.maxNodes: must be between 1 and 15 nodes (a whole number), got 2.5',
    ])
  })

  it('a membership fault names a node within cluster.maxNodes and a known action', () => {
    expect(errors({ faults: [{ kind: 'membership', action: 'add', target: 'n6', atMs: 1 }] })).toEqual([
      'faults[0].target: node n6 does not exist (cluster has n1..n5; raise cluster.maxNodes for more)',
    ])
    expect(
      errors({
        cluster: { maxNodes: 6 },
        faults: [{ kind: 'membership', action: 'add', target: 'n6', atMs: 1 }],
      }),
    ).toEqual([])
    expect(errors({ faults: [{ kind: 'membership', action: 'join', target: 'n2', atMs: 1 }] })).toEqual([
      'faults[0].action: must be one of: "add", "remove", "promote", got "join"',
    ])
    expect(errors({ faults: [{ kind: 'transfer-leadership', target: 'leader', atMs: 1 }] })).toEqual([
      'faults[0].target: must be a node id like n1',
    ])
  })

  it("each algorithm's info lists the cluster operations its protocol factory takes", () => {
    for (const kind of ALGORITHMS)
      expect([kind, (ALGORITHM_INFO[kind] as AlgorithmInfo).admin ?? []]).toEqual([
        kind,
        factoryFor({ kind }).admin ?? [],
      ])
  })

  it('algorithms without cluster operations refuse these fault kinds, naming the field', () => {
    expect(
      errors({
        algorithm: { kind: 'paxos' },
        faults: [{ kind: 'transfer-leadership', target: 'n2', atMs: 1 }],
      }),
    ).toEqual([
      'faults[0].kind: Paxos has no transfer-leadership operation (fault kind transfer-leadership is for raft only)',
    ])
    const live = parseLiveFault({ kind: 'membership', action: 'remove', target: 'n2' }, 5, 'pbft')
    expect(live).toEqual({
      ok: false,
      errors: [
        {
          path: 'fault.kind',
          message: 'PBFT has no membership operation (fault kind membership is for raft only)',
        },
      ],
    })
    expect(parseLiveFault({ kind: 'membership', action: 'remove', target: 'n2' }, 5, 'raft').ok).toBe(true)
  })
})
