// The proxy's and node hosts' trace events cross the IPC channel in columns (trace-batch.ts):
// what the lab decodes must be the events that were encoded, field for field and in the same
// order (the recorder stores their JSON), and a malformed batch is refused, naming what is wrong.
import { deserialize, serialize } from 'node:v8'
import { describe, expect, it } from 'vitest'
import { decodeTraceBatch, encodeTraceBatch, type TraceBatch } from '../src/main/node/trace-batch'
import type { TraceEvent } from '../src/shared/trace'

const events: TraceEvent[] = [
  {
    kind: 'state',
    t: 5,
    node: 'n1',
    lc: 1,
    role: 'leader',
    term: 2,
    leader: 'n1',
    commitIndex: 0,
    lastIndex: 0,
  },
  {
    kind: 'send',
    t: 10,
    node: 'n1',
    lc: 2,
    msgId: 2 ** 32 * 3 + 1,
    from: 'n1',
    to: 'n2',
    type: 'AppendEntries',
    vc: [2, 0, 0],
    summary: 'AE t2 prev=0/0 n=1 "quoted" é',
  },
  {
    kind: 'deliver',
    t: 11,
    node: 'n2',
    lc: 3,
    msgId: 2 ** 32 * 3 + 1,
    from: 'n1',
    to: 'n2',
    type: 'AppendEntries',
    vc: [2, 1, 0],
  },
  {
    kind: 'drop',
    t: 12,
    node: 'n1',
    lc: 4,
    msgId: 7,
    from: 'n1',
    to: 'n3',
    type: 'AppendEntries',
    reason: 'partition',
  },
  {
    kind: 'send',
    t: 13,
    node: 'n2',
    lc: 5,
    msgId: 9,
    from: 'n2',
    to: 'n1',
    type: 'AppendResp',
    vc: [2, 2, 0, 0, 0, 0, 0],
    summary: '',
  },
  { kind: 'apply', t: 14, node: 'n2', lc: 6, index: 1, term: 2, id: 'c1.1' },
  { kind: 'deliver', t: 15, node: 'n1', lc: 7, msgId: 9, from: 'n2', to: 'n1', type: 'AppendResp', vc: [] },
]

/** Through V8's serializer and back, as over the 'advanced' IPC channel. */
const overIpc = (b: TraceBatch): unknown => deserialize(serialize({ type: 'events', batch: b })).batch

describe('trace batches over IPC', () => {
  it('decode to the encoded events, field for field and in order', () => {
    const out = decodeTraceBatch(overIpc(encodeTraceBatch(events)))
    expect(out).toEqual(events)
    // Same keys in the same order: the stored JSON is identical.
    expect(JSON.stringify(out)).toBe(JSON.stringify(events))
  })

  it('carry an empty batch and a batch with no message events', () => {
    expect(decodeTraceBatch(overIpc(encodeTraceBatch([])))).toEqual([])
    const rest = events.filter((e) => e.kind !== 'send' && e.kind !== 'deliver')
    expect(decodeTraceBatch(overIpc(encodeTraceBatch(rest)))).toEqual(rest)
  })

  it('carry events past a full name table as themselves (a foreign program may invent any types)', () => {
    const many: TraceEvent[] = Array.from({ length: 70_000 }, (_, i) => ({
      kind: 'send',
      t: i,
      node: 'n1',
      lc: i,
      msgId: i,
      from: 'n1',
      to: 'n2',
      type: `type-${i}`,
      vc: [i, 0],
      summary: '',
    }))
    const b = encodeTraceBatch(many)
    expect(b.rest.length).toBeGreaterThan(0)
    expect(decodeTraceBatch(overIpc(b))).toEqual(many)
  })

  it('refuse a malformed batch, naming what is wrong', () => {
    const good = (): TraceBatch => encodeTraceBatch(events)
    const cases: Array<[string, (b: TraceBatch) => unknown, string]> = [
      ['not an object', () => 'batch', 'not an object'],
      ['kinds as a plain array', (b) => ({ ...b, kinds: [...b.kinds] }), 'kinds: not a Uint8Array'],
      ['an unknown kind', (b) => ((b.kinds[0] = 9), b), 'kinds[0]: 9 is not an event kind (0, 1 or 2)'],
      ['a missing time', (b) => ({ ...b, t: b.t.slice(1) }), 't: 3 values for 4 message events'],
      ['a name index past the table', (b) => ((b.ends[4] = 999), b), 'ends[4]: no name 999'],
      ['a type index past the table', (b) => ((b.types[1] = 999), b), 'types[1]: no name 999'],
      [
        'clocks that do not add up',
        (b) => ({ ...b, vc: b.vc.slice(1) }),
        'vc: 12 values where the lengths add up to 13',
      ],
      [
        'a summary missing',
        (b) => ({ ...b, summaries: b.summaries.slice(1) }),
        'summaries: 1 for 2 send events',
      ],
      ['a name that is not a string', (b) => ({ ...b, names: [...b.names, 5] }), 'names[4]: not a string'],
      ['an event missing from rest', (b) => ({ ...b, rest: b.rest.slice(1) }), 'rest: 2 events for 3'],
    ]
    for (const [what, spoil, message] of cases) {
      const out = decodeTraceBatch(overIpc(spoil(good()) as TraceBatch))
      expect(out, what).toBe(`malformed trace batch: ${message}`)
    }
  })
})
