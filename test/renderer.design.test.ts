// The designer's pure parts: dragging a fault on the timeline (snap, clamp, keep the
// other edge), the fault field table mirroring FaultSchema, new faults that parse, and
// algorithm params read generically from the shared schemas and help.
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  ALGORITHM_INFO,
  type AlgorithmKind,
  ALGORITHMS,
  AlgorithmSchema,
  ExperimentSpecSchema,
  FAULT_KINDS,
  FaultSchema,
} from '../src/shared/spec'
import { FAULT_FIELDS, FAULT_HELP, faultSummary, newFault, reshapeFault } from '../src/renderer/src/faults'
import { ALGORITHM_OPTIONS, defaultParams, paramControls } from '../src/renderer/src/algorithm-params'

const D = 10_000
const G = 100

describe('reshapeFault (timeline drag)', () => {
  const win = { atMs: 2000, len: 1000, instant: false }

  it('moves a window on the grid and keeps its length', () => {
    expect(reshapeFault(win, 'move', 1234, D, G)).toEqual({ atMs: 3200 })
    expect(reshapeFault(win, 'move', -40, D, G)).toEqual({ atMs: 2000 })
  })

  it('clamps a move to the run: never before 0, never past the end', () => {
    expect(reshapeFault(win, 'move', -5000, D, G)).toEqual({ atMs: 0 })
    expect(reshapeFault(win, 'move', 50_000, D, G)).toEqual({ atMs: 9000 })
    // An open window (until the end) keeps at least one grid step.
    expect(reshapeFault({ ...win, len: null }, 'move', 50_000, D, G)).toEqual({ atMs: 9900 })
  })

  it('dragging the start keeps the end; it cannot cross it', () => {
    expect(reshapeFault(win, 'start', -500, D, G)).toEqual({ atMs: 1500, forMs: 1500 })
    expect(reshapeFault(win, 'start', 5000, D, G)).toEqual({ atMs: 2900, forMs: 100 })
    // An open window stays open.
    expect(reshapeFault({ ...win, len: null }, 'start', 300, D, G)).toEqual({ atMs: 2300 })
  })

  it('dragging the end changes the length, at least one step, at most to the end of the run', () => {
    expect(reshapeFault(win, 'end', 500, D, G)).toEqual({ forMs: 1500 })
    expect(reshapeFault(win, 'end', -5000, D, G)).toEqual({ forMs: 100 })
    expect(reshapeFault(win, 'end', 50_000, D, G)).toEqual({ forMs: 8000 })
    // Dragging the end of an open window gives it a length.
    expect(reshapeFault({ ...win, len: null }, 'end', -3000, D, G)).toEqual({ forMs: 5000 })
  })

  it('a crash moves as a marker and its end is the restart delay', () => {
    const crash = { atMs: 3000, len: 2500, instant: true }
    expect(reshapeFault(crash, 'move', 1000, D, G)).toEqual({ atMs: 4000 })
    expect(reshapeFault(crash, 'move', 9000, D, G)).toEqual({ atMs: 7500 })
    expect(reshapeFault(crash, 'end', 1000, D, G)).toEqual({ restartAfterMs: 3500 })
    expect(reshapeFault(crash, 'start', 1000, D, G)).toEqual({ restartAfterMs: 3500 })
    // Without a restart it can go all the way to the end.
    expect(reshapeFault({ ...crash, len: null }, 'move', 50_000, D, G)).toEqual({ atMs: 10_000 })
  })
})

describe('fault fields', () => {
  for (const kind of FAULT_KINDS) {
    it(`${kind}: the designer's fields are exactly the schema's, optional where it is`, () => {
      const option = FaultSchema.options.find((o) => o.shape.kind.value === kind)
      if (!option) throw new Error(`no schema for ${kind}`)
      const shape = option.shape as Record<string, z.ZodType>
      const schemaFields = Object.keys(shape).filter((k) => k !== 'kind')
      expect(FAULT_FIELDS[kind].map((f) => f.name).sort()).toEqual(schemaFields.sort())
      for (const f of FAULT_FIELDS[kind]) {
        expect(shape[f.name].safeParse(undefined).success, `${kind}.${f.name} optional`).toBe(f.optional)
      }
      expect(FAULT_HELP[kind].length).toBeGreaterThan(20)
    })
  }

  it('a new fault of every kind parses, within a short or long run', () => {
    for (const durationMs of [1000, 10_000, 60_000]) {
      const faults = FAULT_KINDS.map((k) => newFault(k, undefined, durationMs))
      const r = ExperimentSpecSchema.safeParse({ durationMs, faults })
      expect(r.success, r.success ? '' : r.error.message).toBe(true)
    }
  })

  it('summarises a fault in a few words for its bar', () => {
    expect(faultSummary({ kind: 'drop', probability: 0.35, target: 'n2' })).toBe('drop 35% · n2')
    expect(faultSummary({ kind: 'delay', latencyMs: 40, jitterMs: 20 })).toBe('delay +40±20 ms')
    expect(faultSummary({ kind: 'partition', shape: 'bridge' })).toBe('partition bridge')
    expect(faultSummary({ kind: 'clock', rate: 3, target: 'leader' })).toBe('clock ×3 · leader')
  })
})

describe('algorithm params (generic)', () => {
  it('offers every algorithm with its summary', () => {
    // The built-in algorithms, then a program of your own (issue 14).
    expect(ALGORITHM_OPTIONS.map((o) => o.value)).toEqual([...ALGORITHMS, 'program'])
    for (const o of ALGORITHM_OPTIONS.slice(0, -1))
      expect(o.summary).toBe(ALGORITHM_INFO[o.value as AlgorithmKind].summary)
  })

  for (const kind of ALGORITHMS) {
    it(`${kind}: a control for every parameter, with help, and the schema's defaults`, () => {
      const controls = paramControls(kind)
      const defaults = defaultParams(kind)
      expect(defaults).toEqual(AlgorithmSchema.parse({ kind }).params)
      // Every parameter with a default, plus the optional ones (absent from the defaults: an
      // absent value means the algorithm's own default, e.g. Raft's snapshotEveryEntries 0).
      const keys = new Set([...Object.keys(defaults), ...Object.keys(ALGORITHM_INFO[kind].params)])
      expect(controls.map((c) => c.key).sort()).toEqual([...keys].sort())
      for (const c of controls) {
        expect(c.help, `${kind}.${c.key} help`).not.toBe('')
        const v = defaults[c.key]
        if (v === undefined) {
          expect(['number', 'select'], `${kind}.${c.key}`).toContain(c.control)
          // An optional field says what leaving it empty means, and emptying it removes the key.
          expect(c.optional, `${kind}.${c.key} optional`).toBe(true)
          expect(c.placeholder, `${kind}.${c.key} placeholder`).not.toBe('')
          continue
        }
        expect(c.optional, `${kind}.${c.key} optional`).toBe(false)
        const expected = Array.isArray(v)
          ? 'range'
          : typeof v === 'boolean'
            ? 'switch'
            : typeof v === 'number'
              ? 'number'
              : 'select'
        expect(c.control, `${kind}.${c.key}`).toBe(expected)
        if (c.control === 'select') expect(c.options.map((o) => o.value)).toContain(v)
      }
    })
  }

  it('reads enum options and integer steps from the schema', () => {
    const raft = paramControls('raft')
    expect(raft.find((c) => c.key === 'readMode')?.options.map((o) => o.value)).toEqual(['readIndex', 'log'])
    expect(raft.find((c) => c.key === 'heartbeatTicks')).toMatchObject({
      control: 'number',
      step: 1,
      unit: 'ticks',
    })
    // A copy: editing the defaults never changes the next algorithm switch.
    const d = defaultParams('raft')
    ;(d.electionTimeoutTicks as number[])[0] = 99
    expect(defaultParams('raft').electionTimeoutTicks).toEqual([15, 30])
  })
})
