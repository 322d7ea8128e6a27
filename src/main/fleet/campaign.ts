// A campaign run on the fleet: its tasks go onto the shared BullMQ queue (one job per task,
// job id = campaign + task index, so enqueueing again never duplicates one), workers anywhere
// take them, and the answers come back here as they complete. Delivery is at-least-once (a
// worker that dies mid-task has the task done again elsewhere): each task's answer is handed
// on once here, and the store keeps each seed once however often it arrives.
import { Queue, QueueEvents } from 'bullmq'
import type { Task, TaskResult } from '../workers/tasks'
import { connectRedis, DEFAULT_QUEUE } from './connection'

export interface FleetCampaignOptions {
  redis: string
  queue?: string
  /** Names the campaign's jobs: the same id for the same tasks (e.g. a hash of its options). */
  campaign: string
  onResult: (r: TaskResult) => void
  shouldStop?: () => boolean
  log(line: string): void
  /** How often to look for answers missed by the event stream, ms (default 1000). */
  pollMs?: number
}

const jobId = (campaign: string, i: number): string => `${campaign}-${i}`

/** Enqueue tasks 0 .. count - 1 and wait for every answer; resolves with how many came back. */
export async function runFleetTasks(
  count: number,
  make: (i: number) => Task,
  o: FleetCampaignOptions,
): Promise<number> {
  const name = o.queue ?? DEFAULT_QUEUE
  const connection = connectRedis(o.redis)
  const eventsConnection = connectRedis(o.redis)
  const queue = new Queue<Task, TaskResult>(name, { connection })
  const events = new QueueEvents(name, { connection: eventsConnection })
  const seen = new Set<number>()
  const prefix = `${o.campaign}-`
  let failure: Error | null = null
  const accept = (id: string | undefined, value: unknown): void => {
    if (id === undefined || !id.startsWith(prefix)) return
    const i = Number(id.slice(prefix.length))
    if (!Number.isInteger(i) || i < 0 || i >= count || seen.has(i)) return
    const r = asResult(value)
    if (r === null) {
      failure ??= new Error(`job ${id}: the worker's answer is not a task result`)
      return
    }
    seen.add(i)
    o.onResult(r)
  }
  events.on('completed', ({ jobId: id, returnvalue }) => accept(id, returnvalue))
  events.on('failed', ({ jobId: id, failedReason }) => {
    if (id.startsWith(prefix)) o.log(`fleet: job ${id} failed: ${failedReason}`)
  })
  try {
    await events.waitUntilReady()
    for (let from = 0; from < count; from += 500) {
      const jobs = []
      for (let i = from; i < Math.min(count, from + 500); i++)
        jobs.push({
          name: 'task',
          data: make(i),
          opts: {
            jobId: jobId(o.campaign, i),
            attempts: 3,
            removeOnComplete: { age: 7 * 24 * 3600 },
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        })
      await queue.addBulk(jobs)
    }
    o.log(`fleet: ${count} task(s) on queue "${name}" as campaign ${o.campaign}`)
    // Answers arrive as events; also look up what is still missing now and then (answers that
    // completed before we listened, or events lost to a reconnect).
    for (;;) {
      if (failure !== null) throw failure
      if (seen.size >= count || o.shouldStop?.()) break
      await new Promise((r) => setTimeout(r, o.pollMs ?? 1000))
      for (let i = 0, asked = 0; i < count && asked < 200; i++) {
        if (seen.has(i)) continue
        asked++
        const job = await queue.getJob(jobId(o.campaign, i))
        if (job === undefined) continue
        if (job.finishedOn !== undefined && job.failedReason === undefined) accept(job.id, job.returnvalue)
        else if (job.failedReason !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1))
          throw new Error(`task ${i} failed on the fleet: ${job.failedReason}`)
      }
    }
    return seen.size
  } finally {
    await events.close()
    await queue.close()
    connection.disconnect()
    eventsConnection.disconnect()
  }
}

function asResult(v: unknown): TaskResult | null {
  const x = typeof v === 'string' ? (JSON.parse(v) as unknown) : v
  if (typeof x !== 'object' || x === null) return null
  const r = x as Partial<TaskResult>
  if (r.kind !== 'fuzz-seed' || typeof r.id !== 'number' || typeof r.result !== 'object' || r.result === null)
    return null
  return r as TaskResult
}
