// What a hostile-campaign section is, and the helpers sections share: a bounded pool of
// concurrent inputs, and one way to name how a CLI invocation ended.
import { labCli, type CliResult } from '../../test/cli.helpers'

export interface HostileResult {
  /** The input, in a few words. */
  input: string
  /** How it ended, as a short label the runner tallies (e.g. "exit 2", "timeout", "HTTP 403"). */
  outcome: string
  /** The first line of what the program said, for the listing. */
  detail?: string
}

export interface HostileSection {
  name: string
  run(): Promise<HostileResult[]>
}

/** Run `tasks` with at most `limit` at a time (the machine is shared), in order of results. */
export async function pool<T>(limit: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
  const out = new Array<T>(tasks.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++
      out[i] = await tasks[i]()
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker))
  return out
}

/** Concurrent CLI processes in the campaign (HOSTILE_JOBS, default 2). */
export const JOBS = Math.max(1, Number(process.env.HOSTILE_JOBS ?? 2))

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/
const STACK = /^\s+at .+:\d+:\d+\)?$/m

/** A label for how a CLI run ended: exit code, timeout, out of memory, plus any stack trace or raw control bytes. */
export function cliOutcome(r: CliResult): { outcome: string; detail: string } {
  const said = `${r.stderr}\n${r.stdout}`
  // The first two lines say what and why (e.g. "FILE: invalid spec" then the field).
  const detail = (r.stderr.trim() || r.stdout.trim())
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .slice(0, 2)
    .join(' / ')
    .slice(0, 160)
  if (r.timedOut) return { outcome: 'timeout', detail }
  if (/heap out of memory|JavaScript heap/i.test(said)) return { outcome: 'out of memory', detail }
  let outcome = r.code === null ? 'killed' : `exit ${r.code}`
  if (STACK.test(said) || /SqliteError/.test(said)) outcome += ' + stack trace'
  if (RAW_CONTROL.test(said)) outcome += ' + raw control chars'
  return { outcome, detail }
}

/** The CLI with a time limit and a capped heap (a runaway dies instead of eating the machine). */
export function hostileCli(args: string[], timeoutMs: number): Promise<CliResult> {
  return labCli(args, { timeoutMs, nodeArgs: ['--max-old-space-size=768'] })
}
