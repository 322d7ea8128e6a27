// One-link faults in the spec (partition shape 'link', `peer` on delay / drop) and in the
// live view (which links are drawn for them, from the fault's one-line detail).
import { describe, expect, it } from 'vitest'
import { faultLinks } from '../src/main/lab/live'
import { parseInjectedFault as parseLiveFault } from '../src/main/lab/service'
import { FaultSchema, formatErrors, parseSpec } from '../src/shared/spec'
import type { FaultEvent } from '../src/shared/trace'

function errorsOf(faults: unknown[], nodes = 3): string {
  const r = parseSpec({ cluster: { nodes }, faults })
  return r.ok ? '' : formatErrors(r.errors)
}

describe('spec: one-link faults', () => {
  it('accepts a link partition and a delay / drop with a peer', () => {
    const r = parseSpec({
      cluster: { nodes: 3 },
      faults: [
        { kind: 'partition', atMs: 1, shape: 'link', target: 'n1', peer: 'n2' },
        { kind: 'delay', atMs: 1, latencyMs: 50, target: 'n2', peer: 'n3' },
        { kind: 'drop', atMs: 1, probability: 0.3, target: 'n3', peer: 'n1' },
      ],
    })
    expect(r.ok, r.ok ? '' : formatErrors(r.errors)).toBe(true)
  })

  it('a link partition needs a peer, a node-id target, and two different nodes', () => {
    expect(errorsOf([{ kind: 'partition', atMs: 1, shape: 'link', target: 'n1' }])).toContain(
      'faults[0].peer: required for partition shape link: the node at the other end of the link',
    )
    expect(errorsOf([{ kind: 'partition', atMs: 1, shape: 'link', target: 'leader', peer: 'n2' }])).toContain(
      'faults[0].target: must be a node id (n1, n2, ...) for partition shape link with a peer',
    )
    expect(errorsOf([{ kind: 'partition', atMs: 1, shape: 'link', peer: 'n2' }])).toContain(
      'faults[0].target: must be a node id (n1, n2, ...) for partition shape link with a peer',
    )
    expect(errorsOf([{ kind: 'partition', atMs: 1, shape: 'link', target: 'n2', peer: 'n2' }])).toContain(
      'faults[0].peer: must differ from target (n2): a link joins two nodes',
    )
  })

  it('a peer must be a node of the cluster', () => {
    expect(errorsOf([{ kind: 'partition', atMs: 1, shape: 'link', target: 'n1', peer: 'n7' }])).toContain(
      'faults[0].peer: node n7 does not exist (cluster has n1..n3)',
    )
    expect(errorsOf([{ kind: 'drop', atMs: 1, probability: 0.5, target: 'n1', peer: 'leader' }])).toContain(
      'faults[0].peer: must be a node id like n1',
    )
  })

  it('a peer only where it means something', () => {
    expect(errorsOf([{ kind: 'partition', atMs: 1, shape: 'isolate', target: 'n1', peer: 'n2' }])).toContain(
      'faults[0].peer: only partition shape link takes a peer (this is partition shape isolate)',
    )
    expect(errorsOf([{ kind: 'crash', atMs: 1, target: 'n1', peer: 'n2' }])).toContain(
      'faults[0].peer: unknown field',
    )
    expect(errorsOf([{ kind: 'duplicate', atMs: 1, probability: 0.1, target: 'n1', peer: 'n2' }])).toContain(
      'faults[0].peer: unknown field',
    )
    // delay / drop: a peer needs one node as the target, not a role or group, and not itself.
    expect(errorsOf([{ kind: 'delay', atMs: 1, latencyMs: 5, peer: 'n2' }])).toContain(
      'faults[0].target: must be a node id (n1, n2, ...) for delay with a peer',
    )
    expect(errorsOf([{ kind: 'drop', atMs: 1, probability: 0.1, target: 'all', peer: 'n2' }])).toContain(
      'faults[0].target: must be a node id (n1, n2, ...) for drop with a peer',
    )
    expect(errorsOf([{ kind: 'delay', atMs: 1, latencyMs: 5, target: 'n3', peer: 'n3' }])).toContain(
      'faults[0].peer: must differ from target (n3): a link joins two nodes',
    )
  })

  it('the fault schema alone (live injection) checks the peer rules too', () => {
    expect(FaultSchema.safeParse({ kind: 'partition', atMs: 0, shape: 'link', target: 'n1' }).success).toBe(
      false,
    )
    expect(() => parseLiveFault({ kind: 'partition', shape: 'link', target: 'n1' }, 3)).toThrow(
      /invalid fault: fault\.peer: required for partition shape link/,
    )
    expect(() => parseLiveFault({ kind: 'delay', latencyMs: 5, target: 'n1', peer: 'n9' }, 3)).toThrow(
      'invalid fault: fault.peer: node n9 does not exist (cluster has n1..n3)',
    )
    expect(parseLiveFault({ kind: 'partition', shape: 'link', target: 'n1', peer: 'n3' }, 3)).toMatchObject({
      shape: 'link',
      target: 'n1',
      peer: 'n3',
    })
  })
})

const ids = ['n1', 'n2', 'n3', 'n4']
const ev = (fault: FaultEvent['fault'], targets: string[], detail: string): FaultEvent => ({
  kind: 'fault',
  t: 1000,
  node: null,
  lc: 0,
  phase: 'start',
  faultId: 0,
  fault,
  targets,
  detail,
})
const drawn = (e: FaultEvent): string[] =>
  faultLinks(ids, e)
    .map((l) => `${l.from}>${l.to}:${l.effect}`)
    .sort()

describe('live view: one-link faults draw exactly that link', () => {
  it('partition link: cut both ways, nothing else', () => {
    expect(drawn(ev('partition', ['n1', 'n3'], 'partition link n1 <-> n3 for 5000 ms'))).toEqual([
      'n1>n3:cut',
      'n3>n1:cut',
    ])
    // A link partition that cut nothing (no valid peer) draws nothing.
    expect(drawn(ev('partition', ['n1'], 'partition link (no valid peer: nothing cut)'))).toEqual([])
  })

  it('delay / drop on a link: slow / lossy on that link only', () => {
    expect(drawn(ev('delay', ['n2', 'n4'], 'delay +50±0 ms on link n2 <-> n4'))).toEqual([
      'n2>n4:slow',
      'n4>n2:slow',
    ])
    expect(drawn(ev('drop', ['n4', 'n1'], 'drop p=0.3 on link n4 <-> n1 for 200 ms'))).toEqual([
      'n1>n4:lossy',
      'n4>n1:lossy',
    ])
    // The node-wide form is unchanged: every link of the target.
    expect(drawn(ev('delay', ['n2'], 'delay +50±0 ms on links of n2'))).toHaveLength(6)
  })
})
