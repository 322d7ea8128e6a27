// Leader election: §5.2 (election safety, randomized timeouts), §5.4.1 (vote restriction),
// thesis §9.6 (pre-vote) and §4.2.3 (disruptive servers), crash-restart of term/vote (§5.2, Figure 2).
import { describe, expect, it } from 'vitest'
import { Cluster, diskWithLog, params } from './raft.harness'
import { createRaftFactory, raftFactory } from '../src/core/protocols/raft'
import type { RaftMsg, RaftRecord } from '../src/core/protocols/raft/types'
import { createRng } from '../src/core/rng'
import type { RaftNode } from '../src/core/protocols/raft'

describe('raft election (§5.2)', () => {
  it('elects exactly one leader that everyone follows (3 and 5 nodes, many seeds)', () => {
    for (const n of [1, 3, 5]) {
      for (let seed = 1; seed <= 10; seed++) {
        const c = new Cluster(n, { seed })
        const l = c.elect()
        expect(c.leaders()).toHaveLength(1)
        for (const node of c.live()) {
          expect(node.status().leader).toBe(l.id)
          expect(node.status().term).toBe(l.status().term)
        }
        // the leader's no-op is committed everywhere after a heartbeat
        c.tick(3)
        for (const node of c.live()) expect(node.status().commitIndex).toBe(1)
        expect(c.logOf(l.id)).toEqual([`1:${l.status().term}:noop`])
        expect(c.electionViolations()).toEqual([])
      }
    }
  })

  it('draws election timeouts from [min,max] with the seeded rng, re-drawn on every reset', () => {
    const drawn = new Set<number>()
    const c = new Cluster(3, { params: { electionTimeoutTicks: [10, 20] } })
    const n = c.node('n1')
    for (let i = 0; i < 200; i++) {
      n.campaign()
      c.drain('n1')
      c.queue.length = 0
      const t = n.inspect().electionTimeout
      expect(t).toBeGreaterThanOrEqual(10)
      expect(t).toBeLessThanOrEqual(20)
      drawn.add(t)
    }
    expect(drawn.size).toBeGreaterThan(5)
    // same seed, same timeouts
    const mk = () =>
      raftFactory.create({
        id: 'n1',
        nodes: ['n1', 'n2', 'n3'],
        params: params(),
        rng: createRng(9),
        runSeed: 1,
        recovered: [],
      }) as RaftNode
    expect(mk().inspect().electionTimeout).toBe(mk().inspect().electionTimeout)
  })

  it('keeps election safety across a run with crashes and partitions', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const c = new Cluster(5, { seed })
      c.elect()
      for (let round = 0; round < 6; round++) {
        const l = c.leader()
        if (round % 2 === 0) c.isolate(l.id)
        else {
          c.crash(l.id)
        }
        c.tick(60)
        c.heal()
        for (const id of c.ids) if (!c.nodes.get(id)) c.restart(id)
        c.elect()
      }
      expect(c.electionViolations()).toEqual([])
      expect(c.stateMachineViolations()).toEqual([])
    }
  })

  it('heartbeats go out every heartbeatTicks ticks', () => {
    const c = new Cluster(3, { params: { heartbeatTicks: 3 } })
    const l = c.elect()
    c.sent.length = 0
    c.tick(9)
    const hb = c.sent.filter((e) => e.from === l.id && e.msg.type === 'AppendEntries')
    expect(hb).toHaveLength(3 * 2) // 3 rounds x 2 followers
  })
})

describe('vote restriction (§5.4.1)', () => {
  it('a node with a less up-to-date log cannot win; the up-to-date one does', () => {
    // n1 is behind (last term 1); n2 and n3 have an entry of term 2.
    const c = new Cluster(3, {
      params: { preVote: false },
      disks: { n1: diskWithLog(2, [1]), n2: diskWithLog(2, [1, 2]), n3: diskWithLog(2, [1, 2]) },
    })
    c.campaign('n1')
    expect(c.node('n1').status().role).not.toBe('leader')
    const resps = c.sent.filter((e) => e.to === 'n1' && e.msg.type === 'RequestVoteResp')
    expect(resps.map((e) => (e.msg as Extract<RaftMsg, { type: 'RequestVoteResp' }>).granted)).toEqual([
      false,
      false,
    ])
    c.campaign('n2')
    expect(c.node('n2').status().role).toBe('leader')
  })

  it('same last term: the longer log wins the comparison', () => {
    const c = new Cluster(3, {
      params: { preVote: false },
      disks: { n1: diskWithLog(2, [2]), n2: diskWithLog(2, [2, 2]), n3: diskWithLog(2, [2, 2]) },
    })
    c.campaign('n1')
    // a majority rejected it, so it went back to follower without winning
    expect(c.node('n1').status().role).toBe('follower')
    expect(c.events.get('n1')!.some((e) => e.type === 'state' && e.role === 'candidate')).toBe(true)
    c.campaign('n3')
    expect(c.node('n3').status().role).toBe('leader')
  })

  it('the restriction also applies to pre-votes (§9.6)', () => {
    const c = new Cluster(3, {
      disks: { n1: diskWithLog(2, [1]), n2: diskWithLog(2, [1, 2]), n3: diskWithLog(2, [1, 2]) },
    })
    c.campaign('n1')
    expect(c.node('n1').status().role).toBe('follower') // pre-vote rejected by a majority
    expect(c.events.get('n1')!.some((e) => e.type === 'state' && e.role === 'candidate')).toBe(false)
    expect(c.node('n1').status().term).toBe(2) // a failed pre-vote leaves the term alone
    expect(c.node('n2').status().term).toBe(2)
  })
})

describe('pre-vote (thesis §9.6) and disruptive servers (§4.2.3)', () => {
  function partitionedRejoin(preVote: boolean) {
    const c = new Cluster(5, { seed: 3, params: { preVote } })
    const l = c.elect()
    const term0 = l.status().term
    const victim = c.ids.find((id) => id !== l.id)!
    c.isolate(victim)
    c.tick(200)
    const victimTerm = c.node(victim).status().term
    c.heal()
    c.tick(50)
    return { c, l, term0, victim, victimTerm }
  }

  it('with pre-vote a partitioned node does not bump its term and does not disrupt the leader on rejoin', () => {
    const { c, l, term0, victim, victimTerm } = partitionedRejoin(true)
    expect(victimTerm).toBe(term0)
    expect(c.leader().id).toBe(l.id)
    expect(l.status().term).toBe(term0)
    expect(c.node(victim).status().leader).toBe(l.id)
    const roles = c.events
      .get(victim)!
      .filter((e) => e.type === 'state')
      .map((e) => e.type === 'state' && e.role)
    expect(roles).toContain('pre-candidate')
    expect(roles).not.toContain('candidate')
  })

  it('without pre-vote the same partition does disrupt (the contrast)', () => {
    const { c, term0, victimTerm } = partitionedRejoin(false)
    expect(victimTerm).toBeGreaterThan(term0)
    expect(c.leader().status().term).toBeGreaterThan(term0)
  })

  it('followers that heard from a leader recently ignore a higher-term RequestVote', () => {
    const c = new Cluster(3, { params: { preVote: false } })
    const l = c.elect()
    const [f, other] = c.ids.filter((id) => id !== l.id)
    const t = l.status().term
    c.node(f).step(other, { type: 'RequestVote', term: t + 5, lastLogIndex: 100, lastLogTerm: 100 })
    const rd = c.node(f).ready()
    expect(rd.messages).toEqual([])
    expect(c.node(f).status().term).toBe(t)
    // ... but once the leader has been silent for an election timeout, the request is considered
    c.tick(12, [f])
    c.queue.length = 0
    c.node(f).step(other, { type: 'RequestVote', term: t + 5, lastLogIndex: 100, lastLogTerm: 100 })
    expect(c.node(f).ready().messages).toEqual([
      { to: other, msg: { type: 'RequestVoteResp', term: t + 5, granted: true } },
    ])
  })

  it('ignores messages from nodes outside the cluster', () => {
    const c = new Cluster(3)
    c.node('n1').step('n9', { type: 'RequestVote', term: 5, lastLogIndex: 0, lastLogTerm: 0 })
    expect(c.node('n1').ready().messages).toEqual([])
    expect(c.node('n1').status().term).toBe(0)
  })

  it('a leader that cannot reach a majority steps down (check quorum) and rejects its pending reads', () => {
    const c = new Cluster(3)
    const l = c.elect()
    c.isolate(l.id)
    c.propose(l.id, 'c1.1', { f: 'get', key: 'k' })
    c.tick(25, [l.id])
    expect(l.status().role).toBe('follower')
    expect(c.reply('c1.1')).toEqual({ id: 'c1.1', ok: false, error: 'rejected', leaderHint: null })
  })
})

describe('durable term and vote (Figure 2 "persistent state"; §5.2 one vote per term)', () => {
  const vote = (term: number): RaftMsg => ({ type: 'RequestVote', term, lastLogIndex: 0, lastLogTerm: 0 })

  function voteThenRestart(factory = raftFactory) {
    const opts = {
      id: 'n3',
      nodes: ['n1', 'n2', 'n3'],
      params: params({ preVote: false }),
      rng: createRng(1),
      runSeed: 1,
    }
    const disk: RaftRecord[] = []
    const a = factory.create({ ...opts, recovered: [] })
    a.step('n1', vote(5))
    const rd = a.ready()
    disk.push(...rd.persist)
    expect(rd.messages[0].msg).toEqual({ type: 'RequestVoteResp', term: 5, granted: true })
    // crash, restart from disk
    const b = factory.create({ ...opts, recovered: structuredClone(disk) })
    b.step('n2', vote(5))
    return {
      b,
      granted: (b.ready().messages[0].msg as Extract<RaftMsg, { type: 'RequestVoteResp' }>).granted,
    }
  }

  it('does not vote twice in a term after a crash-restart', () => {
    const { b, granted } = voteThenRestart()
    expect(granted).toBe(false)
    expect((b as RaftNode).inspect().votedFor).toBe('n1')
    expect(b.status().term).toBe(5)
  })

  it('mutation forgetPersistVote: the vote is lost on restart and the node votes twice', () => {
    const { granted } = voteThenRestart(createRaftFactory({ forgetPersistVote: true }))
    expect(granted).toBe(true)
  })

  it('recovers term, vote and log from its records; commit and state machine come back by re-applying', () => {
    const c = new Cluster(3, { seed: 5 })
    let l = c.elect()
    for (let i = 1; i <= 20; i++) c.propose(l.id, `c1.${i}`, { f: 'put', key: `k${i % 3}`, value: `v${i}` })
    c.tick(3)
    const f = c.ids.find((id) => id !== l.id)!
    const before = { log: c.logOf(f), term: c.node(f).status().term, vote: c.node(f).inspect().votedFor }
    c.crash(f)
    const r = c.restart(f)
    expect(c.logOf(f)).toEqual(before.log)
    expect(r.status().term).toBe(before.term)
    expect(r.inspect().votedFor).toBe(before.vote)
    expect(r.status().commitIndex).toBe(0)
    c.tick(3)
    expect(r.status().commitIndex).toBe(l.status().commitIndex)
    expect(r.kv.entries().sort()).toEqual(l.kv.entries().sort())
    // the restarted leader too
    c.crash(l.id)
    const old = l.id
    c.restart(old)
    l = c.elect()
    expect(c.logOf(old).slice(0, 21)).toEqual(c.logOf(l.id).slice(0, 21))
    expect(c.stateMachineViolations()).toEqual([])
  })
})
