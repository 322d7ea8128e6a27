// Child processes (nodes, proxy) must never outlive the lab. A child exits when its IPC
// channel to the lab disconnects (the lab exited or was killed) and, as a backstop, when a
// poll finds the lab gone (its parent pid changed, or the lab pid no longer exists).
// A child stopped with SIGSTOP cannot notice anything: the proxy process (never paused) also
// SIGKILLs the node pids the lab told it about when the lab goes away.

/** How often a child checks that the lab is still there, ms. */
export const PARENT_POLL_MS = 250

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: it exists but belongs to someone else (cannot be our lab, but it is alive).
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Call `onGone` (once) when the lab process goes away. */
export function watchParent(labPid: number, onGone: (why: string) => void): void {
  let gone = false
  const fire = (why: string): void => {
    if (gone) return
    gone = true
    onGone(why)
  }
  process.on('disconnect', () => fire('IPC channel to the lab disconnected'))
  const startPpid = process.ppid
  const timer = setInterval(() => {
    if (process.platform !== 'win32' && startPpid === labPid && process.ppid !== labPid) {
      fire(`parent pid changed from ${labPid} to ${process.ppid}`)
    } else if (!processAlive(labPid)) fire(`lab pid ${labPid} no longer exists`)
  }, PARENT_POLL_MS)
  timer.unref()
}
