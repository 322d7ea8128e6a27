// What a worker does with a task, wherever it runs (a thread here, a fleet worker elsewhere,
// or this thread): the answer depends on the task only.
import { readPackageInfo } from '../lab/package-info'
import { runFuzzSeed } from './fuzz-task'
import type { Task, TaskResult } from './tasks'

/** This program's version: a task made by another version is refused (its results would differ). */
export const APP_VERSION = readPackageInfo().version

export function runTask(t: Task): TaskResult {
  if (t.version !== APP_VERSION)
    throw new Error(
      `made by version ${t.version}, this worker is ${APP_VERSION}: start a worker of that version`,
    )
  return { kind: 'fuzz-seed', id: t.id, result: runFuzzSeed(t) }
}
