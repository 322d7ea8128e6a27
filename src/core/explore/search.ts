// The explorer's search over every interleaving (see world.ts for a state and how it is
// hashed, actions.ts for what may happen next): breadth-first (default: the first violation
// found is on a shortest path), depth-first (revisits a state reached again by a shorter
// path, so every path up to the depth bound is still covered) or random walks (seeded).
//
// Invariants, checked after every transition (a duplicate state included: the path into it
// may be the violating one): the algorithm's own safety checker fed the path's events, the
// protocol not throwing, and linearizability of the client ops so far (open ops count as
// unknown outcomes; verdicts are cached by history, and a search that runs out of budget is
// counted, never taken for a violation).
//
// What deduplication gives up: a state is expanded once, from the first path that reaches
// it (BFS: a shortest one). The checker's memory of the path (e.g. which node led term 3) is
// not part of the state, so a violation that needs the history of a second path to the same
// state is missed; the client history is part of the state, so linearizability is not
// affected. Two states whose 53-bit hashes collide are taken for one (about 1e-4 for a
// million states).
//
// Deterministic: the same options give the same result and counterexample, unless a wall-time
// budget (`now`, `budgetMs`) cuts the search short. Pure: the clock is the caller's.
import { algorithmModule } from '../protocols/registry'
import { createRng, type Rng } from '../rng'
import { clusterSize } from '../../shared/cluster'
import { nodeIds } from '../../shared/trace'
import { clusterOps, enabledActions, type Budgets } from './actions'
import { StateShapeError } from './encode'
import { Invariants } from './invariants'
import { LaneSchedule, pickWeighted, type KindWeights } from './lanes'
import { runSettle } from './settle'
import { Shrinker } from './shrink'
import { counterexample } from './trace'
import type { Action, ExploreOptions, ExploreProgress, ExploreResult } from './types'
import { Stepper, type PathLink, type StepConfig, type StepOutcome, type World } from './world'

/** How often (transitions) the clock is read. */
const CLOCK_EVERY = 256

export function stepConfig(o: ExploreOptions): StepConfig {
  const module = algorithmModule(o.spec.algorithm.kind)
  const factory = o.factory ?? module.factory
  return {
    module,
    factory,
    spec: o.spec,
    ops: o.ops,
    attempts: o.attempts,
    time: o.time,
    rng: o.rng,
    clusterOps: (o.admin ?? 0) > 0 ? clusterOps(factory, nodeIds(clusterSize(o.spec.cluster))) : [],
  }
}

/**
 * The per-path budgets of the options (Byzantine nodes only where the algorithm can rewrite
 * messages, cluster operations only where it takes them).
 */
export function budgetsOf(o: ExploreOptions, cfg: StepConfig): Budgets {
  const byzantine = cfg.factory.corrupt === undefined ? 0 : (o.byzantine ?? 0)
  const admin = cfg.clusterOps.length === 0 ? 0 : (o.admin ?? 0)
  return {
    crashes: o.crashes,
    drops: o.drops,
    attempts: o.attempts,
    byzantine,
    admin,
    clusterOps: cfg.clusterOps,
  }
}

/** The actions of a path, first to last. */
export function pathActions(p: PathLink | null): Action[] {
  const out: Action[] = []
  for (let l = p; l !== null; l = l.parent) out.push(l.action)
  return out.reverse()
}

class Stop extends Error {
  constructor(readonly why: 'max-states' | 'time' | 'stopped') {
    super(why)
  }
}

class Violation extends Error {
  constructor(
    readonly path: PathLink,
    /** Found by a fair settle (walks' end): its first step's index in the path. */
    readonly settledFrom: number | null = null,
  ) {
    super('violation')
  }
}

/** Explore to the end (a bound, a violation or the time budget). */
export function explore(o: ExploreOptions): ExploreResult {
  const session = startExplore(o)
  for (;;) {
    const r = session.advance(Infinity)
    if (r !== null) return r
  }
}

/**
 * An exploration a host drives in slices (e.g. between turns of its event loop): advance()
 * works for at most `transitions` more transitions and returns the result once the search is
 * over; stop() ends it now. The same options give the same result however it is sliced.
 */
export interface ExploreSession {
  advance(transitions: number): ExploreResult | null
  progress(): ExploreProgress
  stop(): ExploreResult
}

export function startExplore(o: ExploreOptions): ExploreSession {
  return new Search(o)
}

class Search implements ExploreSession {
  private readonly st: Stepper
  private readonly cfg: StepConfig
  private readonly budgets: Budgets
  private readonly clientOf: number[]
  private readonly nodes: number
  private readonly inv: Invariants
  private transitions = 0
  private depth = 0
  private frontier = 0
  private readonly visited = new Map<number, number>()
  private readonly started: number

  constructor(private readonly o: ExploreOptions) {
    this.cfg = stepConfig(o)
    this.st = new Stepper(this.cfg)
    this.budgets = budgetsOf(o, this.cfg)
    this.clientOf = o.ops.map((op) => op.client)
    this.nodes = clusterSize(o.spec.cluster)
    this.started = o.now ? o.now() : 0
    this.inv = new Invariants(o.linearizability)
  }

  private gen: Generator<void, void, void> | null = null
  private done: ExploreResult | null = null
  /** Transitions this slice may still take (the search yields when it reaches 0). */
  private slice = 0

  advance(transitions: number): ExploreResult | null {
    if (this.done !== null) return this.done
    this.slice = transitions
    try {
      if (this.gen === null) this.gen = this.search()
      if (!this.gen.next().done) return null
      return this.end('exhausted', null)
    } catch (e) {
      if (e instanceof Stop) return this.end(e.why, null)
      if (e instanceof Violation) return this.end('violation', e.path, e.settledFrom)
      throw e
    }
  }

  stop(): ExploreResult {
    return this.done ?? this.end('stopped', null)
  }

  progress(): ExploreProgress {
    return {
      states: this.visited.size,
      transitions: this.transitions,
      depth: this.depth,
      frontier: this.frontier,
      elapsedMs: this.elapsed(),
    }
  }

  private *search(): Generator<void, void, void> {
    const w0 = this.st.initial()
    this.visited.set(w0.hash, 0)
    if (this.o.strategy === 'bfs') yield* this.bfs(w0)
    else if (this.o.strategy === 'dfs') yield* this.dfs(w0)
    else yield* this.walks(w0)
  }

  private end(
    stop: ExploreResult['stop'],
    found: PathLink | null,
    settledFrom: number | null = null,
  ): ExploreResult {
    this.gen = null
    // A violation's depth counts as reached (BFS reports the level it was expanding, one less);
    // a fair settle's steps are not part of the searched depth.
    if (found !== null) this.depth = Math.max(this.depth, settledFrom ?? pathActions(found).length)
    this.report()
    this.done = {
      stop,
      states: this.visited.size,
      transitions: this.transitions,
      depth: this.depth,
      elapsedMs: this.elapsed(),
      linUnknown: this.inv.linUnknown,
      foundSteps: found === null ? null : pathActions(found).length,
      counterexample:
        found === null
          ? null
          : counterexample(
              this.cfg,
              this.shorten(found, settledFrom),
              this.o.linearizability,
              settledFrom === null ? 0 : (this.cfg.module.settle?.quietMs ?? 0),
            ),
    }
    return this.done
  }

  /** The path to a violation; shrunk unless BFS found it (already shortest) or shrink is off. */
  private shorten(found: PathLink, settledFrom: number | null): Action[] {
    const path = pathActions(found)
    if (this.o.strategy === 'bfs' || this.o.shrink === false) return path
    return new Shrinker(this.cfg, this.budgets, this.o.linearizability).shrink(path, settledFrom)
  }

  private elapsed(): number | null {
    return this.o.now ? this.o.now() - this.started : null
  }

  private report(): void {
    this.o.onProgress?.(this.progress())
  }

  private actions(w: World): Action[] {
    return enabledActions(w, this.nodes, this.budgets, this.clientOf)
  }

  /** Apply `a`; throws Violation when an invariant breaks, Stop when a budget runs out. */
  private step(w: World, a: Action): World | null {
    const n = ++this.transitions
    if (n % CLOCK_EVERY === 0) {
      const o = this.o
      if (o.now !== undefined && o.budgetMs !== undefined && o.now() - this.started >= o.budgetMs)
        throw new Stop('time')
      if (o.shouldStop?.() === true) throw new Stop('stopped')
      if (o.onProgress !== undefined && n % (o.progressEvery ?? 10_000) < CLOCK_EVERY) this.report()
    }
    let out: StepOutcome | null
    try {
      out = this.st.apply(w, a)
    } catch (e) {
      if (e instanceof StateShapeError) throw e
      throw new Violation({ parent: w.path, action: a })
    }
    if (out === null) return null
    if (this.inv.violated(out)) throw new Violation(out.world.path as PathLink)
    return out.world
  }

  /** A new state (or one reached by a shorter path than before): remember it. */
  private fresh(w: World): boolean {
    const d = this.visited.get(w.hash)
    if (d !== undefined && d <= w.depth) return false
    this.visited.set(w.hash, w.depth)
    if (this.visited.size >= this.o.maxStates) throw new Stop('max-states')
    return true
  }

  /**
   * Level by level. The next level keeps its states whole up to FULL_LEVEL of them; beyond,
   * only (parent, action), and a state is rebuilt from its parent when its turn comes (the
   * same world: apply is deterministic). A level then holds about one world per state of the
   * level before it instead of one per state of its own, several times fewer.
   */
  private *bfs(w0: World): Generator<void, void, void> {
    let level: Array<World | Later> = [w0]
    for (let d = 0; d < this.o.depth && level.length > 0; d++) {
      this.depth = d
      const next: Array<World | Later> = []
      for (let i = 0; i < level.length; i++) {
        const at = level[i]
        level[i] = DONE
        const w = 'parent' in at ? (this.st.apply(at.parent, at.action) as StepOutcome).world : at
        this.frontier = level.length - i + next.length
        for (const a of this.actions(w)) {
          if (this.slice-- <= 0) yield
          const c = this.step(w, a)
          if (c !== null && this.fresh(c)) next.push(next.length < FULL_LEVEL ? c : { parent: w, action: a })
        }
      }
      level = next
    }
    this.depth = this.o.depth
  }

  private *dfs(w0: World): Generator<void, void, void> {
    const stack: Array<{ w: World; acts: Action[]; i: number }> = [{ w: w0, acts: this.actions(w0), i: 0 }]
    while (stack.length > 0) {
      const top = stack[stack.length - 1]
      if (top.i >= top.acts.length || top.w.depth >= this.o.depth) {
        stack.pop()
        continue
      }
      if (this.slice-- <= 0) yield
      const c = this.step(top.w, top.acts[top.i++])
      if (c === null || !this.fresh(c)) continue
      if (c.depth > this.depth) this.depth = c.depth
      this.frontier = stack.length
      stack.push({ w: c, acts: c.depth < this.o.depth ? this.actions(c) : [], i: 0 })
    }
  }

  /**
   * Seeded random walks, each up to the depth bound, until a budget runs out, of two kinds
   * that share it evenly. Swarm walks weigh the kinds of action differently (drawn per walk),
   * so some mostly deliver, others time out or crash often; and they are coverage-guided: a
   * swarm walk starts from a state of the corpus, which keeps every state where the cluster
   * first showed a new combination of its nodes' (role, term, commit index, last index,
   * configuration where the algorithm has one), so it continues from where earlier ones
   * reached something new and deep schedules (several elections in a row) come up far more
   * often than by chance. Lane walks start from the initial state and deliver by a priority
   * order of the nodes' inboxes or of the links between them, drawn per walk (lanes.ts): they
   * keep one ordering up over many steps (a node that hears nothing while the others agree),
   * which swarm walks almost never do. An algorithm with an eventual check has each walk end
   * with a fair settle (settle()).
   */
  private *walks(w0: World): Generator<void, void, void> {
    const rng = createRng(this.o.seed ?? this.o.spec.seed)
    const limit = this.o.maxStates
    if (this.actions(w0).length === 0) return
    const corpus: World[] = [w0]
    const seen = new Set<string>()
    this.covers(w0, seen)
    const settle = this.cfg.module.settle
    /** Walk ends already settled (the same state settles the same way). */
    const settled = new Set<number>()
    // Lane walks draw from their own stream, so the swarm walks stay what they were.
    const laneRng = createRng(this.o.seed ?? this.o.spec.seed).fork()
    // Transitions spent by each kind of walk: they share the budget evenly.
    let swarmSpent = 0
    let laneSpent = 0
    for (;;) {
      if (this.transitions >= limit) throw new Stop('max-states')
      const before = this.transitions
      const lanes =
        laneSpent < swarmSpent
          ? new LaneSchedule(
              laneRng,
              this.nodes,
              w0.depth,
              this.o.depth,
              laneRng.chance(0.5) ? 'inbox' : 'link',
            )
          : null
      const weight = swarmWeights(lanes === null ? rng : laneRng, this.budgets.admin > 0)
      let w = lanes === null ? corpus[rng.int(0, corpus.length - 1)] : w0
      this.frontier = corpus.length
      while (w.depth < this.o.depth) {
        const acts = this.actions(w)
        let next: World | null = null
        while (next === null && acts.length > 0) {
          if (this.slice-- <= 0) yield
          const k = lanes === null ? pickWeighted(rng, acts, weight) : lanes.pick(w, acts, weight)
          next = this.step(w, acts[k])
          acts.splice(k, 1)
        }
        if (next === null) break
        w = next
        if (w.depth > this.depth) this.depth = w.depth
        if (!this.visited.has(w.hash)) this.visited.set(w.hash, w.depth)
        if (lanes === null && this.covers(w, seen)) {
          if (corpus.length < MAX_CORPUS) corpus.push(w)
          else corpus[rng.int(1, MAX_CORPUS - 1)] = w
        }
        if (this.transitions >= limit) throw new Stop('max-states')
      }
      if (settle !== undefined && !settled.has(w.hash)) {
        settled.add(w.hash)
        yield* this.settle(w, settle)
      }
      if (lanes === null) swarmSpent += this.transitions - before
      else laneSpent += this.transitions - before
    }
  }

  /**
   * A fair end to a walk, for an algorithm with an eventual check (module.settle): when the
   * walk's end would fail that check were the cluster left as it is, up to `steps` steps where
   * every node is restarted, every message is delivered oldest first and otherwise the nodes'
   * timers fire in turn; nothing is dropped, crashed or asked (fairAction). It stops as soon as
   * the check would pass. A cluster still failing it at the end, judged as if it then stayed
   * quiet for `quietMs`, is a violation found by the settle.
   */
  private *settle(w0: World, s: { steps: number; quietMs: number }): Generator<void, void, void> {
    const settle = runSettle(w0, s, {
      nodes: this.nodes,
      inv: this.inv,
      actions: (w) => this.actions(w),
      step: (w, a) => {
        const next = this.step(w, a)
        if (next === null) return null
        if (!this.visited.has(next.hash)) this.visited.set(next.hash, next.depth)
        if (this.transitions >= this.o.maxStates) throw new Stop('max-states')
        return next
      },
    })
    for (let r = settle.next(); ; r = settle.next()) {
      if (r.done === true) {
        if (r.value.failed) throw new Violation(r.value.world.path as PathLink, w0.depth)
        return
      }
      if (this.slice-- <= 0) yield
    }
  }

  /** Whether `w`'s nodes show a combination of (role, term, commit index, last index, configuration) not seen before. */
  private covers(w: World, seen: Set<string>): boolean {
    let f = ''
    for (let i = 0; i < w.nodes.length; i++) {
      const p = w.nodes[i].proto
      if (p === null) {
        f += 'down;'
        continue
      }
      const s = p.status()
      f += `${s.role}:${s.term}:${s.commitIndex}:${s.lastIndex}`
      const c = s.config
      f +=
        c === undefined
          ? ';'
          : `:${c.voters.join(',')}/${c.learners.join(',')}/${c.oldVoters?.join(',') ?? ''};`
    }
    if (seen.has(f)) return false
    seen.add(f)
    return true
  }
}

const ACTION_KINDS: ReadonlyArray<Action['k']> = [
  'deliver',
  'drop',
  'tick',
  'crash',
  'restart',
  'request',
  'corrupt',
]
/** A state of the next BFS level kept as the step from its parent (see bfs). */
interface Later {
  parent: World
  action: Action
}
/** Placeholder for an expanded entry of a BFS level (drops its reference). */
const DONE: Later = { parent: null as unknown as World, action: { k: 'tick', node: 0 } }
/** States of a BFS level kept whole (about 5 KB each for 3 Raft nodes); beyond, as steps. */
const FULL_LEVEL = 100_000

/** Most states the random walks keep to start from. */
const MAX_CORPUS = 10_000
/** The weights a walk draws for each kind of action. */
const SWARM_WEIGHTS = [0.1, 1, 1, 4]

/** A walk's weight for each kind of action (see walks). */
function swarmWeights(rng: Rng, admin: boolean): KindWeights {
  const weight = new Map<Action['k'], number>()
  for (const k of ACTION_KINDS) weight.set(k, SWARM_WEIGHTS[rng.int(0, SWARM_WEIGHTS.length - 1)])
  // Drawn only when cluster operations may happen, so that the walks of an exploration
  // without them stay what they were before the explorer had them.
  weight.set('admin', admin ? SWARM_WEIGHTS[rng.int(0, SWARM_WEIGHTS.length - 1)] : 1)
  return weight
}
