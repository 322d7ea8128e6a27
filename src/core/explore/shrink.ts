// Shorten a counterexample found by depth-first search or random walks (breadth-first ones are
// shortest already): drop steps one at a time, keeping every removal after which the path
// still breaks an invariant (and cutting it where it now breaks), until no single step can go.
// Steps are matched by what they do, not where: a delivery or loss names its message by
// content (hash), so removing an earlier step does not shift it; a step that is no longer
// enabled makes the candidate invalid. Deterministic. Pure.
import { enabledActions, type Budgets } from './actions'
import { StateShapeError } from './encode'
import { Invariants } from './invariants'
import { runSettle } from './settle'
import type { Action } from './types'
import { Stepper, type StepConfig, type World } from './world'

/** A step by what it does (messages by content). */
interface Keyed {
  k: Action['k']
  /** node, op index, or message hash */
  a: number
  b: number
}

function keyOf(w: World, a: Action): Keyed {
  switch (a.k) {
    case 'deliver':
    case 'drop':
      return { k: a.k, a: w.net[a.msg].h, b: 0 }
    case 'corrupt':
      return { k: a.k, a: w.net[a.msg].h, b: a.how === 'forge' ? 1 : 0 }
    case 'request':
      return { k: a.k, a: a.op, b: a.node }
    case 'admin':
      // The operation, whichever node leads when it is asked.
      return { k: a.k, a: a.op, b: 0 }
    default:
      return { k: a.k, a: a.node, b: 0 }
  }
}

function same(w: World, a: Action, key: Keyed): boolean {
  if (a.k !== key.k) return false
  const k = keyOf(w, a)
  return k.a === key.a && k.b === key.b
}

export class Shrinker {
  private readonly inv: Invariants
  private readonly clientOf: number[]

  constructor(
    private readonly cfg: StepConfig,
    private readonly budgets: Budgets,
    linearizability: boolean,
  ) {
    this.inv = new Invariants(linearizability)
    this.clientOf = cfg.ops.map((o) => o.client)
  }

  /**
   * Replay `keys`: the actions taken up to and including the first step that breaks an
   * invariant (or throws), or null when a step is not enabled or nothing breaks.
   */
  private replay(keys: readonly Keyed[]): Action[] | null {
    const st = new Stepper(this.cfg)
    let w = st.initial()
    const taken: Action[] = []
    for (const key of keys) {
      const acts = enabledActions(w, st.ids.length, this.budgets, this.clientOf)
      const a = acts.find((x) => same(w, x, key))
      if (a === undefined) return null
      taken.push(a)
      try {
        const out = st.apply(w, a)
        if (out === null) return null
        if (this.inv.violated(out)) return taken
        w = out.world
      } catch (e) {
        if (e instanceof StateShapeError) throw e
        return taken
      }
    }
    return this.settled ? this.settle(st, w, taken) : null
  }

  /** After a candidate prefix: the fair settle the search ran (search.ts settle), again. */
  private settle(st: Stepper, w0: World, taken: Action[]): Action[] | null {
    const s = this.cfg.module.settle
    if (s === undefined) return null
    /** Thrown out of a step that breaks an invariant (or throws): the path ends there. */
    const broke = {}
    const settle = runSettle(w0, s, {
      nodes: st.ids.length,
      inv: this.inv,
      actions: (w) => enabledActions(w, st.ids.length, this.budgets, this.clientOf),
      step: (w, a) => {
        let out
        try {
          out = st.apply(w, a)
        } catch (e) {
          if (e instanceof StateShapeError) throw e
          taken.push(a)
          throw broke
        }
        if (out === null) return null
        taken.push(a)
        if (this.inv.violated(out)) throw broke
        return out.world
      },
    })
    try {
      for (let r = settle.next(); ; r = settle.next())
        if (r.done === true) return r.value.failed ? taken : null
    } catch (e) {
      if (e === broke) return taken
      throw e
    }
  }

  /** Whether candidates end with the fair settle (the violation was found by one). */
  private settled = false

  /**
   * A path no longer than `actions` that still breaks an invariant, with no step left to
   * drop. A violation a fair settle found (`settledFrom`: where it began) is shrunk in the
   * steps before the settle, each candidate followed by the settle again.
   */
  shrink(actions: readonly Action[], settledFrom: number | null = null): Action[] {
    const st = new Stepper(this.cfg)
    let w = st.initial()
    let keys: Keyed[] = []
    this.settled = settledFrom !== null
    for (const a of settledFrom === null ? actions : actions.slice(0, settledFrom)) {
      keys.push(keyOf(w, a))
      const out = st.apply(w, a)
      if (out === null) break
      w = out.world
    }
    let best: Action[] = actions.slice()
    const attempt = (cand: Keyed[]): boolean => {
      const taken = this.replay(cand)
      if (taken === null) return false
      keys = cand.slice(0, Math.min(taken.length, cand.length))
      best = taken
      return true
    }
    for (let changed = true; changed;) {
      changed = false
      for (let i = keys.length - 1; i >= 0; i--) {
        if (i < keys.length && attempt(keys.slice(0, i).concat(keys.slice(i + 1)))) changed = true
      }
      // A crash and the restart of the same node go together (neither alone can).
      for (let i = keys.length - 1; i >= 0 && !changed; i--) {
        if (keys[i].k !== 'crash') continue
        const j = keys.findIndex((x, at) => at > i && x.k === 'restart' && x.a === keys[i].a)
        if (j < 0) continue
        if (attempt(keys.filter((_, at) => at !== i && at !== j))) changed = true
      }
    }
    return best
  }
}
