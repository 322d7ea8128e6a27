// Writes made in one turn of the event loop leave in one write: the stream is corked at the
// first and uncorked in the loop's check phase (setImmediate), after every socket and pipe that
// was readable in this turn has been read. A syscall per message was the program bridge's
// largest cost under load; uncorking on the next tick still made one write per chunk read.
import type { Writable } from 'node:stream'

export function corkForTurn(w: Writable): void {
  if (w.destroyed || w.writableCorked > 0) return
  w.cork()
  setImmediate(uncork, w)
}

function uncork(w: Writable): void {
  if (!w.destroyed) w.uncork()
}
