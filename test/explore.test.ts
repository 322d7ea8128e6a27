// The explorer (src/core/explore): it finds seeded bugs with their shortest trace, finds
// nothing on the correct algorithms within a bound, is deterministic, and its counterexample
// is a well-formed trace that records as a run Replay can open.
import { describe, expect, it } from 'vitest'
import {
  budgetsOf,
  cloneState,
  describeAction,
  digest,
  enabledActions,
  encodeValue,
  explore,
  isViolation,
  startExplore,
  StateShapeError,
  Stepper,
  stepConfig,
  type Action,
  type ExploreOptions,
  type World,
} from '../src/core/explore'
import { Invariants } from '../src/core/explore/invariants'
import { parseOps } from '../src/core/explore/options'
import { recordCounterexample } from '../src/main/lab/record-trace'
import { replayState } from '../src/main/lab/replay'
import { LabStore } from '../src/main/store'
import { mutant, options } from './explore.helpers'

/**
 * The length of the shortest violating path, by a search that shares nothing with the
 * explorer's: every path up to `depth` from the initial state, no state hashing, no dedup.
 * null when no path that short violates.
 */
function shortestByTreeSearch(o: ExploreOptions, depth: number): number | null {
  const cfg = stepConfig(o)
  const st = new Stepper(cfg)
  const inv = new Invariants(o.linearizability)
  const budgets = { ...budgetsOf(o, cfg), byzantine: 0 }
  const clients = o.ops.map((op) => op.client)
  let level: World[] = [st.initial()]
  for (let d = 1; d <= depth; d++) {
    const next: World[] = []
    for (const w of level) {
      for (const a of enabledActions(w, o.spec.cluster.nodes, budgets, clients)) {
        const out = st.apply(w, a)
        if (out === null) continue
        if (inv.violated(out)) return d
        next.push(out.world)
      }
    }
    level = next
  }
  return null
}

/** PBFT on 4 replicas with two client puts (the correct one without `factory`), as the bench explores it. */
function pbft4(factory: ExploreOptions['factory'], over: Partial<ExploreOptions> = {}): ExploreOptions {
  return options('pbft', {
    nodes: 4,
    params: { viewChangeTicks: 2 },
    ops: parseOps('put,put'),
    ...(factory ? { factory } : {}),
    ...over,
  })
}

/** The quorum store acknowledging a put before W replicas stored it, one put to explore. */
const quorumAck = options('quorum', {
  factory: mutant('quorum', 'ackBeforeQuorum'),
  ops: [{ client: 1, f: 'put', key: 'k1' }],
  depth: 8,
})

describe('explore: seeded bugs', () => {
  it('BFS finds quorum ackBeforeQuorum with a shortest counterexample (no shorter path violates)', () => {
    const r = explore(quorumAck)
    expect(r.stop).toBe('violation')
    const ce = r.counterexample
    expect(ce).not.toBeNull()
    if (!ce) return
    expect(ce.violations.map((v) => v.name)).toContain('No acknowledged write lost')
    // The violation's level counts as reached (not only the level being expanded, one less).
    expect(r.depth).toBe(ce.steps.length)
    expect(ce.steps.map((s) => s.text)).toEqual([
      'client 1 sends c1.1 put k1=c1.1 to n1',
      'deliver n1 -> n3 Get: Get k1 (c1.1:r)',
      'deliver n3 -> n1 GetReply: GetReply k1 [] (c1.1:r)',
    ])
    // Minimal: an exhaustive tree search (no hashing) finds its first violation at the same depth.
    expect(shortestByTreeSearch(quorumAck, ce.steps.length)).toBe(ce.steps.length)
    expect(shortestByTreeSearch(quorumAck, ce.steps.length - 1)).toBeNull()
  })

  it('the correct quorum store has no violation within the same bound', () => {
    const r = explore({ ...quorumAck, factory: undefined, depth: 5 })
    expect(r.stop).toBe('exhausted')
    expect(r.counterexample).toBeNull()
    expect(r.states).toBeGreaterThan(1000)
  })

  it('a fair settle ending the walks finds quorum antiEntropySkipsRange (Convergence); the correct store converges', () => {
    // Only Convergence sees this bug, and it is judged after a quiet time no short path has:
    // a walk that ends with a replica behind gets a fair settle (every message delivered,
    // timers in turn), then is judged as if the cluster stayed quiet (module.settle).
    const o = options('quorum', {
      factory: mutant('quorum', 'antiEntropySkipsRange'),
      strategy: 'random',
      depth: 12,
      maxStates: 60_000,
      ops: parseOps('put'),
      crashes: 1,
      drops: 1,
      seed: 10,
    })
    const r = explore(o)
    expect(r.stop).toBe('violation')
    const ce = r.counterexample
    expect(ce).not.toBeNull()
    if (!ce) return
    expect(ce.violations.map((v) => v.name)).toEqual(['Convergence'])
    expect(ce.violations[0].details[0]).toMatch(/is missing at the end .* on n\d/)
    // The walk's part was shrunk (the settle after it is run again for each candidate), and
    // the settle is in the path: anti-entropy rounds that never repair the replica.
    expect(ce.steps.length).toBeLessThan(r.foundSteps as number)
    expect(ce.steps.filter((s) => /MerkleRoot/.test(s.text)).length).toBeGreaterThan(20)
    // The same bound on the correct store: every walk's end converges in its settle.
    const ok = explore({ ...o, factory: undefined })
    expect(ok.stop).toBe('max-states')
    // Depth reached is the walks' (the bound); the settles' steps after them are not searched depth.
    expect(ok.depth).toBe(12)
    expect(r.depth).toBeLessThanOrEqual(12)
  }, 120_000)

  it('a put the coordinator stores and acknowledges in one step (W = 1) is stored before it is acknowledged', () => {
    // The node's apply event is recorded before the client's ok of the same step; the other
    // way round the checker saw the ack 1 µs before the store (a false "write lost").
    const r = explore(
      options('quorum', {
        params: { readQuorum: 1, writeQuorum: 1 },
        ops: [{ client: 1, f: 'put', key: 'k1' }],
        depth: 3,
      }),
    )
    expect(r.stop).toBe('exhausted')
    expect(r.counterexample).toBeNull()
  })

  it('finds raft forgetPersistVote: two leaders in one term after a restart forgets the vote', () => {
    const o = options('raft', {
      factory: mutant('raft', 'forgetPersistVote'),
      params: { preVote: false },
      crashes: 1,
      depth: 20,
      strategy: 'random',
      // Walk seeds differ a lot here: of seeds 1..11, four find it within 150,000 steps
      // (from 927 to 27,000), the others by 400,000. Seed 7 finds it in about 27,000.
      seed: 7,
      maxStates: 60_000,
    })
    const r = explore(o)
    expect(r.stop).toBe('violation')
    const ce = r.counterexample
    if (!ce) return
    expect(ce.steps.some((s) => s.text.startsWith('crash '))).toBe(true)
    expect(ce.steps.some((s) => s.text.startsWith('restart '))).toBe(true)
    expect(ce.violations.map((v) => v.name)).toEqual(['Election Safety'])
    // The correct Raft survives the same search.
    expect(explore({ ...o, factory: undefined, maxStates: 20_000 }).stop).toBe('max-states')
  }, 120_000)

  it('the correct Raft has no violation within depth 6 (crashes allowed)', () => {
    const r = explore(options('raft', { params: { preVote: false }, crashes: 1, depth: 6 }))
    expect(r.stop).toBe('exhausted')
    expect(r.counterexample).toBeNull()
    expect(r.depth).toBe(6)
  }, 120_000)

  it('random walks find paxos ignoreAcceptedValue and shrink the path; the same seed gives the same result', () => {
    const o = options('paxos', {
      factory: mutant('paxos', 'ignoreAcceptedValue'),
      strategy: 'random',
      depth: 24,
      maxStates: 200_000,
      ops: parseOps('put,put'),
    })
    const a = explore(o)
    const b = explore(o)
    expect(a.stop).toBe('violation')
    expect(a.counterexample?.steps.map((s) => s.text)).toEqual(b.counterexample?.steps.map((s) => s.text))
    expect(a.transitions).toBe(b.transitions)
    const ce = a.counterexample
    if (!ce) return
    expect(ce.steps.length).toBeLessThanOrEqual(a.foundSteps as number)
    expect(ce.violations.map((v) => v.name)).toContain('Agreement')
  }, 120_000)

  it('a Byzantine node breaks Raft (outside its fault model) but not PBFT with f = 1', () => {
    const raft = explore(
      options('raft', {
        params: { preVote: false },
        byzantine: 1,
        strategy: 'random',
        depth: 20,
        maxStates: 100_000,
      }),
    )
    expect(raft.stop).toBe('violation')
    const ce = raft.counterexample
    if (!ce) return
    expect(ce.steps.some((s) => / as Byzantine n\d (equivocated|forged) it: /.test(s.text))).toBe(true)
    const faults = ce.trace.filter((e) => e.kind === 'fault')
    expect(faults.length).toBe(1)
    expect(faults[0]).toMatchObject({ fault: 'byzantine', phase: 'start' })
    const pbft = explore(
      options('pbft', {
        nodes: 4,
        byzantine: 1,
        strategy: 'random',
        depth: 30,
        maxStates: 20_000,
        ops: parseOps('put,get'),
      }),
    )
    expect(pbft.stop).toBe('max-states')
  }, 120_000)

  it('BFS is deterministic: the same options give the same figures and counterexample', () => {
    const a = explore(quorumAck)
    const b = explore(quorumAck)
    expect({ s: a.states, t: a.transitions, c: a.counterexample?.trace }).toEqual({
      s: b.states,
      t: b.transitions,
      c: b.counterexample?.trace,
    })
  })

  it('driven in slices (a host keeping its event loop free), it gives the same result; stop() ends it', () => {
    for (const strategy of ['bfs', 'dfs', 'random'] as const) {
      const o = { ...quorumAck, strategy, maxStates: 50_000 }
      const whole = explore(o)
      const session = startExplore(o)
      let r = null
      let slices = 0
      while (r === null) {
        r = session.advance(2)
        slices++
      }
      expect(slices).toBeGreaterThan(1)
      expect({ stop: r.stop, states: r.states, steps: r.counterexample?.steps }).toEqual({
        stop: whole.stop,
        states: whole.states,
        steps: whole.counterexample?.steps,
      })
    }
    const session = startExplore(options('raft', { depth: 20 }))
    expect(session.advance(100)).toBeNull()
    expect(session.progress().transitions).toBeGreaterThanOrEqual(100)
    expect(session.stop().stop).toBe('stopped')
  })

  it('DFS and the max-states bound: stops when the bound is reached, and says so', () => {
    const r = explore(options('raft', { strategy: 'dfs', depth: 10, maxStates: 500 }))
    expect(r.stop).toBe('max-states')
    expect(r.states).toBe(500)
  })
})

describe('explore: known schedules of deep bugs, replayed step by step', () => {
  /**
   * Follow `steps` (each a pattern for the next action's description) from the initial state:
   * the index of the step at which an invariant breaks, or null when none does.
   */
  function follow(o: ExploreOptions, steps: readonly string[]): number | null {
    const cfg = stepConfig(o)
    const st = new Stepper(cfg)
    const inv = new Invariants(o.linearizability)
    const budgets = budgetsOf(o, cfg)
    const clients = o.ops.map((op) => op.client)
    let w = st.initial()
    for (const [i, step] of steps.entries()) {
      const acts = enabledActions(w, o.spec.cluster.nodes, budgets, clients)
      const texts = acts.map((a) => describeAction(st, w, a))
      const k = texts.findIndex((t) => t.includes(step))
      if (k < 0) throw new Error(`step ${i + 1}: no enabled action matches "${step}": ${texts.join(' | ')}`)
      const out = st.apply(w, acts[k])
      if (out === null) throw new Error(`step ${i + 1} (${texts[k]}) was not applied`)
      if (inv.violated(out)) return i
      w = out.world
    }
    return null
  }

  // Raft's Figure 8 (section 5.4.2) as the explorer's model has it, 21 steps and no crash:
  // n1 leads t1 (its no-op at index 1 reaches nobody), n2 leads t2 with n3's vote, n1 steps
  // down on n2's reply, wins t3 with n3's vote and (maxBatch 1) sends n3 the old entry after
  // a reject; the mutant counts it committed. n3 times out (t4), n2 steps down on n3's reply
  // to its stale AppendEntries and wins t5 with n3's vote, without that entry. Random walks
  // at depth 40 with crashes did not find it within 120 s; at depth 60 without crashes lane
  // walks find a schedule like it for some seeds (bench/explore.ts, and the lane-walk test
  // below).
  const FIGURE_8 = [
    'timer of n1',
    'n1 -> n2 RequestVote',
    'n2 -> n1 RequestVoteResp',
    'timer of n2',
    'n2 -> n3 RequestVote',
    'n3 -> n2 RequestVoteResp',
    'n1 -> n2 AppendEntries',
    'n2 -> n1 AppendEntriesResp',
    'timer of n1',
    'n1 -> n3 RequestVote: RV t3',
    'n3 -> n1 RequestVoteResp',
    'n1 -> n3 AppendEntries: AE t3',
    'n3 -> n1 AppendEntriesResp',
    'n1 -> n3 AppendEntries: AE t3',
    'n3 -> n1 AppendEntriesResp',
    'timer of n3',
    'n2 -> n3 AppendEntries',
    'n3 -> n2 AppendEntriesResp',
    'timer of n2',
    'n2 -> n3 RequestVote: RV t5',
    'n3 -> n2 RequestVoteResp',
  ]

  it("raft commitOldTermByCounting's 21-step Figure 8 breaks Leader Completeness in the explorer's model; the correct Raft does not commit there", () => {
    const o = (factory?: ExploreOptions['factory']): ExploreOptions =>
      options('raft', { params: { preVote: false, maxBatch: 1 }, ...(factory ? { factory } : {}) })
    expect(follow(o(mutant('raft', 'commitOldTermByCounting')), FIGURE_8)).toBe(FIGURE_8.length - 1)
    expect(follow(o(), FIGURE_8)).toBeNull()
  })

  // bench/explore.ts records it: n3 executes c1.1 at #1 in view 0 (n2 never sees its
  // PrePrepare, n4 prepares it but gets too few Commits); client 2's put at n2 starts a view
  // change whose ViewChanges (n2, n4, n1) carry no prepared certificate under the mutant, so
  // n2 orders c2.1 at #1 in view 1 and n4 executes it.
  const FORGET_PREPARED = [
    'client 1 sends c1.1 put k1=c1.1 to n1',
    'n1 -> n3 PrePrepare',
    'n1 -> n4 PrePrepare',
    'n4 -> n3 Prepare',
    'n3 -> n4 Prepare',
    'n3 -> n1 Prepare',
    'n4 -> n1 Prepare',
    'n1 -> n3 Commit',
    'n4 -> n3 Commit',
    'client 2 sends c2.1 put k1=c2.1 to n2',
    'timer of n2 fires',
    'timer of n4 fires',
    'n2 -> n1 ViewChange',
    'n4 -> n1 ViewChange',
    'n4 -> n2 ViewChange',
    'n1 -> n2 ViewChange',
    'n2 -> n1 NewView',
    'n2 -> n4 NewView',
    'n2 -> n1 PrePrepare: v1',
    'n2 -> n4 PrePrepare: v1',
    'n1 -> n4 Prepare: v1',
    'n4 -> n1 Prepare: v1',
    'n1 -> n4 Commit: v1',
    'n4 -> n2 Prepare: v1',
    'n1 -> n2 Prepare: v1',
    'n2 -> n4 Commit: v1',
  ]

  it("pbft forgetPrepared's 26-step schedule breaks agreement in the explorer's model; the correct PBFT keeps it", () => {
    expect(follow(pbft4(mutant('pbft', 'forgetPrepared')), FORGET_PREPARED)).toBe(FORGET_PREPARED.length - 1)
    // Without the bug n4's ViewChange carries its prepared certificate for c1.1, so view 1
    // orders c1.1 at #1 again: the same schedule ends with no replica disagreeing.
    expect(follow(pbft4(undefined), FORGET_PREPARED)).toBeNull()
  })
})

describe('explore: lane walks find a bug that needs one delivery order kept for many steps', () => {
  // pbft forgetPrepared (the schedule above): n2 must hear nothing of c1.1 while the others
  // prepare and commit it, then the view change must leave n3 out. Swarm walks alone did not
  // find it in 90 s (about 700,000 steps); with lane walks seed 2 finds it in about 10,000
  // (one seed in ten of 1..12 does within 100,000: the bench's --seeds shows the rate).
  const o = (factory?: ExploreOptions['factory']): ExploreOptions =>
    pbft4(factory, { strategy: 'random', depth: 60, crashes: 1, seed: 2, maxStates: 20_000 })

  it('finds pbft forgetPrepared with random walks, shrunk to a short schedule; the correct PBFT survives the same walks', () => {
    const r = explore(o(mutant('pbft', 'forgetPrepared')))
    expect(r.stop).toBe('violation')
    const ce = r.counterexample
    expect(ce?.violations.map((v) => v.name)).toEqual(['Honest replicas agree'])
    expect(ce?.steps.length).toBeLessThanOrEqual(30)
    const ok = explore(o())
    expect(ok.stop).toBe('max-states')
    expect(ok.counterexample).toBeNull()
  }, 120_000)

  // raft commitOldTermByCounting (Raft's Figure 8, FIGURE_8 above): a leader must get its
  // old-term entry to a voter while a newer leader's AppendEntries to that voter waits, which
  // a lane order on links keeps up. The bench's bound (depth 60, no crash) finds it for seeds
  // 1 and 5 of 1..6 within 300 s (2-3 million steps) and for none of 7..33 within 400,000;
  // seed 37 draws a walk that does within about 6,500 steps, pinned here.
  const raft = (factory?: ExploreOptions['factory']): ExploreOptions =>
    options('raft', {
      params: { preVote: false, maxBatch: 1 },
      ...(factory ? { factory } : {}),
      strategy: 'random',
      depth: 60,
      seed: 37,
      maxStates: 20_000,
    })

  it('finds raft commitOldTermByCounting (Figure 8) with random walks, shrunk to a short schedule; the correct Raft survives the same walks', () => {
    const r = explore(raft(mutant('raft', 'commitOldTermByCounting')))
    expect(r.stop).toBe('violation')
    const ce = r.counterexample
    expect(ce?.violations.map((v) => v.name)).toContain('Leader Completeness')
    expect(ce?.steps.length).toBeLessThanOrEqual(30)
    const ok = explore(raft())
    expect(ok.stop).toBe('max-states')
    expect(ok.counterexample).toBeNull()
  }, 120_000)
})

describe('explore: the counterexample as a run', () => {
  const o = { ...quorumAck, depth: 4 }

  it('is a trace as the simulator records one: each delivery after its send, times in step order', () => {
    const ce = explore(o).counterexample
    expect(ce).not.toBeNull()
    if (!ce) return
    const trace = ce.trace
    for (let i = 1; i < trace.length; i++) expect(trace[i].t).toBeGreaterThan(trace[i - 1].t)
    const sent = new Set<number>()
    for (const e of trace) {
      if (e.kind === 'send') sent.add(e.msgId)
      if (e.kind === 'deliver') {
        expect(sent.has(e.msgId)).toBe(true)
        expect(e.vc.every((x) => x >= 0)).toBe(true)
      }
    }
    // The last step (step 3) happens at 3 synthetic ms.
    expect(Math.floor(trace[trace.length - 1].t / 1000)).toBe(ce.steps.length)
    expect(trace.filter((e) => e.kind === 'op').map((e) => (e.kind === 'op' ? e.phase : ''))).toEqual([
      'invoke',
      'ok',
    ])
    // Judged again from the trace alone: the same violation.
    expect(ce.violations.some(isViolation)).toBe(true)
  })

  it('records as a run (trace, ops, summary, nodes) that Replay reads back', () => {
    const ce = explore(o).counterexample
    if (!ce) throw new Error('no counterexample')
    const store = LabStore.memory()
    try {
      const runId = recordCounterexample(store, {
        spec: o.spec,
        mutants: ['ackBeforeQuorum'],
        strategy: 'bfs',
        ce,
        appVersion: 'test',
      })
      const run = store.getRun(runId)
      expect(run?.status).toBe('done')
      expect(run?.summary?.verdict).toBe('violation')
      expect(run?.summary?.ops).toEqual({ total: 1, ok: 1, fail: 0, info: 0 })
      expect(run?.name).toBe('explore explore-quorum mutant ackBeforeQuorum bfs 3 steps')
      const page = store.tracePage(runId, { limit: 1000 })
      expect(page.events.length).toBe(ce.trace.length)
      // Each node's first event comes at its first step; before it the node runs (the quorum
      // store's nodes are replicas), it is not down.
      const first = new Map<string, number>()
      for (const e of ce.trace) if (e.node !== null && !first.has(e.node)) first.set(e.node, e.t)
      expect(Math.max(...first.values())).toBeGreaterThan(0)
      const start = replayState(store, runId, 0, 0)
      expect(start.nodes.map((n) => [n.role, n.up])).toEqual(start.nodes.map(() => ['replica', true]))
      expect(store.counts(runId).ops).toBe(1)
    } finally {
      store.close()
    }
  })
})

describe('explore: state encoding and copies', () => {
  class Box {
    items = new Map<string, number[]>()
    tags = new Set<string>()
    n = 0
    bump(): void {
      this.n++
    }
  }

  it('encodes Maps and Sets whatever their insertion order, and tells different states apart', () => {
    const a = new Box()
    a.items.set('x', [1]).set('y', [2])
    a.tags.add('p').add('q')
    const b = new Box()
    b.items.set('y', [2]).set('x', [1])
    b.tags.add('q').add('p')
    expect(encodeValue(a)).toBe(encodeValue(b))
    expect(digest(a)).toBe(digest(b))
    b.items.set('x', [1, 0])
    expect(encodeValue(a)).not.toBe(encodeValue(b))
    expect(digest(a)).not.toBe(digest(b))
    // The same fields in another class are another state.
    expect(digest({ n: 1 })).not.toBe(digest(Object.assign(Object.create(Box.prototype) as object, { n: 1 })))
  })

  it('copies deeply, keeps prototypes and aliasing, and leaves the original alone', () => {
    const shared = [1, 2]
    const a = new Box()
    a.items.set('x', shared).set('y', shared)
    const c = cloneState(a)
    expect(c).toBeInstanceOf(Box)
    expect(c.items.get('x')).toBe(c.items.get('y'))
    c.items.get('x')?.push(3)
    c.bump()
    expect(shared).toEqual([1, 2])
    expect(a.n).toBe(0)
    expect(c.n).toBe(1)
  })

  it('refuses a closure in a field (a copy would still act on the original), naming it', () => {
    class Holder {
      n = 0
      inc = (): void => {
        this.n++
      }
    }
    expect(() => cloneState(new Holder())).toThrow(StateShapeError)
    expect(() => cloneState(new Holder())).toThrow(/Holder\.inc holds a closure/)
  })

  it('copies every algorithm node so that a step on the copy leaves the original unchanged', () => {
    for (const m of ['raft', 'paxos', 'multipaxos', 'pbft', 'quorum']) {
      const o = options(m, { nodes: m === 'pbft' ? 4 : 3, ops: [{ client: 1, f: 'put', key: 'k1' }] })
      const st = new Stepper(stepConfig(o))
      const w0 = st.initial()
      const before = w0.nodes.map((n) => digest(n.proto))
      const acts: Action[] = enabledActions(
        w0,
        o.spec.cluster.nodes,
        { crashes: 0, drops: 0, attempts: 2, byzantine: 0, admin: 0, clusterOps: [] },
        [1],
      )
      for (const a of acts) st.apply(w0, a)
      expect(
        w0.nodes.map((n) => digest(n.proto)),
        m,
      ).toEqual(before)
    }
  })
})
