// What a worker does with a task, wherever it runs (a thread here, a fleet worker elsewhere,
// or this thread): the answer depends on the task only.
import { readPackageInfo } from '../lab/package-info'
import { runFuzzSeed } from './fuzz-task'
import type { Task, TaskResult } from './tasks'

/** This program's version: a task made by another version is refused (its results would differ). */
export const APP_VERSION = readPackageInfo().version

/** Refuse a task made by another version (its results would differ). */
export function checkVersion(t: Task): void {
  if (t.version !== APP_VERSION)
    throw new Error(
      `made by version ${t.version}, this worker is ${APP_VERSION}: start a worker of that version`,
    )
}

/**
 * Run a task in this thread. Sweep runs (a LabService of their own) and explore walk streams
 * (a shared stop flag) are taken by worker threads only (worker.ts); a lab that runs them
 * itself calls its service or the explorer directly.
 */
export function runTask(t: Task): TaskResult {
  checkVersion(t)
  if (t.kind !== 'fuzz-seed') throw new Error(`a ${t.kind} task is taken by a worker thread only`)
  return { kind: 'fuzz-seed', id: t.id, result: runFuzzSeed(t) }
}
