// The cluster ring's membership picture (ring-membership.ts): the configuration it shows (the
// leader's), each node's place in it (joint consensus: old-only and new-only voters), its
// one-line description, and the cluster operations a node's menu offers; and the designer
// offering membership / transfer faults only for algorithms that have them (faults.ts).
import { describe, expect, it } from 'vitest'
import {
  adminActions,
  configText,
  configView,
  membershipOf,
  type RingMember,
} from '../src/renderer/src/ring-membership'
import { faultKindsFor, faultSummary, isInstant, newFault } from '../src/renderer/src/faults'

const node = (id: string, extra: Partial<RingMember> = {}): RingMember => ({
  id,
  role: 'follower',
  term: 2,
  ...extra,
})

describe('ring membership', () => {
  it('shows nothing when no node reports a configuration (every node a voter)', () => {
    expect(configView([node('n1'), node('n2', { role: 'leader' })], 'n2')).toBeNull()
  })

  it("takes the leader's configuration; learners, removed and not-started nodes are told apart", () => {
    const leaderCfg = { voters: ['n1', 'n2', 'n3'], learners: ['n4'] }
    const stale = { voters: ['n1', 'n2'], learners: [] }
    const v = configView(
      [
        node('n1', { config: stale, term: 1 }),
        node('n2', { role: 'leader', config: leaderCfg }),
        node('n3', { config: leaderCfg }),
        node('n4', { config: leaderCfg }),
        node('n5', { role: 'down', absent: true }),
        node('n6', { config: stale }),
      ],
      'n2',
    )!
    expect(v.from).toBe('n2')
    expect(v.joint).toBe(false)
    expect(v.members).toEqual({
      n1: 'voter',
      n2: 'voter',
      n3: 'voter',
      n4: 'learner',
      n5: 'absent',
      n6: 'outside',
    })
    expect(configText(v.config)).toBe('voters n1 n2 n3 · learner n4')
  })

  it('without a leader, the view of the node with the highest term', () => {
    const v = configView(
      [
        node('n1', { term: 3, config: { voters: ['n1', 'n2'], learners: [] } }),
        node('n2', { term: 5, config: { voters: ['n1', 'n2', 'n3'], learners: [] } }),
        node('n3', { term: 9, role: 'down', config: { voters: ['n3'], learners: [] } }),
      ],
      null,
    )!
    expect(v.from).toBe('n2')
  })

  it('joint consensus: voters of both halves, only the old (leaving) or only the new (joining)', () => {
    const c = { voters: ['n2', 'n3', 'n4'], learners: [], oldVoters: ['n1', 'n2', 'n3'] }
    expect(['n1', 'n2', 'n4', 'n5'].map((n) => membershipOf(c, n))).toEqual([
      'leaving',
      'voter',
      'joining',
      'outside',
    ])
    expect(configText(c)).toBe('joint C_old,new: old voters n1 n2 n3 + new voters n2 n3 n4')
    expect(configView([node('n1', { role: 'leader', config: c })], 'n1')!.joint).toBe(true)
  })

  it("a node's menu offers the operations that mean something for it", () => {
    const ops = ['membership', 'transfer-leadership']
    const keys = (id: string, m: Parameters<typeof adminActions>[1], leader = 'n1') =>
      adminActions(id, m, leader, ops).map((a) => a.key)
    expect(keys('n5', 'absent')).toEqual(['add'])
    expect(keys('n4', 'outside')).toEqual(['add'])
    expect(keys('n4', 'learner')).toEqual(['promote', 'remove'])
    expect(keys('n2', 'voter')).toEqual(['remove', 'transfer'])
    expect(keys('n1', 'voter')).toEqual(['remove'])
    // Every node a voter (no configuration reported): remove or make leader.
    expect(keys('n3', null)).toEqual(['remove', 'transfer'])
    // An algorithm without cluster operations: none.
    expect(adminActions('n2', null, 'n1', [])).toEqual([])
    expect(adminActions('n4', 'learner', 'n1', ops)[0]).toEqual({
      key: 'promote',
      label: 'Promote n4 to voter',
      fault: { kind: 'membership', action: 'promote', target: 'n4' },
    })
    expect(adminActions('n3', 'voter', 'n1', ops)[1].fault).toEqual({
      kind: 'transfer-leadership',
      target: 'n3',
    })
  })
})

describe('designer: membership and transfer faults', () => {
  it('are offered only for algorithms with cluster operations', () => {
    expect(faultKindsFor('raft')).toContain('membership')
    expect(faultKindsFor('raft')).toContain('transfer-leadership')
    for (const a of ['paxos', 'multipaxos', 'pbft', 'quorum']) {
      expect(faultKindsFor(a)).not.toContain('membership')
      expect(faultKindsFor(a)).not.toContain('transfer-leadership')
      expect(faultKindsFor(a)).toContain('crash')
    }
  })

  it('are instants on the timeline with a short summary, and new ones name a node', () => {
    expect(isInstant('membership')).toBe(true)
    expect(isInstant('transfer-leadership')).toBe(true)
    expect(faultSummary({ kind: 'membership', action: 'promote', target: 'n4', atMs: 1 })).toBe(
      'promote · n4',
    )
    expect(faultSummary({ kind: 'transfer-leadership', target: 'n3', atMs: 1 })).toBe('leader → · n3')
    expect(newFault('membership', { kind: 'crash', target: 'leader', atMs: 500 })).toEqual({
      kind: 'membership',
      atMs: 500,
      action: 'add',
      target: 'n1',
    })
    expect(newFault('transfer-leadership', { kind: 'crash', target: 'n2', atMs: 500 })).toEqual({
      kind: 'transfer-leadership',
      atMs: 500,
      target: 'n2',
    })
  })
})
