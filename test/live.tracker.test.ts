// The live view's fault and message tracker (src/main/lab/live.ts): which links a fault
// affects, from its start event as either engine writes it, and a bounded message sample.
import { describe, expect, it } from 'vitest'
import { createSimulation } from '../src/core/sim'
import { faultLinks, LiveTracker, MESSAGE_SAMPLE_MAX } from '../src/main/lab/live'
import { ExperimentSpecSchema } from '../src/shared/spec'
import type { FaultEvent, TraceEvent } from '../src/shared/trace'

const ids = ['n1', 'n2', 'n3', 'n4', 'n5']
const ev = (fault: FaultEvent['fault'], targets: string[], detail: string): FaultEvent => ({
  kind: 'fault',
  t: 1000,
  node: null,
  lc: 0,
  phase: 'start',
  faultId: 0,
  fault,
  targets,
  detail,
})
const cuts = (ls: ReturnType<typeof faultLinks>): string[] =>
  ls.map((l) => `${l.from}>${l.to}:${l.effect}`).sort()

describe('faultLinks', () => {
  it('reads every partition shape the simulator writes (checked against its cut set)', () => {
    for (const shape of ['halves', 'isolate', 'majorities-ring', 'bridge', 'one-way'] as const) {
      const spec = ExperimentSpecSchema.parse({
        name: 'x',
        durationMs: 900,
        cluster: { nodes: 5, tickMs: 10 },
        faults: [{ kind: 'partition', atMs: 400, shape }],
      })
      const sim = createSimulation(spec)
      sim.runUntil(410)
      const start = sim.trace().find((e): e is FaultEvent => e.kind === 'fault')!
      // The links that really drop: every send across them is dropped with reason partition.
      sim.runUntil(900)
      const dropped = new Set(
        sim
          .trace()
          .filter((e: TraceEvent) => e.kind === 'drop' && e.reason === 'partition')
          .map((e) => (e.kind === 'drop' ? `${e.from}>${e.to}:cut` : '')),
      )
      if (shape !== 'majorities-ring') expect(dropped.size, shape).toBeGreaterThan(0)
      const drawn = cuts(faultLinks(ids, start))
      expect(drawn.length, shape).toBeGreaterThan(0)
      // Every link that dropped a message is drawn cut (and the drawing is no bigger than the shape).
      for (const d of dropped) expect(drawn, `${shape}: ${start.detail}`).toContain(d)
    }
  })

  it('network faults: slow / lossy on the target links, or all links without a target', () => {
    expect(
      cuts(faultLinks(['n1', 'n2', 'n3'], ev('delay', ['n1'], 'delay +50±10 ms on links of n1'))),
    ).toEqual(['n1>n2:slow', 'n1>n3:slow', 'n2>n1:slow', 'n3>n1:slow'])
    expect(faultLinks(['n1', 'n2', 'n3'], ev('drop', [], 'drop p=0.3 on all links'))).toHaveLength(6)
    expect(faultLinks(['n1', 'n2', 'n3'], ev('drop', [], 'x')).every((l) => l.effect === 'lossy')).toBe(true)
    // Node faults affect no link; an unknown partition detail draws nothing rather than guessing.
    expect(faultLinks(ids, ev('crash', ['n1'], 'crash n1'))).toEqual([])
    expect(faultLinks(ids, ev('partition', ['n1'], 'partition zigzag'))).toEqual([])
  })
})

describe('LiveTracker', () => {
  it('keeps at most MESSAGE_SAMPLE_MAX messages per take, counts all, and tracks active faults', () => {
    const t = new LiveTracker(['n1', 'n2'], () => 0.5)
    for (let i = 1; i <= 500; i++) {
      t.onTrace({
        kind: 'send',
        t: i,
        node: 'n1',
        lc: i,
        msgId: i,
        from: 'n1',
        to: 'n2',
        type: 'A',
        vc: [],
        summary: '',
      })
      t.onTrace({
        kind: 'deliver',
        t: i + 5,
        node: 'n2',
        lc: i,
        msgId: i,
        from: 'n1',
        to: 'n2',
        type: 'A',
        vc: [],
      })
    }
    const { messages, sent } = t.takeMessages()
    expect(sent).toBe(500)
    expect(messages.length).toBe(MESSAGE_SAMPLE_MAX)
    expect(messages.every((m) => m.deliveredMs !== null)).toBe(true)
    expect(t.takeMessages()).toEqual({ messages: [], sent: 0 })

    t.markLive(3)
    t.onTrace({ ...ev('partition', ['n1'], 'partition isolate n1 from all others'), faultId: 3 })
    expect(t.faults()).toMatchObject([{ index: 3, live: true, kind: 'partition' }])
    t.onTrace({ ...ev('partition', ['n1'], 'partition healed'), faultId: 3, phase: 'end' })
    expect(t.faults()).toEqual([])
  })
})
