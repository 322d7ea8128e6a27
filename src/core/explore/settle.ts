// The fair settle that ends the explorer's random walks for an algorithm with an eventual check
// (module.settle; search.ts runs it, shrink.ts runs it again after each candidate prefix):
// every node up, messages delivered oldest first, otherwise the nodes' timers in turn,
// nothing lost, crashed or asked. Pure.
import type { Invariants } from './invariants'
import type { Action } from './types'
import type { World } from './world'

/**
 * A fair settle's candidates for its next step, in order: a restart, else the oldest message,
 * else each node's timer starting with the one after the last that fired (`turn` is updated
 * by the caller's choice: the first candidate that does something).
 */
function* fairActions(acts: readonly Action[], nodes: number, turn: { next: number }): Generator<Action> {
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

/** What a settle steps with: the caller's actions, step and invariants. */
export interface SettleHost {
  nodes: number
  inv: Invariants
  actions(w: World): Action[]
  /** One step: the next world, or null when the action did nothing (it may throw to stop). */
  step(w: World, a: Action): World | null
}

/**
 * Run a fair settle from `w0` (see module.settle): at most `s.steps` steps, stopping once the
 * eventual check would pass. Yields before each step (a search's slice point). Returns the
 * world it ended in and whether the check fails there, judged as if quiet for `s.quietMs`.
 */
export function* runSettle(
  w0: World,
  s: { steps: number; quietMs: number },
  host: SettleHost,
): Generator<void, { world: World; failed: boolean }, void> {
  let w = w0
  const turn = { next: 0 }
  for (let k = 0; k < s.steps && host.inv.unsettled(w, Infinity); k++) {
    let next: World | null = null
    for (const a of fairActions(host.actions(w), host.nodes, turn)) {
      yield
      next = host.step(w, a)
      if (next !== null) break
    }
    if (next === null) break
    w = next
  }
  return { world: w, failed: host.inv.unsettled(w, s.quietMs) }
}
