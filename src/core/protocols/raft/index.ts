// Raft as the lab knows it (see ../module.ts): everything the lab needs of this
// algorithm, from one place. ../catalog.ts lists its description, ../registry.ts this module.
import { raftDescription } from './describe'
import { createRaftChecker } from '../../check/raft'
import { defineAlgorithm, flags } from '../module'
import { createRaftFactory, raftFactory } from './factory'
import { raftFuzz } from './fuzz'
import { RAFT_MUTANTS } from './types'

export * from './factory'
export { raftFuzz } from './fuzz'

export const raftModule = defineAlgorithm({
  ...raftDescription, // kind, params, info: the light part (describe.ts)
  factory: raftFactory,
  wireTypes: [
    'PreVote',
    'PreVoteResp',
    'RequestVote',
    'RequestVoteResp',
    'AppendEntries',
    'AppendEntriesResp',
    'TimeoutNow',
    'InstallSnapshot',
    'InstallSnapshotResp',
  ],
  checker: () => createRaftChecker({ raft: true }),
  fuzz: raftFuzz,
  mutants: RAFT_MUTANTS,
  mutant: (names) => createRaftFactory(flags(names)),
})
