// Every fault kind shows its effect in the simulator's trace. Network faults are observed
// with a chatty protocol (every node pings every other node each tick, so every link carries
// traffic); process faults with real Raft.
import { describe, expect, it } from 'vitest'
import { createSimulation, type AnyProtocolFactory } from '../src/core/sim'
import { raftFactory } from '../src/core/protocols'
import type { ExperimentSpecInput, FaultSpec } from '../src/shared/spec'
import type { DeliverEvent, FaultEvent, NodeId, SendEvent, StateEvent, TraceEvent } from '../src/shared/trace'
import { chattyFactory, fixedFactory, instrument, spec } from './sim.fixtures'

const MS = 1000
const raft = raftFactory as unknown as AnyProtocolFactory

function simulate(input: ExperimentSpecInput, inner: AnyProtocolFactory, stepsMs: number[] = []) {
  const s = spec({
    workload: { clients: 0 },
    network: { latencyMs: 1, jitterMs: 0 },
    durationMs: 3000,
    ...input,
  })
  const { factory, probe } = instrument(inner)
  const sim = createSimulation(s, { factory })
  const snapshots: Array<Map<NodeId, number>> = []
  for (const t of stepsMs) {
    sim.runUntil(t)
    snapshots.push(new Map(probe.ticks))
  }
  sim.runUntil(s.durationMs)
  return { sim, trace: sim.trace(), probe, snapshots }
}

const within = (e: TraceEvent, fromMs: number, toMs: number) => e.t >= fromMs * MS && e.t < toMs * MS
const deliveries = (trace: TraceEvent[]) => trace.filter((e): e is DeliverEvent => e.kind === 'deliver')
const faultEvents = (trace: TraceEvent[]) => trace.filter((e): e is FaultEvent => e.kind === 'fault')
/** Directed links that delivered at least one message in [fromMs, toMs). */
function links(trace: TraceEvent[], fromMs: number, toMs: number): Set<string> {
  return new Set(
    deliveries(trace)
      .filter((e) => within(e, fromMs, toMs))
      .map((e) => `${e.from}->${e.to}`),
  )
}
const all = ['n1', 'n2', 'n3', 'n4', 'n5']
const allLinks = all.flatMap((a) => all.filter((b) => b !== a).map((b) => `${a}->${b}`))

describe('partitions', () => {
  const partition = (shape: string, target?: string): FaultSpec =>
    ({ kind: 'partition', atMs: 1000, forMs: 1000, shape, ...(target ? { target } : {}) }) as FaultSpec

  it('isolate: no delivery to or from the node during the window, traffic before and after', () => {
    const { trace } = simulate({ faults: [partition('isolate', 'n3')] }, chattyFactory)
    const during = links(trace, 1000, 2000)
    expect([...during].filter((l) => l.includes('n3'))).toEqual([])
    expect(during.size).toBe(12) // the other four nodes still talk to each other
    expect(links(trace, 0, 1000)).toEqual(new Set(allLinks))
    expect(links(trace, 2000, 3000)).toEqual(new Set(allLinks))
    // Messages in flight when the cut started are dropped at delivery.
    const drops = trace.filter((e) => e.kind === 'drop' && e.reason === 'partition')
    expect(drops.length).toBeGreaterThan(100)
    expect(drops.some((e) => e.kind === 'drop' && e.node === 'n3' && e.from !== 'n3')).toBe(true)
    const [start, end] = faultEvents(trace)
    expect(start).toMatchObject({
      phase: 'start',
      faultId: 0,
      fault: 'partition',
      targets: ['n3'],
      t: 1000 * MS,
    })
    expect(start.detail).toContain('isolate n3')
    expect(end).toMatchObject({ phase: 'end', faultId: 0, t: 2000 * MS })
  })

  it('a message in flight when the cut starts is dropped', () => {
    const { trace } = simulate(
      { network: { latencyMs: 5, jitterMs: 0 }, faults: [partition('isolate', 'n2')] },
      chattyFactory,
    )
    const sends = new Map(trace.filter((e): e is SendEvent => e.kind === 'send').map((e) => [e.msgId, e]))
    const inFlight = trace.filter(
      (e) => e.kind === 'drop' && e.reason === 'partition' && (sends.get(e.msgId) as SendEvent).t < 1000 * MS,
    )
    expect(inFlight.length).toBeGreaterThan(0)
  })

  it('halves: no delivery between the two sides', () => {
    const { trace } = simulate({ faults: [partition('halves')] }, chattyFactory)
    const small = faultEvents(trace)[0].targets
    expect(small).toHaveLength(2)
    const during = links(trace, 1000, 2000)
    for (const l of during) {
      const [a, b] = l.split('->')
      expect(small.includes(a)).toBe(small.includes(b))
    }
    expect(during.size).toBe(2 + 6) // 2 links inside the pair, 6 inside the trio
  })

  it('majorities-ring: every node sees a majority, no two nodes the same one', () => {
    const { trace } = simulate({ faults: [partition('majorities-ring')] }, chattyFactory)
    const during = links(trace, 1000, 2000)
    const views = all.map((n) =>
      [n, ...[...during].filter((l) => l.endsWith(`->${n}`)).map((l) => l.split('->')[0])].sort().join(','),
    )
    for (const v of views) expect(v.split(',')).toHaveLength(3)
    expect(new Set(views).size).toBe(5)
    // Links are cut both ways.
    for (const l of during) expect(during.has(l.split('->').reverse().join('->'))).toBe(true)
    expect(faultEvents(trace)[0].detail).toMatch(/majorities-ring n\d-n\d-n\d-n\d-n\d/)
  })

  it('bridge: the bridge node talks to both sides, the sides not to each other', () => {
    const { trace } = simulate({ faults: [partition('bridge', 'n4')] }, chattyFactory)
    const during = links(trace, 1000, 2000)
    for (const n of all) if (n !== 'n4') expect(during.has(`${n}->n4`) && during.has(`n4->${n}`)).toBe(true)
    const others = all.filter((n) => n !== 'n4')
    const side = (n: string) => new Set([n, ...others.filter((m) => m !== n && during.has(`${n}->${m}`))])
    const sides = new Set(others.map((n) => [...side(n)].sort().join(',')))
    expect(sides.size).toBe(2)
    for (const s of sides) expect(s.split(',')).toHaveLength(2)
  })

  it('one-way: the node cannot send but still receives', () => {
    const { trace } = simulate({ faults: [partition('one-way', 'n2')] }, chattyFactory)
    const during = links(trace, 1000, 2000)
    expect([...during].filter((l) => l.startsWith('n2->'))).toEqual([])
    for (const n of all) if (n !== 'n2') expect(during.has(`${n}->n2`)).toBe(true)
  })
})

describe('process faults (Raft)', () => {
  it('a 5-node Raft cluster elects a leader and commits client ops', () => {
    const s = spec({ seed: 21, durationMs: 3000, workload: { clients: 4, ratePerSec: 200 } })
    const sim = createSimulation(s)
    sim.runUntil(3000)
    const sum = sim.summary(0)
    expect(sum.elections).toBeGreaterThanOrEqual(1)
    expect(sum.leaderChanges).toBeGreaterThanOrEqual(1)
    expect(sum.ops.ok).toBeGreaterThan(300)
    expect(sum.verdict).toBe('ok')
    expect(sum.checks.length).toBeGreaterThan(0)
    const nodes = sim.nodes()
    const leaders = nodes.filter((n) => n.role === 'leader')
    expect(leaders).toHaveLength(1)
    for (const n of nodes) expect(n.leader).toBe(leaders[0].id)
    expect(sim.trace().some((e) => e.kind === 'apply')).toBe(true)
  })

  it('the same seed gives the same Raft trace; another seed a different one', () => {
    const s = spec({
      seed: 5,
      durationMs: 2000,
      workload: { clients: 3, ratePerSec: 100 },
      faults: [{ kind: 'crash', atMs: 800, target: 'leader', restartAfterMs: 300 }],
    })
    const a = createSimulation(s)
    a.runUntil(2000)
    const b = createSimulation(s)
    b.runUntil(2000)
    expect(b.trace()).toEqual(a.trace())
    const c = createSimulation({ ...s, seed: 6 })
    c.runUntil(2000)
    expect(c.trace()).not.toEqual(a.trace())
  })

  it('crash: no events from the node while down; it restarts from its durable log', () => {
    const { trace, probe, sim } = simulate(
      {
        seed: 3,
        durationMs: 4000,
        workload: { clients: 4, ratePerSec: 200 },
        faults: [{ kind: 'crash', atMs: 1500, target: 'leader', restartAfterMs: 1000 }],
      },
      raft,
    )
    const f = faultEvents(trace)
    expect(f.map((e) => [e.phase, e.t])).toEqual([
      ['start', 1500 * MS],
      ['end', 2500 * MS],
    ])
    const victim = f[0].targets[0]
    const before = trace.filter(
      (e): e is StateEvent => e.kind === 'state' && e.node === victim && e.t < 1500 * MS,
    )
    expect(before[before.length - 1].role).toBe('leader')
    const lastIndexBefore = before[before.length - 1].lastIndex
    expect(lastIndexBefore).toBeGreaterThan(10)

    const whileDown = trace.filter((e) => e.node === victim && e.t > 1500 * MS && e.t < 2500 * MS)
    expect(whileDown.every((e) => e.kind === 'drop' && e.reason === 'down')).toBe(true)
    expect(whileDown.length).toBeGreaterThan(0)
    expect(
      trace.filter((e) => e.kind === 'node' && e.node === victim).map((e) => e.kind === 'node' && e.action),
    ).toEqual(['crash', 'restart'])
    // Restarted from its records only, and its log is back.
    const creates = probe.creates.get(victim) as number[]
    expect(creates).toHaveLength(2)
    expect(creates[0]).toBe(0)
    expect(creates[1]).toBeGreaterThan(0)
    const after = trace.filter(
      (e): e is StateEvent => e.kind === 'state' && e.node === victim && e.t >= 2500 * MS,
    )
    expect(after[0].lastIndex).toBeGreaterThanOrEqual(lastIndexBefore)
    // The others elected a new leader meanwhile.
    const sum = sim.summary(0)
    expect(sum.leaderChanges).toBeGreaterThanOrEqual(2)
    expect(sum.verdict).toBe('ok')
    const downView = trace.some(
      (e) => e.kind === 'state' && e.role === 'leader' && e.node !== victim && within(e, 1500, 2500),
    )
    expect(downView).toBe(true)
  })

  it('crash without restart: the node stays down and nodes() says so', () => {
    const s = spec({ durationMs: 1000, faults: [{ kind: 'crash', atMs: 300, target: 'n2' }] })
    const sim = createSimulation(s)
    sim.runUntil(1000)
    expect(sim.nodes()[1]).toMatchObject({ id: 'n2', role: 'down', leader: null })
    expect(faultEvents(sim.trace()).map((e) => e.phase)).toEqual(['start'])
  })

  it('pause: the paused leader neither ticks nor changes state; the others elect a new one', () => {
    const { trace, snapshots, sim } = simulate(
      {
        seed: 4,
        durationMs: 5000,
        workload: { clients: 2, ratePerSec: 50 },
        faults: [{ kind: 'pause', atMs: 2000, forMs: 1500, target: 'leader' }],
      },
      raft,
      [2000, 3499],
    )
    const victim = faultEvents(trace)[0].targets[0]
    expect(snapshots[1].get(victim)).toBe(snapshots[0].get(victim))
    for (const n of all)
      if (n !== victim) expect(snapshots[1].get(n) as number).toBeGreaterThan(snapshots[0].get(n) as number)
    const during = trace.filter((e) => e.node === victim && e.t > 2000 * MS && e.t < 3500 * MS)
    expect(during).toEqual([])
    // Messages queued while stopped arrive when it resumes.
    const atResume = trace.filter((e) => e.kind === 'deliver' && e.to === victim && e.t === 3500 * MS)
    expect(atResume.length).toBeGreaterThan(0)
    expect(
      trace.filter((e) => e.kind === 'node' && e.node === victim).map((e) => e.kind === 'node' && e.action),
    ).toEqual(['pause', 'resume'])
    // Someone else became leader (in a higher term) while it was paused.
    const oldTerm = (
      trace
        .filter((e): e is StateEvent => e.kind === 'state' && e.node === victim && e.t <= 2000 * MS)
        .pop() as StateEvent
    ).term
    const newLeader = trace.find(
      (e): e is StateEvent =>
        e.kind === 'state' && e.role === 'leader' && e.node !== victim && within(e, 2000, 3500),
    )
    expect(newLeader).toBeDefined()
    expect((newLeader as StateEvent).term).toBeGreaterThan(oldTerm)
    expect(sim.summary(0).verdict).toBe('ok')
  })
})

describe('clock faults', () => {
  it('a node with rate 2 ticks twice as often during the window', () => {
    const { snapshots } = simulate(
      { faults: [{ kind: 'clock', atMs: 1000, forMs: 1000, target: 'n2', rate: 2 }] },
      chattyFactory,
      [1000, 2000, 3000],
    )
    const delta = (n: string, i: number) =>
      (snapshots[i + 1].get(n) as number) - (snapshots[i].get(n) as number)
    expect(delta('n1', 0)).toBeGreaterThanOrEqual(99)
    expect(delta('n1', 0)).toBeLessThanOrEqual(101)
    expect(delta('n2', 0)).toBeGreaterThanOrEqual(198)
    expect(delta('n2', 0)).toBeLessThanOrEqual(202)
    // Back to normal afterwards.
    expect(delta('n2', 1)).toBeGreaterThanOrEqual(99)
    expect(delta('n2', 1)).toBeLessThanOrEqual(101)
  })

  it('a jump fires that many ms of ticks at once', () => {
    const { snapshots } = simulate(
      { faults: [{ kind: 'clock', atMs: 1000, target: 'n3', jumpMs: 500 }] },
      chattyFactory,
      [999.999, 1000],
    )
    const delta = (n: string) => (snapshots[1].get(n) as number) - (snapshots[0].get(n) as number)
    expect(delta('n3')).toBeGreaterThanOrEqual(50)
    expect(delta('n3')).toBeLessThanOrEqual(51)
    expect(delta('n1')).toBeLessThanOrEqual(1)
  })

  it('a faster clock on a Raft follower makes it time out first', () => {
    // With n5's clock 20x fast, n5 hits its election timeout long before anyone else.
    const s = spec({ seed: 2, durationMs: 600, faults: [{ kind: 'clock', atMs: 0, target: 'n5', rate: 20 }] })
    const sim = createSimulation(s)
    sim.runUntil(600)
    const firstCandidate = sim
      .trace()
      .find((e) => e.kind === 'state' && (e.role === 'candidate' || e.role === 'pre-candidate'))
    expect(firstCandidate?.node).toBe('n5')
  })
})

describe('link faults', () => {
  function window(trace: TraceEvent[], fromMs: number, toMs: number) {
    const sends = trace.filter((e): e is SendEvent => e.kind === 'send' && within(e, fromMs, toMs))
    const ids = new Set(sends.map((e) => e.msgId))
    const of = (k: TraceEvent['kind']) =>
      trace.filter((e) => e.kind === k && 'msgId' in e && ids.has(e.msgId))
    return { sends, ids, of }
  }

  it('drop: about p of the messages are lost during the window, none outside', () => {
    const { trace } = simulate(
      { faults: [{ kind: 'drop', atMs: 1000, forMs: 1000, probability: 0.5 }] },
      chattyFactory,
    )
    const w = window(trace, 1000, 2000)
    const lost = w.of('drop').filter((e) => e.kind === 'drop' && e.reason === 'loss').length
    expect(lost / w.sends.length).toBeGreaterThan(0.45)
    expect(lost / w.sends.length).toBeLessThan(0.55)
    expect(window(trace, 0, 1000).of('drop')).toEqual([])
    expect(window(trace, 2000, 2990).of('drop')).toEqual([])
  })

  it('duplicate: only links of the target carry duplicates, and they are delivered twice', () => {
    const { trace, sim } = simulate(
      { faults: [{ kind: 'duplicate', atMs: 1000, forMs: 1000, probability: 0.3, target: 'n1' }] },
      chattyFactory,
    )
    const dups = trace.filter((e) => e.kind === 'duplicate')
    expect(dups.length).toBeGreaterThan(100)
    for (const d of dups) if (d.kind === 'duplicate') expect(d.from === 'n1' || d.to === 'n1').toBe(true)
    const delivered = new Map<number, number>()
    for (const e of deliveries(trace)) delivered.set(e.msgId, (delivered.get(e.msgId) ?? 0) + 1)
    for (const d of dups)
      if (d.kind === 'duplicate' && d.t < 2900 * MS) expect(delivered.get(d.msgId)).toBe(2)
    expect(sim.summary(0).messages.duplicated).toBe(dups.length)
  })

  it('delay: messages on the target’s links take the extra latency', () => {
    const { trace } = simulate(
      { faults: [{ kind: 'delay', atMs: 1000, forMs: 1000, latencyMs: 50, jitterMs: 10, target: 'n2' }] },
      chattyFactory,
    )
    const sent = new Map(trace.filter((e): e is SendEvent => e.kind === 'send').map((e) => [e.msgId, e]))
    const lat = (pred: (s: SendEvent) => boolean) =>
      deliveries(trace)
        .filter((d) => pred(sent.get(d.msgId) as SendEvent))
        .map((d) => (d.t - (sent.get(d.msgId) as SendEvent).t) / MS)
    const slow = lat((s) => within(s, 1000, 2000) && (s.from === 'n2' || s.to === 'n2'))
    const fast = lat((s) => within(s, 1000, 2000) && s.from !== 'n2' && s.to !== 'n2')
    expect(Math.min(...slow)).toBeGreaterThanOrEqual(41)
    expect(Math.max(...slow)).toBeLessThanOrEqual(61)
    expect(Math.max(...fast)).toBe(1)
  })

  it('reorder: messages on a link overtake each other only during the window', () => {
    const { trace } = simulate(
      { faults: [{ kind: 'reorder', atMs: 1000, forMs: 1000, probability: 0.2 }] },
      chattyFactory,
    )
    const inversions = (fromMs: number, toMs: number) => {
      let count = 0
      const last = new Map<string, number>()
      for (const d of deliveries(trace)) {
        if (!within(d, fromMs, toMs)) continue
        const k = `${d.from}->${d.to}`
        if ((last.get(k) ?? -1) > d.msgId) count++
        last.set(k, Math.max(last.get(k) ?? -1, d.msgId))
      }
      return count
    }
    expect(inversions(0, 1000)).toBe(0)
    expect(inversions(1000, 2100)).toBeGreaterThan(50)
    expect(inversions(2200, 3000)).toBe(0)
  })
})

describe('byzantine faults', () => {
  const byz = (behavior: string): FaultSpec =>
    ({ kind: 'byzantine', atMs: 1000, forMs: 1000, target: 'n4', behavior }) as FaultSpec

  it('silent: nothing the target sends arrives', () => {
    const { trace } = simulate({ faults: [byz('silent')] }, chattyFactory)
    expect([...links(trace, 1000, 2000)].filter((l) => l.startsWith('n4->'))).toEqual([])
    expect([...links(trace, 1000, 2000)].filter((l) => l.endsWith('->n4'))).toHaveLength(4)
    expect(trace.filter((e) => e.kind === 'drop' && e.reason === 'byzantine').length).toBeGreaterThan(300)
    expect(links(trace, 2000, 3000).has('n4->n1')).toBe(true)
  })

  it('slow: the target’s messages take 50 ms more', () => {
    const { trace } = simulate({ faults: [byz('slow')] }, chattyFactory)
    const sent = new Map(trace.filter((e): e is SendEvent => e.kind === 'send').map((e) => [e.msgId, e.t]))
    const lat = deliveries(trace)
      .filter((d) => d.from === 'n4' && within(d, 1100, 2000))
      .map((d) => (d.t - (sent.get(d.msgId) as number)) / MS)
    expect(lat.length).toBeGreaterThan(100)
    for (const l of lat) expect(l).toBe(51)
  })

  it('forge / equivocate: the target’s messages pass through factory.corrupt', () => {
    const { trace } = simulate({ faults: [byz('equivocate')] }, chattyFactory)
    const forged = deliveries(trace).filter((d) => d.type === 'Forged')
    expect(forged.length).toBeGreaterThan(300)
    expect(forged.every((d) => d.from === 'n4' && within(d, 1000, 2002))).toBe(true)
  })

  it('forge on a protocol without corrupt() is silent instead', () => {
    const { trace } = simulate(
      { workload: { clients: 2, ratePerSec: 100 }, faults: [byz('forge')] },
      fixedFactory,
    )
    expect(faultEvents(trace)[0].detail).toContain('silent instead')
    expect(deliveries(trace).filter((d) => d.from === 'n4' && within(d, 1002, 2000))).toEqual([])
    expect(trace.some((e) => e.kind === 'drop' && e.reason === 'byzantine')).toBe(true)
  })
})

describe('fault targets', () => {
  it('resolve leader, minority, majority and all', () => {
    const s = spec({
      seed: 8,
      durationMs: 2000,
      faults: [
        { kind: 'delay', atMs: 1000, forMs: 100, latencyMs: 1, target: 'leader' },
        { kind: 'delay', atMs: 1000, forMs: 100, latencyMs: 1, target: 'minority' },
        { kind: 'delay', atMs: 1000, forMs: 100, latencyMs: 1, target: 'majority' },
        { kind: 'delay', atMs: 1000, forMs: 100, latencyMs: 1, target: 'all' },
        { kind: 'delay', atMs: 1000, forMs: 100, latencyMs: 1, target: 'random' },
        { kind: 'delay', atMs: 1000, forMs: 100, latencyMs: 1 },
      ],
    })
    const sim = createSimulation(s)
    sim.runUntil(999)
    const leader = sim.nodes().find((n) => n.role === 'leader')?.id
    expect(leader).toBeDefined()
    sim.runUntil(2000)
    const starts = faultEvents(sim.trace()).filter((e) => e.phase === 'start')
    expect(starts.map((e) => e.targets.length)).toEqual([1, 2, 3, 5, 1, 0])
    expect(starts[0].targets).toEqual([leader])
    expect(starts[5].detail).toContain('all links')
  })
})
