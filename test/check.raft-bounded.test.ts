// The Raft checker in bounded memory (src/core/check/raft.ts prune, tally.ts AckedWrites): on
// a long run whose nodes all take snapshots, what is below every node's snapshot is dropped,
// and the checks still reject what breaks above it; "No acknowledged write lost" keeps only
// writes in flight or acknowledged and not seen applied, and still finds the lost one.
import { describe, expect, it } from 'vitest'
import { CHECK_NAMES, createRaftChecker, type RaftTraceChecker } from '../src/core/check'
import type { CheckResult } from '../src/shared/api'
import type { TraceEvent } from '../src/shared/trace'

const NODES = ['n1', 'n2', 'n3']

function byName(results: CheckResult[], name: string): CheckResult {
  return results.find((r) => r.name === name) as CheckResult
}

/**
 * A correct long run: n1 leads term 1; each write is invoked, appended and applied by every
 * node, then acknowledged; every node snapshots every `snapEvery` entries (0: never).
 */
function* longRun(entries: number, snapEvery: number): Generator<TraceEvent> {
  let t = 0
  const at = (): number => (t += 10)
  for (const node of NODES)
    yield {
      kind: 'state',
      t: at(),
      node,
      lc: 0,
      role: node === 'n1' ? 'leader' : 'follower',
      term: 1,
      leader: 'n1',
      commitIndex: 0,
      lastIndex: 0,
    }
  for (let i = 1; i <= entries; i++) {
    const id = `c${i % 8}.${i}`
    yield {
      kind: 'op',
      t: at(),
      node: null,
      lc: 0,
      client: i % 8,
      opId: id,
      phase: 'invoke',
      f: 'put',
      key: 'k',
      value: id,
    }
    for (const node of NODES)
      yield { kind: 'log', t: at(), node, lc: 0, action: 'append', index: i, entries: [{ term: 1, id }] }
    for (const node of NODES) yield { kind: 'apply', t: at(), node, lc: 0, index: i, term: 1, id }
    yield {
      kind: 'op',
      t: at(),
      node: 'n1',
      lc: 0,
      client: i % 8,
      opId: id,
      phase: 'ok',
      f: 'put',
      key: 'k',
      value: id,
    }
    if (snapEvery > 0 && i % snapEvery === 0)
      for (const node of NODES)
        yield { kind: 'snapshot', t: at(), node, lc: 0, action: 'take', index: i, term: 1 }
  }
}

/** Node `node` appends entry `id` (term 1) at `index`. */
function append(node: string, index: number, id: string, t: number): TraceEvent {
  return { kind: 'log', t, node, lc: 0, action: 'append', index, entries: [{ term: 1, id }] }
}

function feed(c: RaftTraceChecker, events: Iterable<TraceEvent>): RaftTraceChecker {
  for (const e of events) c.onEvent(e)
  return c
}

describe('the Raft checker drops what is below every snapshot', () => {
  it('keeps a bounded number of log positions on a long run with snapshots (all of them without)', () => {
    const withSnaps = feed(createRaftChecker(), longRun(40_000, 1000))
    expect(withSnaps.results().every((r) => r.ok)).toBe(true)
    expect(withSnaps.keptPositions).toBeLessThan(5 * 6000)
    const without = feed(createRaftChecker(), longRun(10_000, 0))
    expect(without.keptPositions).toBeGreaterThanOrEqual(5 * 10_000)
  })

  it('still rejects two different entries applied at one index above the floor', () => {
    const c = feed(createRaftChecker(), longRun(20_000, 1000))
    const t = 1e9
    c.onEvent(append('n2', 20_001, 'x', t))
    c.onEvent(append('n3', 20_001, 'y', t))
    c.onEvent({ kind: 'apply', t, node: 'n2', lc: 0, index: 20_001, term: 1, id: 'x' })
    c.onEvent({ kind: 'apply', t, node: 'n3', lc: 0, index: 20_001, term: 1, id: 'y' })
    const r = c.results()
    expect(byName(r, CHECK_NAMES.stateMachineSafety).ok).toBe(false)
    expect(byName(r, CHECK_NAMES.logMatching).ok).toBe(false)
  })

  it('still rejects a new leader missing a committed entry above its snapshot', () => {
    const c = feed(createRaftChecker(), longRun(20_000, 1000))
    const t = 1e9
    // One more entry committed that n3 never gets; then n3 leads term 2 without it.
    c.onEvent(append('n1', 20_001, 'z', t))
    c.onEvent({ kind: 'apply', t, node: 'n1', lc: 0, index: 20_001, term: 1, id: 'z' })
    c.onEvent({
      kind: 'state',
      t: t + 1,
      node: 'n3',
      lc: 0,
      role: 'leader',
      term: 2,
      leader: 'n3',
      commitIndex: 20_000,
      lastIndex: 20_000,
    })
    expect(byName(c.results(), CHECK_NAMES.leaderCompleteness).ok).toBe(false)
  })
})

/** A put's op event: its invocation, or its acknowledgement by n1. */
function put(opId: string, t: number, phase: 'invoke' | 'ok'): TraceEvent {
  const node = phase === 'ok' ? 'n1' : null
  return { kind: 'op', t, node, lc: 0, client: 1, opId, phase, f: 'put', key: 'k', value: 'v' }
}

describe('"No acknowledged write lost" in bounded memory', () => {
  it('finds a write acknowledged in a long run but never applied', () => {
    const c = feed(createRaftChecker(), longRun(5000, 1000))
    const t = 1e9
    c.onEvent(put('lost', t, 'invoke'))
    c.onEvent(put('lost', t + 5, 'ok'))
    const r = byName(c.results(), CHECK_NAMES.ackedWrites)
    expect(r.ok).toBe(false)
    expect(r.count).toBe(1)
    expect(r.details[0]).toMatch(/lost/)
  })

  it('accepts an apply seen after the acknowledgement (processes mode: telemetry comes later)', () => {
    const c = createRaftChecker()
    const t = 1000
    c.onEvent(put('w', t, 'invoke'))
    c.onEvent(put('w', t + 5, 'ok'))
    expect(byName(c.results(), CHECK_NAMES.ackedWrites).ok).toBe(false)
    c.onEvent(append('n1', 1, 'w', t + 2))
    c.onEvent({ kind: 'apply', t: t + 3, node: 'n1', lc: 0, index: 1, term: 1, id: 'w' })
    expect(byName(c.results(), CHECK_NAMES.ackedWrites).ok).toBe(true)
  })
})
