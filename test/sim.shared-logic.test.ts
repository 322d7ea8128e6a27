// The pure pieces the simulator and processes mode share (src/core/sim/{ops,overlay,
// fault-text,fault-plan,node-live}.ts, src/core/protocols/trace-events.ts).
import { describe, expect, it } from 'vitest'
import { protocolTraceEvent } from '../src/core/protocols/trace-events'
import { createRng } from '../src/core/rng'
import { faultEndDetail, faultStartDetail } from '../src/core/engine/fault-text'
import { planOverlayFault, type OverlayFault } from '../src/core/engine/fault-plan'
import { nodeLive } from '../src/core/engine/node-live'
import * as ops from '../src/core/engine/ops'
import { overlayApplies, overlayScope } from '../src/core/engine/overlay'
import { FaultSchema, type FaultSpec } from '../src/shared/spec'
import { nodeIds } from '../src/shared/trace'

const fault = (f: Record<string, unknown>): FaultSpec => FaultSchema.parse({ atMs: 0, ...f })

describe('client ops', () => {
  it('cas expects the last value seen; put and get expect nothing', () => {
    const seen = new Map<string, string | null>([['k1', 'c1.3']])
    expect(ops.opCommand('cas', 'k1', 'c1.4', seen)).toEqual({
      cmd: { f: 'cas', key: 'k1', expected: 'c1.3', value: 'c1.4' },
      value: 'c1.4',
      expected: 'c1.3',
    })
    expect(ops.opCommand('cas', 'k2', 'v', seen).expected).toBeNull()
    expect(ops.opCommand('get', 'k1', 'v', seen)).toEqual({
      cmd: { f: 'get', key: 'k1' },
      value: null,
      expected: null,
    })
    expect(ops.opCommand('put', 'k1', 'v', seen).cmd).toEqual({ f: 'put', key: 'k1', value: 'v' })
  })

  it('op events carry expected only for cas, result and error only when given', () => {
    const op = { id: 'c2.1', f: 'cas' as const, key: 'k0', value: 'c2.1', expected: null }
    expect(ops.opEvent(5, 2, op, 'invoke', op.value)).toEqual({
      kind: 'op',
      t: 5,
      node: null,
      lc: 0,
      client: 2,
      opId: 'c2.1',
      phase: 'invoke',
      f: 'cas',
      key: 'k0',
      value: 'c2.1',
      expected: null,
    })
    const done = ops.opEvent(9, 2, { ...op, f: 'put' }, 'fail', 'c2.1', undefined, 'rejected')
    expect('expected' in done || 'result' in done).toBe(false)
    expect(done.error).toBe('rejected')
  })

  it('an ok reply updates what the client saw only when a write happened', () => {
    const seen = new Map<string, string | null>()
    const cas = { id: 'c1.1', f: 'cas' as const, key: 'k', value: 'c1.1', expected: null }
    expect(ops.okOutcome(cas, { id: 'c1.1', ok: true, f: 'cas', value: null, result: false }, seen)).toEqual({
      value: 'c1.1',
      result: false,
    })
    expect(seen.has('k')).toBe(false)
    ops.okOutcome(cas, { id: 'c1.1', ok: true, f: 'cas', value: null, result: true }, seen)
    expect(seen.get('k')).toBe('c1.1')
    const get = { id: 'c1.2', f: 'get' as const, key: 'k', value: null, expected: null }
    expect(ops.okOutcome(get, { id: 'c1.2', ok: true, f: 'get', value: 'x' }, seen)).toEqual({
      value: 'x',
      result: undefined,
    })
    expect(seen.get('k')).toBe('x')
  })

  it('refusals: rejected fails at once, then the attempt limit, then the hint, else retry', () => {
    const nl = { id: 'a', ok: false as const, error: 'not_leader' as const, leaderHint: null }
    expect(ops.refusalAction({ ...nl, error: 'rejected' }, 1, 0, 2)).toEqual({
      do: 'fail',
      error: 'rejected',
    })
    expect(ops.refusalAction(nl, ops.MAX_ATTEMPTS, 0, 2)).toEqual({ do: 'fail', error: 'not_leader' })
    expect(ops.refusalAction(nl, 1, 0, 2)).toEqual({ do: 'send', node: 2 })
    expect(ops.refusalAction(nl, 1, 2, 2)).toEqual({ do: 'retry' }) // a hint at itself is no hint
    expect(ops.refusalAction(nl, 1, 0, -1)).toEqual({ do: 'retry' })
  })

  it('the next node is never the one to avoid', () => {
    const rng = createRng(4)
    for (let i = 0; i < 200; i++) {
      const x = ops.otherNode(rng, 5, 3)
      expect(x).not.toBe(3)
      expect(x >= 0 && x < 5).toBe(true)
    }
    for (let i = 0; i < 50; i++) expect(ops.nodeAfterTimeout(rng, 3, -1, 1)).not.toBe(1)
    expect(ops.otherNode(rng, 1, 0)).toBe(0)
  })
})

describe('overlays', () => {
  it('a mask matches links touching a target; a pair only its link, both ways', () => {
    const s = overlayScope(4, [1], null)
    expect(overlayApplies(s, 1, 3) && overlayApplies(s, 0, 1)).toBe(true)
    expect(overlayApplies(s, 0, 2)).toBe(false)
    const p = overlayScope(4, [1], 2)
    expect(p.targets).toEqual([1, 2])
    expect(overlayApplies(p, 1, 2) && overlayApplies(p, 2, 1)).toBe(true)
    expect(overlayApplies(p, 1, 3)).toBe(false)
    expect(overlayApplies(overlayScope(4, null, null), 0, 3)).toBe(true)
    // A peer outside the cluster matches no link rather than all of them.
    const none = overlayScope(4, [1], -1)
    expect(none.targets).toEqual([1])
    expect(overlayApplies(none, 1, 0)).toBe(false)
  })

  it('plans an overlay fault with the detail live.ts reads', () => {
    const ids = nodeIds(5)
    const plan = planOverlayFault(
      fault({ kind: 'drop', probability: 0.5, target: 'n2', peer: 'n4' }) as OverlayFault,
      ids,
      (t) => [ids.indexOf(t as string)],
    )
    expect(plan.pair).toEqual([1, 3])
    expect(plan.detail).toBe('drop p=0.5 on link n2 <-> n4')
  })
})

describe('fault detail text', () => {
  it('start details, with the engine`s own words where it has them', () => {
    expect(
      faultStartDetail(fault({ kind: 'crash', target: 'n1', restartAfterMs: 50 }), [0, 2], {
        how: ' (SIGKILL)',
      }),
    ).toBe('crash n1, n3 (SIGKILL) (restart after 50 ms)')
    expect(faultStartDetail(fault({ kind: 'pause', target: 'n1', forMs: 20 }), [0])).toBe(
      'pause n1 for 20 ms',
    )
    expect(faultStartDetail(fault({ kind: 'delay', latencyMs: 5, jitterMs: 1 }), null)).toBe(
      'delay +5±1 ms on all links',
    )
    expect(faultStartDetail(fault({ kind: 'reorder', probability: 0.2, target: 'n2' }), [1])).toBe(
      'reorder p=0.2 on links of n2',
    )
    expect(faultStartDetail(fault({ kind: 'clock', target: 'n2', rate: 2, jumpMs: 30, forMs: 9 }), [1])).toBe(
      'clock n2 rate x2, jump +30 ms for 9 ms',
    )
    expect(faultStartDetail(fault({ kind: 'byzantine', target: 'n2', behavior: 'slow' }), [1])).toBe(
      'byzantine n2 slow',
    )
  })

  it('end details', () => {
    expect(faultEndDetail(fault({ kind: 'partition', shape: 'halves' }), [])).toBe('partition healed')
    expect(faultEndDetail(fault({ kind: 'pause', target: 'n1', forMs: 5 }), [0, 1], ' (SIGCONT)')).toBe(
      'resume n1, n2 (SIGCONT)',
    )
    expect(faultEndDetail(fault({ kind: 'crash', target: 'n1' }), [2])).toBe('restart n3 from durable state')
    expect(faultEndDetail(fault({ kind: 'clock', target: 'n1', rate: 2 }), [2, 0])).toBe(
      'clock of {n1,n3} back to normal rate',
    )
    expect(faultEndDetail(fault({ kind: 'byzantine', target: 'n1', behavior: 'silent' }), [0])).toBe(
      '{n1} honest again',
    )
    expect(faultEndDetail(fault({ kind: 'drop', probability: 0.1 }), [])).toBe('drop over')
  })
})

describe('trace events and live rows', () => {
  it('protocol events become trace events; apply keeps key and version only when set', () => {
    expect(protocolTraceEvent({ type: 'apply', index: 3, term: 1, id: 'c1.1' }, 7, 'n2', 4)).toEqual({
      kind: 'apply',
      t: 7,
      node: 'n2',
      lc: 4,
      index: 3,
      term: 1,
      id: 'c1.1',
    })
    const st = protocolTraceEvent(
      { type: 'state', role: 'leader', term: 2, leader: 'n1', commitIndex: 5, lastIndex: 6 },
      1,
      'n1',
      0,
    )
    expect(st).toEqual({
      kind: 'state',
      t: 1,
      node: 'n1',
      lc: 0,
      role: 'leader',
      term: 2,
      leader: 'n1',
      commitIndex: 5,
      lastIndex: 6,
    })
  })

  it('a down node shows role down and no leader, with its last figures', () => {
    const s = { role: 'leader' as const, term: 3, leader: 'n1', commitIndex: 4, lastIndex: 5 }
    expect(nodeLive('n1', s, false)).toEqual({
      id: 'n1',
      role: 'down',
      term: 3,
      leader: null,
      commitIndex: 4,
      lastIndex: 5,
    })
    expect(nodeLive('n1', s, true)).toEqual({ id: 'n1', ...s })
  })
})
