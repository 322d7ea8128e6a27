// The factory surface (messageType / describe / corrupt / params), the protocol registry,
// trace events, and the remaining mutations (§5.4.1 voteWithoutLogCheck, §5.2 forgetPersistVote).
import { describe, expect, it } from 'vitest'
import { Cluster } from './raft.harness'
import { raftFactory } from '../src/core/protocols/raft'
import type { RaftMsg } from '../src/core/protocols/raft/types'
import { algorithmModule, getProtocol } from '../src/core/protocols'
import { createRng } from '../src/core/rng'
import type { ProtocolEvent } from '../src/core/protocols/types'

const ae: RaftMsg = {
  type: 'AppendEntries',
  term: 3,
  prevIndex: 5,
  prevTerm: 2,
  entries: [
    { term: 3, id: 'c1.1', cmd: { f: 'put', key: 'a', value: 'v' } },
    { term: 3, id: 'c1.2', cmd: { f: 'cas', key: 'a', expected: 'v', value: 'w' } },
    { term: 3, id: 'c1.3', cmd: { f: 'get', key: 'a' } },
    { term: 3, id: 'noop', cmd: null },
  ],
  commit: 7,
  ctx: 0,
}

describe('raft factory', () => {
  it('names and describes messages for the trace', () => {
    expect(raftFactory.kind).toBe('raft')
    expect(raftFactory.messageType(ae)).toBe('AppendEntries')
    expect(raftFactory.describe(ae)).toBe('AE t3 prev=5/2 n=4 commit=7')
    expect(raftFactory.describe({ type: 'RequestVote', term: 4, lastLogIndex: 9, lastLogTerm: 3 })).toBe(
      'RV t4 last=9/3',
    )
    expect(raftFactory.describe({ type: 'PreVoteResp', term: 4, granted: true })).toBe('PVR t4 granted')
    expect(
      raftFactory.describe({
        type: 'AppendEntriesResp',
        term: 4,
        success: false,
        index: 9,
        conflictTerm: 2,
        conflictIndex: 4,
        ctx: 0,
      }),
    ).toBe('AER t4 reject prev=9 hint=4/2')
  })

  it('fills default params and rejects bad ones with a clear error', () => {
    const n = raftFactory.create({
      id: 'n1',
      nodes: ['n1'],
      params: {} as never,
      rng: createRng(1),
      runSeed: 1,
      recovered: [],
    })
    expect(n.status()).toMatchObject({ id: 'n1', role: 'follower', term: 0 })
    expect(() =>
      raftFactory.create({
        id: 'n1',
        nodes: ['n1'],
        params: { electionTimeoutTicks: [5, 3] } as never,
        rng: createRng(1),
        runSeed: 1,
        recovered: [],
      }),
    ).toThrow(/electionTimeoutTicks: min must be <= max/)
  })

  it('corrupt: forge bumps the term and inflates commit / claims; equivocate differs per destination', () => {
    const rng = createRng(1)
    const f = raftFactory.corrupt!(ae, 'forge', 'n2', rng) as Extract<RaftMsg, { type: 'AppendEntries' }>
    expect(f.term).toBe(4)
    expect(f.commit).toBeGreaterThan(5 + 4)
    expect(
      raftFactory.corrupt!({ type: 'RequestVoteResp', term: 2, granted: false }, 'forge', 'n2', rng),
    ).toEqual({
      type: 'RequestVoteResp',
      term: 2,
      granted: true,
    })
    const a = raftFactory.corrupt!(ae, 'equivocate', 'n2', rng) as Extract<RaftMsg, { type: 'AppendEntries' }>
    const b = raftFactory.corrupt!(ae, 'equivocate', 'n3', rng) as Extract<RaftMsg, { type: 'AppendEntries' }>
    expect(a.entries.map((e) => e.id)).toEqual(['c1.1', 'c1.2', 'c1.3', 'noop'])
    expect(a.entries[0].cmd).not.toEqual(b.entries[0].cmd)
    expect(a.entries[1].cmd).not.toEqual(b.entries[1].cmd)
    // the original is untouched (honest paths stay clean)
    expect((ae as Extract<RaftMsg, { type: 'AppendEntries' }>).entries[0].cmd).toEqual({
      f: 'put',
      key: 'a',
      value: 'v',
    })
  })

  it('the registry knows raft and names the known kinds for an unknown one', () => {
    expect(getProtocol('raft')).toBe(algorithmModule('raft').factory)
    expect(getProtocol('raft').kind).toBe('raft')
    expect(() => getProtocol('zab')).toThrow(/unknown algorithm "zab" \(known: raft, paxos/)
    expect(() => getProtocol('toString')).toThrow(/unknown algorithm/)
  })
})

describe('trace events', () => {
  it('state on every role/term/leader/commit change; log append; apply per entry', () => {
    const c = new Cluster(3)
    const l = c.elect()
    c.propose(l.id, 'c1.1', { f: 'put', key: 'a', value: '1' })
    c.tick(2)
    const ev = c.events.get(l.id)!
    const states = ev.filter((e): e is Extract<ProtocolEvent, { type: 'state' }> => e.type === 'state')
    expect(states[0]).toEqual({
      type: 'state',
      role: 'follower',
      term: 0,
      leader: null,
      commitIndex: 0,
      lastIndex: 0,
    })
    expect(states.map((s) => s.role)).toEqual(
      expect.arrayContaining(['pre-candidate', 'candidate', 'leader']),
    )
    expect(states.at(-1)).toMatchObject({ role: 'leader', commitIndex: 2, lastIndex: 2 })
    const t = l.status().term
    expect(ev.filter((e) => e.type === 'log')).toEqual([
      { type: 'log', action: 'append', index: 1, entries: [{ term: t, id: 'noop' }] },
      { type: 'log', action: 'append', index: 2, entries: [{ term: t, id: 'c1.1' }] },
    ])
    expect(c.applied(l.id)).toEqual([
      { index: 1, term: t, id: 'noop' },
      { index: 2, term: t, id: 'c1.1' },
    ])
    for (const id of c.ids) expect(c.applied(id)).toEqual(c.applied(l.id))
  })
})

describe('mutations', () => {
  it('voteWithoutLogCheck (§5.4.1): a stale node wins and overwrites committed entries', () => {
    const run = (voteWithoutLogCheck: boolean) => {
      const c = new Cluster(3, { seed: 7, mutations: { voteWithoutLogCheck } })
      const l = c.elect()
      const [a, b] = c.ids.filter((id) => id !== l.id)
      c.isolate(b) // b misses the next writes
      for (let i = 1; i <= 5; i++) c.propose(l.id, `c1.${i}`, { f: 'put', key: 'k', value: `${i}` })
      c.tick(2, [l.id, a])
      c.crash(l.id)
      c.heal()
      c.restart(a) // forget the leader (lease) without losing anything durable
      c.campaign(b)
      c.campaign(b)
      c.tick(3, [a, b])
      return { c, b }
    }
    const honest = run(false)
    expect(honest.c.node(honest.b).status().role).not.toBe('leader')
    expect(honest.c.stateMachineViolations()).toEqual([])
    const mutant = run(true)
    expect(mutant.c.node(mutant.b).status().role).toBe('leader')
    expect(mutant.c.stateMachineViolations().length).toBeGreaterThan(0)
  })

  it('forgetPersistVote (§5.2): after a restart the node votes again and two leaders share a term', () => {
    // Direct two-leaders-in-one-term scenario: n3 voted for n1 in term 1, restarts, then n2 asks in term 1.
    const scenario = (forgetPersistVote: boolean) => {
      const c = new Cluster(3, { params: { preVote: false }, mutations: { forgetPersistVote } })
      c.cut('n1', 'n2') // n2 never hears of term 1
      c.dropIf = (e) => e.msg.type === 'AppendEntries' // keep logs empty: only votes matter here
      c.campaign('n1')
      expect(c.node('n1').status()).toMatchObject({ role: 'leader', term: 1 })
      c.crash('n3')
      c.restart('n3')
      c.heal()
      c.isolate('n1')
      // n2 (still at term 0) campaigns for term 1 and asks the restarted n3
      c.campaign('n2')
      return c
    }
    const honest = scenario(false)
    expect(honest.node('n2').status().role).not.toBe('leader')
    expect(honest.electionViolations()).toEqual([])
    const mutant = scenario(true)
    expect(mutant.node('n2').status()).toMatchObject({ role: 'leader', term: 1 })
    expect(mutant.electionViolations()).toEqual(['term 1: n1 and n2'])
  })
})
