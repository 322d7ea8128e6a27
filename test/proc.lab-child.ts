// A tiny "lab" for the no-orphans tests, started as its own process.
//
//   proc.lab-child.ts <dataDir>          starts a 3-node processes-mode run, pauses one node
//                                        (SIGSTOP: it cannot notice the lab dying by itself),
//                                        prints every pid as one JSON line on stdout
//   proc.lab-child.ts <dataDir> service  starts the same run through a LabService on the data
//                                        folder (as the app does: run folder, store) and, once
//                                        it runs (first progress event), prints {"runId": ...}
//                                        as one JSON line
//   proc.lab-child.ts <dataDir> program  the first form with a program on every node (a tiny
//                                        Python echo node): its pids include the programs
//   proc.lab-child.ts <dataDir> graceful the first form without the paused node, and a SIGINT
//                                        handler of its own (as the CLI has): half a second
//                                        after the signal it stops the run, waits for its end,
//                                        prints the summary's verdict and checks, and exits
//
// Then it waits to be killed.
import { LabService } from '../src/main/lab/service'
import { startProcessRun } from '../src/main/lab/processes'
import { ExperimentSpecSchema } from '../src/shared/spec'
import { writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'

/** A Python echo node that never exits by itself. */
const ECHO = [
  'import json, sys',
  'for line in sys.stdin:',
  '    m = json.loads(line); b = m["body"]',
  '    t = "init_ok" if b["type"] == "init" else "echo_ok"',
  '    r = {"src": m["dest"], "dest": m["src"], "body": {"type": t, "in_reply_to": b["msg_id"], "echo": b.get("echo")}}',
  '    print(json.dumps(r), flush=True)',
].join('\n')

const SPEC = {
  mode: 'processes',
  cluster: { nodes: 3 },
  durationMs: 120_000,
  workload: { clients: 2, ratePerSec: 50 },
} as const

async function main(): Promise<void> {
  const dataDir = process.argv[2]
  if (!dataDir) throw new Error('usage: proc.lab-child.ts <dataDir> [service]')
  if (process.argv[3] === 'program') {
    mkdirSync(dataDir, { recursive: true })
    const file = join(dataDir, 'echo.py')
    writeFileSync(file, ECHO)
    const spec = {
      ...SPEC,
      algorithm: { kind: 'program', params: { command: ['python3', file] } },
      workload: { kind: 'echo', clients: 2, ratePerSec: 50 },
    }
    const run = await startProcessRun(ExperimentSpecSchema.parse(spec), { dataDir, keepTrace: false })
    run.injectFault({ kind: 'pause', atMs: 0, forMs: 100_000, target: 'n3' })
    process.stdout.write(`${JSON.stringify(run.pids())}\n`)
  } else if (process.argv[3] === 'service') {
    const service = new LabService({ dataDir })
    let runId = ''
    service.on((e) => {
      if (e.type !== 'run-progress' || e.runId !== runId) return
      process.stdout.write(`${JSON.stringify({ runId })}\n`)
      runId = ''
    })
    runId = (await service.startRun({ spec: SPEC })).runId
  } else if (process.argv[3] === 'graceful') {
    const run = await startProcessRun(ExperimentSpecSchema.parse(SPEC), { dataDir, keepTrace: false })
    process.on('SIGINT', () => {
      setTimeout(() => {
        run.stop()
        void run.whenDone().then(() => {
          const s = run.summary(0)
          process.stdout.write(
            `${JSON.stringify({ verdict: s.verdict, checks: s.checks.map((c) => [c.name, c.ok]) })}\n`,
          )
          process.exit(0)
        })
      }, 500)
    })
    process.stdout.write(`${JSON.stringify(run.pids())}\n`)
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
