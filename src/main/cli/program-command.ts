// The short form of a program's run (`quorum-lab run --program "python3 node.py" --workload
// lin-kv --nodes 3 --seconds 20`): the command string split like a POSIX shell would (quotes
// and backslashes: src/shared/command-line.ts), and the spec it stands for.
import { dirname, isAbsolute, resolve } from 'node:path'
import { parseCommandLine } from '../../shared/command-line'

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
