// The program output panel's logic: the kept record (with its cap in words) or the live tails.
import { describe, expect, it } from 'vitest'
import { programOutput, tabLabel } from '../src/renderer/src/program-output'
import type { ProgramReport } from '../src/shared/api'
import { StderrTail } from '../src/core/maelstrom/stderr'

describe('program output panel', () => {
  it('shows the kept stderr per node in cluster order, its cap, what was dropped, and problems', () => {
    const report: ProgramReport = {
      stderrCapBytes: 65536,
      stderr: {
        n10: { text: '', droppedBytes: 0 },
        n2: { text: 'a\nb\nc\n', droppedBytes: 2048 },
      },
      problems: { n2: ['n2: stdout line 3 is not JSON'], n10: [] },
      droppedProblems: 0,
    }
    const out = programOutput(report, null, 2)
    expect(out.map((o) => o.node)).toEqual(['n2', 'n10'])
    expect(out[0]).toEqual({
      node: 'n2',
      lines: ['b', 'c'],
      problems: ['n2: stdout line 3 is not JSON'],
      note: 'last 2 of 3 lines kept · older 2.0 KB dropped · kept: the newest 64.0 KB per node',
    })
    expect(out[1].note).toBe('nothing on stderr · kept: the newest 64.0 KB per node')
    expect(tabLabel(out[0])).toBe('n2 · 1 problem')
    expect(tabLabel(out[1])).toBe('n10')
  })

  it('falls back to the live tails while the run goes, and shows nothing for a run without a program', () => {
    const live = { n1: { stderr: ['booting', 'up'], problems: [] } }
    expect(programOutput(null, live)).toEqual([
      { node: 'n1', lines: ['booting', 'up'], problems: [], note: 'live: the last 2 lines' },
    ])
    expect(programOutput(undefined, undefined)).toEqual([])
  })

  it('keeps only the newest text of a chatty program (the cap)', () => {
    const t = new StderrTail(10)
    t.append('0123456789')
    t.append('abcd\n')
    expect(t.record()).toEqual({ text: '56789abcd\n', droppedBytes: 5 })
    expect(t.lastLines(1)).toEqual(['56789abcd'])
  })
})
