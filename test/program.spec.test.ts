// The spec of a program's run (issue 14): kind program, Maelstrom workloads, and what is refused.
import { describe, expect, it } from 'vitest'
import { parseSpec, READ_SHARE_WORKLOADS } from '../src/shared/spec'
import { WORKLOAD_OPTION_SCHEMAS, workloadFromSpec } from '../src/core/maelstrom/workloads'
import type { WorkloadContext } from '../src/core/maelstrom/types'
import { createRng } from '../src/core/rng'

const program = { kind: 'program', params: { command: ['python3', 'node.py'] } }
const errors = (input: unknown): string[] => {
  const r = parseSpec(input)
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`)
}

describe('program specs', () => {
  it('accepts a program with a Maelstrom workload in processes mode, with defaults filled in', () => {
    const r = parseSpec({ mode: 'processes', algorithm: program, workload: { kind: 'lin-kv', keys: 3 } })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.spec.algorithm).toEqual({ ...program, params: { ...program.params, initTimeoutMs: 10_000 } })
    expect(r.spec.workload.kind).toBe('lin-kv')
  })

  it('refuses a program outside processes mode, naming the field', () => {
    expect(errors({ mode: 'simulation', algorithm: program, workload: { kind: 'echo' } })).toEqual([
      'mode: must be "processes" for algorithm.kind "program" (a foreign program cannot run in virtual time)',
    ])
  })

  it('refuses the kv workload for a program and a Maelstrom workload for a built-in algorithm', () => {
    expect(errors({ mode: 'processes', algorithm: program })).toEqual([
      'workload.kind: a program needs a Maelstrom workload (one of: lin-kv, echo, unique-ids, broadcast, g-counter, pn-counter, g-set), not "kv"',
    ])
    expect(errors({ algorithm: { kind: 'raft' }, workload: { kind: 'lin-kv' } })).toEqual([
      'workload.kind: lin-kv is a Maelstrom workload: only algorithm.kind "program" runs it (built-in algorithms use "kv")',
    ])
  })

  it('refuses clock faults for a program, naming the fault', () => {
    expect(
      errors({
        mode: 'processes',
        algorithm: program,
        workload: { kind: 'echo' },
        faults: [{ kind: 'clock', atMs: 100, forMs: 100, target: 'n1', rate: 2 }],
      }),
    ).toEqual([
      'faults[0].kind: clock faults cannot be done to a program: a program reads the OS clock, which the lab cannot skew',
    ])
  })

  it('refuses byzantine behaviours that need the node to rewrite its messages', () => {
    expect(
      errors({
        mode: 'processes',
        algorithm: program,
        workload: { kind: 'echo' },
        faults: [
          { kind: 'byzantine', atMs: 100, target: 'n1', behavior: 'forge' },
          { kind: 'byzantine', atMs: 100, target: 'n1', behavior: 'silent' },
        ],
      }),
    ).toEqual([
      'faults[0].behavior: forge needs the node to rewrite its messages, which a program does not let the lab do (silent and slow work)',
    ])
  })

  it('refuses an empty command and bad environment names', () => {
    expect(
      errors({
        mode: 'processes',
        algorithm: { kind: 'program', params: { command: [], env: { '1X': 'y' } } },
        workload: { kind: 'echo' },
      }),
    ).toEqual([
      'algorithm.params.command: must name the program to run, e.g. ["python3", "node.py"]',
      'algorithm.params.env.1X: must be an environment variable name',
    ])
  })

  it('takes a read share for the workloads that mix reads with adds, and it reaches the workload', () => {
    const r = parseSpec({
      mode: 'processes',
      algorithm: program,
      workload: { kind: 'broadcast', readShare: 0.1 },
    })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.spec.workload.readShare).toBe(0.1)
    // The workload built from the spec draws reads at that share (same seed, same draws).
    const w = workloadFromSpec(r.spec.workload)
    const rng = createRng(7)
    const ctx = {
      nodeIds: ['n1', 'n2', 'n3'],
      options: {},
      client: 0,
      opIndex: 0,
    } satisfies WorkloadContext & { client: number; opIndex: number }
    let reads = 0
    for (let i = 0; i < 2000; i++) if (w.request(rng, { ...ctx, opIndex: i }).body.type === 'read') reads++
    expect(reads).toBeGreaterThan(120)
    expect(reads).toBeLessThan(280)
    for (const kind of ['g-set', 'g-counter', 'pn-counter'])
      expect(errors({ mode: 'processes', algorithm: program, workload: { kind, readShare: 0 } })).toEqual([])
    // The spec's list is exactly the workloads whose option schema declares a read share.
    const declaring = Object.entries(WORKLOAD_OPTION_SCHEMAS)
      .filter(([, schema]) => 'readShare' in schema.shape)
      .map(([kind]) => kind)
    expect([...READ_SHARE_WORKLOADS].sort()).toEqual(declaring.sort())
  })

  it('refuses a read share out of range or for a workload without that mix, naming the field', () => {
    expect(
      errors({ mode: 'processes', algorithm: program, workload: { kind: 'broadcast', readShare: 1.5 } }),
    ).toEqual(['workload.readShare: must be between 0 and 1'])
    expect(
      errors({ mode: 'processes', algorithm: program, workload: { kind: 'echo', readShare: 0.2 } }),
    ).toEqual([
      'workload.readShare: only the broadcast, g-set, g-counter, pn-counter workloads take a read share (echo sends no reads)',
    ])
    expect(
      errors({ mode: 'processes', algorithm: program, workload: { kind: 'lin-kv', readShare: 0.2 } }),
    ).toEqual(['workload.readShare: the lin-kv workload takes its share of reads from workload.mix.read'])
    expect(errors({ algorithm: { kind: 'raft' }, workload: { readShare: 0.2 } })).toEqual([
      'workload.readShare: the kv workload takes its share of reads from workload.mix.read',
    ])
  })
})
