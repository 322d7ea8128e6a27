// Record a finished trace (an explorer's counterexample) as a run in the store, so it is listed
// and opens in Replay like any other: the run row with its spec snapshot, every trace event
// through the recorder (which also fills the ops history and sketches), then the run's end
// with its summary, verdict and each node's last state.
import type { NodeLive, RunId, RunSummary } from '../../shared/api'
import type { ExperimentSpec } from '../../shared/spec'
import type { TraceEvent } from '../../shared/trace'
import { clusterSize } from '../../shared/cluster'
import type { LabStore } from '../store'
import { newRunId } from './run-id'
import type { Counterexample } from '../../core/explore'
import { counterexampleSpec, finalNodes, traceSummary } from '../../core/explore/run'

export interface FinishedTrace {
  spec: ExperimentSpec
  trace: readonly TraceEvent[]
  summary: RunSummary
  nodes: NodeLive[]
  appVersion: string
}

/** Record `t` as a done run; returns its id. Throws the store's error when it cannot write. */
export function recordTrace(store: LabStore, t: FinishedTrace): RunId {
  const id = newRunId()
  const startedAt = new Date().toISOString()
  const seq = store.createRun({ id, spec: t.spec, startedAt, appVersion: t.appVersion })
  let failure: Error | null = null
  const rec = store.recorder(seq, { onError: (e) => (failure = e) })
  for (const e of t.trace) rec.event(e)
  rec.progress(1)
  rec.finish()
  store.finishRun(seq, {
    status: failure === null ? 'done' : 'failed',
    endedAt: new Date().toISOString(),
    progress: 1,
    summary: t.summary,
    error: failure === null ? null : (failure as Error).message,
    nodes: t.nodes,
  })
  if (failure !== null) throw failure
  return id
}

/**
 * Record an explorer's counterexample as a run named after what found it (see
 * counterexampleSpec); returns its id. Throws the store's error when it cannot write.
 */
export function recordCounterexample(
  store: LabStore,
  c: {
    spec: ExperimentSpec
    mutants: readonly string[]
    strategy: string
    ce: Counterexample
    appVersion: string
  },
): RunId {
  const spec = counterexampleSpec(c.spec, {
    mutant: c.mutants.length ? c.mutants.join('+') : null,
    strategy: c.strategy,
    steps: c.ce.steps.length,
  })
  return recordTrace(store, {
    spec,
    trace: c.ce.trace,
    summary: traceSummary(c.ce.trace, c.ce.checks),
    nodes: finalNodes(c.ce.trace, clusterSize(spec.cluster)),
    appVersion: c.appVersion,
  })
}
