// What the Replay screen says about a diff before any event (pure): which spec fields two runs
// differ in, and the diverging events in words, not raw JSON.
import { describe, expect, it } from 'vitest'
import { describeEvent, specDifferences } from '../src/renderer/src/replay-diff'
import { ExperimentSpecSchema } from '../src/shared/spec'
import type { TraceEvent } from '../src/shared/trace'

describe('replay diff words', () => {
  const raft = ExperimentSpecSchema.parse({ name: 'a', cluster: { nodes: 5 } })

  it('the same experiment (a re-run, another name) has no spec differences', () => {
    expect(specDifferences(raft, { ...raft, name: 'b' })).toEqual([])
  })

  it('names the fields that differ, the algorithm without its params when it differs', () => {
    const pbft = ExperimentSpecSchema.parse({
      name: 'b',
      algorithm: { kind: 'pbft' },
      cluster: { nodes: 4 },
      seed: 5,
    })
    expect(specDifferences(raft, pbft)).toEqual([
      { path: 'algorithm.kind', a: '"raft"', b: '"pbft"' },
      { path: 'cluster.nodes', a: '5', b: '4' },
      { path: 'seed', a: '1', b: '5' },
    ])
    const seeded = { ...raft, seed: 9, faults: [{ atMs: 5, kind: 'crash' as const, target: 'n1' }] }
    expect(specDifferences(raft, seeded)).toEqual([
      { path: 'faults.length', a: '0', b: '1' },
      { path: 'seed', a: '1', b: '9' },
    ])
  })

  it('says an event in words', () => {
    const fmt = (us: number) => `${us / 1000} ms`
    const state: TraceEvent = {
      kind: 'state',
      t: 2000,
      node: 'n1',
      lc: 0,
      role: 'follower',
      term: 3,
      leader: 'n2',
      commitIndex: 41,
      lastIndex: 42,
    }
    expect(describeEvent(state, fmt)).toBe(
      '2 ms n1 state: role follower, term 3, leader n2, commit 41, last 42',
    )
    expect(describeEvent(null, fmt)).toBe('(its trace ended here)')
    const send: TraceEvent = {
      kind: 'send',
      t: 1000,
      node: 'n1',
      lc: 2,
      msgId: 7,
      from: 'n1',
      to: 'n3',
      type: 'AppendEntries',
      vc: [1, 0, 0],
      summary: 'term 3, 2 entries',
    }
    expect(describeEvent(send, fmt)).toBe('1 ms n1 sends AppendEntries to n3: term 3, 2 entries')
  })
})
