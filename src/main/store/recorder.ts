// The recorder: writes one live run's trace events (plus the ops history, fault events,
// per-window metrics and sketches derived from them) into the store while the run goes.
//
// Design: a write queue on the main thread, flushed in transactions OFF the hot path.
//   - event() is the hot path (called synchronously by the simulator for every event): it
//     only pushes the event object onto an array. No serialization, no SQL.
//   - A flush is scheduled when N events are queued (setImmediate) or ~50 ms after the
//     first queued event (setTimeout), i.e. between the simulator's slices.
//   - A flush step writes in ONE transaction for at most `budgetMs` of wall time (8 ms by
//     default), then yields and continues on the next turn, so the event loop (IPC,
//     WebSocket, Ctrl-C) stays responsive however large the backlog. Trace events go in as
//     compressed chunks of up to 512 (trace-chunks.ts; a partial chunk at the end of each
//     step, so what is committed is complete). When the backlog grows (the producer outruns the disk) the
//     budget grows with it, which slows the producer down instead of growing memory.
// Why not a worker thread: better-sqlite3 does ~300-600k rows/s here, above what the
// simulator produces while also running; a worker would add a structured-clone copy of
// every event (about the cost of the serialization it saves), a second connection to
// coordinate for run status and disk-full handling, and a separately bundled worker file
// for Electron, tsx and vitest. The measured figures are in bench/store.ts.
//
// Failure: any write error (SQLITE_FULL on a full disk, I/O errors) rolls back the current
// step, stops recording this run (later events are dropped, not queued), keeps everything
// committed before (and says exactly how many events that is), and reports once through
// onError so the run can be marked failed. A file found damaged (SQLITE_CORRUPT, by this
// recorder or by any other use of the store) halts every recorder of the store the same way.
import { performance } from 'node:perf_hooks'
import type { Statement } from 'better-sqlite3'
import type { MetricsWindow } from '../../shared/api'
import type { FaultEvent, OpEvent, TraceEvent } from '../../shared/trace'
import { WindowSketcher, type SketchRow } from '../../core/sketch'
import { StoreError, toStoreError, type SqliteDb } from './db'
import { packOpValue } from './op-values'
import { ChunkWriter } from './trace-chunks'

/** What a recorder writes into: the store's database and file, and how it tells of damage. */
export interface RecorderStore {
  readonly db: SqliteDb
  readonly file: string
  /** Set once the file was found damaged: nothing more is written. */
  readonly damaged: StoreError | null
  /** A SQLite error: if it shows damage, marks the store damaged and returns the error to report. */
  noteError(e: unknown, doing?: string): StoreError | null
}

export interface RecorderOptions {
  /** Schedule a flush as soon as this many events are queued (default 4096). */
  flushEvents?: number
  /** ...and at most this long after the first queued event (default 50 ms). */
  flushMs?: number
  /** Wall ms one flush step may hold the event loop (default 8; grows with the backlog). */
  budgetMs?: number
  /** Called once when recording stops because of a write error. */
  onError?: (e: StoreError) => void
  /** Sketch window length, µs of run time (default 1 s). */
  windowUs?: number
}

/** Check the clock every this many events inside a flush step. */
const CLOCK_EVERY = 256

/** JSON of an event without the columns stored on their own (t, node, lc, kind). */
export function restJson(e: TraceEvent): string {
  const { t: _t, node: _n, lc: _l, kind: _k, ...rest } = e
  return JSON.stringify(rest)
}

export class RunRecorder {
  private readonly store: RecorderStore
  readonly runSeq: number
  private readonly flushEvents: number
  private readonly flushMs: number
  private readonly budgetMs: number
  private readonly onError: ((e: StoreError) => void) | undefined
  private readonly sketcher: WindowSketcher

  private queue: TraceEvent[] = []
  private head = 0
  private immediate: NodeJS.Immediate | null = null
  private timer: NodeJS.Timeout | null = null
  private progressValue: number | null = null
  private error: StoreError | null = null
  private finished = false
  /** Trace events in committed transactions (a step counts only once its commit returned). */
  private committed = 0
  private readonly closeListeners: Array<() => void> = []

  private readonly chunks: ChunkWriter
  // Prepared statements.
  private readonly insOp: Statement
  private readonly completeOp: Statement
  private readonly completeGet: Statement
  private readonly insFault: Statement
  private readonly insMetric: Statement
  private readonly insSketch: Statement
  private readonly setProgress: Statement

  constructor(store: RecorderStore, runSeq: number, opts: RecorderOptions = {}) {
    this.store = store
    this.runSeq = runSeq
    this.flushEvents = opts.flushEvents ?? 4096
    this.flushMs = opts.flushMs ?? 50
    this.budgetMs = opts.budgetMs ?? 8
    this.onError = opts.onError
    this.sketcher = new WindowSketcher(opts.windowUs)
    const db = store.db
    this.chunks = new ChunkWriter(db, runSeq)
    this.insOp = db.prepare(
      `INSERT OR REPLACE INTO ops (run_seq, op_id, client, f, key, value, expected, invoke_t) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    this.completeOp = db.prepare(
      'UPDATE ops SET complete_t = ?, outcome = ?, result = ?, error = ? WHERE run_seq = ? AND op_id = ?',
    )
    this.completeGet = db.prepare(
      'UPDATE ops SET complete_t = ?, outcome = ?, value = ?, result = ?, error = ? WHERE run_seq = ? AND op_id = ?',
    )
    this.insFault = db.prepare(
      'INSERT INTO faults (run_seq, t, fault_id, phase, kind, targets, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    this.insMetric = db.prepare(
      `INSERT OR REPLACE INTO metrics (run_seq, start_ms, end_ms, ok, fail, info, p50_ms, p99_ms, messages, by_type)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    this.insSketch = db.prepare(
      'INSERT OR REPLACE INTO sketches (run_seq, window_start_ms, kind, blob) VALUES (?, ?, ?, ?)',
    )
    this.setProgress = db.prepare('UPDATE runs SET progress = ? WHERE seq = ?')
  }

  /** The write error that stopped recording, if any. */
  get failed(): StoreError | null {
    return this.error
  }

  /** Trace events committed so far. */
  get recorded(): number {
    return this.committed
  }

  /** Events queued, not yet written. */
  get backlog(): number {
    return this.queue.length - this.head
  }

  onClose(fn: () => void): void {
    this.closeListeners.push(fn)
  }

  // ---------------------------------------------------------------- input

  /** The hot path: queue one event (in time order). */
  event(e: TraceEvent): void {
    if (this.error !== null || this.finished) return
    const n = this.queue.push(e) - this.head
    if (n >= this.flushEvents) {
      if (this.immediate === null) this.immediate = setImmediate(this.step)
    } else if (this.timer === null && this.immediate === null) {
      this.timer = setTimeout(this.step, this.flushMs)
    }
  }

  /** Closed metrics windows (written at once: a few rows per second). */
  windows(ws: readonly MetricsWindow[]): void {
    if (ws.length === 0 || this.error !== null || this.finished) return
    this.guard(() => {
      this.store.db.transaction(() => {
        for (const w of ws)
          this.insMetric.run(
            this.runSeq,
            w.startMs,
            w.endMs,
            w.ok,
            w.fail,
            w.info,
            w.p50,
            w.p99,
            w.messages,
            w.byType === undefined ? null : JSON.stringify(w.byType),
          )
      })()
    })
  }

  /** Run progress 0..1 (written with the next flush step). */
  progress(p: number): void {
    this.progressValue = p
  }

  // ---------------------------------------------------------------- flushing

  private readonly step = (): void => {
    this.immediate = null
    if (this.timer !== null) {
      clearTimeout(this.timer)
      this.timer = null
    }
    if (this.error !== null || this.finished) return
    // Budget grows with the backlog: 1 ms more per 10,000 queued events, capped at 30 ms.
    const budget = Math.min(30, this.budgetMs + Math.floor(this.backlog / 10_000))
    this.drain(budget)
    if (this.error === null && this.backlog > 0) this.immediate = setImmediate(this.step)
  }

  /** Write queued events for at most budgetMs (Infinity: all of them) in one transaction. */
  private drain(budgetMs: number): void {
    const db = this.store.db
    let taken = 0
    this.guard(() => {
      db.transaction(() => {
        const start = performance.now()
        const q = this.queue
        const chunks = this.chunks
        let i = this.head
        while (i < q.length) {
          const e = q[i++]
          chunks.add(e.t, e.node, e.lc, e.kind, restJson(e))
          if (e.kind === 'op') this.op(e)
          else if (e.kind === 'fault') this.fault(e)
          if ((i - this.head) % CLOCK_EVERY === 0 && performance.now() - start >= budgetMs) break
        }
        chunks.flush()
        if (this.progressValue !== null) {
          this.setProgress.run(this.progressValue, this.runSeq)
          this.progressValue = null
        }
        taken = i - this.head
      })()
      // Committed: only now do these events count, and leave the queue.
      this.committed += taken
      this.head += taken
    })
    if (this.head === this.queue.length) {
      this.queue = []
      this.head = 0
    } else if (this.head > 65_536) {
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }
  }

  private op(e: OpEvent): void {
    if (e.phase === 'invoke') {
      this.insOp.run(
        this.runSeq,
        e.opId,
        e.client,
        e.f,
        e.key,
        packOpValue(e.value),
        packOpValue(e.expected),
        e.t,
      )
    } else {
      const result = packOpValue(e.result === undefined ? null : String(e.result))
      const error = e.error ?? null
      if (e.f === 'get' || e.f === 'call')
        this.completeGet.run(e.t, e.phase, packOpValue(e.value), result, error, this.runSeq, e.opId)
      else this.completeOp.run(e.t, e.phase, result, error, this.runSeq, e.opId)
    }
    const closed = this.sketcher.push(e)
    if (closed !== null) this.sketches(closed)
  }

  private fault(e: FaultEvent): void {
    this.insFault.run(this.runSeq, e.t, e.faultId, e.phase, e.fault, JSON.stringify(e.targets), e.detail)
  }

  private sketches(rows: readonly SketchRow[]): void {
    for (const r of rows)
      this.insSketch.run(
        this.runSeq,
        r.windowStartMs,
        r.kind,
        Buffer.from(r.blob.buffer, r.blob.byteOffset, r.blob.byteLength),
      )
  }

  private guard(fn: () => void): void {
    const damaged = this.store.damaged
    if (damaged !== null) return this.fail(damaged)
    try {
      fn()
    } catch (e) {
      this.chunks.discard()
      this.fail(e)
    }
  }

  /** The store's file was found damaged elsewhere: stop recording now (nothing more is written). */
  halt(e: StoreError): void {
    if (!this.finished) this.fail(e)
  }

  private fail(e: unknown): void {
    if (this.error !== null) return
    const base =
      this.store.noteError(e, 'recording into') ?? toStoreError(e, this.store.file, 'recording into')
    const n = this.committed
    const stopped = `recording of this run stopped; ${n === 1 ? 'the 1 event' : `the ${n} events`} recorded before ${n === 1 ? 'is' : 'are'} kept`
    const message = base.message.endsWith('.')
      ? `${base.message} ${stopped[0].toUpperCase()}${stopped.slice(1)}.`
      : `${base.message}: ${stopped}`
    this.error = new StoreError(base.code, base.file, message)
    this.queue = []
    this.head = 0
    this.clearTimers()
    try {
      this.onError?.(this.error)
    } catch {
      // the listener's problem
    }
  }

  private clearTimers(): void {
    if (this.immediate !== null) clearImmediate(this.immediate)
    if (this.timer !== null) clearTimeout(this.timer)
    this.immediate = null
    this.timer = null
  }

  /**
   * Backpressure for a producer that outruns the disk: write queued events for up to
   * `ms` now (one transaction), on the producer's own time.
   */
  drainFor(ms: number): void {
    if (this.error !== null || this.finished || this.backlog === 0) return
    this.drain(ms)
  }

  /** Write everything queued now (synchronously). */
  flush(): void {
    if (this.error !== null || this.finished) return
    this.clearTimers()
    while (this.backlog > 0 && this.error === null) this.drain(Infinity)
  }

  /** The run ended: write everything left, the last sketch window, and stop. Idempotent. */
  finish(): void {
    if (this.finished) return
    this.flush()
    if (this.error === null) {
      this.guard(() => {
        this.store.db.transaction(() => {
          this.sketches(this.sketcher.finish())
          if (this.progressValue !== null) this.setProgress.run(this.progressValue, this.runSeq)
        })()
      })
    }
    this.finished = true
    this.clearTimers()
    for (const fn of this.closeListeners.splice(0)) fn()
  }
}
