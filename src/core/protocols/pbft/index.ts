// PBFT as the lab knows it (see ../module.ts): everything the lab needs of this
// algorithm, from one place. ../catalog.ts lists its description, ../registry.ts this module.
import { pbftDescription } from './describe'
import { createPbftChecker } from '../../check/pbft'
import { defineAlgorithm, flags } from '../module'
import { createPbftFactory, pbftFactory } from './factory'
import { PBFT_MUTANTS } from './factory'
import { pbftFuzz } from './fuzz'
import { PBFT_WIRE_TYPES } from './types'

export * from './factory'
export { pbftFuzz } from './fuzz'

export const pbftModule = defineAlgorithm({
  ...pbftDescription, // kind, params, info: the light part (describe.ts)
  factory: pbftFactory,
  wireTypes: PBFT_WIRE_TYPES,
  checker: createPbftChecker,
  fuzz: pbftFuzz,
  mutants: PBFT_MUTANTS,
  mutant: (names) => createPbftFactory(flags(names)),
})
