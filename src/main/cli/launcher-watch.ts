// When the CLI is started through npm (`npm run lab -- run ...`, `npx quorum-lab ...`), the
// process tree is npm -> sh -> (tsx ->) node. Killing npm does not reach node: npm forwards
// SIGTERM to the shell, which dies without passing it on, and SIGKILL forwards nothing. The
// CLI would live on as an orphan, still running (and recording) an experiment nobody waits
// for. So, started by npm, it watches the chain of processes up to npm and, once any of them
// is gone, ends as on SIGTERM (the run is stopped and recorded as such).
//
// Started any other way (a shell, nohup, a service manager) nothing is watched: leaving a run
// going after its terminal closes is then the user's choice. Linux only (/proc); elsewhere
// only the direct parent is watched, through process.ppid.
import { readFileSync } from 'node:fs'

interface Ancestor {
  pid: number
  /** Start time in clock ticks since boot (/proc/PID/stat field 22): tells a reused pid apart. */
  start: string
}

/** pid, ppid and start time of a process from /proc, or null when it is gone (or no /proc). */
export function procStat(pid: number): { ppid: number; start: string } | null {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  // "pid (comm) state ppid ..."; comm may hold spaces and parentheses: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const ppid = Number(rest[1])
  const start = rest[19]
  if (!Number.isInteger(ppid) || start === undefined) return null
  return { ppid, start }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
  } catch {
    return ''
  }
}

/** The processes from our parent up to and including the nearest npm / npx, or [] if none. */
function npmChain(): Ancestor[] {
  const chain: Ancestor[] = []
  let pid = process.ppid
  for (let depth = 0; depth < 8 && pid > 1; depth++) {
    const st = procStat(pid)
    if (st === null) return []
    chain.push({ pid, start: st.start })
    if (/(^|[/\s])(npm|npx)(-cli\.js)?(\s|$)/.test(cmdline(pid))) return chain
    pid = st.ppid
  }
  return []
}

/**
 * Call `onGone` once when the npm that started this process (or anything between it and
 * us) has died. Returns a function that stops watching. Does nothing unless started by npm.
 */
export function watchLauncher(onGone: () => void, everyMs = 500): () => void {
  if (process.env.npm_lifecycle_event === undefined) return () => {}
  const chain = npmChain()
  const ppid = process.ppid
  const gone = (): boolean =>
    chain.length > 0 ? chain.some((a) => procStat(a.pid)?.start !== a.start) : process.ppid !== ppid
  const timer = setInterval(() => {
    if (!gone()) return
    clearInterval(timer)
    onGone()
  }, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}
