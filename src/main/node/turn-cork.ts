// Writes made in one turn of the event loop leave in one write: the stream is corked at the
// first and uncorked on the next tick (a syscall per message was the program bridge's largest
// cost under load).
import type { Writable } from 'node:stream'

export function corkForTurn(w: Writable): void {
  if (w.destroyed || w.writableCorked > 0) return
  w.cork()
  process.nextTick(uncork, w)
}

function uncork(w: Writable): void {
  if (!w.destroyed) w.uncork()
}
