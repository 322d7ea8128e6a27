// Explorer options for tests: a small cluster of one algorithm, breadth-first to depth 6, no
// faults or client ops unless the test says so (params, cluster size and spares, any option).
import type { ExploreOptions } from '../src/core/explore'
import { algorithmModule } from '../src/core/protocols/registry'
import { ExperimentSpecSchema } from '../src/shared/spec'

export type OptionsOver = Partial<ExploreOptions> & { params?: object; nodes?: number; maxNodes?: number }

export function options(kind: string, over: OptionsOver = {}): ExploreOptions {
  const { params, nodes, maxNodes, ...rest } = over
  return {
    spec: ExperimentSpecSchema.parse({
      name: `explore-${kind}`,
      algorithm: { kind, params: params ?? {} },
      cluster: { nodes: nodes ?? 3, ...(maxNodes !== undefined ? { maxNodes } : {}) },
    }),
    depth: 6,
    maxStates: 1_000_000,
    strategy: 'bfs',
    crashes: 0,
    drops: 0,
    ops: [],
    attempts: 2,
    time: 'timeout',
    rng: 'fixed',
    linearizability: true,
    ...rest,
  }
}

/** The algorithm's factory with one deliberate bug. */
export function mutant(kind: string, name: string): ExploreOptions['factory'] {
  return algorithmModule(kind).mutant([name])
}
