// A program's JSON read and written without losing integers (src/core/maelstrom/json.ts):
// Maelstrom keeps 64-bit integers exact, JSON.parse rounds past 2^53.
import { describe, expect, it } from 'vitest'
import { parseJson, toJson } from '../src/core/maelstrom/json'
import { createService } from '../src/core/maelstrom/services'
import type { MaelstromBody } from '../src/core/maelstrom/types'
import { createRng } from '../src/core/rng'
import { valueKey } from '../src/core/maelstrom/values'

describe('program JSON', () => {
  it('keeps integers past 2^53 exact as bigints; everything else is what JSON.parse gives', () => {
    const line =
      '{"src":"n1","dest":"c1","body":{"type":"generate_ok","id":7532969984000004097,"in_reply_to":3,' +
      '"ids":[9007199254740993,-9007199254740993,9007199254740991],"f":1.5,"e":-2.5e-7,"big":123456789012345678901234567890}}'
    const m = parseJson(line) as { body: Record<string, unknown> }
    expect(m.body.id).toBe(7532969984000004097n)
    expect(m.body.in_reply_to).toBe(3)
    expect(m.body.ids).toEqual([9007199254740993n, -9007199254740993n, 9007199254740991])
    expect(m.body.f).toBe(1.5)
    expect(m.body.e).toBe(-2.5e-7)
    expect(toJson(m)).toBe(line)
    expect(parseJson('[1e20, 12345678901234567.5]')).toEqual([1e20, Number('12345678901234567.5')])
    // JSON.parse would have made two different ids one.
    expect(JSON.parse('[7532969984000004097,7532969984000004098]')[0]).toBe(
      JSON.parse('[7532969984000004097,7532969984000004098]')[1],
    )
    const [a, b] = parseJson('[7532969984000004097,7532969984000004098]') as unknown[]
    expect(valueKey(a)).not.toBe(valueKey(b))
  })

  it('lines without long integers parse as JSON.parse does; bad JSON is a SyntaxError either way', () => {
    const line = '{"src":"n1","dest":"n2","body":{"type":"gossip","msg_id":0,"messages":[1,2,3]}}'
    expect(parseJson(line)).toEqual(JSON.parse(line))
    expect(toJson(parseJson(line))).toBe(line)
    expect(() => parseJson('{"a": 1')).toThrow(SyntaxError)
    expect(() => parseJson('{"a": 12345678901234567890')).toThrow(SyntaxError)
  })

  it('a service keeps a bigint value: written, read back with the same digits, compared exactly by cas', () => {
    const kv = createService('lin-kv')
    const rng = createRng(1)
    const v = parseJson('9223372036854775807')
    const call = (body: Record<string, unknown>, msgId: number): MaelstromBody =>
      kv.handle('n1', { ...body, msg_id: msgId } as MaelstromBody, rng)
    expect(call({ type: 'write', key: 'k', value: v }, 1)).toMatchObject({ type: 'write_ok' })
    expect(toJson(call({ type: 'read', key: 'k' }, 2))).toBe(
      '{"type":"read_ok","in_reply_to":2,"value":9223372036854775807}',
    )
    // One off in the last digit (the same double): not the current value.
    expect(call({ type: 'cas', key: 'k', from: parseJson('9223372036854775806'), to: 1 }, 3)).toMatchObject({
      type: 'error',
      code: 22,
    })
    expect(call({ type: 'cas', key: 'k', from: parseJson('9223372036854775807'), to: 1 }, 4)).toMatchObject({
      type: 'cas_ok',
    })
  })
})
