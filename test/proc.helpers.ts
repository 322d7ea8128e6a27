// Helpers for the processes-mode tests (real processes, real sockets).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startProcessRun, type ProcessRun, type ProcessRunOptions } from '../src/main/lab/processes'
import type { LabService } from '../src/main/lab/service'
import type { LabEvent, RunInfo } from '../src/shared/api'
import { ExperimentSpecSchema, type ExperimentSpecInput } from '../src/shared/spec'
import type {
  DeliverEvent,
  FaultEvent,
  LogEvent,
  NodeEvent,
  OpEvent,
  SendEvent,
  StateEvent,
  TraceEvent,
} from '../src/shared/trace'

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export async function startRun(
  input: ExperimentSpecInput,
  opts: Partial<ProcessRunOptions> & { dataDir: string },
): Promise<ProcessRun> {
  const spec = ExperimentSpecSchema.parse({ mode: 'processes', ...input })
  return startProcessRun(spec, opts)
}

/** A 3-node run with a light workload on 3 keys, once it has a leader: a target for bad input. */
export async function startTargetRun(name: string, dataDir: string): Promise<ProcessRun> {
  const run = await startRun(
    { name, cluster: { nodes: 3 }, durationMs: 60_000, workload: { clients: 2, ratePerSec: 100, keys: 3 } },
    { dataDir },
  )
  await until(() => run.nodes().some((n) => n.role === 'leader'), 'a leader')
  return run
}

/** A LabService run started by runToEnd: as startRun returned it, as it ended, and every
 * LabEvent the service emitted from just before the start until the end. */
export interface EndedRun {
  run: RunInfo
  end: RunInfo
  events: LabEvent[]
}

/** Start a run through the LabService (what the UI and the CLI call) and wait until it is no
 * longer running. */
export async function runToEnd(service: LabService, spec: ExperimentSpecInput): Promise<EndedRun> {
  const events: LabEvent[] = []
  let runId: string | null = null
  let ended: ((end: RunInfo) => void) | null = null
  const isEnd = (e: LabEvent): e is Extract<LabEvent, { type: 'run-status' }> =>
    e.type === 'run-status' && e.run.runId === runId && e.run.status !== 'running'
  const off = service.on((e) => {
    events.push(e)
    if (ended && isEnd(e)) ended(e.run)
  })
  try {
    const run = await service.startRun({ spec })
    runId = run.runId
    const end = await new Promise<RunInfo>((resolve) => {
      const seen = events.find(isEnd)
      if (seen) resolve(seen.run)
      else ended = resolve
    })
    return { run, end, events }
  } finally {
    off()
  }
}

/** Poll until `cond` holds (bounded). */
export async function until(
  cond: () => boolean,
  what: string,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(everyMs)
  }
}

export const ofKind = {
  send: (t: TraceEvent[]) => t.filter((e): e is SendEvent => e.kind === 'send'),
  deliver: (t: TraceEvent[]) => t.filter((e): e is DeliverEvent => e.kind === 'deliver'),
  state: (t: TraceEvent[]) => t.filter((e): e is StateEvent => e.kind === 'state'),
  log: (t: TraceEvent[]) => t.filter((e): e is LogEvent => e.kind === 'log'),
  op: (t: TraceEvent[]) => t.filter((e): e is OpEvent => e.kind === 'op'),
  fault: (t: TraceEvent[]) => t.filter((e): e is FaultEvent => e.kind === 'fault'),
  node: (t: TraceEvent[]) => t.filter((e): e is NodeEvent => e.kind === 'node'),
}

/** Length of `node`'s log as its 'log' events describe it, up to time tUs. */
export function logLength(trace: TraceEvent[], node: string, tUs = Infinity): number {
  let len = 0
  for (const e of ofKind.log(trace)) {
    if (e.node !== node || e.t > tUs) continue
    if (e.action === 'append') len = Math.max(len, e.index + e.entries.length - 1)
    else if (e.index - 1 < len) len = e.index - 1
  }
  return len
}
