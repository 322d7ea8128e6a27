// What `npm run fuzz` can fuzz: every algorithm of the registry, with its fuzz model (params
// and faults within its fault model), its deliberate bugs (mutants) and how to build a mutant.
import type { AlgorithmKind } from '../../shared/spec'
import type { AnyProtocolFactory } from '../protocols'
import { ALGORITHM_MODULES } from '../protocols/registry'
import type { FuzzModel } from './model'

export type AlgorithmFuzzOptions = FuzzModel

export interface FuzzTarget {
  options: AlgorithmFuzzOptions
  mutants: readonly string[]
  /** The algorithm with the named mutations switched on. */
  mutant(names: readonly string[]): AnyProtocolFactory
}

export const FUZZ_TARGETS: Partial<Record<AlgorithmKind, FuzzTarget>> = Object.fromEntries(
  ALGORITHM_MODULES.map((m) => [
    m.kind,
    { options: m.fuzz, mutants: m.mutants, mutant: (names: readonly string[]) => m.mutant(names) },
  ]),
)
