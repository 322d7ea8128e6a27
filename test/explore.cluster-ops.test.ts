// The explorer with cluster operations (Raft membership changes and leadership transfer, asked
// of the leader as the engine's membership faults ask them) and with snapshots: it finds each
// broken Raft of thesis chapters 4 and 5 within a small bound, the correct Raft survives the
// same bound, and a counterexample with cluster operations records as a run Replay reads back.
import { describe, expect, it } from 'vitest'
import {
  budgetsOf,
  enabledActions,
  explore,
  Stepper,
  stepConfig,
  type ExploreOptions,
} from '../src/core/explore'
import { describeAction } from '../src/core/explore/actions'
import { parseOps } from '../src/core/explore/options'
import { recordCounterexample } from '../src/main/lab/record-trace'
import { LabStore } from '../src/main/store'
import { mutant, options, type OptionsOver } from './explore.helpers'

/** Raft without pre-vote (elections in fewer steps), its params added to that. */
function raft(over: OptionsOver = {}): ExploreOptions {
  return options('raft', { ...over, params: { preVote: false, ...over.params } })
}

const raftMutant = (name: string): ExploreOptions['factory'] => mutant('raft', name)

/** Each mutant, the bound that finds it, and the check that sees it. */
const CASES: Array<{ name: string; o: OptionsOver; check: string }> = [
  // A new leader changes the configuration before committing its no-op (the 2015 bug): 4 steps.
  { name: 'changeBeforeTermCommit', o: { depth: 4, admin: 1 }, check: 'Configuration Changes' },
  // Two changes in a row, the second before the first is committed: 7 steps.
  { name: 'concurrentConfigChanges', o: { depth: 7, admin: 2, nodes: 2 }, check: 'Configuration Changes' },
  // Voters n1, n2 and a spare n3: n1 adds n3 as a learner, and n3's vote elects n2.
  {
    name: 'learnerCountsAsVoter',
    o: { strategy: 'random', depth: 14, admin: 1, nodes: 2, maxNodes: 3, maxStates: 60_000 },
    check: 'Election Safety',
  },
  // A snapshot after every applied entry; the older of two InstallSnapshots arrives last
  // (13 steps: found depth-first).
  {
    name: 'installStaleSnapshot',
    o: {
      strategy: 'dfs',
      depth: 15,
      ops: parseOps('put'),
      params: { snapshotEveryEntries: 1 },
      maxStates: 45_000,
    },
    check: 'State Machine Safety',
  },
]

describe('explore: cluster operations and snapshots (Raft thesis chapters 4 and 5)', () => {
  for (const c of CASES) {
    it(`finds raft ${c.name}; the correct Raft has no violation within the same bound`, () => {
      const o = raft({ ...c.o, factory: raftMutant(c.name) })
      const r = explore(o)
      expect(r.stop).toBe('violation')
      const ce = r.counterexample
      if (!ce) return
      expect(ce.violations.map((v) => v.name)).toContain(c.check)
      if ((c.o.admin ?? 0) > 0) expect(ce.steps.some((s) => s.text.startsWith('ask leader '))).toBe(true)
      const ok = explore({ ...o, factory: undefined })
      expect(ok.counterexample).toBeNull()
      expect(ok.stop).toBe(o.strategy === 'bfs' ? 'exhausted' : 'max-states')
      if (o.strategy === 'bfs') expect(ok.depth).toBe(o.depth)
    }, 240_000)
  }

  it('the shortest path to the 2015 bug: elect n1, then ask it to change the configuration', () => {
    const r = explore(raft({ factory: raftMutant('changeBeforeTermCommit'), depth: 4, admin: 1 }))
    expect(r.counterexample?.steps.map((s) => s.text)).toEqual([
      'timer of n1 fires',
      'deliver n1 -> n2 RequestVote: RV t1 last=0/0',
      'deliver n2 -> n1 RequestVoteResp: RVR t1 granted',
      'ask leader n1: remove n1',
    ])
  })

  it('asks only the leader, only what changes its configuration, within the budget', () => {
    const o = raft({ admin: 1 })
    const cfg = stepConfig(o)
    const st = new Stepper(cfg)
    const b = budgetsOf(o, cfg)
    let w = st.initial()
    const texts = (): string[] => enabledActions(w, 3, b, []).map((a) => describeAction(st, w, a))
    expect(texts().filter((t) => t.startsWith('ask'))).toEqual([]) // no leader yet
    for (const step of ['timer of n1', 'deliver n1 -> n2 RequestVote', 'deliver n2 -> n1 RequestVoteResp']) {
      const acts = enabledActions(w, 3, b, [])
      const a = acts.find((x) => describeAction(st, w, x).startsWith(step))
      if (!a) throw new Error(`no ${step}`)
      w = st.apply(w, a)?.world ?? w
    }
    // Every voter may be removed; none added (all are voters) or promoted; transfer to the others.
    expect(texts().filter((t) => t.startsWith('ask'))).toEqual([
      'ask leader n1: remove n1',
      'ask leader n1: remove n2',
      'ask leader n1: remove n3',
      'ask leader n1: transfer leadership to n2',
      'ask leader n1: transfer leadership to n3',
    ])
    const ask = enabledActions(w, 3, b, []).find(
      (a) => a.k === 'admin' && describeAction(st, w, a).endsWith('n3'),
    )
    if (!ask) throw new Error('no transfer')
    w = st.apply(w, ask)?.world ?? w
    expect(w.admin).toBe(1)
    expect(enabledActions(w, 3, b, []).some((a) => a.k === 'admin')).toBe(false)
    // Without a budget (or for an algorithm without cluster operations) there are none.
    expect(budgetsOf(raft(), stepConfig(raft())).admin).toBe(0)
  })

  it('a counterexample with cluster operations records as a run that Replay reads back', () => {
    const o = raft({ factory: raftMutant('concurrentConfigChanges'), depth: 7, admin: 2 })
    const ce = explore(o).counterexample
    if (!ce) throw new Error('no counterexample')
    const faults = ce.trace.filter((e) => e.kind === 'fault')
    expect(faults.map((e) => (e.kind === 'fault' ? `${e.phase} ${e.fault} ${e.detail}` : ''))).toEqual([
      'start membership remove n1 (asked of leader n1)',
      'end membership remove n1: asked',
      'start membership add n1 (asked of leader n1)',
      'end membership add n1: asked',
    ])
    expect(ce.trace.some((e) => e.kind === 'config')).toBe(true)
    const store = LabStore.memory()
    try {
      const runId = recordCounterexample(store, {
        spec: o.spec,
        mutants: ['concurrentConfigChanges'],
        strategy: 'bfs',
        ce,
        appVersion: 'test',
      })
      expect(store.getRun(runId)?.summary?.verdict).toBe('violation')
      expect(store.tracePage(runId, { limit: 1000 }).events.length).toBe(ce.trace.length)
    } finally {
      store.close()
    }
  })
})
