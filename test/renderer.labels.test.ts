// Labels that must never print over each other (pure): stacked in rows, cut to fit with an
// ellipsis; the run charts' fault labels placed above the plot; each algorithm's message
// types in distinct colours; the achieved speed-up of a live run.
import { describe, expect, it } from 'vitest'
import { fitText, overlaps, placeLabels, stackRows } from '../src/renderer/src/label-layout'
import { bandLabel, layoutBandLabels } from '../src/renderer/src/chart-bands'
import { messageTypeColor } from '../src/renderer/src/message-colors'
import { achievedSpeedup } from '../src/renderer/src/run-pace'
import { ALGORITHM_MODULES } from '../src/core/protocols/registry'

/** 6 px per character. */
const w = (s: string): number => s.length * 6

describe('label layout', () => {
  it('stacks overlapping labels in rows and keeps apart ones in the first', () => {
    expect(
      stackRows([
        { x0: 0, x1: 100 },
        { x0: 50, x1: 150 },
        { x0: 160, x1: 200 },
        { x0: 60, x1: 90 },
      ]),
    ).toEqual([0, 1, 0, 2])
    expect(
      stackRows([
        { x0: 0, x1: 10 },
        { x0: 100, x1: 110 },
      ]),
    ).toEqual([0, 0])
  })

  it('cuts a label to fit with an ellipsis, and leaves one that fits alone', () => {
    expect(fitText('partition halves', 200, w)).toBe('partition halves')
    const cut = fitText('partition majorities-ring n1-n2-n3-n4-n5', 60, w)
    expect(cut.endsWith('…')).toBe(true)
    expect(w(cut)).toBeLessThanOrEqual(60)
  })

  it('places two faults active at once so that no two labels overlap', () => {
    const placed = placeLabels(
      [
        { x: 100, text: '⚡ partition majorities-ring n3-n1-n5-n2-n4' },
        { x: 112, text: '⚡ drop p=0.2 on all links for 1200 ms' },
        { x: 400, text: '⚡ pause n2' },
      ],
      160,
      w,
    )
    for (const a of placed) for (const b of placed) if (a !== b) expect(overlaps(a, b)).toBe(false)
    expect(placed.map((p) => p.row)).toEqual([0, 1, 0])
    expect(placed[0].full).toBe('⚡ partition majorities-ring n3-n1-n5-n2-n4')
    expect(placed[0].text).not.toBe(placed[0].full)
  })

  it("puts a chart's fault labels in rows over the plot, from each band's start", () => {
    const bands = [
      { fromS: 1, toS: 5, label: 'partition majorities-ring', kind: 'partition' },
      { fromS: 1.2, toS: 4.2, label: 'drop p=0.2', kind: 'drop' },
      { fromS: 1.5, toS: 3.5, label: 'pause n2', kind: 'pause' },
    ]
    const l = layoutBandLabels(bands, 30, 600, w)
    expect(l.rows).toBe(3)
    expect(l.labels.map((x) => Math.round(x.x0))).toEqual([20, 24, 30])
    const one = layoutBandLabels([bands[0]], 30, 600, w)
    expect(one.rows).toBe(1)
    expect(layoutBandLabels([], 30, 600, w).rows).toBe(0)
  })

  it('names a fault band by its main words', () => {
    expect(bandLabel('drop p=0.2 on all links for 1200 ms')).toBe('drop p=0.2')
    expect(bandLabel('pause n2 for 2000 ms')).toBe('pause n2')
    expect(bandLabel('partition majorities-ring n3-n1-n5-n2-n4: each sees itself and 1 neighbour')).toBe(
      'partition majorities-ring',
    )
    expect(bandLabel('crash n3 (restart after 1000 ms)')).toBe('crash n3')
  })
})

describe('message type colours', () => {
  it('are distinct within each algorithm, and stable', () => {
    for (const m of ALGORITHM_MODULES) {
      const kind = m.kind
      const types = m.wireTypes
      const colours = types.map((t) => messageTypeColor(kind, t))
      expect(new Set(colours).size, kind).toBe(types.length)
      expect(types.map((t) => messageTypeColor(kind, t))).toEqual(colours)
    }
    // The pairs the issue saw clash: quorum's Get / HintAck, PBFT's Prepare / Request.
    expect(messageTypeColor('quorum', 'Get')).not.toBe(messageTypeColor('quorum', 'HintAck'))
    expect(messageTypeColor('pbft', 'Prepare')).not.toBe(messageTypeColor('pbft', 'Request'))
    // A type the table does not know takes a colour its algorithm leaves free.
    const odd = messageTypeColor('raft', 'NoSuchMessage')
    const raft = ALGORITHM_MODULES.find((m) => m.kind === 'raft')!
    expect(raft.wireTypes.map((t) => messageTypeColor('raft', t))).not.toContain(odd)
  })

  it('are chosen by each algorithm for each of its message types (info.messageColors), and no others', () => {
    for (const m of ALGORITHM_MODULES)
      expect(Object.keys(m.info.messageColors).sort(), m.kind).toEqual([...m.wireTypes].sort())
  })
})

describe('achieved speed-up', () => {
  it('is run time over wall time across the samples, once they span half a second', () => {
    expect(achievedSpeedup([])).toBeNull()
    expect(
      achievedSpeedup([
        [0, 0],
        [200, 200],
      ]),
    ).toBeNull()
    expect(
      achievedSpeedup([
        [0, 0],
        [1000, 750],
      ]),
    ).toBe(0.75)
    expect(
      achievedSpeedup([
        [1000, 0],
        [1500, 5000],
        [2000, 10_000],
      ]),
    ).toBe(10)
  })
})
