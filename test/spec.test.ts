// The ExperimentSpec schema: the design's example validates, defaults fill in, and bad
// input is reported with the field path and a plain-English message.
import { describe, expect, it } from 'vitest'
import { defaultSpec, ExperimentSpecSchema, formatErrors, parseSpec, parseSpecJson } from '../src/shared/spec'

const designExample = {
  name: 'raft-5-majorities-ring',
  algorithm: { kind: 'raft', params: { electionTimeoutTicks: [15, 30], heartbeatTicks: 5 } },
  cluster: { nodes: 5, tickMs: 10 },
  mode: 'processes',
  seed: 42,
  durationMs: 30000,
  workload: {
    kind: 'kv',
    clients: 8,
    ratePerSec: 500,
    keys: 100,
    distribution: 'zipf',
    mix: { read: 0.5, write: 0.4, cas: 0.1 },
    timeoutMs: 1000,
  },
  network: { latencyMs: 1, jitterMs: 0.5 },
  faults: [
    { atMs: 5000, forMs: 5000, kind: 'partition', shape: 'majorities-ring' },
    { atMs: 12000, kind: 'crash', target: 'leader', restartAfterMs: 3000 },
    { atMs: 18000, forMs: 4000, kind: 'delay', latencyMs: 50, jitterMs: 10 },
    { atMs: 20000, forMs: 5000, kind: 'drop', probability: 0.2 },
    { atMs: 22000, forMs: 5000, kind: 'clock', target: 'n2', rate: 2.0 },
    { atMs: 24000, kind: 'byzantine', target: 'n4', behavior: 'equivocate' },
  ],
}

function errorsOf(input: unknown): string {
  const r = parseSpec(input)
  if (r.ok) throw new Error('expected the spec to be rejected')
  return formatErrors(r.errors)
}

describe('ExperimentSpec', () => {
  it("accepts every field of the design's example", () => {
    const r = parseSpec(designExample)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.spec.faults).toHaveLength(6)
    expect(r.spec.algorithm).toMatchObject({ kind: 'raft', params: { preVote: true } }) // default filled in
    expect(r.spec.network.dropProbability).toBe(0)
  })

  it('fills in defaults for an empty object', () => {
    const spec = ExperimentSpecSchema.parse({})
    expect(spec.cluster.nodes).toBe(5)
    expect(spec.algorithm.kind).toBe('raft')
    expect(spec.mode).toBe('simulation')
    expect(defaultSpec().name).toBe('raft-5')
  })

  it('names the field path of a negative fault time', () => {
    const bad = structuredClone(designExample)
    bad.faults[2].atMs = -1
    expect(errorsOf(bad)).toContain('faults[2].atMs: must be between 0 and 86400000 ms')
  })

  it('rejects a negative duration', () => {
    expect(errorsOf({ durationMs: -5 })).toContain('durationMs: must be between 10 and 86400000 ms')
  })

  it('rejects an unknown algorithm by name', () => {
    expect(errorsOf({ algorithm: { kind: 'zab' } })).toContain('algorithm.kind: unknown algorithm "zab"')
  })

  it('rejects a fault naming a node that does not exist', () => {
    expect(errorsOf({ cluster: { nodes: 3 }, faults: [{ kind: 'crash', atMs: 1, target: 'n4' }] })).toContain(
      'faults[0].target: node n4 does not exist (cluster has n1..n3)',
    )
  })

  it('rejects unknown fields, wrong types and bad enums', () => {
    const text = errorsOf({ cluster: { nodez: 3 }, seed: 'x', workload: { distribution: 'normal' } })
    expect(text).toContain('cluster.nodez: unknown field')
    expect(text).toContain('seed: must be a whole number, got "x"')
    expect(text).toContain('workload.distribution: must be one of: "uniform", "zipf", got "normal"')
  })

  it('checks parameter relations', () => {
    expect(errorsOf({ algorithm: { kind: 'raft', params: { electionTimeoutTicks: [30, 15] } } })).toContain(
      'algorithm.params.electionTimeoutTicks: min must be <= max',
    )
    expect(errorsOf({ workload: { mix: { read: 0, write: 0, cas: 0 } } })).toContain('workload.mix')
  })

  it('reports a malformed JSON file as such', () => {
    const r = parseSpecJson('{"name": ')
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.errors[0]!.message).toMatch(/not valid JSON/)
  })
})
