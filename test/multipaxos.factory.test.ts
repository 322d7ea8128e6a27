// The Multi-Paxos factory: readable message names and one-line summaries for the trace,
// validate() rejecting malformed messages with the field named, params defaults/refinements.
import { describe, expect, it } from 'vitest'
import {
  describeMpMsg,
  makeBallot,
  multiPaxosFactory,
  multiPaxosParams,
  validateMpMsg,
  type MpMsg,
} from '../src/core/protocols/multipaxos'
import { getProtocol } from '../src/core/protocols'
import { MULTIPAXOS_INFO, MultiPaxosParamsSchema } from '../src/core/protocols/multipaxos/describe'

const b = makeBallot(3, 1) // round 3 of n2
const entry = { term: 3, id: 'c1.1', cmd: { f: 'put' as const, key: 'k', value: 'v' } }
const GOOD: MpMsg[] = [
  { type: 'Prepare', ballot: b, from: 4 },
  {
    type: 'Promise',
    ballot: b,
    from: 4,
    slots: [{ slot: 5, ballot: makeBallot(2, 0), entry, decided: false }],
  },
  { type: 'Accept', ballot: b, slot: 5, entries: [entry, { term: 3, id: 'noop', cmd: null }], commit: 4 },
  { type: 'Accepted', ballot: b, slot: 5, count: 2 },
  { type: 'Nack', ballot: b, promised: makeBallot(4, 0) },
  { type: 'Heartbeat', ballot: b, commit: 6 },
  { type: 'HeartbeatAck', ballot: b, commit: 2, leaderCommit: 6 },
  { type: 'CatchUp', ballot: b, slot: 3, entries: [entry] },
]

describe('multipaxos factory', () => {
  it('is the registered multipaxos protocol', () => {
    expect(getProtocol('multipaxos')).toBe(multiPaxosFactory)
    expect(multiPaxosFactory.kind).toBe('multipaxos')
  })

  it('names every message type and summarizes it in one line', () => {
    expect(GOOD.map((m) => multiPaxosFactory.messageType(m))).toEqual([
      'Prepare',
      'Promise',
      'Accept',
      'Accepted',
      'Nack',
      'Heartbeat',
      'HeartbeatAck',
      'CatchUp',
    ])
    expect(GOOD.map(describeMpMsg)).toEqual([
      'Prepare b3.n2 slots>4',
      'Promise b3.n2 slots>4: 1 accepted',
      'Accept b3.n2 s5..6 commit=4',
      'Accepted b3.n2 s5..6',
      'Nack b3.n2 promised=b4.n1',
      'Heartbeat b3.n2 commit=6',
      'HeartbeatAck b3.n2 commit=2 behind 6',
      'CatchUp s3 decided',
    ])
    for (const m of GOOD) expect(describeMpMsg(m)).not.toContain('\n')
  })

  it('validate() accepts every well-formed message', () => {
    for (const m of GOOD) expect(validateMpMsg(m)).toBeNull()
    expect(validateMpMsg(structuredClone(GOOD[1]))).toBeNull()
  })

  it('validate() rejects malformed messages, naming the field', () => {
    const cases: Array<[unknown, string]> = [
      [null, 'message: must be an object, got null'],
      [{ type: 'Elect' }, 'message.type: unknown Multi-Paxos message type "Elect"'],
      [{ type: 'Prepare', ballot: -1, from: 0 }, 'message.ballot: must be a whole number >= 0, got -1'],
      [{ type: 'Prepare', ballot: 1.5, from: 0 }, 'message.ballot: must be a whole number >= 0, got 1.5'],
      [{ type: 'Prepare', ballot: 1 }, 'message.from: must be a whole number >= 0, got missing'],
      [{ ...GOOD[2], slot: 0 }, 'message.slot: must be a whole number >= 1, got 0'],
      [{ ...GOOD[2], entries: 'x' }, 'message.entries: must be an array, got "x"'],
      [
        { ...GOOD[2], entries: [{ term: 1, id: 'c1.1', cmd: { f: 'del', key: 'k' } }] },
        'message.entries[0].cmd.f: must be get, put or cas, got "del"',
      ],
      [
        { ...GOOD[2], entries: [{ term: 1, id: 'noop', cmd: entry.cmd }] },
        'message.entries[0].cmd: must be null for a noop',
      ],
      [
        { ...GOOD[2], entries: [{ term: 1, id: 'c1.1', cmd: null }] },
        'message.entries[0].cmd: must be a command (only a noop has none)',
      ],
      [{ ...GOOD[2], entries: [{ term: 1, id: '', cmd: null }] }, 'message.entries[0].id: must not be empty'],
      [
        { ...GOOD[2], entries: [{ term: 1, id: 'c1.1', cmd: { f: 'put', key: 'k', value: 7 } }] },
        'message.entries[0].cmd.value: must be a string, got 7',
      ],
      [
        { ...GOOD[2], entries: new Array(10_001).fill(entry) },
        'message.entries: more than 10000 entries (10001)',
      ],
      [
        { ...GOOD[1], slots: [{ slot: 5, ballot: 1, entry, decided: 'yes' }] },
        'message.slots[0].decided: must be true or false, got "yes"',
      ],
      [
        { ...GOOD[1], slots: [{ slot: 5, ballot: 'x', entry, decided: false }] },
        'message.slots[0].ballot: must be a whole number >= 0, got "x"',
      ],
      [
        { ...GOOD[1], slots: [{ slot: 5, ballot: 1, entry: { term: 1 }, decided: false }] },
        'message.slots[0].entry.id: must be a string, got missing',
      ],
      [
        { type: 'Accepted', ballot: 1, slot: 1, count: -2 },
        'message.count: must be a whole number >= 0, got -2',
      ],
      [{ type: 'Nack', ballot: 1 }, 'message.promised: must be a whole number >= 0, got missing'],
      [
        { type: 'HeartbeatAck', ballot: 1, commit: 0 },
        'message.leaderCommit: must be a whole number >= 0, got missing',
      ],
      [
        { type: 'CatchUp', ballot: 1, slot: 1, entries: [{ term: 1, id: 'x'.repeat(300), cmd: null }] },
        'message.entries[0].id: longer than 256 characters (300)',
      ],
    ]
    for (const [m, why] of cases) expect(validateMpMsg(m)).toBe(why)
    expect(multiPaxosFactory.validate?.({ type: 'Heartbeat', ballot: 'x', commit: 0 })).toContain(
      'message.ballot',
    )
  })

  it('params: defaults, refinements naming the field, and a help line for each', () => {
    expect(multiPaxosParams(undefined)).toEqual({
      leaderTimeoutTicks: [15, 30],
      heartbeatTicks: 5,
      maxBatch: 64,
    })
    expect(() => multiPaxosParams({ leaderTimeoutTicks: [10, 5] })).toThrow(
      'leaderTimeoutTicks: min must be <= max',
    )
    expect(() => multiPaxosParams({ heartbeatTicks: 20 })).toThrow('heartbeatTicks')
    expect(() => multiPaxosParams({ maxBatch: 0 })).toThrow('maxBatch')
    // Every field, the optional ones too (absent from parse({}): absent means 0).
    const fields = Object.keys(MultiPaxosParamsSchema.shape)
    expect(Object.keys(MultiPaxosParamsSchema.parse({}))).not.toContain('checkpointEverySlots')
    expect(Object.keys(MULTIPAXOS_INFO.params).sort()).toEqual(fields.sort())
    for (const f of fields) expect(MULTIPAXOS_INFO.params[f].help.length).toBeGreaterThan(20)
  })

  it('rejects a node that is not in the cluster', () => {
    expect(() =>
      multiPaxosFactory.create({
        id: 'n9',
        nodes: ['n1', 'n2'],
        params: multiPaxosParams({}),
        rng: {
          next: () => 0,
          int: (lo: number) => lo,
          chance: () => false,
          fork() {
            return this
          },
        },
        recovered: [],
        runSeed: 1,
      }),
    ).toThrow('n9 is not in nodes')
  })
})
