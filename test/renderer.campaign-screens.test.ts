// The Explore and Fuzz screens' logic (src/renderer/src/explore-screen.ts, fuzz-screen.ts):
// forms become requests or field errors, progress and outcomes in words.
import { describe, expect, it } from 'vitest'
import type { CampaignOptions, ExploreCampaign, FuzzCampaign } from '../src/shared/api'
import {
  exploreFigures,
  exploreOutcome,
  exploreRequest,
  initialExploreForm,
  mutantChoices,
  sourceAlgorithm,
  sourceOptions,
  withSource,
} from '../src/renderer/src/explore-screen'
import {
  findingText,
  fuzzOutcome,
  fuzzProgress,
  fuzzRequest,
  initialFuzzForm,
  nodesHelp,
} from '../src/renderer/src/fuzz-screen'
import { Campaigns } from '../src/main/lab/campaigns'
import { LabStore } from '../src/main/store'

/** The lab's own options (what campaignOptions answers). */
function labOptions(): CampaignOptions {
  const store = LabStore.memory()
  const o = new Campaigns({ store, version: 't', emit: () => {}, recordRun: async () => 'x' }).options()
  store.close()
  return o
}
const o = labOptions()

function explore(p: Partial<ExploreCampaign>): ExploreCampaign {
  return {
    kind: 'explore',
    campaignId: 'e1',
    status: 'done',
    startedAt: '2026-01-01T00:00:00Z',
    title: 't',
    algorithm: 'raft',
    mutants: [],
    strategy: 'bfs',
    depth: 8,
    maxStates: 200_000,
    seconds: 60,
    states: 64_853,
    transitions: 134_475,
    depthReached: 8,
    elapsedMs: 21_400,
    stop: 'exhausted',
    counterexample: null,
    linUnknown: 0,
    error: null,
    ...p,
  }
}

describe('the Explore screen', () => {
  it('starts on the Raft example and its mutants; the designer spec is the other source', () => {
    const f = initialExploreForm(o)
    expect(f.source).toBe('example:0')
    expect(sourceAlgorithm(f.source, o, null)).toBe('raft')
    expect(mutantChoices(o, 'raft')).toContain('forgetPersistVote')
    expect(mutantChoices(o, 'nope')).toEqual([])
    const labels = sourceOptions(o, { name: 'mine', algorithm: 'paxos', nodes: 5 }).map((x) => x.label)
    expect(labels[0]).toBe("Designer's spec: mine (paxos, 5 nodes)")
    expect(labels).toContain('Example: Raft, 3 nodes, no pre-vote')
    expect(sourceOptions(o, null)[0].label).toContain('fix them on Design')
    // The designer's spec names its algorithm; an example brings its ops and clears mutants.
    expect(sourceAlgorithm('design', o, { algorithm: { kind: 'pbft' } })).toBe('pbft')
    const q = withSource({ ...f, mutants: ['forgetPersistVote'] }, 'example:4', o)
    expect(q).toMatchObject({ source: 'example:4', mutants: [], ops: 'put,put,get', drops: '1' })
  })

  it('builds the request from the form, or names every bad field', () => {
    const f = { ...initialExploreForm(o), mutants: ['forgetPersistVote'] }
    const r = exploreRequest(f, o, null)
    expect(r).toEqual({
      ok: true,
      request: {
        spec: o.explore.examples[0].spec,
        mutants: ['forgetPersistVote'],
        strategy: 'bfs',
        depth: 8,
        maxStates: 200_000,
        seconds: 60,
        crashes: 1,
        drops: 0,
        ops: 'none',
      },
    })
    const bad = exploreRequest(
      {
        ...f,
        depth: '0',
        maxStates: '2,000,000',
        seconds: 'soon',
        crashes: '1.5',
        admin: '11',
        ops: ' ',
        mutants: ['ackBeforeQuorum'],
      },
      o,
      null,
    )
    expect(bad.ok).toBe(false)
    if (bad.ok) return
    expect(bad.errors.map((e) => e.path)).toEqual([
      'depth',
      'maxStates',
      'seconds',
      'crashes',
      'admin',
      'mutants[0]',
      'ops',
    ])
    expect(bad.errors[0].message).toBe('must be a whole number between 1 and 1,000 steps')
    expect(bad.errors[1].message).toBe('must be a whole number between 1 and 1,000,000 states')
    // A cluster-operation budget goes with the request when there is one.
    const withAdmin = exploreRequest({ ...f, admin: '2' }, o, null)
    expect(withAdmin.ok && withAdmin.request.admin).toBe(2)
    // The designer's spec with problems is no spec at all.
    const none = exploreRequest({ ...f, source: 'design', mutants: [] }, o, null)
    expect(none.ok ? [] : none.errors).toEqual([
      { path: 'source', message: "the designer's spec has problems: fix them on Design" },
    ])
  })

  it('says what was found: nothing within the depth, a cut, a violation', () => {
    expect(exploreOutcome(explore({}))).toEqual({
      kind: 'none',
      headline: 'no violation within depth 8 (64,853 states, 134,475 transitions)',
      notes: [],
    })
    expect(exploreOutcome(explore({ stop: 'time', depthReached: 6 })).headline).toBe(
      'cut short by the time limit: no violation in 64,853 states, 134,475 transitions (depth 6 of 8 reached)',
    )
    expect(exploreOutcome(explore({ stop: 'max-states' })).kind).toBe('cut')
    expect(exploreOutcome(explore({ status: 'stopped', stop: 'stopped' })).headline).toMatch(
      /^stopped: no violation/,
    )
    const v = exploreOutcome(
      explore({
        stop: 'violation',
        counterexample: {
          steps: ['tick n1', 'crash n2'],
          violations: [{ name: 'Election Safety', count: 1, details: [] }],
          runId: 'r1',
        },
      }),
    )
    expect(v).toMatchObject({
      kind: 'violation',
      headline: expect.stringContaining('violation after 2 steps'),
    })
    expect(v.headline).toContain('Election Safety: 1 violation')
    expect(exploreOutcome(explore({ status: 'running', stop: null })).kind).toBe('running')
    expect(exploreOutcome(explore({ status: 'failed', error: 'boom' }))).toMatchObject({
      kind: 'failed',
      headline: 'boom',
    })
    const figs = Object.fromEntries(exploreFigures(explore({})).map((x) => [x.testid, x.value]))
    expect(figs).toEqual({
      states: '64,853',
      transitions: '134,475',
      rate: '3,031',
      depth: '8 of 8',
      time: '21.4 s of 60 s',
    })
  })
})

function fuzz(p: Partial<FuzzCampaign>): FuzzCampaign {
  return {
    kind: 'fuzz',
    campaignId: 'f1',
    status: 'running',
    startedAt: '2026-01-01T00:00:00Z',
    title: 't',
    algorithm: 'raft',
    mutants: ['commitOldTermByCounting'],
    seeds: 40,
    start: 1,
    workers: 2,
    nodes: 5,
    style: null,
    durationMs: 4000,
    done: 10,
    elapsedMs: 4000,
    findings: [],
    violating: 0,
    error: null,
    ...p,
  }
}

describe('the Fuzz screen', () => {
  it('builds the request from the form, or names every bad field', () => {
    const f = { ...initialFuzzForm(o), mutants: ['commitOldTermByCounting'], seeds: '40' }
    expect(fuzzRequest(f, o)).toEqual({
      ok: true,
      request: {
        algorithm: 'raft',
        seeds: 40,
        mutants: ['commitOldTermByCounting'],
        workers: 'auto',
        durationMs: 4000,
      },
    })
    expect(fuzzRequest({ ...f, workers: '2' }, o)).toMatchObject({ ok: true, request: { workers: 2 } })
    const bad = fuzzRequest({ ...f, algorithm: 'paxos', seeds: '0', workers: '99', durationMs: 'x' }, o)
    expect(bad.ok ? [] : bad.errors.map((e) => e.path)).toEqual([
      'mutants[0]',
      'seeds',
      'durationMs',
      'workers',
    ])
    const unknown = fuzzRequest({ ...f, algorithm: 'zab', mutants: [] }, o)
    expect(unknown.ok ? [] : unknown.errors.map((e) => e.path)).toEqual(['algorithm'])
  })

  it('takes a cluster size and a fault style for every seed, or leaves them to the fuzz model', () => {
    const f = initialFuzzForm(o)
    expect(f).toMatchObject({ nodes: '', style: '' })
    expect(nodesHelp(f, o)).toBe("empty: the algorithm's fuzz model (5 nodes for raft)")
    const r = fuzzRequest({ ...f, nodes: '3', style: 'leader-churn' }, o)
    expect(r).toMatchObject({ ok: true, request: { nodes: 3, style: 'leader-churn' } })
    const none = fuzzRequest(f, o)
    expect(none.ok && 'nodes' in none.request).toBe(false)
    expect(none.ok && 'style' in none.request).toBe(false)
    const bad = fuzzRequest({ ...f, nodes: '16', style: 'chaos' }, o)
    expect(bad.ok ? [] : bad.errors).toEqual([
      { path: 'nodes', message: expect.stringContaining('1') },
      {
        path: 'style',
        message: 'must be one of mixed, leader-churn, leader-isolation, election-storm (or empty: per seed)',
      },
    ])
  })

  it('shows the progress, each violating seed with its reproduce line, and the outcome', () => {
    expect(fuzzProgress(fuzz({}))).toEqual({
      percent: 25,
      figures: [
        { label: '25%', value: '10 of 40 seeds', testid: 'done' },
        { label: 'speed', value: '2.5 seeds/s on 2 workers', testid: 'rate' },
        { label: 'violating seeds', value: '0', testid: 'violating' },
        { label: 'time', value: '4.0 s', testid: 'time' },
      ],
    })
    const t = findingText({
      seed: 6,
      style: 'leader-churn',
      violations: [{ name: 'State Machine Safety', count: 2, details: [] }],
      reproduce: 'quorum-lab fuzz --seed 6 --mutant commitOldTermByCounting',
      runId: null,
      recording: 'waiting',
    })
    expect(t).toEqual({
      title: 'seed 6 (leader-churn)',
      checks: ['State Machine Safety: 2 violations'],
      reproduce: 'reproduce with seed=6',
      recording: 'recording…',
    })
    expect(fuzzOutcome(fuzz({ status: 'done', done: 40, violating: 4 })).headline).toBe(
      '4 violating seeds in 40 of 40 seeds: mutant commitOldTermByCounting caught',
    )
    expect(fuzzOutcome(fuzz({ status: 'done', done: 40 }))).toMatchObject({
      kind: 'cut',
      headline: expect.stringContaining('NOT caught'),
    })
    expect(fuzzOutcome(fuzz({ status: 'done', done: 40, mutants: [] }))).toEqual({
      kind: 'none',
      headline: 'no violation in 40 of 40 seeds',
    })
    expect(fuzzOutcome(fuzz({ status: 'stopped' })).headline).toBe(
      'stopped after 10 of 40 seeds: no violation',
    )
  })
})
