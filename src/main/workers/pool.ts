// Campaign worker threads on this machine. A WorkerPool keeps `n` threads (src/main/workers/
// worker.ts) and runs each task on a free one; with n = 1 it runs tasks in this thread, so
// one worker and many give the same results by construction: a task's answer depends on the
// task only. runTasks() spreads a whole campaign over a pool.
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { resolveWorkerEntry } from '../lab/cluster/spawn'
import { runTask } from './run-task'
import type { Task, TaskResult, WorkerAnswer } from './tasks'

/** How long a closing pool waits for a thread to finish its task and close its databases. */
const CLOSE_GRACE_MS = 2000

/** `auto` is one worker per core. */
export type WorkerCount = number | 'auto'

export function workerCount(w: WorkerCount): number {
  return w === 'auto' ? Math.max(1, availableParallelism()) : Math.max(1, Math.floor(w))
}

interface Slot {
  worker: Worker
  pending: { resolve: (r: TaskResult) => void; reject: (e: Error) => void } | null
}

export class WorkerPool {
  readonly size: number
  private readonly slots: Slot[] = []
  private readonly queue: Array<{
    task: Task
    resolve: (r: TaskResult) => void
    reject: (e: Error) => void
  }> = []
  private closed = false

  constructor(workers: WorkerCount) {
    this.size = workerCount(workers)
    if (this.size === 1) return
    const entry = resolveWorkerEntry()
    for (let k = 0; k < this.size; k++) {
      const slot: Slot = { worker: new Worker(entry.file, { execArgv: entry.execArgv }), pending: null }
      slot.worker.on('message', (a: WorkerAnswer) => {
        const p = slot.pending
        slot.pending = null
        if (p !== null) {
          if (a.ok) p.resolve(a.answer)
          else p.reject(new Error(`task ${a.id}: ${a.error}`))
        }
        this.pump()
      })
      slot.worker.on('error', (e) => {
        const p = slot.pending
        slot.pending = null
        p?.reject(e)
      })
      this.slots.push(slot)
    }
  }

  /** Run one task on a free worker (queued until one is free). */
  run(task: Task): Promise<TaskResult> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'))
    if (this.size === 1) {
      // In this thread, after pending I/O, timers and signals get their turn.
      return new Promise((resolve, reject) =>
        setImmediate(() => {
          Promise.resolve()
            .then(() => runTask(task))
            .then(resolve, (e: unknown) =>
              reject(e instanceof Error ? new Error(`task ${task.id}: ${e.message}`) : new Error(String(e))),
            )
        }),
      )
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject })
      this.pump()
    })
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.pending !== null) continue
      const next = this.queue.shift()
      if (next === undefined) return
      slot.pending = { resolve: next.resolve, reject: next.reject }
      slot.worker.postMessage(next.task)
    }
  }

  /** Stop every thread (tasks still queued are rejected). */
  async close(): Promise<void> {
    this.closed = true
    for (const q of this.queue.splice(0)) q.reject(new Error('the worker pool is closed'))
    // Each thread closes what it opened (a sweep's database) and ends; one that does not
    // within CLOSE_GRACE_MS (a long task) is terminated.
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void s.worker.terminate(), CLOSE_GRACE_MS)
            s.worker.once('exit', () => {
              clearTimeout(timer)
              resolve()
            })
            s.worker.postMessage({ close: true })
          }),
      ),
    )
  }
}

export interface PoolOptions {
  workers: WorkerCount
  /** Each answer as it comes (in completion order; a task's id says which it was). */
  onResult: (r: TaskResult) => void
  /** Stop handing out tasks (e.g. at the first violation, or on Ctrl-C): true to stop. */
  shouldStop?: () => boolean
}

/**
 * Run tasks 0 .. count - 1 (`make(i)` builds task i, with id i) over a pool, handing each
 * answer to onResult; resolves with how many ran (fewer than `count` when shouldStop ended it
 * early). A task that fails rejects the whole run with its error, after every worker stopped.
 * Tasks are made as they are handed out, so a campaign of millions needs no list of them.
 */
export async function runTasks(count: number, make: (i: number) => Task, opts: PoolOptions): Promise<number> {
  const pool = new WorkerPool(Math.min(workerCount(opts.workers), Math.max(1, count)))
  let next = 0
  let done = 0
  const lane = async (): Promise<void> => {
    while (next < count && !opts.shouldStop?.()) {
      const r = await pool.run(make(next++))
      done++
      opts.onResult(r)
    }
  }
  try {
    await Promise.all(Array.from({ length: pool.size }, lane))
  } finally {
    await pool.close()
  }
  return done
}
