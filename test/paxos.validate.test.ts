// validate() on messages decoded from a socket: well-formed Paxos messages pass, anything
// malformed is refused with a reason naming the field; describe() is one readable line.
import { describe, expect, it } from 'vitest'
import { ballotOf, paxosFactory, type PaxosMsg } from '../src/core/protocols/paxos'

const b = ballotOf(3, 1)
const value = { id: 'c1.2', cmd: { f: 'cas', key: 'k', expected: null, value: 'v' } } as const

const GOOD: PaxosMsg[] = [
  { type: 'Prepare', key: 'k', slot: 1, ballot: b },
  { type: 'Promise', key: 'k', slot: 1, ballot: b, accepted: null },
  { type: 'Promise', key: 'k', slot: 1, ballot: b, accepted: { ballot: ballotOf(1, 0), value } },
  { type: 'Accept', key: 'k', slot: 2, ballot: b, value: { id: 'noop', cmd: null } },
  { type: 'Accepted', key: 'k', slot: 2, ballot: b },
  { type: 'Nack', key: 'k', slot: 2, ballot: b, promised: ballotOf(4, 0) },
  { type: 'Decided', key: 'k', slot: 2, ballot: b, value },
]

describe('paxos validate()', () => {
  it('accepts every well-formed message', () => {
    for (const m of GOOD) expect(paxosFactory.validate?.(m)).toBeNull()
  })

  it.each([
    [null, 'message: must be an object'],
    [{ type: 'Vote', key: 'k', slot: 1, ballot: b }, 'message.type: must be one of'],
    [{ type: 'Prepare', key: 7, slot: 1, ballot: b }, 'message.key: must be a string'],
    [{ type: 'Prepare', key: 'k', slot: 0, ballot: b }, 'message.slot: must be an integer >= 1'],
    [{ type: 'Prepare', key: 'k', slot: 1, ballot: 1.5 }, 'message.ballot: must be an integer >= 1'],
    [{ type: 'Promise', key: 'k', slot: 1, ballot: b, accepted: 3 }, 'message.accepted: must be null'],
    [
      { type: 'Promise', key: 'k', slot: 1, ballot: b, accepted: { ballot: 0, value } },
      'message.accepted.ballot',
    ],
    [{ type: 'Accept', key: 'k', slot: 1, ballot: b }, 'message.value: must be a value object'],
    [
      { type: 'Accept', key: 'k', slot: 1, ballot: b, value: { id: '', cmd: null } },
      'message.value.id: must not be empty',
    ],
    [
      { type: 'Accept', key: 'k', slot: 1, ballot: b, value: { id: 'x', cmd: { f: 'del', key: 'k' } } },
      'message.value.cmd.f',
    ],
    [
      { type: 'Decided', key: 'k', slot: 1, ballot: b, value: { id: 'x', cmd: { f: 'put', key: 'k' } } },
      'message.value.cmd.value',
    ],
    [
      {
        type: 'Decided',
        key: 'k',
        slot: 1,
        ballot: b,
        value: { id: 'x', cmd: { f: 'cas', key: 'k', value: 'v', expected: 1 } },
      },
      'message.value.cmd.expected',
    ],
    [{ type: 'Nack', key: 'k', slot: 1, ballot: b }, 'message.promised'],
  ])('rejects %j', (msg, reason) => {
    expect(paxosFactory.validate?.(msg)).toContain(reason)
  })

  it('names and describes messages in one line with key, slot and ballot', () => {
    expect(GOOD.map((m) => paxosFactory.messageType(m))).toEqual([
      'Prepare',
      'Promise',
      'Promise',
      'Accept',
      'Accepted',
      'Nack',
      'Decided',
    ])
    expect(GOOD.map((m) => paxosFactory.describe(m))).toEqual([
      'Prepare "k"#1 b=3.2',
      'Promise "k"#1 b=3.2 none accepted',
      'Promise "k"#1 b=3.2 accepted c1.2 cas @1.1',
      'Accept "k"#2 b=3.2 noop',
      'Accepted "k"#2 b=3.2',
      'Nack "k"#2 b=3.2 promised=4.1',
      'Decided "k"#2 b=3.2 c1.2 cas',
    ])
  })
})
