// A counterexample as a recorded run: the spec snapshot it is recorded under, its summary
// (figures counted from the trace, as a simulated run's meter counts them) and each node's
// last state, everything the store needs besides the trace itself. Pure.
import type { CheckResult, NodeLive, RunSummary } from '../../shared/api'
import type { ExperimentSpec } from '../../shared/spec'
import type { NodeId, TraceEvent } from '../../shared/trace'
import { nodeIds } from '../../shared/trace'
import { RunMeter } from '../engine/meter'
import { nodeLive, type NodeState } from '../engine/node-live'
import { STEP_US } from './world'

/** What a counterexample was found with, for the recorded run's name. */
export interface ExploredWith {
  mutant: string | null
  strategy: string
  steps: number
}

/**
 * The spec a counterexample is recorded under: the explored one, named after what was found,
 * lasting exactly the path (no workload or faults of its own: the trace has them all).
 */
export function counterexampleSpec(spec: ExperimentSpec, w: ExploredWith): ExperimentSpec {
  const what = `${w.mutant === null ? '' : ` mutant ${w.mutant}`} ${w.strategy} ${w.steps} steps`
  const name = `explore ${spec.name}${what}`.slice(0, 200)
  return {
    ...spec,
    name,
    mode: 'simulation',
    durationMs: Math.max(10, ((w.steps + 1) * STEP_US) / 1000),
    workload: { ...spec.workload, clients: 0 },
    faults: [],
  }
}

/** The run summary of a counterexample's trace with its checks. */
export function traceSummary(trace: readonly TraceEvent[], checks: CheckResult[]): RunSummary {
  const meter = new RunMeter()
  const invoked = new Map<string, number>()
  let end = 0
  for (const e of trace) {
    end = e.t
    switch (e.kind) {
      case 'send':
        meter.sent(e.type)
        break
      case 'deliver':
        meter.messages.delivered++
        break
      case 'drop':
        meter.messages.dropped++
        break
      case 'state':
        meter.onState(e)
        break
      case 'op':
        if (e.phase === 'invoke') {
          meter.ops.total++
          invoked.set(e.opId, e.t)
        } else meter.opDone(e.phase, e.t - (invoked.get(e.opId) ?? e.t))
        break
      default:
        break
    }
  }
  return meter.summary(end / 1000, 0, checks)
}

/** Each node's last state in the trace (down when it crashed and did not restart). */
export function finalNodes(trace: readonly TraceEvent[], nodes: number): NodeLive[] {
  const ids = nodeIds(nodes)
  const last = new Map<NodeId, NodeState>()
  const up = new Map<NodeId, boolean>(ids.map((id) => [id, true]))
  for (const e of trace) {
    if (e.node === null) continue
    if (e.kind === 'state') last.set(e.node, e)
    else if (e.kind === 'node') up.set(e.node, e.action !== 'crash')
  }
  const none: NodeState = { role: 'follower', term: 0, leader: null, commitIndex: 0, lastIndex: 0 }
  return ids.map((id) => nodeLive(id, last.get(id) ?? none, up.get(id) === true))
}
