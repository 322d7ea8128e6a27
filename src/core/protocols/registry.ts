// Every algorithm's module (its protocol code), by kind, one line each, next to its line in
// catalog.ts (see docs/adding-an-algorithm.md). Two lists because the catalog's descriptions
// are what shared/ and the renderer may load, and this file loads every factory, checker and
// fuzz model; the order and the kinds are the catalog's, and the type below refuses a kind the
// catalog has and this file misses (or the other way round).
import { ALGORITHMS, PROGRAM_KIND, type AlgorithmKind } from '../../shared/spec'
import type { AnyAlgorithmModule } from './module'
import type { ProtocolFactory } from './types'

type AnyProtocolFactory = ProtocolFactory<unknown, unknown, unknown>
import { multipaxosModule } from './multipaxos'
import { paxosModule } from './paxos'
import { pbftModule } from './pbft'
import { quorumModule } from './quorum'
import { raftModule } from './raft'

const MODULES: { readonly [K in AlgorithmKind]: AnyAlgorithmModule } = {
  raft: raftModule,
  paxos: paxosModule,
  multipaxos: multipaxosModule,
  pbft: pbftModule,
  quorum: quorumModule,
}

/** Every algorithm's module, in the catalog's order. */
export const ALGORITHM_MODULES: readonly AnyAlgorithmModule[] = ALGORITHMS.map((k) => MODULES[k])

const BY_KIND: ReadonlyMap<string, AnyAlgorithmModule> = new Map(ALGORITHM_MODULES.map((m) => [m.kind, m]))

/** The module of algorithm `kind`, or undefined when the lab has no such algorithm. */
export function findAlgorithm(kind: string): AnyAlgorithmModule | undefined {
  return BY_KIND.get(kind)
}

/**
 * The factory a run of `algorithm` uses: the module's, or its mutant when the spec switches
 * deliberate bugs on. Throws naming an unknown algorithm or mutant.
 */
export function factoryFor(algorithm: { kind: string; mutants?: readonly string[] }): AnyProtocolFactory {
  const m = algorithmModule(algorithm.kind)
  const names = algorithm.mutants ?? []
  if (names.length === 0) return m.factory
  const bad = names.find((x) => !m.mutants.includes(x))
  if (bad !== undefined)
    throw new Error(`unknown ${m.kind} mutant "${bad}" (known: ${m.mutants.join(', ') || 'none'})`)
  return m.mutant(names)
}

/** What the registry finds wrong with a parsed spec's algorithm: unknown mutants, by field path. */
export function algorithmSpecIssues(algorithm: {
  kind: string
  mutants?: readonly string[]
}): Array<{ path: string; message: string }> {
  if (algorithm.kind === PROGRAM_KIND) return [] // a program: checked by its own schema (spec.ts)
  const m = BY_KIND.get(algorithm.kind)
  if (m === undefined) return [{ path: 'algorithm.kind', message: `unknown algorithm "${algorithm.kind}"` }]
  const out: Array<{ path: string; message: string }> = []
  ;(algorithm.mutants ?? []).forEach((x, i) => {
    if (!m.mutants.includes(x))
      out.push({
        path: `algorithm.mutants[${i}]`,
        message: `unknown ${m.kind} mutant "${x}" (known: ${m.mutants.join(', ') || 'none'})`,
      })
  })
  return out
}

/** The module of algorithm `kind`; throws naming the known ones when there is none. */
export function algorithmModule(kind: string): AnyAlgorithmModule {
  const m = BY_KIND.get(kind)
  if (m === undefined)
    throw new Error(`unknown algorithm "${kind}" (known: ${ALGORITHM_MODULES.map((a) => a.kind).join(', ')})`)
  return m
}
