// The designer's draft (pure): a loaded file keeps its own algorithm's defaults (not Raft's),
// number fields say "not a number" for what was typed, the quorum store's cas share is
// warned about, and a new fault lands where no other fault is.
import { describe, expect, it } from 'vitest'
import { fillDraft } from '../src/renderer/src/algorithm-params'
import { designerErrors, parseNumberText, specWarnings } from '../src/renderer/src/spec-messages'
import { freeFaultStart, newFault } from '../src/renderer/src/faults'
import { parseSpec } from '../src/shared/spec'

describe('loaded drafts', () => {
  it("fill what a file leaves out with its own algorithm's defaults", () => {
    const file = {
      name: 'q',
      algorithm: { kind: 'quorum', params: { replicas: 3, readQuorum: 1, writeQuorum: 1 } },
    }
    const d = fillDraft(file)
    expect(d.algorithm).toEqual({
      kind: 'quorum',
      params: expect.objectContaining({ replicas: 3, readQuorum: 1, writeQuorum: 1, virtualNodes: 16 }),
    })
    expect((d.algorithm as { params: object }).params).not.toHaveProperty('electionTimeoutTicks')
    expect(parseSpec(d).ok).toBe(true)
    // No algorithm at all: the default spec's (Raft).
    expect((fillDraft({ name: 'x' }).algorithm as { kind: string }).kind).toBe('raft')
    // An unknown algorithm keeps its error; no params invented.
    expect(fillDraft({ algorithm: { kind: 'zab' } }).algorithm).toEqual({ kind: 'zab' })
  })
})

describe('number fields', () => {
  it('parse numbers, keep text that is not one, and say so', () => {
    expect(parseNumberText(' 42 ')).toBe(42)
    expect(parseNumberText('1e3')).toBe(1000)
    expect(parseNumberText('-0.5')).toBe(-0.5)
    expect(parseNumberText('')).toBeUndefined()
    expect(parseNumberText('abc')).toBe('abc')
    expect(parseNumberText('12abc')).toBe('12abc')
    const draft = { workload: { clients: 'abc', keys: null } }
    const r = parseSpec(draft)
    expect(r.ok).toBe(false)
    const errs = designerErrors(r.ok ? [] : r.errors, draft)
    expect(errs.find((e) => e.path === 'workload.clients')?.message).toBe('not a number: "abc"')
    expect(errs.find((e) => e.path === 'workload.keys')?.message).toBe('not a number (empty): enter a number')
  })
})

describe('warnings', () => {
  it('warn about a cas share for the quorum store only', () => {
    expect(specWarnings({ algorithm: { kind: 'quorum' }, workload: { mix: { cas: 0.1 } } })).toEqual([
      { path: 'workload.mix.cas', message: expect.stringContaining('refuses every cas') },
    ])
    expect(specWarnings({ algorithm: { kind: 'quorum' }, workload: { mix: { cas: 0 } } })).toEqual([])
    expect(specWarnings({ algorithm: { kind: 'raft' }, workload: { mix: { cas: 0.1 } } })).toEqual([])
  })

  it('warn about a program named by a relative path with no working directory', () => {
    const program = (params: object) => ({ algorithm: { kind: 'program', params } })
    expect(specWarnings(program({ command: ['python3', 'lin_kv_forward.py'] }))).toEqual([
      {
        path: 'algorithm.params.cwd',
        message: expect.stringContaining('"lin_kv_forward.py" is a relative path'),
      },
    ])
    expect(specWarnings(program({ command: ['./node', '--fast'] }))[0].message).toContain('"./node"')
    expect(specWarnings(program({ command: ['python3', 'n.py'], cwd: '/home/me/node' }))).toEqual([])
    expect(specWarnings(program({ command: ['python3', '/home/me/n.py'] }))).toEqual([])
    expect(specWarnings(program({ command: ['my-node-binary', '--port', '0'] }))).toEqual([])
  })
})

describe('new faults', () => {
  it('land where no other fault is', () => {
    const D = 10_000
    const f = () => newFault('partition', undefined, D)
    const list: Array<Record<string, unknown>> = []
    for (let i = 0; i < 3; i++) {
      const x = f()
      x.atMs = freeFaultStart(list, D, x)
      list.push(x)
    }
    const spans = list.map((x) => [x.atMs as number, (x.atMs as number) + (x.forMs as number)])
    expect(new Set(spans.map((s) => s[0])).size).toBe(3)
    for (let i = 0; i < 3; i++)
      for (let j = i + 1; j < 3; j++)
        expect(spans[i][1] <= spans[j][0] || spans[j][1] <= spans[i][0]).toBe(true)
    // The first one a third into the run, as before.
    expect(spans[0][0]).toBe(3300)
  })
})
