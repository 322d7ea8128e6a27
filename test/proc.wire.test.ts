// The pure parts of processes mode: the frame format and its stream parser, the WAL's record
// format and recovery (torn tails, lost unsynced writes), recovered-log re-emission, the
// link-rule computation and message validation. No processes, no sockets.
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LinkState, SLOW_EXTRA_MS } from '../src/core/engine/links'
import { algorithmModule } from '../src/core/protocols/registry'
import { isClean } from '../src/main/lab/proxy/control'
import { packBody } from '../src/main/node/codec'
import { recoveredLastIndex, recoveredLog, recoveredLogEvents } from '../src/main/node/recovery'
import { asClientRequest, checkProtocolMessage, checkClientReply } from '../src/main/node/validate'
import { Wal, encodeRecords, parseWal } from '../src/main/node/wal'
import {
  FrameStream,
  HEADER_FIXED,
  MAX_BODY,
  encodeFrame,
  frameBodyLen,
  frameDst,
  frameLc,
  frameLength,
  frameMsgId,
  frameSrc,
  frameType,
  frameVc,
  messageTypeCode,
  messageTypeName,
  writeU32,
} from '../src/shared/wire'

const dir = mkdtempSync(join(tmpdir(), 'ql-wire-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function frames(
  stream: FrameStream,
  chunks: Uint8Array[],
): { got: Array<{ type: number; len: number }>; err: string | null } {
  const got: Array<{ type: number; len: number }> = []
  let err: string | null = null
  for (const c of chunks) {
    err = stream.feed(c, (b, o, len) => got.push({ type: frameType(b, o), len }))
    if (err) break
  }
  return { got, err }
}

describe('wire frames', () => {
  it('round-trips every header field', () => {
    const body = packBody({ hello: 'world' })
    const f = encodeFrame(
      { type: 4, src: 2, dst: 0, lc: 123456789012, msgId: 2 ** 32 * 7 + 5, vc: [1, 2, 3] },
      body,
    )
    expect(f.length).toBe(HEADER_FIXED + 24 + body.length)
    expect(frameLength(f, 0, f.length)).toBe(f.length)
    expect([frameType(f, 0), frameSrc(f, 0), frameDst(f, 0), frameBodyLen(f, 0)]).toEqual([
      4,
      2,
      0,
      body.length,
    ])
    expect(frameLc(f, 0)).toBe(123456789012)
    expect(frameMsgId(f, 0)).toBe(2 ** 32 * 7 + 5)
    expect(frameVc(f, 0)).toEqual([1, 2, 3])
    const raftTypes = algorithmModule('raft').wireTypes
    expect(messageTypeName(raftTypes, messageTypeCode(raftTypes, 'AppendEntries'))).toBe('AppendEntries')
    expect(messageTypeName(raftTypes, messageTypeCode(raftTypes, 'NoSuchType'))).toBe('type63')
  })

  it('reassembles frames split at every byte and packed several to a chunk', () => {
    const a = encodeFrame({ type: 1, src: 0, dst: 1, lc: 1, msgId: 1, vc: [1, 0] }, packBody({ x: 1 }))
    const b = encodeFrame(
      { type: 5, src: 1, dst: 0, lc: 2, msgId: 2, vc: [1, 1] },
      packBody({ y: 'z'.repeat(300) }),
    )
    const all = new Uint8Array([...a, ...b, ...a])
    for (let cut = 1; cut < all.length; cut += 7) {
      const { got, err } = frames(new FrameStream(), [all.subarray(0, cut), all.subarray(cut)])
      expect(err).toBeNull()
      expect(got.map((g) => g.type)).toEqual([1, 5, 1])
    }
    // One byte at a time.
    const s = new FrameStream()
    const got: number[] = []
    for (let i = 0; i < all.length; i++)
      expect(s.feed(all.subarray(i, i + 1), (buf, o) => got.push(frameType(buf, o)))).toBeNull()
    expect(got).toEqual([1, 5, 1])
  })

  it('rejects bad magic, version, type and flags naming the bytes', () => {
    const good = encodeFrame({ type: 1, src: 0, dst: 1, lc: 0, msgId: 0, vc: null }, packBody(1))
    const cases: Array<[number, number, RegExp]> = [
      [0, 0x47, /bad magic: bytes 0-1 are 47 4c/],
      [2, 9, /unsupported version 9 at byte 2/],
      [3, 150, /unknown frame type 150 at byte 3/],
      [7, 1, /nonzero flags byte 1 at byte 7/],
      [6, 200, /vector clock length 200 at byte 6/],
    ]
    for (const [at, v, re] of cases) {
      const bad = good.slice()
      bad[at] = v
      const { err } = frames(new FrameStream(), [bad])
      expect(err).toMatch(re)
      expect(err).toMatch(/header bytes \[/)
    }
    const { err } = frames(new FrameStream(), [new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n')])
    expect(err).toMatch(/bad magic: bytes 0-1 are 47 45/)
  })

  it('rejects an oversized frame from its header alone (before the body arrives)', () => {
    const h = encodeFrame({ type: 1, src: 0, dst: 1, lc: 0, msgId: 0, vc: null }, new Uint8Array(0))
    writeU32(h, 8, MAX_BODY + 1)
    const { err } = frames(new FrameStream(), [h])
    expect(err).toMatch(/body size 16777217 .* exceeds the limit of 16777216/)
    const small = new FrameStream(100)
    const f = encodeFrame({ type: 1, src: 0, dst: 1, lc: 0, msgId: 0, vc: null }, new Uint8Array(101))
    expect(frames(small, [f.subarray(0, 12)]).err).toMatch(/exceeds the limit of 100/)
  })

  it('rejects clocks that are not whole numbers', () => {
    const f = encodeFrame({ type: 1, src: 0, dst: 1, lc: 0.5, msgId: 0, vc: null }, packBody(1))
    expect(frames(new FrameStream(), [f]).err).toMatch(/not a whole number/)
  })
})

describe('message validation', () => {
  it('accepts good Raft messages and names the bad field otherwise', () => {
    expect(
      checkProtocolMessage('raft', { type: 'PreVote', term: 1, lastLogIndex: 0, lastLogTerm: 0 }),
    ).toBeNull()
    const ae = {
      type: 'AppendEntries',
      term: 2,
      prevIndex: 0,
      prevTerm: 0,
      commit: 0,
      ctx: 0,
      entries: [{ term: 2, id: 'noop', cmd: null }],
    }
    expect(checkProtocolMessage('raft', ae)).toBeNull()
    expect(checkProtocolMessage('raft', { ...ae, term: -1 })).toMatch(/message\.term: must be a whole number/)
    expect(
      checkProtocolMessage('raft', { ...ae, entries: [{ term: 1, id: 'x', cmd: { f: 'zap' } }] }),
    ).toMatch(/entries\[0\]\.cmd\.f: must be get, put or cas/)
    expect(checkProtocolMessage('raft', { type: 'Boom' })).toMatch(/unknown Raft message type "Boom"/)
    expect(checkProtocolMessage('raft', 42)).toMatch(/must be an object, got 42/)
  })

  it('checks client requests and replies', () => {
    expect(asClientRequest({ id: 'c1.1', cmd: { f: 'put', key: 'k', value: 'v' } })).toEqual({
      id: 'c1.1',
      cmd: { f: 'put', key: 'k', value: 'v' },
    })
    expect(asClientRequest({ id: 'c1.1', cmd: { f: 'cas', key: 'k', value: 'v' } })).toMatch(
      /request\.cmd\.expected: must be a string or null/,
    )
    expect(asClientRequest({ cmd: {} })).toMatch(/request\.id: must be a string, got missing/)
    expect(checkClientReply({ id: 'c1', ok: false, error: 'not_leader', leaderHint: 'n2' })).toBeNull()
    expect(checkClientReply({ id: 'c1', ok: 'yes' })).toMatch(/reply\.ok/)
  })
})

describe('write-ahead log', () => {
  const recs = [
    { t: 'hard', term: 1, votedFor: 'n1' },
    { t: 'append', index: 1, entries: [{ term: 1, id: 'noop', cmd: null }] },
    { t: 'append', index: 2, entries: [{ term: 1, id: 'c1.1', cmd: { f: 'put', key: 'k', value: 'c1.1' } }] },
  ]

  it('recovers appended records in order', () => {
    const p = join(dir, 'a.wal')
    const { wal } = Wal.open(p, { fresh: true, fsync: true, dropUnsynced: false })
    wal.append(recs.slice(0, 2))
    wal.append(recs.slice(2))
    wal.close()
    const { recovery } = Wal.open(p, { fresh: false, fsync: true, dropUnsynced: false })
    expect(recovery.records).toEqual(recs)
    expect(recovery.tornReason).toBeNull()
  })

  it('ignores a torn final record with a reason and truncates the file there', () => {
    const p = join(dir, 'torn.wal')
    const full = encodeRecords(recs)
    writeFileSync(p, full.subarray(0, full.length - 3))
    const { wal, recovery } = Wal.open(p, { fresh: false, fsync: true, dropUnsynced: false })
    expect(recovery.records).toEqual(recs.slice(0, 2))
    expect(recovery.tornReason).toMatch(/torn final record at byte \d+: \d+ of \d+ body bytes present/)
    expect(statSync(p).size).toBe(recovery.bytes)
    // New appends follow the last good record.
    wal.append([recs[2]])
    wal.close()
    expect(Wal.open(p, { fresh: false, fsync: true, dropUnsynced: false }).recovery.records).toEqual(recs)
  })

  it('stops at a record that fails its CRC', () => {
    const img = encodeRecords(recs)
    img[img.length - 2] ^= 0xff
    const r = parseWal(img)
    expect(r.records).toHaveLength(2)
    expect(r.tornReason).toMatch(/fails its CRC/)
  })

  it('fsync off: a restart after a crash loses what was written since the last writeback', () => {
    const p = join(dir, 'nosync.wal')
    const { wal } = Wal.open(p, { fresh: true, fsync: false, dropUnsynced: false })
    wal.append(recs.slice(0, 2))
    wal.writeback() // the "kernel" flushed these
    wal.append(recs.slice(2)) // never synced: lost in a crash
    // (no close: the process is SIGKILLed)
    const size = statSync(p).size
    const { recovery } = Wal.open(p, { fresh: false, fsync: false, dropUnsynced: true })
    expect(recovery.records).toEqual(recs.slice(0, 2))
    expect(recovery.lostUnsyncedRecords).toBe(1)
    expect(recovery.lostUnsyncedBytes).toBe(size - recovery.bytes)
    expect(statSync(p).size).toBe(recovery.bytes)
  })

  it('fsync on: a restart keeps everything that was written', () => {
    const p = join(dir, 'sync.wal')
    const { wal } = Wal.open(p, { fresh: true, fsync: true, dropUnsynced: false })
    wal.append(recs)
    truncateSync(`${p}.synced`, 0) // even a missing sidecar does not matter with fsync on
    expect(Wal.open(p, { fresh: false, fsync: true, dropUnsynced: false }).recovery.records).toEqual(recs)
    expect(readFileSync(p).length).toBeGreaterThan(0)
  })
})

describe('recovered log re-emission', () => {
  it('replays appends and truncates into the log a restarted node really has', () => {
    const records = [
      {
        t: 'append',
        index: 1,
        entries: [
          { term: 1, id: 'a' },
          { term: 1, id: 'b' },
          { term: 1, id: 'c' },
        ],
      },
      { t: 'truncate', index: 3 },
      { t: 'append', index: 2, entries: [{ term: 2, id: 'x' }] },
      { t: 'hard', term: 2, votedFor: null },
    ]
    expect(recoveredLog(records)).toEqual({
      snapshot: null,
      entries: [
        { term: 1, id: 'a' },
        { term: 2, id: 'x' },
      ],
    })
    const evs = recoveredLogEvents(records)
    expect(evs[0]).toMatchObject({ type: 'log', action: 'append', index: 1 })
    expect(evs[evs.length - 1]).toEqual({ type: 'log', action: 'truncate', index: 3, entries: [] })
  })

  it('a log compacted behind a snapshot (Ready.base) starts after it, announced by a restore event', () => {
    const records = [
      {
        t: 'snapshot',
        hardTerm: 3,
        votedFor: null,
        index: 40,
        term: 2,
        data: '{}',
        entries: [{ term: 2, id: 'p' }],
      },
      { t: 'append', index: 42, entries: [{ term: 3, id: 'q' }] },
      { t: 'append', index: 20, entries: [{ term: 1, id: 'old' }] }, // behind the snapshot: ignored
    ]
    expect(recoveredLog(records)).toEqual({
      snapshot: { index: 40, term: 2 },
      entries: [
        { term: 2, id: 'p' },
        { term: 3, id: 'q' },
      ],
    })
    expect(recoveredLastIndex(records)).toBe(42)
    expect(recoveredLogEvents(records)).toEqual([
      { type: 'snapshot', action: 'restore', index: 40, term: 2 },
      {
        type: 'log',
        action: 'append',
        index: 41,
        entries: [
          { term: 2, id: 'p' },
          { term: 3, id: 'q' },
        ],
      },
      { type: 'log', action: 'truncate', index: 43, entries: [] },
    ])
  })
})

describe('link rules', () => {
  const base = { latencyMs: 1, jitterMs: 0.5, dropProbability: 0, duplicateProbability: 0 }

  it('combines partitions, overlays and byzantine behaviours per directed link', () => {
    const s = new LinkState(3, base)
    s.cut[0 * 3 + 1]++
    s.overlays = [
      { fault: 0, kind: 'drop', mask: null, p: 0.5, latencyMs: 0, jitterMs: 0 },
      { fault: 1, kind: 'drop', mask: new Uint8Array([0, 0, 1]), p: 0.5, latencyMs: 0, jitterMs: 0 },
      { fault: 2, kind: 'delay', mask: new Uint8Array([0, 0, 1]), p: 0, latencyMs: 10, jitterMs: 2 },
    ]
    s.byz[1] = 'slow'
    s.byz[0] = 'silent'
    const r = s.rules()
    expect(r[0 * 3 + 1].cut).toBe(true)
    expect(r[1 * 3 + 0].cut).toBe(false)
    expect(r[0 * 3 + 1].silent).toBe(true)
    expect(r[1 * 3 + 0].drop).toBeCloseTo(0.5)
    expect(r[1 * 3 + 2].drop).toBeCloseTo(0.75)
    expect(r[1 * 3 + 2].latencyMs).toBe(1 + 10 + SLOW_EXTRA_MS)
    expect(r[1 * 3 + 2].jitterMs).toBe(2.5)
    expect(r[2 * 3 + 0].latencyMs).toBe(11)
  })

  it('a zero network is clean (the proxy fast path)', () => {
    const s = new LinkState(2, { latencyMs: 0, jitterMs: 0, dropProbability: 0, duplicateProbability: 0 })
    expect(s.rules().every(isClean)).toBe(true)
    s.bandwidth[1] = 1000
    expect(isClean(s.rules()[1])).toBe(false)
  })
})

describe('live faults', () => {
  it('are validated, naming the bad field; atMs may be left out', async () => {
    const { parseLiveFault } = await import('../src/shared/spec')
    const errors = (input: unknown): string => {
      const r = parseLiveFault(input, 3)
      return r.ok ? 'ok' : r.errors.map((e) => `${e.path}: ${e.message}`).join('; ')
    }
    expect(parseLiveFault({ kind: 'partition', shape: 'isolate', target: 'n2' }, 3)).toMatchObject({
      ok: true,
      fault: { atMs: 0, shape: 'isolate' },
    })
    expect(errors({ kind: 'partition', shape: 'square' })).toMatch(/^fault\.shape: must be one of/)
    expect(errors({ kind: 'drop', probability: 2 })).toMatch(/fault\.probability: must be between 0 and 1/)
    expect(errors({ kind: 'crash', target: 'n9' })).toMatch(/node n9 does not exist \(cluster has n1\.\.n3\)/)
    expect(errors({ kind: 'zap' })).toMatch(/unknown fault kind "zap"/)
    expect(errors('crash')).not.toBe('ok')
  })
})
