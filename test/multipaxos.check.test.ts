// Multi-Paxos checks over hand-built traces: each check accepts a correct run and rejects the
// broken run it exists for; the run checker adds the generic checks and linearizability.
import { describe, expect, it } from 'vitest'
import { checkRun, CHECK_NAMES } from '../src/core/check'
import { createMultiPaxosChecker, MULTIPAXOS_CHECK_NAMES } from '../src/core/check/multipaxos'
import type { CheckResult } from '../src/shared/api'
import type { NodeId, TraceEvent } from '../src/shared/trace'

/** A tiny trace builder; every event 1 ms after the previous one. */
class Trace {
  readonly events: TraceEvent[] = []
  private t = 0

  private tick(): number {
    this.t += 1000
    return this.t
  }

  /** Accepted values at slot, slot+1, ... given as `term:id`. */
  accept(node: NodeId, slot: number, ...entries: string[]): this {
    const es = entries.map((s) => {
      const [term, id] = s.split(':')
      return { term: Number(term), id }
    })
    this.events.push({ kind: 'log', t: this.tick(), node, lc: 0, action: 'append', index: slot, entries: es })
    return this
  }

  apply(node: NodeId, slot: number, term: number, id: string): this {
    this.events.push({ kind: 'apply', t: this.tick(), node, lc: 0, index: slot, term, id })
    return this
  }

  node(node: NodeId, action: 'crash' | 'restart'): this {
    this.events.push({ kind: 'node', t: this.tick(), node, lc: 0, action })
    return this
  }

  check(): CheckResult[] {
    const c = createMultiPaxosChecker()
    for (const e of this.events) c.onEvent(e)
    return c.results()
  }
}

function byName(rs: CheckResult[], name: string): CheckResult {
  const r = rs.find((x) => x.name === name)
  if (!r) throw new Error(`no check named ${name}`)
  return r
}

/** Three nodes that agree on slots 1..3 (slot 2 a no-op filled by a new leader). */
function goodRun(): Trace {
  const t = new Trace()
  for (const n of ['n1', 'n2', 'n3']) t.accept(n, 1, '1:c1.1', '2:noop', '2:c1.2')
  for (const n of ['n1', 'n2', 'n3'])
    for (const [s, term, id] of [
      [1, 1, 'c1.1'],
      [2, 2, 'noop'],
      [3, 2, 'c1.2'],
    ] as const)
      t.apply(n, s, term, id)
  return t
}

describe('Multi-Paxos checks', () => {
  it('names its checks and passes a correct run', () => {
    const rs = goodRun().check()
    expect(rs.map((r) => r.name)).toEqual([
      'Slot Agreement',
      'In-order Apply',
      CHECK_NAMES.stateMachineSafety,
      CHECK_NAMES.ackedWrites,
    ])
    expect(rs.filter((r) => !r.ok)).toEqual([])
  })

  it('Slot Agreement rejects two nodes deciding different commands for one slot', () => {
    const t = goodRun()
    t.accept('n2', 4, '3:c2.1').apply('n2', 4, 3, 'c2.1')
    t.accept('n3', 4, '4:noop').apply('n3', 4, 4, 'noop')
    const r = byName(t.check(), MULTIPAXOS_CHECK_NAMES.slotAgreement)
    expect(r.ok).toBe(false)
    expect(r.count).toBe(1)
    expect(r.details[0]).toBe('slot 4: n3 decided "noop" at t=16ms, but n2 decided "c2.1" at t=14ms')
  })

  it('In-order Apply rejects a skipped slot, an out-of-order apply, and a command the node does not hold', () => {
    const skip = new Trace()
      .accept('n1', 1, '1:a', '1:b', '1:c')
      .apply('n1', 1, 1, 'a')
      .apply('n1', 3, 1, 'c')
    const r1 = byName(skip.check(), MULTIPAXOS_CHECK_NAMES.inOrderApply)
    expect(r1.ok).toBe(false)
    expect(r1.details[0]).toBe('n1 applied slot 3 at t=3ms right after slot 1 (slot 2 was skipped)')

    const back = new Trace()
      .accept('n1', 1, '1:a', '1:b')
      .apply('n1', 1, 1, 'a')
      .apply('n1', 2, 1, 'b')
      .apply('n1', 1, 1, 'a')
    expect(byName(back.check(), MULTIPAXOS_CHECK_NAMES.inOrderApply).details[0]).toContain('(out of order)')

    const notHeld = new Trace().accept('n1', 1, '1:a').apply('n1', 1, 1, 'zzz')
    expect(byName(notHeld.check(), MULTIPAXOS_CHECK_NAMES.inOrderApply).details[0]).toBe(
      'n1 applied "zzz" at slot 1 at t=2ms, but it holds "a" there',
    )
  })

  it('a restarted node may replay its decided prefix from slot 1', () => {
    const t = goodRun()
    t.node('n2', 'crash').node('n2', 'restart')
    t.apply('n2', 1, 1, 'c1.1').apply('n2', 2, 2, 'noop').apply('n2', 3, 2, 'c1.2')
    expect(t.check().filter((r) => !r.ok)).toEqual([])
    // ... but without a restart that is out of order.
    const u = goodRun()
    u.apply('n2', 1, 1, 'c1.1')
    expect(byName(u.check(), MULTIPAXOS_CHECK_NAMES.inOrderApply).ok).toBe(false)
  })

  it('the run checker for multipaxos adds linearizability and rejects a lost acknowledged write', () => {
    const t = goodRun()
    t.events.push(
      {
        kind: 'op',
        t: 20_000,
        node: 'n1',
        lc: 0,
        client: 1,
        opId: 'c9.1',
        phase: 'invoke',
        f: 'put',
        key: 'k',
        value: 'v',
      },
      {
        kind: 'op',
        t: 21_000,
        node: 'n1',
        lc: 0,
        client: 1,
        opId: 'c9.1',
        phase: 'ok',
        f: 'put',
        key: 'k',
        value: 'v',
      },
    )
    const rs = checkRun('multipaxos', t.events)
    expect(rs.map((r) => r.name)).toContain(CHECK_NAMES.linearizability)
    const lost = byName(rs, CHECK_NAMES.ackedWrites)
    expect(lost.ok).toBe(false)
    expect(lost.details[0]).toContain('c9.1')
  })
})
