// The fair settle that ends the explorer's random walks for an algorithm with an eventual check
// (module.settle; search.ts runs it, shrink.ts runs it again after each candidate prefix):
// every node up, messages delivered oldest first, otherwise the nodes' timers in turn,
// nothing lost, crashed or asked. Pure.
import type { Action } from './types'

/**
 * A fair settle's candidates for its next step, in order: a restart, else the oldest message,
 * else each node's timer starting with the one after the last that fired (`turn` is updated
 * by the caller's choice: the first candidate that does something).
 */
export function* fairActions(
  acts: readonly Action[],
  nodes: number,
  turn: { next: number },
): Generator<Action> {
  const first = acts.find((a) => a.k === 'restart') ?? acts.find((a) => a.k === 'deliver')
  if (first !== undefined) {
    yield first
    return
  }
  for (let j = 0; j < nodes; j++) {
    const node = (turn.next + j) % nodes
    const tick = acts.find((a) => a.k === 'tick' && a.node === node)
    if (tick === undefined) continue
    turn.next = node + 1
    yield tick
  }
}
