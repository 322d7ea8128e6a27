// The deterministic simulator's core: determinism, the event queue, Lamport and vector
// clocks, metrics windows, the KV workload and the op history it records.
import { describe, expect, it } from 'vitest'
import { createSimulation, type SimulationOptions } from '../src/core/sim'
import { EventQueue } from '../src/core/sim/heap'
import { createRng } from '../src/core/rng'
import type { ExperimentSpec } from '../src/shared/spec'
import type { DeliverEvent, OpEvent, SendEvent, TraceEvent } from '../src/shared/trace'
import { chattyFactory, fixedFactory, spec } from './sim.fixtures'

function run(s: ExperimentSpec, opts: SimulationOptions = {}) {
  const sim = createSimulation(s, { factory: fixedFactory, ...opts })
  sim.runUntil(s.durationMs)
  return sim
}

const busy = spec({
  seed: 7,
  durationMs: 3000,
  workload: { clients: 6, ratePerSec: 400, keys: 20 },
  network: { latencyMs: 1, jitterMs: 0.5, dropProbability: 0.01, duplicateProbability: 0.01 },
  faults: [
    { kind: 'partition', atMs: 500, forMs: 300, shape: 'majorities-ring' },
    { kind: 'crash', atMs: 1000, target: 'random', restartAfterMs: 400 },
    { kind: 'delay', atMs: 1500, forMs: 300, latencyMs: 5, jitterMs: 2 },
    { kind: 'reorder', atMs: 2000, forMs: 300, probability: 0.3 },
    { kind: 'pause', atMs: 2200, forMs: 200, target: 'minority' },
  ],
})

describe('determinism', () => {
  it('the same spec and seed give the same trace, event for event', () => {
    const a = run(busy).trace()
    const b = run(busy).trace()
    expect(a.length).toBeGreaterThan(1000)
    expect(b).toEqual(a)
  })

  it('a different seed gives a different trace', () => {
    const a = run(busy).trace()
    const c = run({ ...busy, seed: 8 }).trace()
    expect(c).not.toEqual(a)
  })

  it('advancing in small steps gives the same trace as one big step', () => {
    const whole = run(busy).trace()
    const sim = createSimulation(busy, { factory: fixedFactory })
    for (let t = 0; !sim.done(); t += 37.5) sim.runUntil(t)
    expect(sim.trace()).toEqual(whole)
    expect(sim.nowMs()).toBe(busy.durationMs)
  })

  it('keepTrace:false streams the same events through onTrace and gives the same summary', () => {
    const full = run(busy)
    const seen: TraceEvent[] = []
    const lean = run(busy, { keepTrace: false, onTrace: (e) => seen.push(e) })
    expect(lean.trace()).toEqual([])
    expect(seen).toEqual(full.trace())
    expect(lean.summary(5)).toEqual({ ...full.summary(5) })
  })

  it('without any trace consumer the figures are still the same', () => {
    const full = run(busy).summary(0)
    const bare = run(busy, { keepTrace: false }).summary(0)
    expect(bare).toEqual(full)
  })
})

describe('event queue', () => {
  it('pops in (time, insertion) order', () => {
    const q = new EventQueue<{ t: number; seq: number; id: number }>()
    const rng = createRng(1)
    const items = Array.from({ length: 2000 }, (_, id) => ({ t: rng.int(0, 50), seq: 0, id }))
    for (const it of items) q.push(it)
    const out: number[] = []
    for (let e = q.pop(); e; e = q.pop()) out.push(e.id)
    const expected = [...items].sort((a, b) => a.t - b.t || a.id - b.id).map((x) => x.id)
    expect(out).toEqual(expected)
    expect(q.size).toBe(0)
  })

  it('the FIFO lane interleaves with the heap as if everything were in the heap', () => {
    const q = new EventQueue<{ t: number; seq: number; id: number }>()
    const rng = createRng(2)
    const order: Array<{ t: number; id: number; seq: number }> = []
    let fifoT = 0
    let id = 0
    const popped: number[] = []
    const expected: number[] = []
    for (let round = 0; round < 200; round++) {
      for (let k = 0; k < 10; k++) {
        const e = { t: rng.int(0, 100) + round * 10, seq: 0, id: id++ }
        if (rng.chance(0.5)) {
          fifoT = Math.max(fifoT, e.t) + rng.int(0, 2)
          e.t = fifoT
          q.pushFifo(e)
        } else q.push(e)
        order.push(e)
      }
      // Pop what is due up to a moving limit.
      for (let e = q.popDue(round * 10); e; e = q.popDue(round * 10)) popped.push(e.id)
    }
    for (let e = q.pop(); e; e = q.pop()) popped.push(e.id)
    // Reference: a stable sort by (t, seq), replayed with the same pops.
    const ref = new EventQueue<{ t: number; seq: number; id: number }>()
    const copy = order.map((e) => ({ ...e }))
    let i = 0
    for (let round = 0; round < 200; round++) {
      for (let k = 0; k < 10; k++) ref.push(copy[i++])
      for (let e = ref.popDue(round * 10); e; e = ref.popDue(round * 10)) expected.push(e.id)
    }
    for (let e = ref.pop(); e; e = ref.pop()) expected.push(e.id)
    expect(popped).toEqual(expected)
  })
})

describe('clocks', () => {
  const s = spec({
    seed: 3,
    durationMs: 500,
    workload: { clients: 0 },
    network: { latencyMs: 2, jitterMs: 1.5 },
  })
  const trace = createSimulation(s, { factory: chattyFactory })
  trace.runUntil(500)
  const ev = trace.trace()

  it('Lamport clocks: a delivery is later than its send, and each node’s clock only grows', () => {
    const sends = new Map<number, SendEvent>()
    const last = new Map<string, number>()
    let deliveries = 0
    for (const e of ev) {
      if (e.kind === 'send') sends.set(e.msgId, e)
      if (e.kind === 'send' || e.kind === 'deliver') {
        const prev = last.get(e.node as string) ?? 0
        expect(e.lc).toBeGreaterThan(prev)
        last.set(e.node as string, e.lc)
      }
      if (e.kind === 'deliver') {
        deliveries++
        const s = sends.get(e.msgId) as SendEvent
        expect(e.lc).toBeGreaterThan(s.lc)
        expect(e.t).toBeGreaterThanOrEqual(s.t)
      }
    }
    expect(deliveries).toBeGreaterThan(500)
  })

  it('vector clocks: a delivery dominates its send; sends count up in the sender’s slot', () => {
    const sends = new Map<number, SendEvent>()
    for (const e of ev) {
      if (e.kind === 'send') sends.set(e.msgId, e)
      if (e.kind === 'deliver') {
        const d = e as DeliverEvent
        const s = sends.get(d.msgId) as SendEvent
        expect(d.vc).toHaveLength(5)
        for (let i = 0; i < 5; i++) expect(d.vc[i]).toBeGreaterThanOrEqual(s.vc[i])
        const me = Number(d.to.slice(1)) - 1
        expect(d.vc[me]).toBeGreaterThan(s.vc[me])
      }
    }
    const n1Sends = ev.filter((e): e is SendEvent => e.kind === 'send' && e.from === 'n1').map((e) => e.vc[0])
    expect(n1Sends).toEqual([...n1Sends].sort((a, b) => a - b))
  })

  it('nodes start at different seeded tick phases', () => {
    const first = new Map<string, number>()
    for (const e of ev) if (e.kind === 'send' && !first.has(e.from)) first.set(e.from, e.t)
    expect(first.size).toBe(5)
    expect(new Set(first.values()).size).toBe(5)
    for (const t of first.values()) expect(t).toBeLessThanOrEqual(s.cluster.tickMs * 1000)
  })
})

describe('network basics', () => {
  it('latency is latencyMs ± jitterMs', () => {
    const s = spec({ durationMs: 300, workload: { clients: 0 }, network: { latencyMs: 4, jitterMs: 1 } })
    const sim = createSimulation(s, { factory: chattyFactory })
    sim.runUntil(300)
    const sent = new Map<number, number>()
    const lat: number[] = []
    for (const e of sim.trace()) {
      if (e.kind === 'send') sent.set(e.msgId, e.t)
      if (e.kind === 'deliver') lat.push(e.t - (sent.get(e.msgId) as number))
    }
    expect(Math.min(...lat)).toBeGreaterThanOrEqual(3000)
    expect(Math.max(...lat)).toBeLessThanOrEqual(5000)
    const mean = lat.reduce((a, b) => a + b, 0) / lat.length
    expect(mean).toBeGreaterThan(3800)
    expect(mean).toBeLessThan(4200)
  })

  it('base loss and duplication show in the counts', () => {
    const s = spec({
      durationMs: 2000,
      workload: { clients: 0 },
      network: { latencyMs: 1, jitterMs: 0, dropProbability: 0.2, duplicateProbability: 0.1 },
    })
    const sim = createSimulation(s, { factory: chattyFactory })
    sim.runUntil(2000)
    const m = sim.summary(0).messages
    expect(m.dropped / m.sent).toBeGreaterThan(0.17)
    expect(m.dropped / m.sent).toBeLessThan(0.23)
    expect(m.duplicated / (m.sent - m.dropped)).toBeGreaterThan(0.08)
    expect(m.duplicated / (m.sent - m.dropped)).toBeLessThan(0.12)
    // In-flight messages at the end aside, every kept message arrives once, duplicates twice.
    expect(m.delivered).toBeLessThanOrEqual(m.sent - m.dropped + m.duplicated)
    expect(m.delivered).toBeGreaterThan(m.sent - m.dropped)
    const trace = sim.trace()
    expect(trace.filter((e) => e.kind === 'drop' && e.reason === 'loss')).toHaveLength(m.dropped)
    expect(trace.filter((e) => e.kind === 'duplicate')).toHaveLength(m.duplicated)
  })
})

describe('workload and history', () => {
  const s = spec({
    seed: 11,
    durationMs: 4000,
    workload: {
      clients: 5,
      ratePerSec: 500,
      keys: 10,
      mix: { read: 0.3, write: 0.4, cas: 0.3 },
      timeoutMs: 200,
    },
    faults: [{ kind: 'crash', atMs: 1500, target: 'n1', restartAfterMs: 500 }],
  })
  const sim = run(s)
  const trace = sim.trace()
  const ops = trace.filter((e): e is OpEvent => e.kind === 'op')

  it('every invoke has exactly one completion, after it, for the same op', () => {
    const open = new Map<string, OpEvent>()
    const done = new Set<string>()
    for (const e of ops) {
      if (e.phase === 'invoke') {
        expect(open.has(e.opId) || done.has(e.opId)).toBe(false)
        open.set(e.opId, e)
        continue
      }
      const inv = open.get(e.opId) as OpEvent
      expect(inv).toBeDefined()
      open.delete(e.opId)
      done.add(e.opId)
      expect(e.t).toBeGreaterThanOrEqual(inv.t)
      expect([e.client, e.f, e.key]).toEqual([inv.client, inv.f, inv.key])
      if (e.phase !== 'ok') expect(e.error).toBeTruthy()
      if (e.f === 'cas') expect(e.expected).toBe(inv.expected)
      if (e.f === 'cas' && e.phase === 'ok') expect(typeof e.result).toBe('boolean')
    }
    expect(open.size).toBe(0)
    const sum = sim.summary(0).ops
    expect(sum.total).toBe(done.size)
    expect(sum.ok + sum.fail + sum.info).toBe(sum.total)
    expect(sum.ok).toBeGreaterThan(500)
    expect(sum.info).toBeGreaterThan(0) // the leader was down for 500 ms
  })

  it('each client has at most one op outstanding', () => {
    const busy = new Map<number, boolean>()
    for (const e of ops) {
      if (e.phase === 'invoke') {
        expect(busy.get(e.client)).not.toBe(true)
        busy.set(e.client, true)
      } else busy.set(e.client, false)
    }
  })

  it('put values are unique per op; cas expects the last value the client saw', () => {
    const writes = ops.filter((e) => e.phase === 'invoke' && e.f !== 'get').map((e) => e.value)
    expect(new Set(writes).size).toBe(writes.length)
    const invokes = ops.filter((e) => e.phase === 'invoke')
    expect(invokes.every((e) => e.f === 'get' || e.value === e.opId)).toBe(true)
    expect(invokes.some((e) => e.f === 'cas' && e.expected !== null)).toBe(true)
    const cas = ops.filter((e) => e.f === 'cas' && e.phase === 'ok')
    expect(cas.some((e) => e.result === true)).toBe(true)
  })

  it('the mix is respected', () => {
    const invokes = ops.filter((e) => e.phase === 'invoke')
    const frac = (f: string) => invokes.filter((e) => e.f === f).length / invokes.length
    expect(frac('get')).toBeGreaterThan(0.25)
    expect(frac('get')).toBeLessThan(0.35)
    expect(frac('put')).toBeGreaterThan(0.35)
    expect(frac('cas')).toBeGreaterThan(0.25)
  })

  it('a timed-out op is info, including reads', () => {
    const infos = ops.filter((e) => e.phase === 'info')
    // Timeouts, plus the ops still open when the run ended.
    expect(infos.every((e) => e.error === 'timeout' || (e.error === 'run ended' && e.t === 4_000_000))).toBe(
      true,
    )
    expect(infos.some((e) => e.f === 'get' && e.error === 'timeout')).toBe(true)
  })

  it('offered load is close to ratePerSec when ops are fast', () => {
    const light = run(spec({ seed: 2, durationMs: 5000, workload: { clients: 4, ratePerSec: 200 } }))
    const total = light.summary(0).ops.total
    expect(total).toBeGreaterThan(200 * 5 * 0.85)
    expect(total).toBeLessThan(200 * 5 * 1.15)
  })

  function keyCounts(distribution: 'zipf' | 'uniform') {
    const r = run(
      spec({
        seed: 5,
        durationMs: 5000,
        workload: { clients: 8, ratePerSec: 800, keys: 50, distribution, zipfExponent: 1.2 },
      }),
    )
    const counts = new Map<string, number>()
    for (const e of r.trace())
      if (e.kind === 'op' && e.phase === 'invoke') counts.set(e.key, (counts.get(e.key) ?? 0) + 1)
    return counts
  }

  it('zipf skews keys towards k0; uniform does not', () => {
    const z = keyCounts('zipf')
    const u = keyCounts('uniform')
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0)
    const zk0 = (z.get('k0') ?? 0) / total(z)
    const uk0 = (u.get('k0') ?? 0) / total(u)
    // Zipf(1.2) over 50 keys: k0 has ~26% of the mass, k49 ~0.2%.
    expect(zk0).toBeGreaterThan(0.2)
    expect(z.get('k0') as number).toBeGreaterThan(5 * (z.get('k10') ?? 0))
    expect(uk0).toBeLessThan(0.05)
    expect(u.size).toBe(50)
    const uc = [...u.values()]
    expect(Math.max(...uc) / Math.min(...uc)).toBeLessThan(3)
  })

  it('clients find the leader through not_leader hints', () => {
    const light = run(spec({ seed: 4, durationMs: 2000, workload: { clients: 8, ratePerSec: 100 } }))
    const sum = light.summary(0)
    expect(sum.ops.fail).toBe(0)
    expect(sum.ops.ok).toBe(sum.ops.total)
  })
})

describe('metrics and lifecycle', () => {
  it('windows cover the run in 1 s steps and add up to the summary', () => {
    const s = spec({ seed: 1, durationMs: 3500, workload: { clients: 4, ratePerSec: 300 } })
    const sim = createSimulation(s, { factory: fixedFactory })
    sim.runUntil(1200)
    const first = sim.takeWindows()
    expect(first.map((w) => [w.startMs, w.endMs])).toEqual([[0, 1000]])
    expect(sim.takeWindows()).toEqual([])
    sim.runUntil(10_000)
    const rest = sim.takeWindows()
    const all = [...first, ...rest]
    expect(all.map((w) => [w.startMs, w.endMs])).toEqual([
      [0, 1000],
      [1000, 2000],
      [2000, 3000],
      [3000, 3500],
    ])
    const sum = sim.summary(1)
    expect(all.reduce((a, w) => a + w.ok, 0)).toBe(sum.ops.ok)
    expect(all.reduce((a, w) => a + w.info + w.fail, 0)).toBe(sum.ops.info + sum.ops.fail)
    expect(all.reduce((a, w) => a + w.messages, 0)).toBe(sum.messages.sent)
    for (const w of all) {
      expect(w.p50).not.toBeNull()
      expect(w.p99 as number).toBeGreaterThanOrEqual(w.p50 as number)
    }
    expect(sum.simulatedMs).toBe(3500)
    expect(sum.wallMs).toBe(1)
    expect(sum.latencyMs.p50 as number).toBeGreaterThan(2)
    expect(sum.latencyMs.max as number).toBeGreaterThanOrEqual(sum.latencyMs.p99 as number)
    expect(sum.leaderChanges).toBe(1)
    expect(sum.verdict === 'ok' || sum.verdict === 'violation').toBe(true)
    expect(sim.done()).toBe(true)
  })

  it('stop() ends the run: outstanding ops become info, time stops', () => {
    const s = spec({ seed: 9, durationMs: 10_000, workload: { clients: 20, ratePerSec: 2000 } })
    const sim = createSimulation(s, { factory: fixedFactory })
    sim.runUntil(1234.5)
    expect(sim.done()).toBe(false)
    sim.stop()
    expect(sim.done()).toBe(true)
    expect(sim.nowMs()).toBe(1234.5)
    const ops = sim.trace().filter((e): e is OpEvent => e.kind === 'op')
    const stopped = ops.filter((e) => e.error === 'stopped')
    expect(stopped.length).toBeGreaterThan(0)
    expect(stopped.every((e) => e.phase === 'info' && e.t === 1_234_500)).toBe(true)
    expect(ops.filter((e) => e.phase === 'invoke').length).toBe(
      ops.filter((e) => e.phase !== 'invoke').length,
    )
    const w = sim.takeWindows()
    expect(w[w.length - 1]).toMatchObject({ startMs: 1000, endMs: 1234.5 })
    const len = sim.trace().length
    sim.runUntil(5000)
    expect(sim.trace().length).toBe(len)
    expect(sim.nowMs()).toBe(1234.5)
  })

  it('nodes() reports each node', () => {
    const sim = createSimulation(spec({ durationMs: 1000 }), { factory: fixedFactory })
    sim.runUntil(100)
    const nodes = sim.nodes()
    expect(nodes.map((n) => n.id)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5'])
    expect(nodes[0].role).toBe('leader')
    expect(nodes[1]).toMatchObject({ role: 'follower', leader: 'n1', term: 1 })
  })
})
