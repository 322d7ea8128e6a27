// The golden-trace corpus (see bench/golden.ts): per algorithm and seed, one simulator run
// whose every output is fed, in order, to `sink` as text. Scenarios: the fuzzer's spec for
// the seed (its fault schedule within the algorithm's fault model), plus a byzantine fault
// and a clock jump on some seeds, plus faults injected and ended live on others, so every
// fault kind and both fault paths (scheduled and live) are covered.
import { FUZZ_TARGETS } from '../src/core/fuzz'
import { fuzzSpec } from '../src/core/fuzz'
import { createRng } from '../src/core/rng'
import { createSimulation } from '../src/core/sim'
import { ExperimentSpecSchema, type AlgorithmKind, type FaultSpec } from '../src/shared/spec'

export const goldenAlgorithms: readonly AlgorithmKind[] = ['raft', 'paxos', 'multipaxos', 'pbft', 'quorum']

const DURATION_MS = 1500
const BEHAVIORS = ['silent', 'equivocate', 'forge', 'slow'] as const

/** Run scenario (alg, seed), feeding everything it produces to `sink`. */
export function goldenRun(alg: AlgorithmKind, seed: number, sink: (chunk: string) => void): void {
  const target = FUZZ_TARGETS[alg]
  if (target === undefined) throw new Error(`no fuzz target for ${alg}`)
  const base = fuzzSpec(seed, { ...target.options, durationMs: DURATION_MS })
  const rng = createRng(seed * 7919 + goldenAlgorithms.indexOf(alg))
  const nodes = base.cluster.nodes
  const node = (): string => `n${rng.int(1, nodes)}`
  const extra: FaultSpec[] = []
  if (rng.chance(0.4))
    extra.push({
      kind: 'byzantine',
      atMs: rng.int(100, 1200),
      forMs: rng.int(50, 400),
      target: node(),
      behavior: BEHAVIORS[rng.int(0, 3)],
    })
  if (rng.chance(0.3))
    extra.push({
      kind: 'clock',
      atMs: rng.int(100, 1200),
      forMs: rng.int(50, 400),
      target: node(),
      rate: 1,
      jumpMs: rng.int(10, 400),
    })
  const spec = ExperimentSpecSchema.parse({ ...base, faults: [...base.faults, ...extra] })
  sink(JSON.stringify(spec))
  const sim = createSimulation(spec, { keepTrace: false, onTrace: (e) => sink(JSON.stringify(e)) })
  const live: FaultSpec[] = [
    { kind: 'crash', atMs: 0, target: node() },
    { kind: 'partition', atMs: 0, shape: 'isolate', target: 'leader' },
    { kind: 'pause', atMs: 0, forMs: 200, target: node() },
    { kind: 'drop', atMs: 0, probability: 0.5 },
    { kind: 'delay', atMs: 0, latencyMs: 20, jitterMs: 5, target: 'leader' },
  ]
  const liveAt = rng.chance(0.35) ? rng.int(200, 900) : -1
  const liveFault = live[rng.int(0, live.length - 1)]
  const liveFor = rng.int(20, 300)
  let t = 0
  let injected = -1
  while (!sim.done()) {
    t = Math.min(t + 100, DURATION_MS)
    if (liveAt >= 0 && injected < 0 && t >= liveAt) {
      sim.runUntil(liveAt)
      injected = sim.injectFault!(liveFault)
      sim.runUntil(liveAt + liveFor)
      sim.endFault!(injected)
    }
    sim.runUntil(t)
    for (const w of sim.takeWindows()) sink(JSON.stringify(w))
  }
  sink(JSON.stringify(sim.nodes()))
  const { wallMs: _wall, ...summary } = sim.summary(0) as unknown as Record<string, unknown>
  sink(JSON.stringify(summary))
}
