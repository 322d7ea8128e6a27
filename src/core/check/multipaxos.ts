// PLACEHOLDER: multipaxos's safety checks (replaced by the real implementation).
import { createRaftChecker, type TraceChecker } from './raft'

export function createMultiPaxosChecker(): TraceChecker {
  return createRaftChecker({ raft: false })
}
