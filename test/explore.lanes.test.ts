// Lane walks (src/core/explore/lanes.ts): a priority order of the nodes' inboxes (or of the
// links between nodes), drawn per walk, decides which message is delivered next; held inboxes hear nothing until their
// release; the top inbox drops to the bottom at each change of order; environment steps come
// when no inbox may deliver.
import { describe, expect, it } from 'vitest'
import { LaneSchedule, type KindWeights } from '../src/core/explore/lanes'
import type { Action } from '../src/core/explore'
import type { World } from '../src/core/explore/world'
import { createRng } from '../src/core/rng'

const NODES = 4
const ALL_ONE: KindWeights = new Map<Action['k'], number>(
  (['deliver', 'drop', 'tick', 'crash', 'restart', 'request', 'corrupt', 'admin'] as const).map((k) => [
    k,
    1,
  ]),
)

/** A world with messages to `to[i]` (in sending order) at `depth`: only what pick() reads. */
function world(to: readonly number[], depth: number): World {
  return { depth, net: to.map((t, i) => ({ from: (t + 1) % NODES, to: t, h: i })) } as unknown as World
}

/** A world with messages on the links `[from, to]` (in sending order) at depth 0. */
function onLinks(links: ReadonlyArray<readonly [number, number]>): World {
  return { depth: 0, net: links.map(([from, to], h) => ({ from, to, h })) } as unknown as World
}

/** Every message delivered, then every node's timer. */
function actionsOf(w: World): Action[] {
  const acts: Action[] = w.net.map((_, msg) => ({ k: 'deliver', msg }))
  for (let node = 0; node < NODES; node++) acts.push({ k: 'tick', node })
  return acts
}

describe('explore lanes: a priority schedule for one walk', () => {
  it('is drawn from the walk rng: the same seed gives the same schedule, others differ', () => {
    const views = (seed: number) =>
      Array.from({ length: 20 }, () => new LaneSchedule(createRng(seed), NODES, 0, 60).view())
    expect(views(7)).toEqual(views(7))
    const rng = createRng(7)
    const many = Array.from({ length: 200 }, () => new LaneSchedule(rng, NODES, 0, 60).view())
    expect(new Set(many.map((v) => v.order.join())).size).toBe(24)
    for (const v of many) {
      expect([...v.order].sort()).toEqual([0, 1, 2, 3])
      expect(v.held.length).toBeLessThanOrEqual(2)
      // The held inboxes are the last served.
      expect(v.held).toEqual([...v.order.slice(NODES - v.held.length)].sort((a, b) => a - b))
      expect(v.changes.length).toBeLessThanOrEqual(3)
      for (const d of [...v.changes, v.releaseAt]) expect(d >= 0 && d < 60).toBe(true)
    }
    expect(many.some((v) => v.held.length === 0) && many.some((v) => v.held.length === 2)).toBe(true)
  })

  it('delivers the oldest message of the first inbox in the order that may hear, held ones skipped until release', () => {
    const rng = createRng(3)
    let inOrder = 0
    let other = 0
    for (let walk = 0; walk < 300; walk++) {
      const s = new LaneSchedule(rng, NODES, 0, 40)
      const v = s.view()
      if (v.changes.length > 0) continue
      const to = [3, 1, 2, 0, 1, 3, 2, 0]
      for (const depth of [0, v.releaseAt]) {
        const w = world(to, depth)
        const acts = actionsOf(w)
        const k = s.pick(w, acts, ALL_ONE)
        const a = acts[k]
        const may = v.order.filter((n) => depth >= v.releaseAt || !v.held.includes(n))
        if (a.k === 'deliver' && a.msg === to.indexOf(may[0])) inOrder++
        else other++
      }
    }
    // One step in ten is drawn from every action (12 here: 8 deliveries, 4 timers).
    expect(other / (inOrder + other)).toBeGreaterThan(0.05)
    expect(other / (inOrder + other)).toBeLessThan(0.15)
  })

  it('takes an environment step (a timer) when only held inboxes have messages', () => {
    const rng = createRng(11)
    let checked = 0
    for (let walk = 0; walk < 300; walk++) {
      const s = new LaneSchedule(rng, NODES, 0, 40)
      const v = s.view()
      if (v.held.length === 0 || v.releaseAt === 0 || v.changes.length > 0) continue
      const w = world([v.held[0], v.held[0]], 0)
      const acts = actionsOf(w)
      for (let i = 0; i < 20; i++) {
        const k = s.pick(w, acts, ALL_ONE)
        // Only the (rare) free step may deliver to a held inbox.
        if (acts[k].k === 'deliver') continue
        expect(acts[k].k).toBe('tick')
        checked++
      }
    }
    expect(checked).toBeGreaterThan(100)
  })

  it('with links as lanes: a newer message on a higher link overtakes an older one to the same node', () => {
    const rng = createRng(9)
    let overtaken = 0
    let kept = 0
    let other = 0
    for (let walk = 0; walk < 3000; walk++) {
      const s = new LaneSchedule(rng, NODES, 0, 40, 'link')
      const v = s.view()
      expect([...v.order].sort((a, b) => a - b)).toEqual(Array.from({ length: NODES * NODES }, (_, i) => i))
      if (v.changes.length > 0 || v.held.length > 0) continue
      // To n1 (index 0): from n2 (link 4), then from n3 (link 8), then from n2 again.
      const w = onLinks([
        [1, 0],
        [2, 0],
        [1, 0],
      ])
      const acts = actionsOf(w)
      const a = acts[s.pick(w, acts, ALL_ONE)]
      if (a.k !== 'deliver') continue
      const first = v.order.indexOf(4) < v.order.indexOf(8) ? 0 : 1
      if (a.msg !== first)
        other++ // the free step
      else if (first === 1) overtaken++
      else kept++
    }
    expect(overtaken).toBeGreaterThan(80)
    expect(kept).toBeGreaterThan(80)
    expect(other).toBeLessThan((overtaken + kept) / 10)
  })

  it('drops the top inbox to the bottom at each change of order', () => {
    const rng = createRng(5)
    let checked = 0
    for (let walk = 0; walk < 300 && checked < 20; walk++) {
      const s = new LaneSchedule(rng, NODES, 0, 40)
      const v = s.view()
      if (v.changes.length !== 1 || v.held.length > 0) continue
      const d = v.changes[0]
      const w = world([0, 1, 2, 3], d)
      s.pick(w, actionsOf(w), ALL_ONE)
      expect(s.view().order).toEqual([...v.order.slice(1), v.order[0]])
      checked++
    }
    expect(checked).toBe(20)
  })
})
