// Campaign workers (issue 16.3): a task's answer depends on the task only, so fuzzing on one
// worker (this thread) and on several threads gives the same results, seed for seed.
import { describe, expect, it } from 'vitest'
import { runTasks } from '../src/main/workers/pool'
import { APP_VERSION } from '../src/main/workers/run-task'
import type { FuzzSeedTask, TaskResult } from '../src/main/workers/tasks'

const task = (i: number): FuzzSeedTask => ({
  kind: 'fuzz-seed',
  id: i,
  version: APP_VERSION,
  seed: 100 + i,
  algorithm: 'raft',
  mutants: ['commitOldTermByCounting'],
  durationMs: 1500,
  nodes: 5,
})

async function campaign(workers: number): Promise<TaskResult[]> {
  const out: TaskResult[] = []
  const n = await runTasks(8, task, { workers, onResult: (r) => out.push(r) })
  expect(n).toBe(8)
  return out.sort((a, b) => a.id - b.id)
}

describe('worker pool', () => {
  it('one worker and two workers give the same results', async () => {
    const one = await campaign(1)
    const two = await campaign(2)
    expect(two).toEqual(one)
    expect(one.map((r) => (r.kind === 'fuzz-seed' ? r.result.seed : -1))).toEqual([
      100, 101, 102, 103, 104, 105, 106, 107,
    ])
  }, 120_000)

  it('a failing task rejects the run naming it; shouldStop ends it early', async () => {
    const bad = (i: number): FuzzSeedTask => ({ ...task(i), algorithm: i === 1 ? 'zab' : 'raft' })
    await expect(runTasks(3, bad, { workers: 2, onResult: () => {} })).rejects.toThrow(
      /task 1: unknown algorithm "zab"/,
    )
    let seen = 0
    const n = await runTasks(50, task, { workers: 1, onResult: () => seen++, shouldStop: () => seen >= 2 })
    expect(n).toBe(2)
  }, 120_000)
})
