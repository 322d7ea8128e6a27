// The CLI as a user runs it: `node --import tsx src/main/cli/main.ts ARGS` in its own
// process, with its exit code, standard output and standard error. A time limit (default
// 2 minutes) kills it and reports `timedOut`.
import { spawn } from 'node:child_process'

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
  /** Killed at the time limit. */
  timedOut: boolean
}

export function labCli(
  args: string[],
  opts: { timeoutMs?: number; nodeArgs?: string[]; cmd?: string[] } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const node = [...(opts.nodeArgs ?? []), '--import', 'tsx', 'src/main/cli/main.ts']
    // `cmd` replaces the whole command (e.g. npx quorum-lab), `node --import tsx ...` otherwise.
    const [exe, ...pre] = opts.cmd ?? [process.execPath, ...node]
    const child = spawn(exe, [...pre, ...args], {
      cwd: process.cwd(),
      env: { ...process.env, NO_COLOR: '1' },
    })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, opts.timeoutMs ?? 120_000)
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr: stderr.replace(/^npm warn .*\n/gm, ''), timedOut })
    })
  })
}
