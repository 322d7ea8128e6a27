// A pool of campaign worker threads on this machine: tasks go to whichever worker is free,
// answers come back in task order. `workers: 1` runs tasks in this thread (no worker at all),
// so one worker and many give the same results by construction: a task's answer depends on
// the task only.
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { resolveWorkerEntry } from '../lab/cluster/spawn'
import { runFuzzSeed } from './fuzz-task'
import type { Task, TaskResult, WorkerAnswer } from './tasks'

/** `auto` is one worker per core. */
export type WorkerCount = number | 'auto'

export function workerCount(w: WorkerCount): number {
  return w === 'auto' ? Math.max(1, availableParallelism()) : Math.max(1, Math.floor(w))
}

/** Run a task in this thread (what a worker does). */
function runHere(t: Task): TaskResult {
  return { kind: 'fuzz-seed', id: t.id, result: runFuzzSeed(t) }
}

export interface PoolOptions {
  workers: WorkerCount
  /** Each answer as it comes (in completion order; a task's id says which it was). */
  onResult: (r: TaskResult) => void
  /** Stop handing out tasks (e.g. at the first violation, or on Ctrl-C): true to stop. */
  shouldStop?: () => boolean
}

/**
 * Run tasks 0 .. count - 1 (`make(i)` builds task i, with id i) over the pool, handing each
 * answer to onResult; resolves with how many ran (fewer than `count` when shouldStop ended it
 * early). A task that fails rejects the whole run with its error, after every worker stopped.
 * Tasks are made as they are handed out, so a campaign of millions needs no list of them.
 */
export async function runTasks(count: number, make: (i: number) => Task, opts: PoolOptions): Promise<number> {
  const n = Math.min(workerCount(opts.workers), Math.max(1, count))
  let done = 0
  if (n === 1) {
    for (let i = 0; i < count; i++) {
      if (opts.shouldStop?.()) break
      opts.onResult(runHere(make(i)))
      done++
      // Let timers, signals and I/O in between tasks.
      await new Promise((r) => setImmediate(r))
    }
    return done
  }
  const entry = resolveWorkerEntry()
  const workers: Worker[] = []
  let next = 0
  let failed: Error | null = null
  await new Promise<void>((resolveAll) => {
    let running = 0
    const finishOne = (): void => {
      running--
      if (running === 0) resolveAll()
    }
    const feed = (w: Worker): boolean => {
      if (failed !== null || next >= count || opts.shouldStop?.()) return false
      w.postMessage(make(next++))
      return true
    }
    for (let k = 0; k < n; k++) {
      const w = new Worker(entry.file, { execArgv: entry.execArgv })
      workers.push(w)
      running++
      let over = false
      const stop = (): void => {
        if (over) return
        over = true
        finishOne()
      }
      w.on('message', (a: WorkerAnswer) => {
        if (!a.ok) failed ??= new Error(`task ${a.id}: ${a.error}`)
        else {
          done++
          opts.onResult(a.answer)
        }
        if (!feed(w)) stop()
      })
      w.on('error', (e) => {
        failed ??= e
        stop()
      })
      if (!feed(w)) stop()
    }
  }).finally(() => Promise.all(workers.map((w) => w.terminate())))
  if (failed !== null) throw failed
  return done
}
