// Multi-Paxos as the lab knows it (see ../module.ts): everything the lab needs of this
// algorithm, from one place. ../catalog.ts lists its description, ../registry.ts this module.
import { multipaxosDescription } from './describe'
import { createMultiPaxosChecker } from '../../check/multipaxos'
import { defineAlgorithm, flags } from '../module'
import { createMultiPaxosFactory, multiPaxosFactory } from './factory'
import { multipaxosFuzz } from './fuzz'
import { MULTIPAXOS_MUTANTS } from './types'

export * from './factory'
export { multipaxosFuzz } from './fuzz'

export const multipaxosModule = defineAlgorithm({
  ...multipaxosDescription, // kind, params, info: the light part (describe.ts)
  factory: multiPaxosFactory,
  wireTypes: [
    'Prepare',
    'Promise',
    'Accept',
    'Accepted',
    'Nack',
    'Heartbeat',
    'HeartbeatAck',
    'CatchUp',
    'Checkpoint',
    'CheckpointAck',
  ],
  checker: createMultiPaxosChecker,
  fuzz: multipaxosFuzz,
  mutants: MULTIPAXOS_MUTANTS,
  mutant: (names) => createMultiPaxosFactory(flags(names)),
})
