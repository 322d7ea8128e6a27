// Quorum store as the lab knows it (see ../module.ts): everything the lab needs of this
// algorithm, from one place. ../catalog.ts lists its description, ../registry.ts this module.
import { quorumDescription } from './describe'
import { CONVERGENCE_QUIET_MS, createQuorumChecker } from '../../check/quorum'
import { defineAlgorithm, flags } from '../module'
import { createQuorumFactory, quorumFactory } from './factory'
import { quorumFuzz } from './fuzz'
import { QUORUM_MUTANTS, QUORUM_WIRE_TYPES } from './types'

export * from './factory'
export { quorumFuzz } from './fuzz'

export const quorumModule = defineAlgorithm({
  ...quorumDescription, // kind, params, info: the light part (describe.ts)
  factory: quorumFactory,
  wireTypes: QUORUM_WIRE_TYPES,
  checker: createQuorumChecker,
  fuzz: quorumFuzz,
  mutants: QUORUM_MUTANTS,
  mutant: (names) => createQuorumFactory(flags(names)),
  // Anti-entropy between 3 replicas (root, diff, keys both ways) takes a few dozen fair steps.
  settle: { steps: 200, quietMs: CONVERGENCE_QUIET_MS },
})
