// The services a program may call (issue 14): lin-kv, seq-kv and lww-kv as pure state machines
// with Maelstrom's bodies and error codes, each showing its consistency: lin-kv never stale,
// seq-kv stale for some seed but never backwards for one client, lww-kv losing a write; and
// lin-tso, Maelstrom's timestamp oracle.
import { describe, expect, it } from 'vitest'
import { createService, LinKvService, LwwKvService, SeqKvService } from '../src/core/maelstrom/services'
import type { MaelstromBody, MaelstromService } from '../src/core/maelstrom/types'
import { MAELSTROM_SERVICES } from '../src/core/maelstrom/types'
import { createRng, type Rng } from '../src/core/rng'

let msgId = 0
const call = (
  s: MaelstromService,
  src: string,
  body: Omit<MaelstromBody, 'msg_id'>,
  rng: Rng = createRng(1),
) => s.handle(src, { ...body, msg_id: ++msgId } as MaelstromBody, rng)

describe('every KV service speaks the lin-kv API', () => {
  for (const name of MAELSTROM_SERVICES.filter((n) => n !== 'lin-tso')) {
    it(`${name}: read / write / cas and their errors`, () => {
      const s = createService(name)
      expect(s.name).toBe(name)
      // One replica / no lag is not assumed: a fresh store has no keys anywhere.
      const r0 = call(s, 'n1', { type: 'read', key: 'x' })
      expect(r0).toMatchObject({ type: 'error', code: 20, in_reply_to: msgId })
      expect(call(s, 'n1', { type: 'cas', key: 'x', from: 1, to: 2 })).toMatchObject({
        type: 'error',
        code: 20,
      })
      expect(call(s, 'n1', { type: 'cas', key: 'x', from: 1, to: 2, create_if_not_exists: true })).toEqual({
        type: 'cas_ok',
        in_reply_to: msgId,
      })
      expect(call(s, 'n1', { type: 'write', key: 'y', value: { a: [1] } })).toEqual({
        type: 'write_ok',
        in_reply_to: msgId,
      })
      expect(call(s, 'n1', { type: 'frobnicate', key: 'x' })).toMatchObject({ type: 'error', code: 10 })
      expect(call(s, 'n1', { type: 'read' })).toMatchObject({
        type: 'error',
        code: 12,
        text: 'read needs a key field',
      })
      expect(call(s, 'n1', { type: 'cas', key: 'x', to: 1 })).toMatchObject({ type: 'error', code: 12 })
      expect(s.handle('n1', { type: 'write', key: 1, value: 1 }, createRng(1))).toEqual({ type: 'write_ok' })
    })
  }
})

describe('lin-kv', () => {
  it('answers cas on the current value: 22 with the value when from differs; keys and values are any JSON', () => {
    const s = new LinKvService()
    call(s, 'n1', { type: 'write', key: { k: 1, j: 2 }, value: [1, 2] })
    expect(call(s, 'n2', { type: 'read', key: { j: 2, k: 1 } })).toMatchObject({
      type: 'read_ok',
      value: [1, 2],
    })
    expect(call(s, 'n2', { type: 'cas', key: { j: 2, k: 1 }, from: [2], to: 3 })).toMatchObject({
      type: 'error',
      code: 22,
      text: 'current value [1,2] is not [2]',
    })
    expect(call(s, 'n2', { type: 'cas', key: { j: 2, k: 1 }, from: [1, 2], to: 3 }).type).toBe('cas_ok')
    expect(call(s, 'n1', { type: 'read', key: { k: 1, j: 2 } })).toMatchObject({ value: 3 })
    expect(call(s, 'n1', { type: 'cas', key: 'z', from: 0, to: 1, create_if_not_exists: true }).type).toBe(
      'cas_ok',
    )
    expect(call(s, 'n1', { type: 'cas', key: 'z', from: 0, to: 5, create_if_not_exists: true }).code).toBe(22)
  })

  it('is never stale: every read returns the last write, whoever wrote it, over random schedules', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rng = createRng(seed)
      const s = new LinKvService()
      const model = new Map<number, number>()
      for (let i = 0; i < 300; i++) {
        const src = `n${rng.int(1, 4)}`
        const key = rng.int(0, 2)
        if (rng.chance(0.5)) {
          call(s, src, { type: 'write', key, value: i }, rng)
          model.set(key, i)
        } else {
          const r = call(s, src, { type: 'read', key }, rng)
          if (model.has(key)) expect(r).toMatchObject({ type: 'read_ok', value: model.get(key) })
          else expect(r.code).toBe(20)
        }
      }
    }
  })
})

/** One run of seq-kv: clients write increasing values to one key and read it; what each saw. */
function seqRun(seed: number): { stale: number; backwards: string[]; ownUndone: string[] } {
  const rng = createRng(seed)
  const s = new SeqKvService()
  let next = 0
  let newest = -1
  const lastSeen = new Map<string, number>()
  const out = { stale: 0, backwards: [] as string[], ownUndone: [] as string[] }
  for (let i = 0; i < 400; i++) {
    const src = `n${rng.int(1, 3)}`
    if (rng.chance(0.3)) {
      const value = next++
      expect(call(s, src, { type: 'write', key: 'x', value }, rng).type).toBe('write_ok')
      newest = value
      lastSeen.set(src, value)
      continue
    }
    const r = call(s, src, { type: 'read', key: 'x' }, rng)
    const seen = r.type === 'read_ok' ? (r.value as number) : -1
    if (seen < newest) out.stale++
    const before = lastSeen.get(src) ?? -1
    if (seen < before)
      out.backwards.push(`${src} read ${seen} after seeing ${before} (seed ${seed}, step ${i})`)
    lastSeen.set(src, Math.max(before, seen))
  }
  return out
}

describe('seq-kv', () => {
  it('returns stale values, but never takes a client backwards nor undoes its own writes', () => {
    let stale = 0
    for (let seed = 1; seed <= 30; seed++) {
      const r = seqRun(seed)
      stale += r.stale
      expect(r.backwards).toEqual([])
    }
    expect(stale).toBeGreaterThan(100)
  })

  it('a concrete stale read: n2 reads x = 1 after n1 wrote 2 (and n2 never sees 1 again once it saw 2)', () => {
    let found: number | null = null
    for (let seed = 1; seed <= 50 && found === null; seed++) {
      const s = new SeqKvService()
      const rng = createRng(seed)
      call(s, 'n1', { type: 'write', key: 'x', value: 1 }, rng)
      call(s, 'n1', { type: 'write', key: 'x', value: 2 }, rng)
      // n1 always sees its own newest write.
      expect(call(s, 'n1', { type: 'read', key: 'x' }, rng)).toMatchObject({ value: 2 })
      const first = call(s, 'n2', { type: 'read', key: 'x' }, rng)
      if (first.type === 'read_ok' && first.value === 1) {
        found = seed
        for (let i = 0; i < 20; i++) {
          const again = call(s, 'n2', { type: 'read', key: 'x' }, rng)
          expect([1, 2]).toContain(again.value)
          if (again.value === 2) {
            for (let j = 0; j < 20; j++) expect(call(s, 'n2', { type: 'read', key: 'x' }, rng).value).toBe(2)
            break
          }
        }
      }
    }
    expect(found).not.toBeNull()
  })

  it('a cas compares with the newest value, so one based on a stale read fails with 22', () => {
    const s = new SeqKvService({ staleChance: 1 })
    const rng = createRng(3)
    call(s, 'n1', { type: 'write', key: 'c', value: 0 }, rng)
    call(s, 'n1', { type: 'cas', key: 'c', from: 0, to: 1 }, rng)
    expect(call(s, 'n2', { type: 'cas', key: 'c', from: 0, to: 5 }, rng)).toMatchObject({
      type: 'error',
      code: 22,
    })
    expect(call(s, 'n2', { type: 'read', key: 'c' }, rng)).toMatchObject({ value: 1 })
  })

  it('keeps a bounded history: reads lag at most maxLag updates', () => {
    const s = new SeqKvService({ staleChance: 1, maxLag: 4 })
    const rng = createRng(5)
    for (let v = 0; v < 1000; v++) call(s, 'n1', { type: 'write', key: 'k', value: v }, rng)
    for (let i = 0; i < 50; i++)
      expect(call(s, 'n2', { type: 'read', key: 'k' }, rng).value).toBeGreaterThanOrEqual(995)
  })
})

describe('lww-kv', () => {
  it('loses an acknowledged write in some schedule: the later write to x is gone once replicas agree', () => {
    let lostAt: number | null = null
    for (let seed = 1; seed <= 100 && lostAt === null; seed++) {
      const s = new LwwKvService()
      const rng = createRng(seed)
      expect(call(s, 'n1', { type: 'write', key: 'x', value: 'first' }, rng).type).toBe('write_ok')
      expect(call(s, 'n2', { type: 'write', key: 'x', value: 'second' }, rng).type).toBe('write_ok')
      s.settle()
      const reads = Array.from({ length: 10 }, () => call(s, 'n3', { type: 'read', key: 'x' }, rng).value)
      expect(new Set(reads).size).toBe(1) // converged
      if (reads[0] === 'first') lostAt = seed
    }
    expect(lostAt).not.toBeNull()
  })

  it('may answer a read from a replica that has not heard of a write', () => {
    let missed = false
    for (let seed = 1; seed <= 50 && !missed; seed++) {
      const s = new LwwKvService({ gossipChance: 0 })
      const rng = createRng(seed)
      call(s, 'n1', { type: 'write', key: 'x', value: 1 }, rng)
      missed = call(s, 'n1', { type: 'read', key: 'x' }, rng).code === 20
    }
    expect(missed).toBe(true)
  })

  it('with one replica it behaves like a plain map', () => {
    const s = new LwwKvService({ replicas: 1 })
    const rng = createRng(1)
    call(s, 'n1', { type: 'write', key: 'x', value: 1 }, rng)
    call(s, 'n2', { type: 'write', key: 'x', value: 2 }, rng)
    expect(call(s, 'n3', { type: 'read', key: 'x' }, rng).value).toBe(2)
    expect(() => new LwwKvService({ replicas: 0 })).toThrow(RangeError)
  })
})

describe('lin-tso', () => {
  it('answers ts with 0, 1, 2, ... whoever asks (unique, increasing), and nothing else', () => {
    const s = createService('lin-tso')
    const got = ['n1', 'n2', 'n1', 'n3'].map((n) => call(s, n, { type: 'ts' }))
    expect(got.map((r) => r.ts)).toEqual([0, 1, 2, 3])
    expect(got[3]).toEqual({ type: 'ts_ok', in_reply_to: msgId, ts: 3 })
    expect(call(s, 'n1', { type: 'read', key: 'x' })).toMatchObject({ type: 'error', code: 10 })
    expect(call(s, 'n2', { type: 'ts' }).ts).toBe(4)
  })
})
