// A spec may switch an algorithm's deliberate bugs on (algorithm.mutants): a recorded fuzz or
// explore counterexample then replays with the same bug. Unknown names are refused, naming
// the field and the algorithm's known mutants.
import { describe, expect, it } from 'vitest'
import { factoryFor } from '../src/core/protocols/registry'
import { createSimulation } from '../src/core/sim'
import { checkSpec } from '../src/main/lab/service'

describe('algorithm.mutants', () => {
  it('refuses an unknown mutant, naming the field and the known ones', () => {
    const r = checkSpec({ algorithm: { kind: 'raft', mutants: ['voteWithoutLogCheck', 'nope'] } })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.errors).toEqual([
      {
        path: 'algorithm.mutants[1]',
        message: expect.stringMatching(/^unknown raft mutant "nope" \(known: voteWithoutLogCheck, /),
      },
    ])
  })

  it('a known mutant makes the run use the broken factory', () => {
    const r = checkSpec({ algorithm: { kind: 'raft', mutants: ['voteWithoutLogCheck'] } })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    const f = factoryFor(r.spec.algorithm) as { mutations?: Record<string, boolean> }
    expect(f.mutations).toEqual({ voteWithoutLogCheck: true })
    expect((factoryFor({ kind: 'raft' }) as { mutations?: Record<string, boolean> }).mutations).toEqual({})
    // The simulator takes the spec's mutants (a run of it starts; the factory is the mutant's).
    const sim = createSimulation({ ...r.spec, durationMs: 200 }, { keepTrace: false })
    sim.runUntil(200)
    expect(sim.done()).toBe(true)
  })
})
