// PLACEHOLDER: quorum's safety checks (replaced by the real implementation).
import { createRaftChecker, type TraceChecker } from './raft'

export function createQuorumChecker(): TraceChecker {
  return createRaftChecker({ raft: false })
}
