// `quorum-lab worker --redis URL`: a fleet worker. It takes campaign tasks (fuzz seeds) from
// the shared BullMQ queue and runs each on a local thread pool (one thread per core by
// default), so the event loop stays free to renew its jobs' locks. A worker that dies loses
// its jobs' locks; BullMQ hands those jobs to another worker (at-least-once), and the lab
// merges results by seed, so a task done twice is recorded once.
import { Worker, type Job } from 'bullmq'
import { WorkerPool, type WorkerCount } from '../workers/pool'
import { TaskSchema, type TaskResult } from '../workers/tasks'
import { connectRedis, DEFAULT_QUEUE } from './connection'

export interface FleetWorkerOptions {
  redis: string
  queue?: string
  /** Threads (and jobs in parallel); 'auto' = one per core. */
  threads: WorkerCount
  /** How long a job's lock lasts without renewal, ms (a dead worker's jobs return after it). */
  lockMs?: number
  /** This worker's name in logs and job records. */
  name?: string
  log(line: string): void
}

export interface FleetWorker {
  /** Jobs finished so far. */
  readonly done: number
  /** Stop taking jobs, let the running ones finish, disconnect. */
  close(): Promise<void>
}

export async function startFleetWorker(o: FleetWorkerOptions): Promise<FleetWorker> {
  const pool = new WorkerPool(o.threads)
  const connection = connectRedis(o.redis)
  let done = 0
  const lockDuration = o.lockMs ?? 30_000
  const worker = new Worker<unknown, TaskResult>(
    o.queue ?? DEFAULT_QUEUE,
    async (job: Job<unknown, TaskResult>) => {
      const t = TaskSchema.safeParse(job.data)
      if (!t.success) throw new Error(`job ${job.id}: not a task (${t.error.issues[0]?.message})`)
      if (t.data.kind !== 'fuzz-seed')
        throw new Error(
          `job ${job.id}: a ${t.data.kind} task runs on the machine that started it, not on a fleet worker`,
        )
      const r = await pool.run(t.data)
      done++
      return r
    },
    {
      connection,
      concurrency: pool.size,
      lockDuration,
      stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
      maxStalledCount: 10,
      name: o.name,
    },
  )
  worker.on('failed', (job, e) => o.log(`worker: job ${job?.id ?? '?'} failed: ${e.message}`))
  worker.on('error', (e) => o.log(`worker: ${e.message}`))
  await worker.waitUntilReady()
  o.log(
    `worker${o.name ? ` ${o.name}` : ''}: taking tasks from queue "${o.queue ?? DEFAULT_QUEUE}" on ${pool.size} thread(s)`,
  )
  return {
    get done() {
      return done
    },
    async close() {
      await worker.close()
      await pool.close()
      connection.disconnect()
    },
  }
}
