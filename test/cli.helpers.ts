// Running the CLI in a child process from tests: its exit code and what it printed.
import { spawn } from 'node:child_process'

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** The CLI from source (`node --import tsx src/main/cli/main.ts`), or `cmd` (e.g. npx quorum-lab). */
export function runCli(
  args: string[],
  cmd: string[] = [process.execPath, '--import', 'tsx', 'src/main/cli/main.ts'],
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0], [...cmd.slice(1), ...args], {
      cwd: process.cwd(),
      env: { ...process.env, NO_COLOR: '1' },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr: stderr.replace(/^npm warn .*\n/gm, '') }))
  })
}
