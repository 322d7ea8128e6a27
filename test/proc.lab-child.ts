// A tiny "lab" for the no-orphans test: starts a 3-node processes-mode run, pauses one node
// (SIGSTOP: it cannot notice the lab dying by itself), prints every pid as one JSON line on
// stdout, then waits to be killed.
import { startProcessRun } from '../src/main/lab/processes'
import { ExperimentSpecSchema } from '../src/shared/spec'

async function main(): Promise<void> {
  const dataDir = process.argv[2]
  if (!dataDir) throw new Error('usage: proc.lab-child.ts <dataDir>')
  const spec = ExperimentSpecSchema.parse({
    mode: 'processes',
    cluster: { nodes: 3 },
    durationMs: 120_000,
    workload: { clients: 2, ratePerSec: 50 },
  })
  const run = await startProcessRun(spec, { dataDir, keepTrace: false })
  run.injectFault({ kind: 'pause', atMs: 0, forMs: 100_000, target: 'n3' })
  const pids = run.pids()
  process.stdout.write(`${JSON.stringify(pids)}\n`)
  setInterval(() => {}, 1000)
}

main().catch((e: unknown) => {
  process.stderr.write(`lab-child: ${(e as Error).stack ?? String(e)}\n`)
  process.exit(1)
})
