// The Paxos trace checks ("Paxos Made Simple" §2.1 safety requirements): each test feeds a
// hand-made trace, and every check is shown rejecting the broken trace it exists for.
import { describe, expect, it } from 'vitest'
import { createPaxosChecker, PAXOS_CHECK_NAMES } from '../src/core/check/paxos'
import { createChecker } from '../src/core/check'
import { acceptanceId, ballotOf } from '../src/core/protocols/paxos'
import type { TraceEvent } from '../src/shared/trace'

const NODES = ['n1', 'n2', 'n3']

function boot(): TraceEvent[] {
  return NODES.map((node) => ({
    kind: 'state',
    t: 0,
    node,
    lc: 0,
    role: 'replica',
    term: 0,
    leader: null,
    commitIndex: 0,
    lastIndex: 0,
  }))
}

function invoke(id: string, t: number, key = 'k'): TraceEvent {
  return { kind: 'op', t, node: null, lc: 0, client: 1, opId: id, phase: 'invoke', f: 'put', key, value: id }
}

function ok(id: string, t: number, key = 'k'): TraceEvent {
  return { kind: 'op', t, node: 'n1', lc: 0, client: 1, opId: id, phase: 'ok', f: 'put', key, value: id }
}

function accept(node: string, slot: number, ballot: number, id: string, t: number, key = 'k'): TraceEvent {
  return {
    kind: 'log',
    t,
    node,
    lc: 0,
    action: 'append',
    index: slot,
    entries: [{ term: ballot, id: acceptanceId(key, id) }],
  }
}

function apply(node: string, slot: number, id: string, t: number, key = 'k'): TraceEvent {
  return { kind: 'apply', t, node, lc: 0, index: slot, term: 1, id, key }
}

function check(trace: TraceEvent[]): Record<string, { ok: boolean; count: number; details: string[] }> {
  const c = createPaxosChecker()
  for (const e of trace) c.onEvent(e)
  return Object.fromEntries(c.results().map((r) => [r.name, r]))
}

const b1 = ballotOf(1, 0)
const b2 = ballotOf(2, 1)

/** A correct history: c1 chosen in slot 1 (ballot 1.1), c2 in slot 2; all apply in order. */
function good(): TraceEvent[] {
  return [
    ...boot(),
    invoke('c1', 1),
    accept('n1', 1, b1, 'c1', 2),
    accept('n2', 1, b1, 'c1', 3),
    ...NODES.map((n) => apply(n, 1, 'c1', 4)),
    ok('c1', 5),
    invoke('c2', 6),
    // A later ballot re-proposes the chosen value (P2c): still one value.
    accept('n3', 1, b2, 'c1', 6),
    accept('n2', 2, b2, 'c2', 7),
    accept('n3', 2, b2, 'c2', 7),
    ...NODES.map((n) => apply(n, 2, 'c2', 8)),
    apply('n1', 1, 'noop', 9, 'other'),
  ]
}

describe('Paxos checks', () => {
  it('accept a correct trace', () => {
    const r = check(good())
    for (const name of Object.values(PAXOS_CHECK_NAMES)) expect(r[name]).toMatchObject({ ok: true, count: 0 })
  })

  it('Agreement: two values chosen by majorities in one instance', () => {
    const t = [...good(), invoke('c3', 10), accept('n1', 1, ballotOf(3, 2), 'c3', 11)]
    t.push(accept('n3', 1, ballotOf(3, 2), 'c3', 12))
    const r = check(t)[PAXOS_CHECK_NAMES.agreement]
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('instance "k"#1 has two values')
    expect(r.details[0]).toContain('chosen in ballot 3.3')
    expect(r.details[0]).toContain('n1, n3')
  })

  it('Agreement: a minority acceptance of another value is not a second choice', () => {
    const t = [...good(), invoke('c3', 10), accept('n1', 1, ballotOf(3, 2), 'c3', 11)]
    expect(check(t)[PAXOS_CHECK_NAMES.agreement].ok).toBe(true)
  })

  it('Agreement: two nodes apply different values at one instance', () => {
    const t = [...boot(), invoke('c1', 1), invoke('c2', 1), apply('n1', 1, 'c1', 2), apply('n2', 1, 'c2', 3)]
    const r = check(t)[PAXOS_CHECK_NAMES.agreement]
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('applied by n1 at t=0.002ms')
  })

  it('Agreement: one ballot carrying two values', () => {
    const t = [
      ...boot(),
      invoke('c1', 1),
      invoke('c2', 1),
      accept('n1', 1, b1, 'c1', 2),
      accept('n2', 1, b1, 'c2', 3),
    ]
    const r = check(t)[PAXOS_CHECK_NAMES.agreement]
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('ballot 1.1 carries two values')
  })

  it('Validity: a value nobody proposed', () => {
    const t = [...good(), accept('n2', 3, b2, 'forged', 20)]
    const r = check(t)[PAXOS_CHECK_NAMES.validity]
    expect(r.ok).toBe(false)
    expect(r.details[0]).toBe(
      'value "forged" was accepted by n2 in instance "k"#3 at t=0.02ms, but no client proposed it',
    )
  })

  it('Slot order: a node skipping a slot, and a restart re-applying from slot 1 is fine', () => {
    const skip = [...boot(), invoke('c1', 1), apply('n1', 2, 'c1', 2)]
    const r = check(skip)[PAXOS_CHECK_NAMES.slotOrder]
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('skipped slot 1')
    const restart: TraceEvent[] = [...good(), { kind: 'node', t: 20, node: 'n2', lc: 0, action: 'restart' }]
    restart.push(apply('n2', 1, 'c1', 21), apply('n2', 2, 'c2', 21))
    expect(check(restart)[PAXOS_CHECK_NAMES.slotOrder].ok).toBe(true)
  })

  it('No acknowledged write lost', () => {
    const t = [...good(), invoke('c9', 30), ok('c9', 31)]
    const r = check(t)[PAXOS_CHECK_NAMES.ackedWrites]
    expect(r.ok).toBe(false)
    expect(r.details[0]).toContain('c9')
  })

  it('createChecker("paxos") adds linearizability', () => {
    const c = createChecker('paxos')
    for (const e of good()) c.onEvent(e)
    expect(c.results().map((r) => r.name)).toEqual([...Object.values(PAXOS_CHECK_NAMES), 'Linearizability'])
  })
})
