// Campaigns started through the LabApi (the Explore and Fuzz screens' calls): an exploration
// driven in slices by the lab (its event loop keeps turning), a counterexample recorded as a
// run, a stop, and a fuzz campaign whose violating seed is recorded as a run; bad requests
// are refused naming the field.
import { afterEach, describe, expect, it } from 'vitest'
import { FAULT_STYLES } from '../src/core/fuzz/schedule'
import { FUZZ_STYLES } from '../src/shared/campaign-limits'
import { createDispatch } from '../src/main/lab/handlers'
import { LabService } from '../src/main/lab/service'
import { LabError, type CampaignInfo, type ExploreCampaign, type FuzzCampaign } from '../src/shared/api'

let service: LabService | null = null
afterEach(() => {
  service?.close()
  service = null
})

function lab(): { service: LabService; events: CampaignInfo[] } {
  const s = new LabService({ store: 'memory' })
  service = s
  const events: CampaignInfo[] = []
  s.on((e) => {
    if (e.type === 'campaign') events.push(e.campaign)
  })
  return { service: s, events }
}

async function ended<T extends CampaignInfo>(
  s: LabService,
  id: string,
  pred = (c: T) => c.status !== 'running',
): Promise<T> {
  for (let i = 0; i < 6000; i++) {
    const c = (await s.listCampaigns()).find((x) => x.campaignId === id) as T | undefined
    if (c && pred(c)) return c
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`campaign ${id} did not end`)
}

async function refusal(p: Promise<unknown>): Promise<LabError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(LabError)
    return e as LabError
  }
  throw new Error('expected a refusal')
}

describe('explorations from the app', () => {
  it('refuses a bad spec, an unknown mutant and bad ops, naming the field', async () => {
    const { service: s } = lab()
    const dispatch = createDispatch(s)
    let e = await refusal(dispatch('startExplore', { spec: { cluster: { nodes: 0 } } }))
    expect(e.code).toBe('bad_input')
    expect(e.fields?.[0].path).toBe('spec.cluster.nodes')
    e = await refusal(dispatch('startExplore', { spec: { algorithm: { kind: 'raft' } }, mutants: ['nope'] }))
    expect(e.fields).toEqual([
      {
        path: 'mutants[0]',
        message: expect.stringMatching(/raft has no mutant "nope" \(known: .*forgetPersistVote/),
      },
    ])
    e = await refusal(dispatch('startExplore', { spec: {}, ops: 'put,jump' }))
    expect(e.fields?.[0].path).toBe('ops')
    expect(e.fields?.[0].message).toContain('must start with get, put or cas')
    e = await refusal(dispatch('startExplore', { spec: { algorithm: { kind: 'paxos' } }, admin: 1 }))
    expect(e.fields).toEqual([{ path: 'admin', message: 'paxos has no cluster operations to explore' }])
    e = await refusal(dispatch('startExplore', { spec: {}, admin: 11 }))
    expect(e.fields?.[0].path).toBe('admin')
    expect(await s.listCampaigns()).toEqual([])
  })

  it('asks cluster operations of the leader when given an admin budget (Raft membership mutants)', async () => {
    const { service: s } = lab()
    const started = await s.startExplore({
      spec: { name: 'r3', algorithm: { kind: 'raft', params: { preVote: false } }, cluster: { nodes: 3 } },
      mutants: ['changeBeforeTermCommit'],
      strategy: 'bfs',
      depth: 4,
      ops: 'none',
      crashes: 0,
      admin: 1,
    })
    const c = await ended<ExploreCampaign>(s, started.campaignId)
    expect(c.stop).toBe('violation')
    expect(c.counterexample?.steps.at(-1)).toBe('ask leader n1: remove n1')
  }, 60_000)

  it('finds a mutant, records the counterexample as a run, while the event loop keeps turning', async () => {
    const { service: s, events } = lab()
    let turns = 0
    const timer = setInterval(() => turns++, 5)
    const started = await s.startExplore({
      spec: { name: 'q3', algorithm: { kind: 'quorum', params: {} }, cluster: { nodes: 3 } },
      mutants: ['ackBeforeQuorum'],
      strategy: 'bfs',
      depth: 4,
      ops: 'put',
      crashes: 0,
      drops: 0,
    })
    expect(started.status).toBe('running')
    const c = await ended<ExploreCampaign>(s, started.campaignId)
    clearInterval(timer)
    expect(c.status).toBe('done')
    expect(c.stop).toBe('violation')
    expect(c.counterexample?.steps.length).toBeGreaterThan(0)
    expect(c.counterexample?.violations.length).toBeGreaterThan(0)
    const runId = c.counterexample?.runId
    expect(runId).toBeTruthy()
    const run = await s.getRun({ runId: runId as string })
    expect(run.name).toContain('mutant ackBeforeQuorum')
    expect(run.summary?.verdict).toBe('violation')
    expect(events[0].status).toBe('running')
    expect(events.at(-1)).toEqual(c)
    expect(turns).toBeGreaterThan(0)
  }, 60_000)

  it('says "no violation within depth D" on the correct algorithm, and a stop ends one at once', async () => {
    const { service: s } = lab()
    const small = await s.startExplore({
      spec: { algorithm: { kind: 'raft', params: { preVote: false } }, cluster: { nodes: 3 } },
      depth: 3,
      ops: 'none',
    })
    const done = await ended<ExploreCampaign>(s, small.campaignId)
    expect(done.stop).toBe('exhausted')
    expect(done.counterexample).toBeNull()
    expect(done.states).toBeGreaterThan(1)

    const big = await s.startExplore({
      spec: { algorithm: { kind: 'raft' }, cluster: { nodes: 3 } },
      depth: 200,
      seconds: 600,
    })
    // One at a time.
    const e = await refusal(s.startExplore({ spec: {}, depth: 2 }))
    expect(e.message).toContain('already running')
    await ended<ExploreCampaign>(s, big.campaignId, (c) => c.states > 0)
    const stopped = await s.stopCampaign({ campaignId: big.campaignId })
    expect(stopped.status).toBe('stopped')
    expect((stopped as ExploreCampaign).stop).toBe('stopped')
    const n = (stopped as ExploreCampaign).transitions
    await new Promise((r) => setTimeout(r, 100))
    const later = (await s.listCampaigns()).find((c) => c.campaignId === big.campaignId) as ExploreCampaign
    expect(later.transitions).toBe(n)
    expect((await refusal(s.stopCampaign({ campaignId: 'nope' }))).code).toBe('not_found')
  }, 60_000)
})

describe('fuzz campaigns from the app', () => {
  it('refuses an unknown algorithm or mutant, naming the field', async () => {
    const { service: s } = lab()
    let e = await refusal(s.startFuzz({ algorithm: 'zab', seeds: 5 }))
    expect(e.fields?.[0].path).toBe('algorithm')
    e = await refusal(s.startFuzz({ algorithm: 'paxos', seeds: 5, mutants: ['forgetPersistVote'] }))
    expect(e.fields?.[0].path).toBe('mutants[0]')
    expect(e.fields?.[0].message).toContain('paxos has no mutant "forgetPersistVote"')
  })

  it('lists a violating seed with its reproduce line and records it as a run', async () => {
    const { service: s } = lab()
    const started = await s.startFuzz({
      algorithm: 'raft',
      seeds: 8,
      mutants: ['commitOldTermByCounting'],
      workers: 1,
    })
    expect(started.workers).toBe(1)
    const c = await ended<FuzzCampaign>(
      s,
      started.campaignId,
      (x) => x.status !== 'running' && x.findings.every((f) => f.recording !== 'waiting'),
    )
    expect(c.status).toBe('done')
    expect(c.done).toBe(8)
    expect(c.violating).toBeGreaterThan(0)
    const f = c.findings[0]
    expect(f.seed).toBe(6)
    expect(f.reproduce).toBe('quorum-lab fuzz --seed 6 --mutant commitOldTermByCounting')
    expect(f.recording).toBe('recorded')
    const run = await s.getRun({ runId: f.runId as string })
    expect(run.seed).toBe(6)
    expect(run.spec.algorithm.mutants).toEqual(['commitOldTermByCounting'])
    expect(run.summary?.verdict).toBe('violation')
  }, 120_000)

  it('holds every seed to a cluster size and a fault style when asked (the CLI --nodes / --style)', async () => {
    const { service: s } = lab()
    const dispatch = createDispatch(s)
    let bad = await refusal(dispatch('startFuzz', { algorithm: 'raft', seeds: 5, style: 'chaos' }))
    expect(bad.fields?.[0].path).toBe('style')
    bad = await refusal(dispatch('startFuzz', { algorithm: 'raft', seeds: 5, nodes: 16 }))
    expect(bad.fields?.[0].path).toBe('nodes')
    const started = await s.startFuzz({
      algorithm: 'raft',
      seeds: 4,
      nodes: 3,
      style: 'leader-churn',
      mutants: ['commitOldTermByCounting'],
      workers: 1,
      durationMs: 1500,
    })
    expect(started).toMatchObject({ nodes: 3, style: 'leader-churn' })
    // The styles the screen offers are the fuzzer's own.
    expect([...FUZZ_STYLES]).toEqual([...FAULT_STYLES])
    expect(started.title).toContain('3 nodes')
    expect(started.title).toContain('style leader-churn')
    const c = await ended<FuzzCampaign>(
      s,
      started.campaignId,
      (x) => x.status !== 'running' && x.findings.every((f) => f.recording !== 'waiting'),
    )
    expect(c.done).toBe(4)
    for (const f of c.findings) {
      expect(f.style).toBe('leader-churn')
      expect(f.reproduce).toContain('--nodes 3 --style leader-churn')
      if (f.runId !== null) expect((await s.getRun({ runId: f.runId })).spec.cluster.nodes).toBe(3)
    }
  }, 120_000)

  it('a stop finishes the seeds in progress and hands out no more', async () => {
    const { service: s } = lab()
    const started = await s.startFuzz({ algorithm: 'paxos', seeds: 10_000, workers: 1, durationMs: 500 })
    expect((await refusal(s.startFuzz({ algorithm: 'raft', seeds: 5 }))).message).toContain('already running')
    await ended<FuzzCampaign>(s, started.campaignId, (c) => c.done > 0)
    await s.stopCampaign({ campaignId: started.campaignId })
    const c = await ended<FuzzCampaign>(s, started.campaignId)
    expect(c.status).toBe('stopped')
    expect(c.done).toBeLessThan(10_000)
    await new Promise((r) => setTimeout(r, 100))
    const later = (await s.listCampaigns()).find((x) => x.campaignId === c.campaignId) as FuzzCampaign
    expect(later.done).toBe(c.done)
  }, 60_000)
})
