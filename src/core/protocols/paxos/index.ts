// Paxos as the lab knows it (see ../module.ts): everything the lab needs of this
// algorithm, from one place. The registry (../registry.ts) lists it.
import { PaxosParamsSchema, PAXOS_INFO } from '../../../shared/params/paxos'
import { createPaxosChecker } from '../../check/paxos'
import { defineAlgorithm, flags } from '../module'
import { createPaxosFactory, paxosFactory } from './factory'
import { paxosFuzz } from './fuzz'
import { PAXOS_MUTANTS } from './types'

export * from './factory'
export { paxosFuzz } from './fuzz'

export const paxosModule = defineAlgorithm({
  kind: 'paxos',
  params: PaxosParamsSchema,
  info: PAXOS_INFO,
  factory: paxosFactory,
  wireTypes: ['Prepare', 'Promise', 'Accept', 'Accepted', 'Nack', 'Decided'],
  checker: createPaxosChecker,
  fuzz: paxosFuzz,
  mutants: PAXOS_MUTANTS,
  mutant: (names) => createPaxosFactory(flags(names)),
})
