// A program's command line as people type it (`python3 "my node.py" --fast`), split like a
// POSIX shell would (quotes and backslashes, with shell-quote) into the argv the spec holds,
// and back. No shell ever runs: operators, globs and comments are refused, not interpreted.
import { parse, quote } from 'shell-quote'

/** argv of a command line; throws naming `field` and the part it cannot take. */
export function parseCommandLine(text: string, field = '--program'): string[] {
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
      `${field}: ${what} is not supported (the command runs without a shell; give a program and its arguments)`,
    )
  }
  if (argv.length === 0) throw new Error(`${field}: must name the program to run, e.g. "python3 node.py"`)
  return argv
}

/** The command line of an argv (quoted where needed). */
export function formatCommandLine(argv: readonly string[]): string {
  return quote([...argv])
}

/** A file name a program is run as or given (a script, a binary in a folder). */
const FILE_LIKE = /\/|\.(py|js|mjs|cjs|ts|rb|go|jar|sh|pl|php|lua|exs?|clj|bb)$/i

/**
 * The arguments of `argv` that name files by a relative path (`node.py`, `./n`, `bin/node`):
 * they are found from the working directory, so from wherever the lab started when the spec
 * names none. (`python3` or `node` alone are programs on the PATH, not files.)
 */
export function relativeFiles(argv: readonly string[]): string[] {
  return argv.filter(
    (a) => !a.startsWith('-') && !a.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(a) && FILE_LIKE.test(a),
  )
}
