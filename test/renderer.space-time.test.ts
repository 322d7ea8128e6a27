// The space-time diagram's data side: tiles fetched only around the view (never the whole
// trace), messages joined from send to deliver / drop across tiles, a capped tile marked
// dense with an estimate, readable axis ticks, and hit testing geometry.
import { describe, expect, it } from 'vitest'
import type { TraceEvent } from '../src/shared/trace'
import {
  TILE_LIMIT,
  TileStore,
  clampView,
  formatUsPair,
  formatUs,
  levelFor,
  segmentDistance,
  ticks,
  type TraceFetch,
} from '../src/renderer/src/space-time'

/** A run with one message every `gapUs` from n1 to n2, delivered 300 µs later (every 10th dropped). */
function run(messages: number, gapUs: number): TraceEvent[] {
  const out: TraceEvent[] = []
  for (let i = 0; i < messages; i++) {
    const t = i * gapUs
    out.push({
      kind: 'send',
      t,
      node: 'n1',
      lc: i,
      msgId: i,
      from: 'n1',
      to: 'n2',
      type: i % 2 ? 'B' : 'A',
      vc: [],
      summary: `m${i}`,
    })
    if (i % 10 === 9)
      out.push({
        kind: 'drop',
        t: t + 300,
        node: 'n2',
        lc: i,
        msgId: i,
        from: 'n1',
        to: 'n2',
        type: i % 2 ? 'B' : 'A',
        reason: 'loss',
      })
    else
      out.push({
        kind: 'deliver',
        t: t + 300,
        node: 'n2',
        lc: i,
        msgId: i,
        from: 'n1',
        to: 'n2',
        type: i % 2 ? 'B' : 'A',
        vc: [],
      })
  }
  return out.sort((a, b) => a.t - b.t)
}

function fakeFetch(events: TraceEvent[]): { fetch: TraceFetch; calls: Array<[number, number]> } {
  const calls: Array<[number, number]> = []
  return {
    calls,
    fetch: async (from, to, limit) => {
      calls.push([from, to])
      return events.filter((e) => e.t >= from && e.t <= to).slice(0, limit)
    },
  }
}

async function settle(store: TileStore, t0: number, t1: number): Promise<void> {
  for (let i = 0; i < 200 && !store.ready(t0, t1); i++) {
    store.tilesFor(t0, t1)
    await new Promise((r) => setTimeout(r, 0))
  }
  while (store.pending > 0) await new Promise((r) => setTimeout(r, 0))
}

describe('space-time tiles', () => {
  it('fetches only the tiles around the view, never the whole run', async () => {
    const events = run(100_000, 1000) // 100 s of run time
    const f = fakeFetch(events)
    const store = new TileStore(f.fetch, ['n1', 'n2'], ['A', 'B'])
    await settle(store, 50_000_000, 50_100_000) // a 100 ms view in the middle
    expect(store.ready(50_000_000, 50_100_000)).toBe(true)
    const lo = Math.min(...f.calls.map((c) => c[0]))
    const hi = Math.max(...f.calls.map((c) => c[1]))
    // The view plus at most one view-width of margin and one tile each side.
    expect(lo).toBeGreaterThanOrEqual(50_000_000 - 100_000 - 2 ** levelFor(100_000))
    expect(hi).toBeLessThanOrEqual(50_100_000 + 100_000 + 2 ** levelFor(100_000))
    expect(f.calls.length).toBeLessThan(60)
  })

  it('joins sends with their delivery or drop across tile edges', async () => {
    const events = run(50, 1000)
    const f = fakeFetch(events)
    const store = new TileStore(f.fetch, ['n1', 'n2'], ['A', 'B'])
    await settle(store, 0, 60_000)
    const m = store.messages
    expect(m.size).toBe(50)
    for (let s = 0; s < m.size; s++) {
      const id = m.msgId[s]
      expect(m.sendT[s]).toBe(id * 1000)
      expect(m.endT[s]).toBe(id * 1000 + 300)
      expect(m.endKind[s]).toBe(id % 10 === 9 ? 2 : 1)
      expect(m.from[s]).toBe(0)
      expect(m.to[s]).toBe(1)
      expect(store.types[m.type[s]]).toBe(id % 2 ? 'B' : 'A')
      expect(m.summary[s]).toBe(`m${id}`)
    }
  })

  it('marks a capped tile dense and estimates its events from the part loaded', () => {
    const store = new TileStore(async () => [], ['n1', 'n2'], [])
    const events = run(TILE_LIMIT, 10).slice(0, TILE_LIMIT) // 2 events per message
    const tile = {
      key: 'x',
      level: 20,
      index: 0,
      from: 0,
      to: 2 ** 20,
      state: 'loading' as const,
      dense: false,
      exactTo: 0,
      estimate: 0,
      slots: [],
      marks: [],
      perLane: [],
    }
    store.fill(tile, events)
    expect(tile.dense).toBe(true)
    const covered = events[events.length - 1].t
    expect(tile.exactTo).toBe(covered)
    expect(tile.estimate).toBe(Math.round((TILE_LIMIT * 2 ** 20) / covered))
    // A tile under the limit is exact.
    const small = { ...tile, key: 'y', slots: [], marks: [], perLane: [], dense: false }
    store.fill(small, events.slice(0, 10))
    expect(small.dense).toBe(false)
    expect(small.estimate).toBe(10)
  })
})

describe('axis and geometry', () => {
  it('ticks step 1 / 2 / 5 x 10^k with readable units', () => {
    const a = ticks(0, 10_000_000, 1000, 100) // 10 s over 1000 px: ~1 s steps
    expect(a.step).toBe(1_000_000)
    expect(formatUs(2_000_000, a.step)).toBe('2 s')
    const b = ticks(0, 5_000, 1000, 100) // 5 ms
    expect(b.step).toBe(500)
    expect(formatUs(1500, b.step)).toBe('1.5 ms')
    expect(formatUs(500, b.step)).toBe('0.5 ms') // the same unit along the axis
    const c = ticks(100, 180, 800, 100)
    expect(c.step).toBe(10)
    expect(formatUs(120, c.step)).toBe('120 µs')
    expect(c.at[0]).toBe(100)
  })

  it('distance to a segment', () => {
    expect(segmentDistance(5, 5, 0, 0, 10, 0)).toBe(5)
    expect(segmentDistance(-3, 4, 0, 0, 10, 0)).toBe(5)
    expect(segmentDistance(5, 0, 0, 0, 10, 0)).toBe(0)
  })
})

describe('replay view limits and time readout', () => {
  it('never zooms out past the run (a 2% margin each side), never below the minimum span', () => {
    // A 10 s run: zooming out to 100 s shows the run and its margins, no more.
    expect(clampView(-50e6, 50e6, 0, 10e6, 20)).toEqual({ t0: -200_000, t1: 10_200_000 })
    // Panning past the start stops at the margin; past the end likewise.
    expect(clampView(-5e6, -4e6, 0, 10e6, 20)).toEqual({ t0: -200_000, t1: 800_000 })
    expect(clampView(20e6, 21e6, 0, 10e6, 20)).toEqual({ t0: 9_200_000, t1: 10_200_000 })
    expect(clampView(100, 105, 0, 10e6, 20)).toEqual({ t0: 100, t1: 120 })
  })

  it('reads the cursor and the run length in one unit', () => {
    expect(formatUsPair(0, 14_986_000)).toBe('0.000 s / 14.986 s')
    expect(formatUsPair(250, 4_500)).toBe('0.250 ms / 4.500 ms')
    expect(formatUsPair(3, 900)).toBe('3 µs / 900 µs')
  })
})
