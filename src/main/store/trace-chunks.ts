// A run's trace, stored in chunks: up to CHUNK_EVENTS events per `trace_chunks` row, as
// columns (t, node, lc, kind) in one JSON object followed by the events' data texts
// (chunkText), compressed (the row's `codec`: raw DEFLATE or Brotli, see encodeChunk). One
// row per event cost ~120 bytes per event (row, JSON text, the (run_seq, t) index); a chunk
// costs ~15 (measured on a 5-node processes Raft run: 606 -> 73 bytes per op for the
// trace), and no field is dropped: `data` is still each event's JSON text.
//
// Event ids: chunk rowid * ID_STRIDE + the event's position in the chunk, so an id finds
// its chunk without an index, and ids grow in recording order within a run (ties on t are
// ordered by id, i.e. as recorded, as before).
//
// Reading in time order: a chunk holds events in arrival order (in processes mode events
// from different nodes arrive a little out of order), so chunks' time spans may overlap.
// traceRows merges them: chunks are taken in t_lo order and their events go through a
// min-heap on (t, id); an event is emitted once no chunk still unread can hold an earlier
// one. Memory is the overlap, not the run.
//
// Every chunk read is checked (sizes, types, lengths); a chunk that does not decode is
// damage in the file, reported as a ChunkError naming the chunk. Why JSON and not
// MessagePack: the same size after DEFLATE (68 vs 66 bytes per op on the run above), 17%
// faster to encode here, and a format any SQLite + zlib (or Brotli) user can read back.
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import type Database from 'better-sqlite3'
import type { Statement } from 'better-sqlite3'
import { brotliFast, brotliInflate, MAX_INFLATED_BYTES } from './compress'

type SqliteDb = Database.Database

/** Events per chunk at most (the recorder also writes a partial chunk at each commit). */
export const CHUNK_EVENTS = 512
/** Event id = chunk rowid * ID_STRIDE + position; a chunk never holds more. */
export const ID_STRIDE = 4096

/** One trace event as stored: `data` is the rest of the event as JSON. */
export interface RawTraceRow {
  /** The event's id (chunk rowid * ID_STRIDE + position). */
  rowid: number
  t: number
  node: string | null
  lc: number
  kind: string
  data: string
}

/** A chunk's events, column by column (all arrays the same length). */
export interface ChunkColumns {
  t: number[]
  node: Array<string | null>
  lc: number[]
  kind: string[]
  data: string[]
}

export class ChunkError extends Error {
  constructor(chunk: number, what: string) {
    super(`trace chunk ${chunk} is damaged: ${what}`)
    this.name = 'ChunkError'
  }
}

export function emptyColumns(): ChunkColumns {
  return { t: [], node: [], lc: [], kind: [], data: [] }
}

/** How a chunk's blob is compressed (its `codec` column). */
export const CODEC_DEFLATE = 0
export const CODEC_BROTLI = 1
export type ChunkCodec = typeof CODEC_DEFLATE | typeof CODEC_BROTLI

/**
 * From this many bytes of JSON a chunk is compressed with Brotli at quality 0 instead of
 * DEFLATE level 1. Big chunks are those holding big values (a broadcast read returns every
 * message so far): there Brotli's fastest level is several times faster than DEFLATE's and,
 * with its 4 MiB window, finds the repeats between reads a 32 KiB window cannot (measured on
 * a 240 KB chunk with four 35 KB reads: 0.26 vs 1.6 ms, 26 vs 68 KB). A typical chunk of
 * small events stays DEFLATE: the same speed class, and ~20% smaller than Brotli quality 0.
 */
export const BROTLI_FROM_BYTES = 128 * 1024

export interface EncodedChunk {
  codec: ChunkCodec
  blob: Buffer
}

/** A string without lone surrogates (ES2024's String.prototype.isWellFormed, in Node 20). */
const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed()

/**
 * A chunk's bytes before compression. Each event's `data` is already JSON text, so it is not
 * put through JSON again (that escaped every quote of every message body a second time): the
 * first line is the JSON object of columns t, node, lc, kind and `len` (each data text's
 * length in UTF-16 units), then the data texts follow, concatenated. Data that is not
 * well-formed UTF-16 (it cannot come from JSON.stringify) goes in a `data` column instead,
 * the layout every chunk had before.
 */
function chunkText(c: ChunkColumns): string {
  const data = c.data.join('')
  if (!wellFormed(data)) return JSON.stringify(c)
  const len = c.data.map((d) => d.length)
  return `${JSON.stringify({ t: c.t, node: c.node, lc: c.lc, kind: c.kind, len })}\n${data}`
}

export function encodeChunk(c: ChunkColumns): EncodedChunk {
  const raw = Buffer.from(chunkText(c), 'utf8')
  if (raw.byteLength >= BROTLI_FROM_BYTES)
    return {
      codec: CODEC_BROTLI,
      blob: brotliFast(raw),
    }
  return { codec: CODEC_DEFLATE, blob: deflateRawSync(raw, { level: 1 }) }
}

function decompress(blob: Uint8Array, codec: unknown, chunk: number): Buffer {
  if (codec === CODEC_DEFLATE || codec === undefined || codec === null)
    try {
      return inflateRawSync(blob, { maxOutputLength: MAX_INFLATED_BYTES })
    } catch (e) {
      throw new ChunkError(
        chunk,
        `its blob (${blob.byteLength} bytes) does not inflate (${(e as Error).message})`,
      )
    }
  if (codec === CODEC_BROTLI)
    try {
      return brotliInflate(blob)
    } catch (e) {
      throw new ChunkError(
        chunk,
        `its blob (${blob.byteLength} bytes) does not decompress as Brotli (${(e as Error).message})`,
      )
    }
  throw new ChunkError(chunk, `its codec ${String(codec)} is unknown (0 = DEFLATE, 1 = Brotli)`)
}

function isIntArray(v: unknown, n: number): v is number[] {
  if (!Array.isArray(v) || v.length !== n) return false
  for (const x of v) if (!Number.isSafeInteger(x)) return false
  return true
}

function isStringArray(v: unknown, n: number, nullable: boolean): boolean {
  if (!Array.isArray(v) || v.length !== n) return false
  for (const x of v) if (typeof x !== 'string' && !(nullable && x === null)) return false
  return true
}

/**
 * Decode and check a chunk of `n` events (`chunk`: its rowid, for the error; `codec`: its
 * codec column, DEFLATE when absent as in files written before the column).
 */
export function decodeChunk(blob: unknown, n: number, chunk: number, codec?: unknown): ChunkColumns {
  if (!(blob instanceof Uint8Array)) throw new ChunkError(chunk, 'its blob is not a BLOB')
  if (!Number.isSafeInteger(n) || n < 1 || n > ID_STRIDE)
    throw new ChunkError(chunk, `its event count ${String(n)} is out of range (1..${ID_STRIDE})`)
  const text = decompress(blob, codec, chunk).toString('utf8')
  // The columns' JSON is the first line (JSON.stringify writes no raw newline); the data
  // texts follow it, unless the columns hold them (see chunkText).
  const nl = text.indexOf('\n')
  let v: unknown
  try {
    v = JSON.parse(nl < 0 ? text : text.slice(0, nl))
  } catch (e) {
    throw new ChunkError(chunk, `its content is not JSON (${(e as Error).message})`)
  }
  const c = v as Partial<Record<keyof ChunkColumns | 'len', unknown>> | null
  if (c === null || typeof c !== 'object') throw new ChunkError(chunk, 'its content is not a set of columns')
  if (!isIntArray(c.t, n)) throw new ChunkError(chunk, `column t is not ${n} integers`)
  if (!isIntArray(c.lc, n)) throw new ChunkError(chunk, `column lc is not ${n} integers`)
  if (!isStringArray(c.node, n, true)) throw new ChunkError(chunk, `column node is not ${n} names or nulls`)
  if (!isStringArray(c.kind, n, false)) throw new ChunkError(chunk, `column kind is not ${n} strings`)
  if (c.len === undefined) {
    if (nl >= 0) throw new ChunkError(chunk, 'its content has data after the columns but no len column')
    if (!isStringArray(c.data, n, false)) throw new ChunkError(chunk, `column data is not ${n} strings`)
    return c as ChunkColumns
  }
  if (nl < 0) throw new ChunkError(chunk, 'its len column has no data after it')
  if (!isIntArray(c.len, n)) throw new ChunkError(chunk, `column len is not ${n} integers`)
  const data: string[] = new Array<string>(n)
  let at = nl + 1
  for (let i = 0; i < n; i++) {
    const l = c.len[i]
    if (l < 0 || at + l > text.length)
      throw new ChunkError(
        chunk,
        `column len says event ${i} has ${l} characters of data, past the chunk's end`,
      )
    data[i] = text.slice(at, at + l)
    at += l
  }
  if (at !== text.length)
    throw new ChunkError(
      chunk,
      `its data has ${text.length - at} characters more than column len accounts for`,
    )
  return { t: c.t, node: c.node as Array<string | null>, lc: c.lc, kind: c.kind as string[], data }
}

/** Writes one run's events as chunks (inside the caller's transaction). */
export class ChunkWriter {
  private cols = emptyColumns()
  private readonly ins: Statement

  constructor(
    db: SqliteDb,
    readonly runSeq: number,
  ) {
    this.ins = db.prepare(
      'INSERT INTO trace_chunks (run_seq, n, t_lo, t_hi, kinds, codec, blob) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
  }

  add(t: number, node: string | null, lc: number, kind: string, data: string): void {
    const c = this.cols
    c.t.push(t)
    c.node.push(node)
    c.lc.push(lc)
    c.kind.push(kind)
    c.data.push(data)
    if (c.t.length >= CHUNK_EVENTS) this.flush()
  }

  /** Write what is pending as one chunk (nothing if empty). */
  flush(): void {
    const c = this.cols
    const n = c.t.length
    if (n === 0) return
    let lo = c.t[0]
    let hi = lo
    for (let i = 1; i < n; i++) {
      const t = c.t[i]
      if (t < lo) lo = t
      else if (t > hi) hi = t
    }
    const kinds = [...new Set(c.kind)].sort().join(' ')
    const { codec, blob } = encodeChunk(c)
    this.ins.run(this.runSeq, n, lo, hi, kinds, codec, blob)
    this.cols = emptyColumns()
  }

  /** Forget what is pending (the transaction it was meant for rolled back). */
  discard(): void {
    this.cols = emptyColumns()
  }
}

/** Count and time span of a run's trace (from the chunks' own columns: no decoding). */
export function traceSpan(db: SqliteDb, runSeq: number): { n: number; lo: number | null; hi: number | null } {
  return db
    .prepare(
      'SELECT coalesce(sum(n), 0) AS n, min(t_lo) AS lo, max(t_hi) AS hi FROM trace_chunks WHERE run_seq = ?',
    )
    .get(runSeq) as { n: number; lo: number | null; hi: number | null }
}

export interface TraceQuery {
  fromUs?: number
  toUs?: number
  /** Only events after this one in (t, id) order. */
  after?: number
  /** Only these kinds. */
  kinds?: readonly string[]
}

/** The widest chunk of a run (the span index answers it). */
export const WIDEST_CHUNK_SQL = 'SELECT max(t_hi - t_lo) AS w FROM trace_chunks WHERE run_seq = ?'
/**
 * The next chunks (after the cursor (t_lo, rowid)) that may hold events in [from, to], in
 * (t_lo, rowid) order, a batch at a time: the (run_seq, t_lo) index gives range and order.
 */
export const CHUNKS_IN_WINDOW_SQL = `SELECT rowid AS id, n, t_lo AS lo, kinds FROM trace_chunks
  WHERE run_seq = @seq AND t_lo >= @lo AND (t_lo > @lo OR rowid > @id) AND t_lo <= @to AND t_hi >= @from
  ORDER BY t_lo, rowid LIMIT @limit`
/** Chunk metadata rows read per batch. */
const META_BATCH = 256

interface ChunkMeta {
  id: number
  n: number
  lo: number
  kinds: string
}

/** A chunk row as its readers select it. */
interface ChunkRow {
  n: number
  codec: unknown
  blob: unknown
}

/** The event with this id, or null if there is none. */
export function eventById(db: SqliteDb, id: number): RawTraceRow | null {
  const chunk = Math.floor(id / ID_STRIDE)
  const pos = id - chunk * ID_STRIDE
  const row = db.prepare('SELECT n, codec, blob FROM trace_chunks WHERE rowid = ?').get(chunk) as
    ChunkRow | undefined
  if (row === undefined || pos >= row.n) return null
  const c = decodeChunk(row.blob, row.n, chunk, row.codec)
  return { rowid: id, t: c.t[pos], node: c.node[pos], lc: c.lc[pos], kind: c.kind[pos], data: c.data[pos] }
}

/** The `data` JSON of events by id (same order as asked; '{}' for an id with no event). */
export function traceDataById(db: SqliteDb, ids: readonly number[]): string[] {
  const get = db.prepare('SELECT n, codec, blob FROM trace_chunks WHERE rowid = ?')
  const decoded = new Map<number, ChunkColumns | null>()
  return ids.map((id) => {
    const chunk = Math.floor(id / ID_STRIDE)
    let c = decoded.get(chunk)
    if (c === undefined) {
      const row = get.get(chunk) as ChunkRow | undefined
      c = row === undefined ? null : decodeChunk(row.blob, row.n, chunk, row.codec)
      decoded.set(chunk, c)
    }
    const pos = id - chunk * ID_STRIDE
    return c !== null && pos < c.t.length ? c.data[pos] : '{}'
  })
}

/** A binary min-heap of rows on (t, id). */
class RowHeap {
  private readonly a: RawTraceRow[] = []

  get size(): number {
    return this.a.length
  }

  peek(): RawTraceRow | undefined {
    return this.a[0]
  }

  private static less(x: RawTraceRow, y: RawTraceRow): boolean {
    return x.t < y.t || (x.t === y.t && x.rowid < y.rowid)
  }

  push(r: RawTraceRow): void {
    const a = this.a
    let i = a.push(r) - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!RowHeap.less(a[i], a[p])) break
      ;[a[i], a[p]] = [a[p], a[i]]
      i = p
    }
  }

  pop(): RawTraceRow | undefined {
    const a = this.a
    const top = a[0]
    const last = a.pop()
    if (a.length > 0 && last !== undefined) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && RowHeap.less(a[l], a[m])) m = l
        if (r < a.length && RowHeap.less(a[r], a[m])) m = r
        if (m === i) break
        ;[a[i], a[m]] = [a[m], a[i]]
        i = m
      }
    }
    return top
  }
}

/**
 * A run's trace events in (t, id) order, filtered by `q`. The chunks' metadata is read in
 * batches and each chunk's blob when the merge reaches it, so a caller that stops early
 * reads little, and no statement stays open while the caller works (it may run other
 * queries between rows).
 */
export function* traceRows(db: SqliteDb, runSeq: number, q: TraceQuery = {}): Generator<RawTraceRow> {
  let from = Math.max(0, Math.floor(q.fromUs ?? 0))
  const to = Math.floor(q.toUs ?? Number.MAX_SAFE_INTEGER)
  let afterT = -1
  let afterId = -1
  if (q.after !== undefined) {
    const e = eventById(db, q.after)
    if (e === null) return
    afterT = e.t
    afterId = q.after
    from = Math.max(from, e.t)
  }
  if (from > to) return
  // The widest chunk of the run bounds how far before `from` a chunk holding `from` can start.
  const span = (db.prepare(WIDEST_CHUNK_SQL).get(runSeq) as { w: number | null }).w
  if (span === null) return
  const batch = db.prepare(CHUNKS_IN_WINDOW_SQL)
  let metas: ChunkMeta[] = []
  let next = 0
  let exhausted = false
  const cursor = { seq: runSeq, lo: from - span, id: -1, to, from, limit: META_BATCH }
  /** The next chunk to merge, reading another batch of metadata when needed. */
  const peekMeta = (): ChunkMeta | undefined => {
    if (next === metas.length && !exhausted) {
      metas = batch.all(cursor) as ChunkMeta[]
      next = 0
      exhausted = metas.length < META_BATCH
      const last = metas[metas.length - 1]
      if (last !== undefined) {
        cursor.lo = last.lo
        cursor.id = last.id
      }
    }
    return metas[next]
  }
  const kinds = q.kinds && q.kinds.length > 0 ? new Set(q.kinds) : null
  const blobOf = db.prepare('SELECT codec, blob FROM trace_chunks WHERE rowid = ?')
  const heap = new RowHeap()
  for (;;) {
    // Load every chunk that may hold an event at or before the heap's smallest.
    for (let m = peekMeta(); m !== undefined; m = peekMeta()) {
      if (heap.size > 0 && m.lo > (heap.peek() as RawTraceRow).t) break
      next++
      if (kinds !== null && !m.kinds.split(' ').some((k) => kinds.has(k))) continue
      const row = blobOf.get(m.id) as Omit<ChunkRow, 'n'> | undefined
      const c = decodeChunk(row?.blob, m.n, m.id, row?.codec)
      const base = m.id * ID_STRIDE
      for (let i = 0; i < c.t.length; i++) {
        const t = c.t[i]
        if (t < from || t > to) continue
        if (kinds !== null && !kinds.has(c.kind[i])) continue
        const id = base + i
        if (t === afterT && id <= afterId) continue
        heap.push({ rowid: id, t, node: c.node[i], lc: c.lc[i], kind: c.kind[i], data: c.data[i] })
      }
    }
    const r = heap.pop()
    if (r === undefined) return
    yield r
  }
}

/**
 * Move every `trace_events` row (the one-row-per-event table before version 6) into chunks
 * (per run, in rowid order, so ties keep their order), then drop the old table; nothing when
 * there is no such table. Runs inside the caller's transaction (migration 7, or salvage).
 */
export function chunkLegacyTrace(db: SqliteDb): void {
  const legacy = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'trace_events'")
    .get()
  if (legacy === undefined) return
  const page = db.prepare(
    'SELECT rowid, run_seq, t, node, lc, kind, data FROM trace_events WHERE rowid > ? ORDER BY rowid LIMIT 50000',
  )
  const writers = new Map<number, ChunkWriter>()
  let last = -1
  for (;;) {
    const rows = page.raw().all(last) as Array<
      [number, number, number, string | null, number, string, string]
    >
    if (rows.length === 0) break
    for (const [rowid, seq, t, node, lc, kind, data] of rows) {
      let w = writers.get(seq)
      if (w === undefined) {
        w = new ChunkWriter(db, seq)
        writers.set(seq, w)
      }
      w.add(t, node, lc, kind, data)
      last = rowid
    }
  }
  for (const w of writers.values()) w.flush()
  db.exec('DROP TABLE trace_events')
}
