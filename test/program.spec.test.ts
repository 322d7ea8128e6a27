// The spec of a program's run (issue 14): kind program, Maelstrom workloads, and what is refused.
import { describe, expect, it } from 'vitest'
import { parseSpec } from '../src/shared/spec'

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
})
