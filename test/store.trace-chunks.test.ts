// Trace chunks (src/main/store/trace-chunks.ts): events stored up to 512 per compressed row
// must read back exactly as recorded (every field, time order, ties in recording order,
// windows, kinds, cursors) however the chunks' time spans overlap, and a chunk that does
// not decode must be named as damage, never crash or yield garbage.
import { brotliCompressSync, constants, deflateRawSync, inflateRawSync } from 'node:zlib'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { migrate } from '../src/main/store/db'
import { salvageInto } from '../src/main/store/salvage'
import { SCHEMA_VERSION } from '../src/main/store/migrations'
import {
  BROTLI_FROM_BYTES,
  CHUNK_EVENTS,
  ChunkError,
  CODEC_BROTLI,
  CODEC_DEFLATE,
  ChunkWriter,
  decodeChunk,
  encodeChunk,
  eventById,
  ID_STRIDE,
  traceDataById,
  traceRows,
  traceSpan,
  type RawTraceRow,
} from '../src/main/store/trace-chunks'

function freshDb(): Database.Database {
  const db = new Database(':memory:')
  migrate(db)
  return db
}

interface Ev {
  t: number
  node: string | null
  lc: number
  kind: string
  data: string
}

/** A deterministic event stream that arrives out of order (like processes mode's telemetry). */
function events(n: number, seed = 7): Ev[] {
  let x = seed
  const rnd = (): number => {
    x = (x * 1103515245 + 12345) % 2147483648
    return x / 2147483648
  }
  const kinds = ['send', 'deliver', 'state', 'op', 'apply', 'log']
  const out: Ev[] = []
  for (let i = 0; i < n; i++) {
    // Mostly increasing, with stragglers up to 3 ms late and many ties on t.
    const t =
      Math.max(0, i * 10 - Math.floor(rnd() * 3000) * (rnd() < 0.1 ? 1 : 0)) - (i % 7 === 0 ? 0 : i % 3)
    const kind = kinds[Math.floor(rnd() * kinds.length)]
    out.push({
      t: Math.max(0, t),
      node: kind === 'op' ? null : `n${1 + Math.floor(rnd() * 5)}`,
      lc: i,
      kind,
      data: JSON.stringify({ i, type: kind === 'send' ? `T${i % 4}` : undefined, text: 'ü "quoted", comma' }),
    })
  }
  return out
}

function write(db: Database.Database, runSeq: number, evs: readonly Ev[], flushEvery = 0): void {
  const w = new ChunkWriter(db, runSeq)
  db.transaction(() => {
    evs.forEach((e, i) => {
      w.add(e.t, e.node, e.lc, e.kind, e.data)
      if (flushEvery > 0 && (i + 1) % flushEvery === 0) w.flush()
    })
    w.flush()
  })()
}

/** The order a reader must give: by t, ties in recording order (a stable sort). */
function expected(evs: readonly Ev[]): Ev[] {
  return evs
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.t - b.e.t || a.i - b.i)
    .map((x) => x.e)
}

const strip = (r: RawTraceRow): Ev => ({ t: r.t, node: r.node, lc: r.lc, kind: r.kind, data: r.data })

describe('trace chunks', () => {
  it('read back every event in (t, recording) order, across full and partial chunks that overlap in time', () => {
    const db = freshDb()
    const evs = events(5000)
    // Partial chunks of 37 (the recorder's per-commit flushes) then full ones.
    write(db, 1, evs.slice(0, 2000), 37)
    write(db, 1, evs.slice(2000))
    // Another run interleaved in the same table must not leak in.
    write(db, 2, events(700, 3))
    const got = [...traceRows(db, 1)]
    expect(got.map(strip)).toEqual(expected(evs))
    expect(new Set(got.map((r) => r.rowid)).size).toBe(evs.length)
    expect(traceSpan(db, 1)).toEqual({
      n: 5000,
      lo: Math.min(...evs.map((e) => e.t)),
      hi: Math.max(...evs.map((e) => e.t)),
    })
    // Chunks really are compressed: far fewer bytes than the JSON of the events.
    const bytes = (
      db.prepare('SELECT sum(length(blob)) AS b FROM trace_chunks WHERE run_seq = 1').get() as { b: number }
    ).b
    expect(bytes).toBeLessThan(evs.reduce((s, e) => s + e.data.length, 0) / 3)
    expect((db.prepare('SELECT max(n) AS n FROM trace_chunks').get() as { n: number }).n).toBe(CHUNK_EVENTS)
    // Many small chunks (more than one batch of chunk metadata), whole and windowed.
    const many = events(3000, 5)
    write(db, 3, many, 7)
    expect(
      (db.prepare('SELECT count(*) AS n FROM trace_chunks WHERE run_seq = 3').get() as { n: number }).n,
    ).toBe(429)
    expect([...traceRows(db, 3)].map(strip)).toEqual(expected(many))
    expect([...traceRows(db, 3, { fromUs: 9_000, toUs: 21_000 })].map(strip)).toEqual(
      expected(many).filter((e) => e.t >= 9_000 && e.t <= 21_000),
    )
  })

  it('windows, kinds and a cursor page through exactly the matching events, ties on t included', () => {
    const db = freshDb()
    const evs = events(4000)
    write(db, 1, evs, 300)
    const want = expected(evs).filter(
      (e) => e.t >= 5_000 && e.t <= 30_000 && (e.kind === 'op' || e.kind === 'state'),
    )
    const q = { fromUs: 5_000, toUs: 30_000, kinds: ['op', 'state'] }
    expect([...traceRows(db, 1, q)].map(strip)).toEqual(want)
    // Pages of 13 with `after` = the last id of the previous page.
    const pages: Ev[] = []
    let after: number | undefined
    for (let guard = 0; guard < 1000; guard++) {
      const page: RawTraceRow[] = []
      for (const r of traceRows(db, 1, { ...q, after })) {
        page.push(r)
        if (page.length === 13) break
      }
      pages.push(...page.map(strip))
      if (page.length < 13) break
      after = page[page.length - 1].rowid
    }
    expect(pages).toEqual(want)
    // Nothing outside the run's time, an unknown cursor gives nothing.
    expect([...traceRows(db, 1, { fromUs: 10_000_000 })]).toEqual([])
    expect([...traceRows(db, 1, { after: 999 * ID_STRIDE })]).toEqual([])
    expect([...traceRows(db, 9)]).toEqual([])
  })

  it('finds events by id', () => {
    const db = freshDb()
    const evs = events(1200)
    write(db, 1, evs)
    const all = [...traceRows(db, 1)]
    const pick = [all[5], all[700], all[1199], all[0]]
    expect(pick.map((r) => eventById(db, r.rowid))).toEqual(pick)
    expect(traceDataById(db, [...pick.map((r) => r.rowid), 123 * ID_STRIDE])).toEqual([
      ...pick.map((r) => r.data),
      '{}',
    ])
    expect(eventById(db, 77 * ID_STRIDE + 3)).toBeNull()
  })

  it('a chunk that does not decode is named as damage (broken inputs)', () => {
    const encoded = encodeChunk({
      t: [1, 2],
      node: ['n1', null],
      lc: [0, 1],
      kind: ['send', 'op'],
      data: ['{}', '{"a":1}'],
    })
    expect(encoded.codec).toBe(CODEC_DEFLATE)
    const good = encoded.blob
    expect(decodeChunk(good, 2, 5).data).toEqual(['{}', '{"a":1}'])
    expect(decodeChunk(good, 2, 5, CODEC_DEFLATE).data).toEqual(['{}', '{"a":1}'])
    const packed = (v: unknown): Buffer => deflateRawSync(Buffer.from(JSON.stringify(v)))
    const cases: Array<[string, unknown, number, RegExp]> = [
      ['not a blob', 'text', 2, /is not a BLOB/],
      ['count out of range', good, 0, /event count 0 is out of range/],
      ['count above the stride', good, ID_STRIDE + 1, /out of range/],
      ['count that does not match', good, 3, /column t is not 3 integers/],
      ['not deflate', Buffer.from([0xff, 0xff, 0xff, 0x00, 0x01]), 2, /does not inflate/],
      ['not JSON', deflateRawSync(Buffer.from('{"t":[1,')), 2, /not JSON/],
      // What a MessagePack decoder would read as a 4-billion-element array: refused at once.
      [
        'garbage from a damaged page',
        deflateRawSync(Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff])),
        2,
        /not JSON/,
      ],
      ['not columns', packed(42), 2, /not a set of columns/],
      [
        't not integers',
        packed({ t: [1, 'x'], node: ['a', 'b'], lc: [0, 0], kind: ['a', 'b'], data: ['{}', '{}'] }),
        2,
        /column t/,
      ],
      [
        'lc missing',
        packed({ t: [1, 2], node: ['a', 'b'], kind: ['a', 'b'], data: ['{}', '{}'] }),
        2,
        /column lc/,
      ],
      [
        'node a number',
        packed({ t: [1, 2], node: [1, 'b'], lc: [0, 0], kind: ['a', 'b'], data: ['{}', '{}'] }),
        2,
        /column node/,
      ],
      [
        'kind null',
        packed({ t: [1, 2], node: ['a', 'b'], lc: [0, 0], kind: [null, 'b'], data: ['{}', '{}'] }),
        2,
        /column kind/,
      ],
      [
        'data short',
        packed({ t: [1, 2], node: ['a', 'b'], lc: [0, 0], kind: ['a', 'b'], data: ['{}'] }),
        2,
        /column data/,
      ],
    ]
    // The layout with the data texts after the columns' line (what encodeChunk writes).
    const cols = { t: [1, 2], node: ['a', 'b'], lc: [0, 0], kind: ['a', 'b'] }
    const laid = (head: unknown, data: string): Buffer =>
      deflateRawSync(Buffer.from(`${JSON.stringify(head)}\n${data}`))
    cases.push(
      [
        'len past the end',
        laid({ ...cols, len: [2, 9] }, '{}{"a":1}'),
        2,
        /event 1 has 9 characters of data, past/,
      ],
      ['len negative', laid({ ...cols, len: [-1, 2] }, '{}{}'), 2, /event 0 has -1 characters/],
      ['data left over', laid({ ...cols, len: [2, 2] }, '{}{}{}'), 2, /2 characters more than column len/],
      ['len not integers', laid({ ...cols, len: [2, 'x'] }, '{}{}'), 2, /column len is not 2 integers/],
      [
        'len without data',
        deflateRawSync(Buffer.from(JSON.stringify({ ...cols, len: [0, 0] }))),
        2,
        /len column has no data/,
      ],
      [
        'data without len',
        laid({ ...cols, data: ['{}', '{}'] }, 'x'),
        2,
        /data after the columns but no len/,
      ],
    )
    const codecCases: Array<[string, unknown, unknown, RegExp]> = [
      ['DEFLATE blob named Brotli', good, CODEC_BROTLI, /does not decompress as Brotli/],
      [
        'Brotli blob named DEFLATE',
        brotliCompressSync(Buffer.from('{"t":[]}')),
        CODEC_DEFLATE,
        /does not inflate|not JSON/,
      ],
      ['unknown codec', good, 7, /its codec 7 is unknown/],
      ['codec of the wrong type', good, 'brotli', /its codec brotli is unknown/],
    ]
    for (const [what, blob, codec, msg] of codecCases) cases.push([what, [blob, codec], 2, msg])
    for (const [what, input, n, msg] of cases) {
      const [blob, codec] = Array.isArray(input) ? input : [input, undefined]
      let err: unknown = null
      try {
        decodeChunk(blob, n, 42, codec)
      } catch (e) {
        err = e
      }
      expect(err, what).toBeInstanceOf(ChunkError)
      expect((err as Error).message, what).toMatch(/^trace chunk 42 is damaged: /)
      expect((err as Error).message, what).toMatch(msg)
    }
    // A blob that inflates to more than the cap is refused, not allocated.
    const bomb = deflateRawSync(Buffer.alloc(80 * 1024 * 1024))
    expect(() => decodeChunk(bomb, 2, 1)).toThrow(/does not inflate/)
    const brotliBomb = brotliCompressSync(Buffer.alloc(80 * 1024 * 1024), {
      params: { [constants.BROTLI_PARAM_QUALITY]: 0 },
    })
    expect(() => decodeChunk(brotliBomb, 2, 1, CODEC_BROTLI)).toThrow(/does not decompress as Brotli/)
  })

  it('data texts are stored after the columns, not escaped again; text that is not well-formed still round-trips', () => {
    const quoted = JSON.stringify({ summary: JSON.stringify({ type: 'gossip', messages: [1, 2] }) })
    const plain = encodeChunk({ t: [1], node: ['n1'], lc: [0], kind: ['send'], data: [quoted] })
    const text = inflateRawSync(plain.blob).toString('utf8')
    expect(text).toBe(`{"t":[1],"node":["n1"],"lc":[0],"kind":["send"],"len":[${quoted.length}]}\n${quoted}`)
    expect(decodeChunk(plain.blob, 1, 1).data).toEqual([quoted])
    // A lone surrogate (JSON.stringify never writes one, an old row might hold one) is kept exactly.
    const odd = ['{"x":"\ud800"}', 'ü\n"', '']
    const enc = encodeChunk({
      t: [1, 2, 3],
      node: [null, 'n2', 'n3'],
      lc: [0, 1, 2],
      kind: ['op', 'op', 'op'],
      data: odd,
    })
    expect(decodeChunk(enc.blob, 3, 1).data).toEqual(odd)
    const mixed = ['ü\n"x', '{}', '', '"\\']
    const enc2 = encodeChunk({
      t: [1, 2, 3, 4],
      node: [null, null, null, null],
      lc: [0, 1, 2, 3],
      kind: ['a', 'b', 'c', 'd'],
      data: mixed,
    })
    expect(decodeChunk(enc2.blob, 4, 1).data).toEqual(mixed)
  })

  it('a chunk of big values is stored as Brotli, small ones as DEFLATE; both read back exactly', () => {
    const db = freshDb()
    // Events like a broadcast run's: small sends, and reads whose value holds every message so far.
    const evs = events(1200, 3).map((e, i) =>
      i % 40 === 0
        ? {
            ...e,
            kind: 'op',
            node: null,
            data: JSON.stringify({
              value: JSON.stringify(Array.from({ length: 2000 + i }, (_, k) => k * 3)),
            }),
          }
        : e,
    )
    write(db, 1, evs)
    const rows = db
      .prepare('SELECT codec, length(blob) AS b FROM trace_chunks ORDER BY rowid')
      .all() as Array<{
      codec: number
      b: number
    }>
    expect(rows.map((r) => r.codec)).toEqual([CODEC_BROTLI, CODEC_BROTLI, CODEC_DEFLATE])
    expect([...traceRows(db, 1)].map(strip)).toEqual(expected(evs))
    const all = [...traceRows(db, 1)]
    expect(eventById(db, all[600].rowid)).toEqual(all[600])
    // The threshold: a chunk of small events stays DEFLATE.
    expect(JSON.stringify(events(CHUNK_EVENTS)).length).toBeLessThan(BROTLI_FROM_BYTES)
  })

  it('migrations 6 and 7 move old trace rows into chunks, keeping every field and the order of ties', () => {
    const db = new Database(':memory:')
    migrate(db, 5)
    const ins = db.prepare(
      'INSERT INTO trace_events (run_seq, t, node, lc, kind, data) VALUES (?, ?, ?, ?, ?, ?)',
    )
    const a = events(1500, 11)
    const b = events(300, 12)
    // Two runs recorded at the same time: their rows interleave.
    for (let i = 0; i < a.length; i++) {
      const e = a[i]
      ins.run(1, e.t, e.node, e.lc, e.kind, e.data)
      if (i < b.length) ins.run(2, b[i].t, b[i].node, b[i].lc, b[i].kind, b[i].data)
    }
    migrate(db)
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'trace_events'").all()).toEqual([])
    expect([...traceRows(db, 1)].map(strip)).toEqual(expected(a))
    expect([...traceRows(db, 2)].map(strip)).toEqual(expected(b))
  })

  it('migration 7 keeps the chunks of a version-6 file readable (they are DEFLATE)', () => {
    const db = new Database(':memory:')
    migrate(db, 6)
    const evs = events(700, 9)
    const ins = db.prepare(
      'INSERT INTO trace_chunks (run_seq, n, t_lo, t_hi, kinds, blob) VALUES (?, ?, ?, ?, ?, ?)',
    )
    for (const part of [evs.slice(0, CHUNK_EVENTS), evs.slice(CHUNK_EVENTS)]) {
      const c = {
        t: part.map((e) => e.t),
        node: part.map((e) => e.node),
        lc: part.map((e) => e.lc),
        kind: part.map((e) => e.kind),
        data: part.map((e) => e.data),
      }
      const ts = c.t
      ins.run(
        1,
        part.length,
        Math.min(...ts),
        Math.max(...ts),
        [...new Set(c.kind)].sort().join(' '),
        deflateRawSync(Buffer.from(JSON.stringify(c)), { level: 1 }),
      )
    }
    migrate(db)
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(db.prepare('SELECT codec FROM trace_chunks').pluck().all()).toEqual([CODEC_DEFLATE, CODEC_DEFLATE])
    expect([...traceRows(db, 1)].map(strip)).toEqual(expected(evs))
    // Salvage of such a file (no codec column) reads its chunks as DEFLATE.
    const src = new Database(':memory:')
    migrate(src, 6)
    for (const r of db
      .prepare('SELECT run_seq, n, t_lo, t_hi, kinds, blob FROM trace_chunks')
      .raw()
      .all() as unknown[][])
      src
        .prepare('INSERT INTO trace_chunks (run_seq, n, t_lo, t_hi, kinds, blob) VALUES (?, ?, ?, ?, ?, ?)')
        .run(...r)
    src
      .prepare(
        `INSERT INTO runs (seq, id, name, algorithm, nodes, spec, seed, mode, app_version, started_at, status)
       VALUES (1, 'run-1', 'r', 'raft', 3, '{}', 1, 'simulation', 'test', '2026-01-01T00:00:00Z', 'done')`,
      )
      .run()
    const dst = freshDb()
    expect(salvageInto(src, dst).tables.find((x) => x.table === 'trace_chunks')).toMatchObject({
      saved: 2,
      skipped: 0,
    })
    expect([...traceRows(dst, 1)].map(strip)).toEqual(expected(evs))
  })

  it('salvage copies chunks that decode, skips one that does not, and chunks the rows of a legacy file', () => {
    const runRow = (db: Database.Database, seq: number): void => {
      db.prepare(
        `INSERT INTO runs (seq, id, name, algorithm, nodes, spec, seed, mode, app_version, started_at, status)
         VALUES (?, ?, 'r', 'raft', 3, '{}', 1, 'simulation', 'test', '2026-01-01T00:00:00Z', 'done')`,
      ).run(seq, `run-${seq}`)
    }
    const src = freshDb()
    runRow(src, 1)
    const evs = events(2000)
    write(src, 1, evs)
    const chunks = src
      .prepare('SELECT rowid AS id FROM trace_chunks ORDER BY rowid')
      .pluck()
      .all() as number[]
    expect(chunks.length).toBe(4)
    // Pages intact, content not: the second chunk's blob is garbage.
    src
      .prepare('UPDATE trace_chunks SET blob = ? WHERE rowid = ?')
      .run(Buffer.from('not deflate at all'), chunks[1])
    const dst = freshDb()
    const report = salvageInto(src, dst)
    const t = report.tables.find((x) => x.table === 'trace_chunks')
    expect(t).toMatchObject({ saved: 3, skipped: 1 })
    const lostIds = new Set(evs.slice(CHUNK_EVENTS, 2 * CHUNK_EVENTS).map((e) => e.lc))
    expect([...traceRows(dst, 1)].map(strip)).toEqual(expected(evs.filter((e) => !lostIds.has(e.lc))))

    // A file from before chunks (schema 5): its trace rows are saved, then chunked.
    const old = new Database(':memory:')
    migrate(old, 5)
    runRow(old, 1)
    const ins = old.prepare(
      'INSERT INTO trace_events (run_seq, t, node, lc, kind, data) VALUES (?, ?, ?, ?, ?, ?)',
    )
    const a = events(900, 5)
    for (const e of a) ins.run(1, e.t, e.node, e.lc, e.kind, e.data)
    ins.run(1, 5, 'n1', 0, 'send', '{"not json')
    const dst2 = freshDb()
    const r2 = salvageInto(old, dst2)
    expect(r2.tables.find((x) => x.table === 'trace_events')).toMatchObject({ saved: 900, skipped: 1 })
    expect(r2.runs[0].rows.trace_events).toBe(900)
    expect(dst2.prepare("SELECT name FROM sqlite_master WHERE name = 'trace_events'").all()).toEqual([])
    expect([...traceRows(dst2, 1)].map(strip)).toEqual(expected(a))
  })
})
