// A tiny "lab" for the no-orphans tests, started as its own process.
//
//   proc.lab-child.ts <dataDir>          starts a 3-node processes-mode run, pauses one node
//                                        (SIGSTOP: it cannot notice the lab dying by itself),
//                                        prints every pid as one JSON line on stdout
//   proc.lab-child.ts <dataDir> service  starts the same run through a LabService on the data
//                                        folder (as the app does: run folder, store) and, once
//                                        it runs (first progress event), prints {"runId": ...}
//                                        as one JSON line
//
// Then it waits to be killed.
import { LabService } from '../src/main/lab/service'
import { startProcessRun } from '../src/main/lab/processes'
import { ExperimentSpecSchema } from '../src/shared/spec'

const SPEC = {
  mode: 'processes',
  cluster: { nodes: 3 },
  durationMs: 120_000,
  workload: { clients: 2, ratePerSec: 50 },
} as const

async function main(): Promise<void> {
  const dataDir = process.argv[2]
  if (!dataDir) throw new Error('usage: proc.lab-child.ts <dataDir> [service]')
  if (process.argv[3] === 'service') {
    const service = new LabService({ dataDir })
    let runId = ''
    service.on((e) => {
      if (e.type !== 'run-progress' || e.runId !== runId) return
      process.stdout.write(`${JSON.stringify({ runId })}\n`)
      runId = ''
    })
    runId = (await service.startRun({ spec: SPEC })).runId
  } else {
    const run = await startProcessRun(ExperimentSpecSchema.parse(SPEC), { dataDir, keepTrace: false })
    run.injectFault({ kind: 'pause', atMs: 0, forMs: 100_000, target: 'n3' })
    const pids = run.pids()
    process.stdout.write(`${JSON.stringify(pids)}\n`)
  }
  setInterval(() => {}, 1000)
}

main().catch((e: unknown) => {
  process.stderr.write(`lab-child: ${(e as Error).stack ?? String(e)}\n`)
  process.exit(1)
})
