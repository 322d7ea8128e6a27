// Raft's fuzz model (src/core/fuzz): the default one (Raft's timing drawn per fault style, the
// crash-recovery fault schedule). Pure.
import type { FuzzModel } from '../../fuzz/model'

export const raftFuzz: FuzzModel = { algorithm: 'raft' }
