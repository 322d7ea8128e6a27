// PLACEHOLDER: paxos's safety checks (replaced by the real implementation).
import { createRaftChecker, type TraceChecker } from './raft'

export function createPaxosChecker(): TraceChecker {
  return createRaftChecker({ raft: false })
}
