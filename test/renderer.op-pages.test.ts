// The history view's paging through a run's op events: every event exactly once across
// page boundaries (ties on t included), a cap on what is kept, and sliding forward to a
// counterexample that lies beyond the cap.
import { describe, expect, it } from 'vitest'
import type { TraceQuery } from '../src/shared/api'
import type { OpEvent, TraceEvent } from '../src/shared/trace'
import { fetchOpEvents, type OpPageOptions } from '../src/renderer/src/op-pages'

/** `n` ops, one per client in turn; several events share each instant (t = 10 µs steps / 3). */
function trace(n: number): TraceEvent[] {
  const out: TraceEvent[] = []
  for (let i = 0; i < n; i++) {
    const base = {
      kind: 'op' as const,
      node: null,
      lc: 0,
      client: (i % 4) + 1,
      opId: `o${i}`,
      f: 'get' as const,
    }
    out.push({ ...base, t: Math.floor(i / 3) * 10, phase: 'invoke', key: 'k', value: null })
    out.push({ ...base, t: Math.floor(i / 3) * 10 + 25, phase: 'ok', key: 'k', value: null })
    // Other kinds in between are not asked for.
    out.push({ kind: 'node', t: Math.floor(i / 3) * 10, node: 'n1', lc: 1, action: 'pause' })
  }
  return out.sort((a, b) => a.t - b.t)
}

/** getTrace as the store answers it: fromUs inclusive, time order, kinds, limit. */
function fakeGetTrace(events: TraceEvent[]) {
  const calls: TraceQuery[] = []
  const getTrace = async (q: TraceQuery): Promise<TraceEvent[]> => {
    calls.push(q)
    const out: TraceEvent[] = []
    for (const e of events) {
      if (q.fromUs !== undefined && e.t < q.fromUs) continue
      if (q.kinds && !q.kinds.includes(e.kind)) continue
      out.push(e)
      if (out.length >= (q.limit ?? Infinity)) break
    }
    return out
  }
  return { getTrace, calls }
}

const key = (e: OpEvent) => `${e.opId}/${e.phase}`

describe('fetchOpEvents', () => {
  const small: OpPageOptions = { page: 7, maxKeep: 1000, maxScan: 100_000 }

  it('reads a run page by page, every op event exactly once, in time order', async () => {
    const all = trace(100)
    const { getTrace, calls } = fakeGetTrace(all)
    const r = await fetchOpEvents(getTrace, 'run', new Set(), small)
    expect(r.truncated).toBe(false)
    const want = all.filter((e): e is OpEvent => e.kind === 'op')
    expect(r.events.map(key).sort()).toEqual(want.map(key).sort())
    expect(new Set(r.events.map(key)).size).toBe(r.events.length)
    for (let i = 1; i < r.events.length; i++) expect(r.events[i].t).toBeGreaterThanOrEqual(r.events[i - 1].t)
    expect(calls.length).toBeGreaterThan(20)
    expect(calls.every((q) => q.kinds?.join() === 'op' && q.limit === 7)).toBe(true)
  })

  it('stops at the cap without a counterexample (the first events kept)', async () => {
    const { getTrace } = fakeGetTrace(trace(1000))
    const r = await fetchOpEvents(getTrace, 'run', new Set(), { page: 50, maxKeep: 300, maxScan: 100_000 })
    expect(r.truncated).toBe(true)
    expect(r.events.length).toBeGreaterThanOrEqual(300)
    expect(r.events.length).toBeLessThan(400)
    expect(r.events[0].opId).toBe('o0')
  })

  it('slides forward to a counterexample beyond the cap, with its completions', async () => {
    const { getTrace } = fakeGetTrace(trace(2000))
    const r = await fetchOpEvents(getTrace, 'run', new Set(['o1500', 'o1502']), {
      page: 50,
      maxKeep: 300,
      maxScan: 100_000,
    })
    expect(r.truncated).toBe(true)
    const keys = new Set(r.events.map(key))
    for (const k of ['o1500/invoke', 'o1500/ok', 'o1502/invoke', 'o1502/ok']) expect(keys.has(k)).toBe(true)
    expect(keys.has('o0/invoke')).toBe(false)
    expect(r.events.length).toBeLessThanOrEqual(600)
  })

  it('gives up sliding after maxScan events', async () => {
    const { getTrace, calls } = fakeGetTrace(trace(2000))
    const r = await fetchOpEvents(getTrace, 'run', new Set(['nope']), {
      page: 50,
      maxKeep: 300,
      maxScan: 1000,
    })
    expect(r.truncated).toBe(true)
    expect(calls.length).toBe(20)
  })
})
