// Every algorithm the lab has, one line each (see docs/adding-an-algorithm.md).
import { PROGRAM_KIND } from '../../shared/spec'
import type { AnyAlgorithmModule } from './module'
import type { ProtocolFactory } from './types'

type AnyProtocolFactory = ProtocolFactory<unknown, unknown, unknown>
import { multipaxosModule } from './multipaxos'
import { paxosModule } from './paxos'
import { pbftModule } from './pbft'
import { quorumModule } from './quorum'
import { raftModule } from './raft'

export const ALGORITHM_MODULES: readonly AnyAlgorithmModule[] = [
  raftModule,
  paxosModule,
  multipaxosModule,
  pbftModule,
  quorumModule,
]

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
