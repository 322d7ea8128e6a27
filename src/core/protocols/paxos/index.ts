// Paxos as the lab knows it (see ../module.ts): everything the lab needs of this
// algorithm, from one place. ../catalog.ts lists its description, ../registry.ts this module.
import { paxosDescription } from './describe'
import { createPaxosChecker } from '../../check/paxos'
import { defineAlgorithm, flags } from '../module'
import { createPaxosFactory, paxosFactory } from './factory'
import { paxosFuzz } from './fuzz'
import { PAXOS_MUTANTS } from './types'

export * from './factory'
export { paxosFuzz } from './fuzz'

export const paxosModule = defineAlgorithm({
  ...paxosDescription, // kind, params, info: the light part (describe.ts)
  factory: paxosFactory,
  wireTypes: ['Prepare', 'Promise', 'Accept', 'Accepted', 'Nack', 'Decided'],
  checker: createPaxosChecker,
  fuzz: paxosFuzz,
  mutants: PAXOS_MUTANTS,
  mutant: (names) => createPaxosFactory(flags(names)),
})
