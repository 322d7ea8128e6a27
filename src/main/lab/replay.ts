// PLACEHOLDER (replay owner replaces): trace info, the state of every node at an instant, and
// the first divergence of two runs, read from the store.
import { LabError, type ReplayState, type RunDiff, type RunId, type TraceInfo } from '../../shared/api'
import type { LabStore } from '../store'

export function traceInfo(_store: LabStore, _runId: RunId): TraceInfo {
  throw new LabError('unavailable', 'getTraceInfo is not implemented yet')
}

export function replayState(_store: LabStore, _runId: RunId, _atUs: number, _logTail: number): ReplayState {
  throw new LabError('unavailable', 'getReplayState is not implemented yet')
}

export function diffRuns(_store: LabStore, _a: RunId, _b: RunId): RunDiff {
  throw new LabError('unavailable', 'diffRuns is not implemented yet')
}
