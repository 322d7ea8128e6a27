// The quorum store's checks (src/core/check/quorum.ts) on hand-built traces: each accepts a
// good history and rejects the broken one it exists for.
import { describe, expect, it } from 'vitest'
import { CONVERGENCE_QUIET_MS, QUORUM_CHECK_NAMES, createQuorumChecker } from '../src/core/check/quorum'
import { checkRun } from '../src/core/check'
import { parseVersionText, versionText } from '../src/core/protocols/quorum/version'
import type { Version } from '../src/core/protocols/quorum'
import type { TraceEvent } from '../src/shared/trace'

const END = (CONVERGENCE_QUIET_MS + 500) * 1000
const REPLICAS = ['n1', 'n2', 'n3']

function v(id: string, ts: number, node: string, vc: Record<string, number>): Version {
  return { id, value: id, ts, node, vc }
}

function apply(
  t: number,
  node: string,
  index: number,
  ver: Version,
  mode: 'lww' | 'siblings' = 'lww',
  extra = {},
  w = 1,
): TraceEvent {
  return {
    kind: 'apply',
    t,
    node,
    lc: 0,
    index,
    term: 0,
    id: ver.id,
    key: 'k',
    version: versionText(ver, mode, REPLICAS, w, extra),
  }
}

function put(t: number, id: string, phase: 'invoke' | 'ok'): TraceEvent {
  return { kind: 'op', t, node: null, lc: 0, client: 1, opId: id, phase, f: 'put', key: 'k', value: id }
}

/** A tick near the end of the run (the checker takes the run's end from the last event). */
const end: TraceEvent = {
  kind: 'state',
  t: END,
  node: 'n1',
  lc: 0,
  role: 'replica',
  term: 0,
  leader: null,
  commitIndex: 0,
  lastIndex: 0,
}

function check(
  trace: TraceEvent[],
): Record<string, { ok: boolean; verdict?: string; count: number; details: string[] }> {
  const c = createQuorumChecker()
  for (const e of trace) c.onEvent(e)
  return Object.fromEntries(c.results().map((r) => [r.name, r]))
}

const w1 = v('c1.1', 1, 'n1', { n1: 1 })
const w2 = v('c1.2', 2, 'n2', { n1: 1, n2: 1 })

describe('version text', () => {
  it('round-trips what the convergence check needs', () => {
    const text = versionText(w2, 'siblings', REPLICAS, 2, { hintFor: 'n3' })
    expect(text).toBe('siblings ts=2.n2 vc=n1:1,n2:1 replicas=n1,n2,n3 w=2 hint=n3')
    expect(parseVersionText(text)).toEqual({
      mode: 'siblings',
      ts: 2,
      node: 'n2',
      vc: { n1: 1, n2: 1 },
      replicas: REPLICAS,
      writeQuorum: 2,
      hintFor: 'n3',
      superseded: false,
    })
    expect(parseVersionText('garbage')).toBeNull()
  })
})

describe('No acknowledged write lost', () => {
  it('passes when an acknowledged put was stored; fails when no node ever stored it', () => {
    const good = check([
      put(10, 'c1.1', 'invoke'),
      apply(20, 'n1', 1, w1),
      apply(21, 'n2', 1, w1),
      put(30, 'c1.1', 'ok'),
      end,
    ])
    expect(good[QUORUM_CHECK_NAMES.ackedWrites].ok).toBe(true)
    const bad = check([put(10, 'c1.1', 'invoke'), put(30, 'c1.1', 'ok'), end])
    expect(bad[QUORUM_CHECK_NAMES.ackedWrites]).toMatchObject({ ok: false, count: 1 })
    expect(bad[QUORUM_CHECK_NAMES.ackedWrites].details[0]).toBe(
      'client 1 put c1.1 (key "k") acknowledged at t=0.03ms, but no node ever stored it',
    )
  })

  it('fails when a put was acknowledged before W nodes stored it (stores after the ack do not count)', () => {
    const trace = (secondAt: number): TraceEvent[] => [
      apply(20, 'n1', 1, w1, 'lww', {}, 2),
      apply(secondAt, 'n4', 1, w1, 'lww', { hintFor: 'n2' }, 2),
      put(30, 'c1.1', 'ok'),
      end,
    ]
    expect(check(trace(25))[QUORUM_CHECK_NAMES.ackedWrites].ok).toBe(true)
    const bad = check(trace(35).sort((a, b) => a.t - b.t))[QUORUM_CHECK_NAMES.ackedWrites]
    expect(bad).toMatchObject({ ok: false, count: 1 })
    expect(bad.details[0]).toBe(
      'client 1 put c1.1 (key "k") acknowledged at t=0.03ms after only 1 of W=2 nodes stored it (n1 at t=0.02ms)',
    )
  })

  it('fails when every copy was later replaced by an older version (lww)', () => {
    const bad = check([
      apply(20, 'n1', 1, w2),
      apply(21, 'n2', 1, w2),
      put(30, 'c1.2', 'ok'),
      apply(40, 'n1', 2, w1), // n1 and n2 went back to an older write
      apply(41, 'n2', 2, w1),
      end,
    ])
    expect(bad[QUORUM_CHECK_NAMES.ackedWrites].ok).toBe(false)
    expect(bad[QUORUM_CHECK_NAMES.ackedWrites].details[0]).toContain(
      'at the end no node holds it or a newer version',
    )
  })
})

describe('Convergence', () => {
  it('passes when every replica holds the acknowledged write or a version superseding it', () => {
    const r = check([
      apply(20, 'n1', 1, w1),
      apply(21, 'n2', 1, w1),
      put(30, 'c1.1', 'ok'),
      apply(40, 'n3', 1, w2), // n3 missed c1.1 but holds c1.2, which supersedes it
      end,
    ])
    expect(r[QUORUM_CHECK_NAMES.convergence]).toMatchObject({ ok: true, count: 0 })
    expect(r[QUORUM_CHECK_NAMES.convergence].verdict).toBeUndefined()
  })

  it('fails when a replica of the key still misses an acknowledged write after a healed quiet period', () => {
    const r = check([apply(20, 'n1', 1, w1), apply(21, 'n2', 1, w1), put(30, 'c1.1', 'ok'), end])
    expect(r[QUORUM_CHECK_NAMES.convergence]).toMatchObject({ ok: false, count: 1 })
    expect(r[QUORUM_CHECK_NAMES.convergence].details[0]).toContain(
      'is missing at the end (t=1500ms) on n3 of replicas n1, n2, n3: n3 holds nothing',
    )
  })

  it('siblings: a concurrent version does not supersede (both must be kept)', () => {
    const other = v('c2.1', 5, 'n3', { n3: 1 })
    const trace = [
      apply(20, 'n1', 1, w1, 'siblings'),
      apply(21, 'n2', 1, w1, 'siblings'),
      apply(22, 'n3', 1, w1, 'siblings'),
      put(30, 'c1.1', 'ok'),
    ]
    // n3 keeps both siblings: fine.
    expect(
      check([...trace, apply(40, 'n3', 2, other, 'siblings'), end])[QUORUM_CHECK_NAMES.convergence].ok,
    ).toBe(true)
    // Under lww the same later timestamp would supersede; under siblings dropping c1.1 is a loss.
    const lost = check([
      apply(20, 'n1', 1, w1, 'siblings'),
      apply(21, 'n2', 1, w1, 'siblings'),
      put(30, 'c1.1', 'ok'),
      apply(40, 'n3', 1, other, 'siblings'),
      end,
    ])
    expect(lost[QUORUM_CHECK_NAMES.convergence].ok).toBe(false)
  })

  it('a superseded no-op apply and a stand-in hint record the write without placing it on the replica', () => {
    const r = check([
      apply(20, 'n1', 1, w1),
      apply(21, 'n2', 1, w1, 'lww', { superseded: true }),
      apply(22, 'n4', 1, w1, 'lww', { hintFor: 'n3' }),
      put(30, 'c1.1', 'ok'),
      end,
    ])
    expect(r[QUORUM_CHECK_NAMES.ackedWrites].ok).toBe(true)
    expect(r[QUORUM_CHECK_NAMES.convergence].ok).toBe(false) // n2 and n3 hold nothing
    expect(r[QUORUM_CHECK_NAMES.convergence].details[0]).toContain('on n2, n3 of replicas')
  })

  it('is not judged (verdict unknown, not a violation) while faults are active or too close to the end', () => {
    const missing = [apply(20, 'n1', 1, w1), put(30, 'c1.1', 'ok')]
    const fault: TraceEvent = {
      kind: 'fault',
      t: 40,
      node: null,
      lc: 0,
      phase: 'start',
      faultId: 0,
      fault: 'crash',
      targets: ['n3'],
      detail: 'crash n3',
    }
    const crash: TraceEvent = { kind: 'node', t: 40, node: 'n3', lc: 0, action: 'crash' }
    const active = check([...missing, fault, crash, end])[QUORUM_CHECK_NAMES.convergence]
    expect(active).toMatchObject({ ok: true, verdict: 'unknown', count: 0 })
    expect(active.details[0]).toContain('faults still active at the end of the run (crash n3; n3 down)')
    const healedLate: TraceEvent[] = [
      ...missing,
      fault,
      crash,
      { kind: 'node', t: END - 1000, node: 'n3', lc: 0, action: 'restart' },
      { ...fault, t: END - 1000, phase: 'end', detail: 'restart n3' },
      end,
    ]
    const late = check(healedLate)[QUORUM_CHECK_NAMES.convergence]
    expect(late.verdict).toBe('unknown')
    expect(late.details[0]).toContain('less than 1000 ms before the end')
    // A write acknowledged within the quiet period before the end is not judged either.
    expect(
      check([apply(END - 5000, 'n1', 1, w1), put(END - 4000, 'c1.1', 'ok'), end])[
        QUORUM_CHECK_NAMES.convergence
      ].ok,
    ).toBe(true)
  })

  it('a run with unknown convergence gets the overall verdict unknown', () => {
    const trace: TraceEvent[] = [
      apply(20, 'n1', 1, w1),
      put(30, 'c1.1', 'ok'),
      {
        kind: 'fault',
        t: 40,
        node: null,
        lc: 0,
        phase: 'start',
        faultId: 0,
        fault: 'partition',
        targets: ['n3'],
        detail: 'partition',
      },
      end,
    ]
    const results = checkRun('quorum', trace)
    expect(results.map((r) => r.name)).toEqual([
      QUORUM_CHECK_NAMES.ackedWrites,
      QUORUM_CHECK_NAMES.convergence,
      'Linearizability',
    ])
    expect(results[1].verdict).toBe('unknown')
  })
})
