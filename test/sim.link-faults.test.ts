// One-link faults in the simulator: partition shape 'link' and delay / drop with a peer act
// on exactly the link target <-> peer (both directions) and leave every other link alone.
// Observed with the chatty protocol (every node pings every other node each tick).
import { describe, expect, it } from 'vitest'
import { createSimulation, type AnyProtocolFactory } from '../src/core/sim'
import { planPartition } from '../src/core/engine/partition'
import { createRng } from '../src/core/rng'
import type { ExperimentSpecInput } from '../src/shared/spec'
import type { DeliverEvent, DropEvent, FaultEvent, SendEvent, TraceEvent } from '../src/shared/trace'
import { chattyFactory, spec } from './sim.fixtures'

const MS = 1000
const chatty = chattyFactory as unknown as AnyProtocolFactory

function simulate(input: ExperimentSpecInput) {
  const s = spec({
    workload: { clients: 0 },
    network: { latencyMs: 1, jitterMs: 0 },
    durationMs: 3000,
    ...input,
  })
  const sim = createSimulation(s, { factory: chatty })
  sim.runUntil(s.durationMs)
  return { sim, trace: sim.trace() }
}

const within = (e: TraceEvent, fromMs: number, toMs: number) => e.t >= fromMs * MS && e.t < toMs * MS
const deliveries = (trace: TraceEvent[]) => trace.filter((e): e is DeliverEvent => e.kind === 'deliver')
function links(trace: TraceEvent[], fromMs: number, toMs: number): Set<string> {
  return new Set(
    deliveries(trace)
      .filter((e) => within(e, fromMs, toMs))
      .map((e) => `${e.from}->${e.to}`),
  )
}
const all = ['n1', 'n2', 'n3', 'n4', 'n5']
const allLinks = all.flatMap((a) => all.filter((b) => b !== a).map((b) => `${a}->${b}`))
const onLink = (from: string, to: string) => (from === 'n1' && to === 'n4') || (from === 'n4' && to === 'n1')

describe('partition shape link', () => {
  it('cuts exactly n1 <-> n4 (both ways) during the window; every other link keeps delivering', () => {
    const { trace } = simulate({
      faults: [{ kind: 'partition', atMs: 1000, forMs: 1000, shape: 'link', target: 'n1', peer: 'n4' }],
    })
    const during = links(trace, 1100, 2000)
    expect(during).toEqual(new Set(allLinks.filter((l) => l !== 'n1->n4' && l !== 'n4->n1')))
    expect(links(trace, 0, 1000)).toEqual(new Set(allLinks))
    expect(links(trace, 2100, 3000)).toEqual(new Set(allLinks))
    // Every partition drop is on that link, and there are some in both directions.
    const drops = trace.filter((e): e is DropEvent => e.kind === 'drop' && e.reason === 'partition')
    expect(drops.every((d) => onLink(d.from, d.to))).toBe(true)
    expect(new Set(drops.map((d) => `${d.from}->${d.to}`))).toEqual(new Set(['n1->n4', 'n4->n1']))
    const start = trace.find((e): e is FaultEvent => e.kind === 'fault' && e.phase === 'start')!
    expect(start.detail).toBe('partition link n1 <-> n4 for 1000 ms')
    expect(start.targets).toEqual(['n1', 'n4'])
  })

  it('plans one link from the resolved ends and draws nothing from the rng', () => {
    const rng = createRng(7)
    const before = createRng(7).next()
    expect(planPartition('link', 5, rng, [2], 0)).toEqual({
      cut: [
        [2, 0],
        [0, 2],
      ],
      targets: [2, 0],
      detail: 'link n3 <-> n1',
    })
    expect(rng.next()).toBe(before)
    // No peer, or a peer equal to the target: nothing is cut (the spec rejects both anyway).
    expect(planPartition('link', 5, rng, [2], null).cut).toEqual([])
    expect(planPartition('link', 5, rng, [2], 2).cut).toEqual([])
  })
})

describe('delay / drop with a peer', () => {
  it('delay with a peer slows only the link target <-> peer', () => {
    const { trace } = simulate({
      faults: [
        { kind: 'delay', atMs: 1000, forMs: 1000, latencyMs: 50, jitterMs: 0, target: 'n1', peer: 'n4' },
      ],
    })
    const sent = new Map(trace.filter((e): e is SendEvent => e.kind === 'send').map((e) => [e.msgId, e]))
    const lat = (pred: (s: SendEvent) => boolean) =>
      deliveries(trace)
        .filter((d) => pred(sent.get(d.msgId) as SendEvent))
        .map((d) => (d.t - (sent.get(d.msgId) as SendEvent).t) / MS)
    const slow = lat((s) => within(s, 1000, 1900) && onLink(s.from, s.to))
    const fast = lat((s) => within(s, 1000, 1900) && !onLink(s.from, s.to))
    expect(slow.length).toBeGreaterThan(50)
    expect(new Set(slow)).toEqual(new Set([51]))
    // n1's and n4's other links are not slowed (a node-wide delay would slow them too).
    expect(fast.length).toBeGreaterThan(500)
    expect(new Set(fast)).toEqual(new Set([1]))
    const start = trace.find((e): e is FaultEvent => e.kind === 'fault' && e.phase === 'start')!
    expect(start.detail).toBe('delay +50±0 ms on link n1 <-> n4 for 1000 ms')
  })

  it('drop with a peer loses messages only on that link', () => {
    const { trace } = simulate({
      faults: [{ kind: 'drop', atMs: 1000, forMs: 1000, probability: 1, target: 'n4', peer: 'n1' }],
    })
    const losses = trace.filter((e): e is DropEvent => e.kind === 'drop' && e.reason === 'loss')
    expect(losses.length).toBeGreaterThan(50)
    expect(losses.every((d) => onLink(d.from, d.to))).toBe(true)
    expect(links(trace, 1100, 2000)).toEqual(
      new Set(allLinks.filter((l) => l !== 'n1->n4' && l !== 'n4->n1')),
    )
    const start = trace.find((e): e is FaultEvent => e.kind === 'fault' && e.phase === 'start')!
    expect(start.detail).toBe('drop p=1 on link n4 <-> n1 for 1000 ms')
  })

  it('a peer outside the cluster (live injection skips the spec check) affects no link, not all', () => {
    const s = spec({ workload: { clients: 0 }, network: { latencyMs: 1, jitterMs: 0 }, durationMs: 1000 })
    const sim = createSimulation(s, { factory: chatty })
    sim.runUntil(100)
    sim.injectFault!({ kind: 'drop', atMs: 0, forMs: 500, probability: 1, target: 'n1', peer: 'n9' })
    sim.runUntil(1000)
    const trace = sim.trace()
    expect(trace.filter((e) => e.kind === 'drop')).toEqual([])
    const start = trace.find((e): e is FaultEvent => e.kind === 'fault' && e.phase === 'start')!
    expect(start.detail).toBe('drop p=1 on no link (peer n9 is not in the cluster) for 500 ms')
  })

  it('without a peer the same delay still slows every link of the target (unchanged)', () => {
    const { trace } = simulate({
      faults: [{ kind: 'delay', atMs: 1000, forMs: 1000, latencyMs: 50, jitterMs: 0, target: 'n1' }],
    })
    const start = trace.find((e): e is FaultEvent => e.kind === 'fault' && e.phase === 'start')!
    expect(start.detail).toBe('delay +50±0 ms on links of n1 for 1000 ms')
  })
})
