// PLACEHOLDER: pbft's safety checks (replaced by the real implementation).
import { createRaftChecker, type TraceChecker } from './raft'

export function createPbftChecker(): TraceChecker {
  return createRaftChecker({ raft: false })
}
