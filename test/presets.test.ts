// Fault presets: every preset builds a valid spec for any cluster size and run length,
// its faults stay inside the run on a round grid, and applying one replaces or appends.
import { describe, expect, it } from 'vitest'
import {
  applyPreset,
  PRESET_IDS,
  PRESETS,
  presetById,
  presetSatisfied,
  timeGrid,
  type PresetId,
} from '../src/shared/presets'
import { ExperimentSpecSchema, formatErrors, parseSpec, type ExperimentSpecInput } from '../src/shared/spec'

const NODES = [3, 5, 7]
const DURATIONS = [500, 1000, 3000, 10_000, 30_000, 3_600_000]

function base(nodes: number, durationMs: number): ExperimentSpecInput {
  return { name: 't', cluster: { nodes }, durationMs }
}

describe('presets', () => {
  it('has one entry per id, each with a name, a summary and a line on what to watch', () => {
    expect(PRESETS.map((p) => p.id)).toEqual([...PRESET_IDS])
    for (const p of PRESETS) {
      expect(p.name.length).toBeGreaterThan(0)
      expect(p.summary.length).toBeGreaterThan(10)
      expect(p.watch).toMatch(/^Watch /)
      expect(p.watch).not.toContain('\n')
    }
  })

  for (const id of PRESET_IDS) {
    it(`${id} parses for 3, 5 and 7 nodes and several durations`, () => {
      for (const nodes of NODES) {
        for (const durationMs of DURATIONS) {
          const input = applyPreset(base(nodes, durationMs), id)
          const r = ExperimentSpecSchema.safeParse(input)
          if (!r.success) throw new Error(`${id} n=${nodes} d=${durationMs}: ${r.error.message}`)
          const spec = r.data
          expect(spec.faults.length).toBeGreaterThan(0)
          const grid = timeGrid(durationMs)
          for (const f of spec.faults) {
            // Inside the run, on the grid.
            expect(f.atMs).toBeGreaterThan(0)
            expect(f.atMs % grid).toBe(0)
            const len = 'forMs' in f && f.forMs !== undefined ? f.forMs : 0
            const restart = f.kind === 'crash' ? (f.restartAfterMs ?? 0) : 0
            expect(f.atMs + Math.max(len, restart)).toBeLessThanOrEqual(durationMs)
          }
        }
      }
    })
  }

  it('replaces the fault list by default and appends on request', () => {
    const existing: ExperimentSpecInput = {
      ...base(5, 10_000),
      faults: [{ kind: 'drop', atMs: 100, forMs: 100, probability: 0.5 }],
    }
    const replaced = applyPreset(existing, 'leader-crash')
    expect(replaced.faults).toEqual([{ kind: 'crash', atMs: 3000, target: 'leader', restartAfterMs: 2500 }])
    const appended = applyPreset(existing, 'leader-crash', { mode: 'append' })
    expect(appended.faults?.map((f) => f.kind)).toEqual(['drop', 'crash'])
    // The input is not modified.
    expect(existing.faults).toHaveLength(1)
  })

  it('byzantine primary switches to PBFT with at least 4 nodes, and says why', () => {
    const p = presetById('byzantine-primary')
    expect(p?.needs?.algorithm).toBe('pbft')
    expect(p?.needs?.why).toMatch(/3f \+ 1/)
    expect(presetSatisfied(p!, 'raft', 5)).toBe(false)
    expect(presetSatisfied(p!, 'pbft', 3)).toBe(false)
    expect(presetSatisfied(p!, 'pbft', 4)).toBe(true)

    const out = parseSpec(applyPreset(base(3, 10_000), 'byzantine-primary'))
    if (!out.ok) throw new Error(formatErrors(out.errors))
    expect(out.spec.algorithm.kind).toBe('pbft')
    expect(out.spec.cluster.nodes).toBe(4)
    expect(out.spec.faults[0]).toMatchObject({ kind: 'byzantine', target: 'leader', behavior: 'equivocate' })

    // A larger cluster is kept; without adopt the algorithm is left alone.
    expect(applyPreset(base(7, 10_000), 'byzantine-primary').cluster?.nodes).toBe(7)
    const kept = applyPreset(base(3, 10_000), 'byzantine-primary', { adopt: false })
    expect(kept.algorithm).toBeUndefined()
    expect(kept.cluster?.nodes).toBe(3)
    // Presets without needs never touch the algorithm.
    expect(
      applyPreset({ ...base(5, 10_000), algorithm: { kind: 'paxos' } }, 'leader-crash').algorithm?.kind,
    ).toBe('paxos')
  })

  it('rejects an unknown preset by name', () => {
    expect(() => applyPreset(base(5, 1000), 'nope' as PresetId)).toThrow(/unknown preset "nope"/)
  })

  it('timeGrid picks 1, 2 or 5 times a power of ten near a hundredth of the run', () => {
    expect(timeGrid(10_000)).toBe(100)
    expect(timeGrid(30_000)).toBe(500)
    expect(timeGrid(15_000)).toBe(200)
    expect(timeGrid(50)).toBe(1)
    expect(timeGrid(3_600_000)).toBe(50_000)
  })
})
