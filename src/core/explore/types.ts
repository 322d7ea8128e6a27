// What the explorer (model checking over every interleaving, src/core/explore) takes and
// returns: its options, one step of a path (an action), and the result.
import type { CheckResult } from '../../shared/api'
import type { ExperimentSpec } from '../../shared/spec'
import type { OpFn, TraceEvent } from '../../shared/trace'
import type { AnyProtocolFactory } from '../protocols'

/** One step of a path: what happened next in the cluster. */
export type Action =
  /** Deliver the in-flight message at index `msg` of the network (its array, see World). */
  | { k: 'deliver'; msg: number }
  /** Lose the in-flight message at index `msg`. */
  | { k: 'drop'; msg: number }
  /** Node `node`'s timer: one tick, or (time 'timeout') ticks until the node does something. */
  | { k: 'tick'; node: number }
  /** Node `node` crashes (its volatile state is gone; its durable records stay). */
  | { k: 'crash'; node: number }
  /** Node `node` restarts from its durable records ([base, ...persist]). */
  | { k: 'restart'; node: number }
  /** Client op `op` (index into the options' ops) is sent to node `node`. */
  | { k: 'request'; op: number; node: number }
  /**
   * Deliver the in-flight message at index `msg` as its sender, a Byzantine node, rewrote it
   * (the algorithm's own corrupt(): equivocate or forge); the sender counts as Byzantine from
   * then on.
   */
  | { k: 'corrupt'; msg: number; how: 'equivocate' | 'forge' }
  /**
   * Cluster operation `op` (index into the run's list, see clusterOps in actions.ts: a
   * membership change or a leadership transfer) is asked of node `node`, the leader, the way
   * the engine's membership / transfer-leadership faults ask it (only algorithms with admin).
   */
  | { k: 'admin'; op: number; node: number }

/** A client op the explorer may submit: client `client` does `f` on `key`. */
export interface ExploreOp {
  client: number
  f: OpFn
  key: string
  /** cas only: the value it expects (null: the key is absent). Writes write their op id. */
  expected?: string | null
}

/** How time passes for a node: one tick per step, or straight to its next action. */
export type TimeMode = 'tick' | 'timeout'

export type Strategy = 'bfs' | 'dfs' | 'random'

/**
 * The nodes' randomness (election timeouts, backoffs): 'fixed' draws the lowest value every
 * time (no rng state: when a timer fires is the explorer's choice anyway, see TimeMode);
 * 'seeded' is each node's seeded rng as in a simulated run, its state part of the node's.
 */
export type RngMode = 'fixed' | 'seeded'

export interface ExploreOptions {
  /** The algorithm (kind, params), cluster size and seed (each node's rng) come from here. */
  spec: ExperimentSpec
  /** A protocol factory to use instead of the algorithm's (a mutant). */
  factory?: AnyProtocolFactory
  /** Longest path explored, in steps. */
  depth: number
  /** Stop after this many distinct states (random walk: this many steps in all). */
  maxStates: number
  strategy: Strategy
  /** Most crashes on one path (each crashed node may restart). */
  crashes: number
  /** Most message losses on one path. */
  drops: number
  /** Most nodes that turn Byzantine on one path (default 0; only algorithms with corrupt()). */
  byzantine?: number
  /**
   * Most cluster operations (membership changes, leadership transfers) asked of the leader on
   * one path (default 0; only algorithms whose factory has admin).
   */
  admin?: number
  /** The client ops that may be submitted (each client's ops in order, one at a time). */
  ops: ExploreOp[]
  /** Most times one op is sent (a refused or lost request may be sent again, to any node). */
  attempts: number
  time: TimeMode
  rng: RngMode
  /** DFS / random: shorten a counterexample by dropping steps (default true). */
  shrink?: boolean
  /** Check linearizability of the client ops (default true). */
  linearizability: boolean
  /** Random walk: the walks' seed (default spec.seed). */
  seed?: number
  /** Asked with the clock: true ends the search as 'stopped' (e.g. another walk stream found a violation). */
  shouldStop?: () => boolean
  /** The caller's clock (ms) and a wall-time budget: without a clock there is none. */
  now?: () => number
  budgetMs?: number
  /** Called about every `progressEvery` transitions (and at the end). */
  onProgress?: (p: ExploreProgress) => void
  progressEvery?: number
}

export interface ExploreProgress {
  states: number
  transitions: number
  /** Deepest level reached (BFS: the level being expanded). */
  depth: number
  /** States waiting to be expanded. */
  frontier: number
  elapsedMs: number | null
}

/** One step of a counterexample, in words. */
export interface ExploreStep {
  action: Action
  /** e.g. `deliver n1 -> n2 AppendEntries: AE t1 prev=0/0 n=1 commit=0`. */
  text: string
}

export interface Counterexample {
  steps: ExploreStep[]
  /** Every check of the path's trace (linearizability included) ... */
  checks: CheckResult[]
  /** ... and those that fail. */
  violations: CheckResult[]
  /** The path's trace, as a recorded run has it (one synthetic ms per step, see trace.ts). */
  trace: TraceEvent[]
}

export interface ExploreResult {
  /** exhausted: every path up to `depth` explored; max-states / time / stopped (by the host): cut short. */
  stop: 'exhausted' | 'max-states' | 'time' | 'stopped' | 'violation'
  /** Distinct states seen (hashes in the visited set). */
  states: number
  /** Actions applied. */
  transitions: number
  /** Deepest level fully explored (BFS), or the longest path taken. */
  depth: number
  elapsedMs: number | null
  /** Linearizability searches that ran out of budget (never counted as violations). */
  linUnknown: number
  /** Steps of the violating path as the search found it (before shrinking). */
  foundSteps: number | null
  counterexample: Counterexample | null
}
