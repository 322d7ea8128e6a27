// The two lists of algorithms agree: the catalog's light descriptions (what shared/ and the
// renderer load) and the registry's modules (their protocol code). The spec, the designer and
// the screens are derived from the first, every run from the second.
import { describe, expect, expectTypeOf, it } from 'vitest'
import { ALGORITHM_CATALOG } from '../src/core/protocols/catalog'
import type { PaxosParams } from '../src/core/protocols/paxos/describe'
import type { RaftParams } from '../src/core/protocols/raft/describe'
import { ALGORITHM_MODULES, findAlgorithm } from '../src/core/protocols/registry'
import { ALGORITHM_INFO } from '../src/shared/params'
import { ALGORITHMS, AlgorithmSchema, parseSpec, type AlgorithmSpec } from '../src/shared/spec'

describe('the algorithm catalog and the registry', () => {
  it('list the same algorithms in the same order, and the spec takes its kinds from them', () => {
    expect(ALGORITHM_MODULES.map((m) => m.kind)).toEqual(ALGORITHM_CATALOG.map((d) => d.kind))
    expect([...ALGORITHMS]).toEqual(ALGORITHM_CATALOG.map((d) => d.kind))
    expect(Object.keys(ALGORITHM_INFO)).toEqual([...ALGORITHMS])
    expect(AlgorithmSchema.options.map((o) => o.shape.kind.value)).toEqual([...ALGORITHMS, 'program'])
  })

  it("give each module its description's kind, params schema and info (the same objects)", () => {
    for (const d of ALGORITHM_CATALOG) {
      const m = findAlgorithm(d.kind)
      expect(m?.kind, d.kind).toBe(d.kind)
      expect(m?.params === d.params, `${d.kind} params`).toBe(true)
      expect(m?.info === d.info, `${d.kind} info`).toBe(true)
      expect(ALGORITHM_INFO[d.kind] === d.info, `${d.kind} ALGORITHM_INFO`).toBe(true)
    }
  })

  it("run an algorithm's own cross-field checks (its description's specIssues) when a spec parses", () => {
    expect(parseSpec({ algorithm: { kind: 'pbft' }, cluster: { nodes: 3 } })).toEqual({
      ok: false,
      errors: [
        {
          path: 'cluster.nodes',
          message: 'PBFT needs at least 4 nodes to tolerate one Byzantine node (n >= 3f + 1 with f >= 1)',
        },
      ],
    })
    expect(
      parseSpec({ algorithm: { kind: 'quorum', params: { replicas: 5 } }, cluster: { nodes: 3 } }),
    ).toEqual({
      ok: false,
      errors: [{ path: 'algorithm.params.replicas', message: 'must be <= cluster.nodes (3)' }],
    })
    expect(
      parseSpec({ algorithm: { kind: 'quorum', params: { replicas: 3 } }, cluster: { nodes: 3 } }).ok,
    ).toBe(true)
  })

  it("type each spec entry's params with its algorithm's own params type", () => {
    expectTypeOf<Extract<AlgorithmSpec, { kind: 'raft' }>['params']>().toEqualTypeOf<RaftParams>()
    expectTypeOf<Extract<AlgorithmSpec, { kind: 'paxos' }>['params']>().toEqualTypeOf<PaxosParams>()
  })
})
