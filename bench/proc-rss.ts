// A process's resident memory as Linux reports it (/proc/PID/status VmRSS), for the
// benchmarks that watch memory (proc, soak).
import { readFileSync } from 'node:fs'

/** VmRSS of process `pid` in kB, or NaN once it is gone (or off Linux). */
export function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : NaN
  } catch {
    return NaN
  }
}
