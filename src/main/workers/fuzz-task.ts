// A fuzz seed as a task: the same run and checks as `fuzz()` in the core, answered without
// the trace. Used by campaign workers (threads on this machine, fleet workers elsewhere) and
// by the CLI when it runs seeds itself.
import { fuzzOne, FUZZ_TARGETS } from '../../core/fuzz'
import type { AlgorithmKind } from '../../shared/spec'
import type { FuzzSeedResult, FuzzSeedTask } from './tasks'

export function runFuzzSeed(t: Omit<FuzzSeedTask, 'kind' | 'id'>): FuzzSeedResult {
  const target = FUZZ_TARGETS[t.algorithm as AlgorithmKind]
  if (target === undefined) throw new Error(`unknown algorithm "${t.algorithm}"`)
  const r = fuzzOne(t.seed, {
    ...target.options,
    durationMs: t.durationMs,
    nodes: t.nodes,
    ...(t.style ? { style: t.style } : {}),
    ...(t.mutants.length > 0 ? { factory: target.mutant(t.mutants) } : {}),
  })
  return {
    seed: r.seed,
    style: r.spec.name.replace(/^fuzz-[a-z]+-\d+-/, ''),
    violations: r.violations.map((v) => ({ name: v.name, count: v.count, details: v.details })),
    events: r.events,
    simulatedMs: r.simulatedMs,
    stop: r.stop,
  }
}
