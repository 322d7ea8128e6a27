// `quorum-lab worker --redis redis://HOST:PORT`: a fleet worker (src/main/fleet/worker.ts).
// Start any number of them, on any machines that reach the Redis; `quorum-lab fuzz --redis
// ...` puts a campaign's seeds on the queue and merges what they answer. SIGINT / SIGTERM:
// finish the tasks in hand, then exit 0.
import { hostname } from 'node:os'
import { InvalidArgumentError, type Command } from 'commander'
import { redisUrlProblem } from '../fleet/connection'
import { startFleetWorker } from '../fleet/worker'
import type { WorkerCount } from '../workers/pool'

export interface WorkerCliOptions {
  redis: string
  queue?: string
  threads: WorkerCount
  lockMs: number
  name?: string
}

function threadsArg(v: string): WorkerCount {
  if (v === 'auto') return 'auto'
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 256)
    throw new InvalidArgumentError('must be "auto" or a whole number from 1 to 256')
  return Number(v)
}

function msArg(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 500 || n > 600_000)
    throw new InvalidArgumentError('must be a whole number of ms from 500 to 600000')
  return n
}

export function registerWorkerCommand(
  program: Command,
  io: { out(line: string): void; err(line: string): void; badInput(message: string): never },
  setResult: (r: Promise<number>) => void,
): void {
  program
    .command('worker')
    .description('a fleet worker: run campaign tasks (fuzz seeds) from a shared Redis queue until stopped')
    .requiredOption('--redis <url>', 'the Redis the fleet shares (redis://HOST:PORT)')
    .option('--queue <name>', 'the queue (default quorum-lab)')
    .option(
      '--threads <n>',
      'worker threads: a number or "auto" (one per core)',
      threadsArg,
      'auto' as WorkerCount,
    )
    .option(
      '--lock-ms <ms>',
      "how long a task's lock lasts: a dead worker's tasks return after it",
      msArg,
      30_000,
    )
    .option('--name <name>', 'this worker in logs (default: host and pid)')
    .action((o: WorkerCliOptions) => setResult(cmdWorker(o, io)))
}

async function cmdWorker(
  o: WorkerCliOptions,
  io: { out(line: string): void; err(line: string): void; badInput(message: string): never },
): Promise<number> {
  const why = redisUrlProblem(o.redis)
  if (why !== null) io.badInput(`--redis: ${why}`)
  const worker = await startFleetWorker({
    redis: o.redis,
    queue: o.queue,
    threads: o.threads,
    lockMs: o.lockMs,
    name: o.name ?? `${hostname()}:${process.pid}`,
    log: io.err,
  })
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  io.err('worker: stopping (finishing the tasks in hand)')
  await worker.close()
  io.out(`worker: ${worker.done} task(s) done`)
  return 0
}
