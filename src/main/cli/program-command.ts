// The short form of a program's run (`quorum-lab run --program "python3 node.py" --workload
// lin-kv --nodes 3 --seconds 20`): the command string split like a POSIX shell would (quotes
// and backslashes, with shell-quote), and the spec it stands for. No shell runs: operators,
// globs and comments are refused, not interpreted.
import { dirname, isAbsolute, resolve } from 'node:path'
import { parse } from 'shell-quote'

/** argv of a command line; throws naming `--program` and the part it cannot take. */
export function parseCommandLine(text: string): string[] {
  const parts = parse(text, (name) => `$${name}`)
  const argv: string[] = []
  for (const p of parts) {
    if (typeof p === 'string') {
      argv.push(p)
      continue
    }
    const what =
      'op' in p ? `the shell operator ${JSON.stringify(p.op === 'glob' ? p.pattern : p.op)}` : 'a comment'
    throw new Error(
      `--program: ${what} is not supported (the command runs without a shell; give a program and its arguments)`,
    )
  }
  if (argv.length === 0) throw new Error('--program: must name the program to run, e.g. "python3 node.py"')
  return argv
}

export interface ProgramRunFlags {
  program: string
  workload?: string
  nodes?: number
  seconds?: number
}

/** The spec the short form stands for (checked like any spec when the run starts). */
export function programSpec(f: ProgramRunFlags): Record<string, unknown> {
  const command = parseCommandLine(f.program)
  return {
    name: `program ${command.join(' ')}`.slice(0, 200),
    mode: 'processes',
    algorithm: { kind: 'program', params: { command, cwd: process.cwd() } },
    cluster: { nodes: f.nodes ?? 3 },
    durationMs: (f.seconds ?? 10) * 1000,
    workload: { kind: f.workload ?? 'lin-kv' },
  }
}

/**
 * A program spec read from a file runs in the file's folder unless it names a cwd (a
 * relative cwd is the file's folder's too), so an example runs from anywhere.
 */
export function anchorProgramSpec(raw: unknown, specFile: string): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw
  const alg = (raw as { algorithm?: unknown }).algorithm
  if (typeof alg !== 'object' || alg === null || (alg as { kind?: unknown }).kind !== 'program') return raw
  const params = (alg as { params?: unknown }).params
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return raw
  const cwd = (params as { cwd?: unknown }).cwd
  if (cwd !== undefined && (typeof cwd !== 'string' || isAbsolute(cwd))) return raw
  const base = dirname(resolve(specFile))
  return {
    ...raw,
    algorithm: { ...alg, params: { ...params, cwd: cwd === undefined ? base : resolve(base, cwd) } },
  }
}
