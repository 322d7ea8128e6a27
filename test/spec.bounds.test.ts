// Issue 17.1: every number in a spec has a range a real experiment could use, and the error
// says the range. Each case here validated before (and some hung or exhausted the simulator).
import { describe, expect, it } from 'vitest'
import { formatErrors, parseSpec } from '../src/shared/spec'

const base = {
  name: 'bounds',
  cluster: { nodes: 5 },
  durationMs: 10_000,
}

function errorsOf(input: unknown): string {
  const r = parseSpec(input)
  if (r.ok) throw new Error(`expected the spec to be rejected: ${JSON.stringify(input)}`)
  return formatErrors(r.errors)
}

describe('spec ranges (hostile numbers are refused, naming the field and the range)', () => {
  const cases: Array<[string, unknown, string]> = [
    [
      'a clock jump of 1e12 ms',
      { ...base, faults: [{ atMs: 100, forMs: 100, kind: 'clock', target: 'n1', jumpMs: 1e12 }] },
      'faults[0].jumpMs: must be between 0 and 3600000 ms',
    ],
    [
      "a delay fault's latency of 1e300",
      { ...base, faults: [{ atMs: 100, forMs: 100, kind: 'delay', latencyMs: 1e300 }] },
      'faults[0].latencyMs: must be between 0 and 60000 ms',
    ],
    [
      "a delay fault's jitter of 1e300",
      { ...base, faults: [{ atMs: 100, forMs: 100, kind: 'delay', latencyMs: 1, jitterMs: 1e300 }] },
      'faults[0].jitterMs: must be between 0 and 60000 ms',
    ],
    [
      'forMs 1e300',
      { ...base, faults: [{ atMs: 100, forMs: 1e300, kind: 'drop', probability: 0.1 }] },
      'faults[0].forMs: must be more than 0 and at most 86400000 ms',
    ],
    [
      'restartAfterMs 1e300',
      { ...base, faults: [{ atMs: 100, kind: 'crash', target: 'n1', restartAfterMs: 1e300 }] },
      'faults[0].restartAfterMs: must be more than 0 and at most 86400000 ms',
    ],
    [
      'a writeback every 1 ms',
      { ...base, cluster: { nodes: 5, fsync: false, writebackMs: 1 } },
      'cluster.writebackMs: must be between 10 and 600000 ms',
    ],
    [
      'workload.timeoutMs 1e300',
      { ...base, workload: { timeoutMs: 1e300 } },
      'workload.timeoutMs: must be between 1 and 600000 ms',
    ],
    [
      'heartbeatTicks 1e12',
      { ...base, algorithm: { kind: 'raft', params: { heartbeatTicks: 1e12 } } },
      'algorithm.params.heartbeatTicks: must be between 1 and 10000 ticks',
    ],
    [
      'an election timeout of 1e9 ticks',
      { ...base, algorithm: { kind: 'raft', params: { electionTimeoutTicks: [10, 1e9] } } },
      'algorithm.params.electionTimeoutTicks[1]: must be between 1 and 10000 ticks',
    ],
    [
      "Multi-Paxos's leader timeout of 1e12 ticks",
      { ...base, algorithm: { kind: 'multipaxos', params: { leaderTimeoutTicks: [10, 1e12] } } },
      'algorithm.params.leaderTimeoutTicks[1]: must be between 1 and 10000 ticks',
    ],
    [
      "PBFT's view-change timeout of 1e12 ticks",
      { ...base, algorithm: { kind: 'pbft', params: { viewChangeTicks: 1e12 } } },
      'algorithm.params.viewChangeTicks: must be between 1 and 10000 ticks',
    ],
    ['durationMs 1e-300', { ...base, durationMs: 1e-300 }, 'durationMs: must be between 10 and 86400000 ms'],
    [
      'a clock rate of 1e-300',
      { ...base, faults: [{ atMs: 100, forMs: 100, kind: 'clock', target: 'n1', rate: 1e-300 }] },
      'faults[0].rate: must be between 0.01 and 100 x',
    ],
    [
      'a mix weight of 1e308 (three of them overflow to Infinity)',
      { ...base, workload: { mix: { read: 1e308, write: 1e308, cas: 1e308 } } },
      'workload.mix.read: must be between 0 and 1000',
    ],
    [
      'ratePerSec 1e7',
      { ...base, workload: { ratePerSec: 1e7 } },
      'workload.ratePerSec: must be between 0 and 100000 ops/s',
    ],
    [
      'a fractional node count',
      { ...base, cluster: { nodes: 2.5 } },
      'cluster.nodes: must be between 1 and 15 nodes (a whole number)',
    ],
  ]
  for (const [what, spec, message] of cases) {
    it(`refuses ${what}`, () => {
      expect(errorsOf(spec)).toContain(message)
    })
  }

  it('accepts the ends of every range', () => {
    const r = parseSpec({
      ...base,
      durationMs: 10,
      workload: { timeoutMs: 600_000, ratePerSec: 100_000, clients: 1000 },
      network: { latencyMs: 60_000, jitterMs: 0 },
      faults: [
        { atMs: 0, forMs: 5, kind: 'clock', target: 'n1', jumpMs: 3_600_000, rate: 0.01 },
        { atMs: 10, kind: 'crash', target: 'n2', restartAfterMs: 86_400_000 },
      ],
    })
    expect(r.ok ? 'ok' : formatErrors(r.errors)).toBe('ok')
  })
})
