// Dueling proposers in the deterministic simulator (what a user sees in the lab): several
// clients hit one key through different nodes. Without backoff the proposers keep pre-empting
// each other with ever higher ballots and almost nothing is chosen (FLP: no deterministic
// protocol guarantees progress); with randomized backoff the same run completes its ops.
import { describe, expect, it } from 'vitest'
import { createSimulation } from '../src/core/sim'
import { ExperimentSpecSchema } from '../src/shared/spec'

function run(backoff: boolean): { ok: number; total: number; rounds: number; verdict: string } {
  const spec = ExperimentSpecSchema.parse({
    name: `paxos-duel-${backoff ? 'backoff' : 'no-backoff'}`,
    algorithm: { kind: 'paxos', params: { backoff } },
    cluster: { nodes: 5, tickMs: 10 },
    mode: 'simulation',
    seed: 3,
    durationMs: 2000,
    workload: {
      kind: 'kv',
      clients: 8,
      ratePerSec: 400,
      keys: 1,
      distribution: 'uniform',
      mix: { read: 0.3, write: 0.5, cas: 0.2 },
      timeoutMs: 1000,
    },
    network: { latencyMs: 1, jitterMs: 0.5 },
    faults: [],
  })
  const sim = createSimulation(spec, {})
  sim.runUntil(spec.durationMs)
  const s = sim.summary(0)
  const rounds = Math.max(...sim.nodes().map((n) => n.term))
  return { ok: s.ops.ok, total: s.ops.total, rounds, verdict: s.verdict }
}

describe('dueling proposers on one key (5 nodes, 8 clients)', () => {
  it('without backoff: livelock, thousands of ballots and almost no op chosen', () => {
    const r = run(false)
    expect(r.rounds).toBeGreaterThan(1000)
    // Clients time out (1 s) waiting; the few ops chosen slipped through by timing luck.
    expect(r.ok).toBeLessThan(10)
    expect(r.ok).toBeLessThan(r.total / 2)
    expect(r.verdict).toBe('ok')
  })

  it('with randomized backoff: the same run completes its ops', () => {
    const r = run(true)
    expect(r.ok).toBeGreaterThan(200)
    expect(r.ok).toBeGreaterThan(r.total * 0.95)
    expect(r.verdict).toBe('ok')
  })
})
