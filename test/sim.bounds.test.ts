// Issue 17.1: the simulator's work per simulated millisecond is bounded whatever a valid spec
// says, and one runUntil call can be cut short (the driver's event budget) without changing
// the run: a budgeted run's trace equals an unbudgeted one's.
import { describe, expect, it } from 'vitest'
import type { CreateOptions, Protocol, ProtocolFactory, Ready } from '../src/core/protocols/types'
import { getProtocol } from '../src/core/protocols'
import { createSimulation } from '../src/core/sim'
import { MAX_JUMP_TICKS } from '../src/core/engine/fault-plan'
import type { NodeId } from '../src/shared/trace'
import { instrument, spec } from './sim.fixtures'

describe('simulator work bounds', () => {
  it('a clock jump of the largest allowed size fires at most MAX_JUMP_TICKS ticks per node', () => {
    const { factory, probe } = instrument(getProtocol('raft'))
    const s = spec({
      cluster: { nodes: 3, tickMs: 1 },
      durationMs: 200,
      workload: { clients: 0 },
      // One hour of ticks at 1 ms each would be 3.6 million ticks per node at once.
      faults: [{ atMs: 100, forMs: 50, kind: 'clock', target: 'all', jumpMs: 3_600_000 }],
    })
    const sim = createSimulation(s, { factory, keepTrace: false })
    sim.runUntil(200)
    expect(sim.done()).toBe(true)
    for (const id of ['n1', 'n2', 'n3']) {
      const ticks = probe.ticks.get(id) ?? 0
      expect(ticks).toBeGreaterThan(MAX_JUMP_TICKS) // the jump did fire
      expect(ticks).toBeLessThanOrEqual(MAX_JUMP_TICKS + 200 + 1)
    }
  })

  it('messages answered at once on a zero-latency network still move time forward', () => {
    // Every message is answered at once: without a minimum trip time this chain of replies
    // would repeat forever at one virtual instant and runUntil would never return.
    const s = spec({
      cluster: { nodes: 2, tickMs: 10 },
      durationMs: 50,
      network: { latencyMs: 0, jitterMs: 0 },
      workload: { clients: 0 },
    })
    const sim = createSimulation(s, { factory: echoFactory, keepTrace: false })
    sim.runUntil(50)
    expect(sim.done()).toBe(true)
    const sent = sim.summary(0).messages.sent
    expect(sent).toBeGreaterThan(1000) // the ping-pong ran
    expect(sent).toBeLessThanOrEqual(2 * 50_000) // at most one hop per µs per chain
  })

  it('runUntil with an event budget returns early and the run is unchanged', () => {
    const s = spec({
      cluster: { nodes: 3 },
      durationMs: 1500,
      workload: { clients: 4, ratePerSec: 200 },
      faults: [{ atMs: 500, forMs: 300, kind: 'partition', shape: 'isolate' }],
    })
    const whole = createSimulation(s)
    whole.runUntil(s.durationMs)
    const budgeted = createSimulation(s)
    let calls = 0
    budgeted.runUntil(s.durationMs, 100)
    expect(budgeted.done()).toBe(false)
    expect(budgeted.nowMs()).toBeLessThan(s.durationMs)
    while (!budgeted.done() && calls++ < 100_000) budgeted.runUntil(s.durationMs, 100)
    expect(budgeted.done()).toBe(true)
    expect(calls).toBeGreaterThan(10)
    expect(budgeted.trace()).toEqual(whole.trace())
    expect(budgeted.summary(0)).toEqual(whole.summary(0))
  })
})

/** n1 pings n2 on its first tick; every message is answered straight back. */
type Echo = { n: number }
class EchoNode implements Protocol<Echo, never> {
  readonly id: NodeId
  private started = false
  private out: Ready<Echo, never> = { persist: [], messages: [], replies: [], events: [] }
  constructor(private readonly o: CreateOptions<unknown, never>) {
    this.id = o.id
  }
  tick(): void {
    if (this.started || this.id !== 'n1') return
    this.started = true
    this.out.messages.push({ to: 'n2', msg: { n: 0 } })
  }
  step(from: NodeId, msg: Echo): void {
    this.out.messages.push({ to: from, msg: { n: msg.n + 1 } })
  }
  propose(): void {}
  ready(): Ready<Echo, never> {
    const r = this.out
    this.out = { persist: [], messages: [], replies: [], events: [] }
    return r
  }
  status() {
    return { id: this.id, role: 'follower' as const, term: 0, leader: null, commitIndex: 0, lastIndex: 0 }
  }
}
const echoFactory = {
  kind: 'echo',
  create: (o: CreateOptions<unknown, never>) => new EchoNode(o),
  messageType: () => 'Echo',
  describe: (m: Echo) => `echo ${m.n}`,
} as unknown as ProtocolFactory<unknown, unknown, unknown>
