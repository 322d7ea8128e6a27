// This process's descendants as Linux lists them (/proc), for the benchmarks that watch the
// node, proxy and program processes of a run (soak, program-broadcast).
import { readdirSync, readFileSync } from 'node:fs'
import { basename } from 'node:path'

/** Every live descendant of this process (the node processes and whatever they run). */
export function descendants(): Array<{ pid: number; name: string }> {
  const parent = new Map<number, number>()
  const names = new Map<number, string>()
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const st = readFileSync(`/proc/${d}/status`, 'utf8')
      const pp = /PPid:\s+(\d+)/.exec(st)
      if (pp) parent.set(Number(d), Number(pp[1]))
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').filter(Boolean)
      const script = cmd.find((a) => /\.(m?js|ts)$/.test(a)) ?? cmd[0] ?? '?'
      // Prebuilt hosts are named `<kind>.v<N>.mjs`: the kind is the name.
      names.set(Number(d), basename(script).replace(/(\.v\d+)?\.(m?js|ts)$/, ''))
    } catch {
      // gone meanwhile
    }
  }
  const mine = new Set([process.pid])
  let grew = true
  while (grew) {
    grew = false
    for (const [pid, pp] of parent)
      if (!mine.has(pid) && mine.has(pp)) {
        mine.add(pid)
        grew = true
      }
  }
  mine.delete(process.pid)
  return [...mine].sort((a, b) => a - b).map((pid) => ({ pid, name: names.get(pid) ?? '?' }))
}

/** CPU seconds (user + system) process `pid` has used so far, or NaN once it is gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces) start after its closing ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS_PER_S
  } catch {
    return NaN
  }
}

/** USER_HZ: Linux reports process times in 1/100 s on every architecture Node runs on. */
const CLOCK_TICKS_PER_S = 100
