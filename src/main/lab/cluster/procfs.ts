// What /proc says about a process (Linux): when it started and what it runs. A pid alone
// names a process only while it lives; (pid, start time) names one process for ever, since
// the kernel never gives the same pid to two processes started in the same clock tick.
// Elsewhere (no /proc) every answer is null: nothing can be proved about an old pid there.
import { readFileSync } from 'node:fs'

/**
 * Start time of process `pid` in clock ticks since boot (field 22 of /proc/PID/stat), as a
 * decimal string; null when there is no such process, it is a zombie, or there is no /proc.
 */
export function processStartTime(pid: number): string | null {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses; fields follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const state = fields[0]
  if (state === 'Z' || state === 'X') return null
  const start = fields[19] // field 22 overall: 3 (state) is fields[0]
  return start !== undefined && /^\d+$/.test(start) ? start : null
}

/** The arguments process `pid` runs with (argv[0] first); null when unreadable. */
export function processArgs(pid: number): string[] | null {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    return raw.split('\0').filter((a) => a.length > 0)
  } catch {
    return null
  }
}
