// PBFT in the deterministic simulator with Byzantine faults as fault kinds (the host applies
// them: silent / slow on the wire, forge / equivocate through the factory's corrupt()), and
// the PBFT checks over the trace. Castro & Liskov, OSDI 1999: §4.2 normal case, §4.4 view
// change; the 3f + 1 bound of §4.
import { describe, expect, it } from 'vitest'
import { checkRun } from '../src/core/check'
import { PBFT_CHECK_NAMES } from '../src/core/check/pbft'
import { createSimulation } from '../src/core/sim'
import { ExperimentSpecSchema, type ExperimentSpec, type FaultSpec } from '../src/shared/spec'
import type { StateEvent, TraceEvent } from '../src/shared/trace'

function spec(faults: FaultSpec[], params: Record<string, unknown> = {}, durationMs = 1500): ExperimentSpec {
  return ExperimentSpecSchema.parse({
    name: 'pbft-test',
    algorithm: { kind: 'pbft', params: { viewChangeTicks: 10, ...params } },
    cluster: { nodes: 4, tickMs: 10 },
    mode: 'simulation',
    seed: 11,
    durationMs,
    workload: { clients: 4, ratePerSec: 200, keys: 4, timeoutMs: 300 },
    network: { latencyMs: 1, jitterMs: 0.5 },
    faults,
  })
}

function run(s: ExperimentSpec): TraceEvent[] {
  const sim = createSimulation(s)
  sim.runUntil(s.durationMs)
  return sim.trace()
}

/** Views whose primary (the leader of a state event) is `node`. */
function leaders(trace: TraceEvent[]): Set<string> {
  const out = new Set<string>()
  for (const e of trace)
    if (e.kind === 'state' && (e as StateEvent).leader) out.add(`${e.term}:${(e as StateEvent).leader}`)
  return out
}

function okOps(trace: TraceEvent[], afterMs: number): number {
  return trace.filter((e) => e.kind === 'op' && e.phase === 'ok' && e.t > afterMs * 1000).length
}

function verdicts(trace: TraceEvent[]): Record<string, boolean> {
  return Object.fromEntries(checkRun('pbft', trace).map((c) => [c.name, c.ok]))
}

describe('PBFT in the simulator', () => {
  it('normal operation: every check passes and requests complete', () => {
    const trace = run(spec([]))
    expect(Object.values(verdicts(trace)).every(Boolean)).toBe(true)
    expect(okOps(trace, 0)).toBeGreaterThan(100)
    expect(trace.some((e) => e.kind === 'send' && e.type === 'PrePrepare')).toBe(true)
  })

  it('a silent primary is replaced by a view change (§4.4)', () => {
    const trace = run(spec([{ kind: 'byzantine', atMs: 300, target: 'n1', behavior: 'silent' }]))
    expect(leaders(trace).has('1:n2')).toBe(true)
    expect(okOps(trace, 800)).toBeGreaterThan(20)
    expect(Object.values(verdicts(trace)).every(Boolean)).toBe(true)
  })

  it('a slow primary is replaced when its delay exceeds the view-change timeout', () => {
    // The slow behaviour adds 50 ms to each of n1's messages; 3 ticks = 30 ms.
    const trace = run(
      spec([{ kind: 'byzantine', atMs: 300, target: 'n1', behavior: 'slow' }], { viewChangeTicks: 3 }),
    )
    expect([...leaders(trace)].some((l) => !l.endsWith(':n1'))).toBe(true)
    expect(okOps(trace, 800)).toBeGreaterThan(20)
    expect(Object.values(verdicts(trace)).every(Boolean)).toBe(true)
  })

  it('an equivocating primary (f = 1 faulty): honest replicas agree and progress resumes', () => {
    const trace = run(spec([{ kind: 'byzantine', atMs: 200, target: 'n1', behavior: 'equivocate' }]))
    const checks = checkRun('pbft', trace)
    const agree = checks.find((c) => c.name === PBFT_CHECK_NAMES.agreement)
    expect(agree?.ok).toBe(true)
    expect(agree?.details.at(-1)).toContain('1 <= f = 1')
    expect(checks.every((c) => c.ok)).toBe(true)
    expect(leaders(trace).has('1:n2')).toBe(true)
    expect(okOps(trace, 800)).toBeGreaterThan(20)
  })

  it('forged messages fail the MAC check and are dropped; the cluster keeps going', () => {
    const trace = run(spec([{ kind: 'byzantine', atMs: 200, target: 'n3', behavior: 'forge' }]))
    expect(Object.values(verdicts(trace)).every(Boolean)).toBe(true)
    expect(okOps(trace, 800)).toBeGreaterThan(20)
  })

  it('the 3f + 1 bound matters: with f + 1 = 2 colluding equivocators honest replicas diverge', () => {
    const trace = run(
      spec([
        { kind: 'byzantine', atMs: 0, target: 'n1', behavior: 'equivocate' },
        { kind: 'byzantine', atMs: 0, target: 'n2', behavior: 'equivocate' },
      ]),
    )
    const agree = checkRun('pbft', trace).find((c) => c.name === PBFT_CHECK_NAMES.agreement)
    expect(agree?.ok).toBe(false)
    expect(agree?.details[0]).toMatch(/^seq \d+: n[34] executed .* but n[34] executed/)
    expect(agree?.details.at(-1)).toContain('n1, n2 (2 > f = 1: beyond the 3f + 1 bound)')
  })
})
