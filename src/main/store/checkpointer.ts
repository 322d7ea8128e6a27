// WAL checkpoints off the main thread. A checkpoint copies the -wal file's pages into the
// database and, with synchronous = NORMAL, fsyncs both files: tens of milliseconds (more
// on a busy disk) that SQLite would otherwise spend inside whichever commit crosses the
// auto-checkpoint threshold, i.e. inside the recorder's flush step on the event loop
// (measured: worst flush step 52 ms with auto-checkpoints, 20 ms without; bench/store.ts).
// So the main connection turns auto-checkpointing off and this worker thread, with its own
// connection, runs PASSIVE checkpoints every half second (PASSIVE never blocks the writer
// or readers). If the worker cannot start, auto-checkpointing is turned back on.
//
// The worker is a few lines of plain JavaScript run with `eval: true`, so it needs no
// separate bundle entry (Electron build, tsx and vitest all run it as is); better-sqlite3
// is loaded from the path this module resolves.
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { SqliteDb } from './db'

const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const done = new Int32Array(workerData.done)
let db = null
try {
  db = new Database(workerData.file, { fileMustExist: true })
  db.pragma('busy_timeout = 1000')
} catch (e) {
  parentPort.postMessage({ type: 'error', message: String((e && e.message) || e) })
}
const tick = () => {
  try {
    if (db) db.pragma('wal_checkpoint(PASSIVE)')
  } catch (e) {
    // busy or locked: the next tick tries again
  }
}
const timer = setInterval(tick, workerData.everyMs)
parentPort.on('message', (m) => {
  if (m !== 'stop') return
  clearInterval(timer)
  try {
    if (db) db.close()
  } catch (e) {}
  db = null
  Atomics.store(done, 0, 1)
  Atomics.notify(done, 0)
  parentPort.close()
})
`

export class Checkpointer {
  private worker: Worker | null
  private readonly done = new Int32Array(new SharedArrayBuffer(4))

  private constructor(
    private readonly db: SqliteDb,
    file: string,
    everyMs: number,
  ) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    this.worker = new Worker(WORKER_CODE, {
      eval: true,
      workerData: { file, driver, everyMs, done: this.done.buffer },
    })
    const fallback = (): void => {
      if (this.worker === null) return
      this.worker = null
      // No background checkpoints: let SQLite checkpoint on commit again.
      try {
        if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000')
      } catch {
        // closed meanwhile
      }
    }
    this.worker.on('error', fallback)
    this.worker.on('message', (m: { type?: string }) => {
      if (m.type === 'error') fallback()
    })
    // After the listeners (attaching one refs the worker again): never keep the process alive.
    this.worker.unref()
    this.db.pragma('wal_autocheckpoint = 0')
  }

  /** Start background checkpoints of `file` (the main connection `db` stops auto-checkpointing). */
  static start(db: SqliteDb, file: string, everyMs = 500): Checkpointer | null {
    try {
      return new Checkpointer(db, file, everyMs)
    } catch {
      return null
    }
  }

  /**
   * Stop the worker and wait (synchronously, up to 2 s) until its connection is closed, so
   * that the main connection's close is the last one (it then checkpoints and removes the
   * -wal file).
   */
  stop(): void {
    const w = this.worker
    if (w === null) return
    this.worker = null
    w.postMessage('stop')
    Atomics.wait(this.done, 0, 0, 2000)
    void w.terminate()
  }
}
