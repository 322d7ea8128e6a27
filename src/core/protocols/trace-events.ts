// From a protocol's own events (ProtocolEvent) to the trace events both engines record: the
// simulator (src/core/sim) and a processes-mode node (src/main/node/host.ts). Pure.
import type { ApplyEvent, ConfigEvent, LogEvent, NodeId, SnapshotEvent, StateEvent } from '../../shared/trace'
import type { ProtocolEvent } from './types'

/** The trace event for protocol event `e` of `node` at run time `t` (µs) and Lamport clock `lc`. */
export function protocolTraceEvent(
  e: ProtocolEvent,
  t: number,
  node: NodeId,
  lc: number,
): StateEvent | LogEvent | ApplyEvent | ConfigEvent | SnapshotEvent {
  switch (e.type) {
    case 'state':
      return {
        kind: 'state',
        t,
        node,
        lc,
        role: e.role,
        term: e.term,
        leader: e.leader,
        commitIndex: e.commitIndex,
        lastIndex: e.lastIndex,
      }
    case 'log':
      return { kind: 'log', t, node, lc, action: e.action, index: e.index, entries: e.entries }
    case 'apply': {
      // Built field by field rather than with conditional spreads (one of the commonest
      // events: no throwaway objects); the key order, and so the JSON, is the same.
      const a: ApplyEvent = { kind: 'apply', t, node, lc, index: e.index, term: e.term, id: e.id }
      if (e.key !== undefined) a.key = e.key
      if (e.version !== undefined) a.version = e.version
      return a
    }
    case 'config':
      return {
        kind: 'config',
        t,
        node,
        lc,
        index: e.index,
        voters: e.voters,
        learners: e.learners,
        ...(e.oldVoters !== undefined ? { oldVoters: e.oldVoters } : {}),
      }
    case 'snapshot':
      return { kind: 'snapshot', t, node, lc, action: e.action, index: e.index, term: e.term }
  }
}
