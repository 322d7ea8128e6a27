// One-line explanations of every algorithm parameter, shown by the designer next to the
// field: what the parameter does to the algorithm, not just what it is; and each
// algorithm's own words for what the screens and the CLI show of a running cluster.
import type { Role } from '../role'

export interface ParamHelp {
  /** Short field label. */
  label: string
  /** One line: what changing it does to the algorithm. */
  help: string
  /** Unit shown after the value (e.g. 'ticks'). */
  unit?: string
  /** An optional parameter (no default filled in): what leaving it out means, shown in the empty field. */
  absent?: string
}

/** A figure of a node in the algorithm's words: its name and a short form for tight labels. */
export interface FigureWord {
  /** e.g. 'term', 'view', 'ballot', 'executed'. */
  label: string
  /** One or two letters, e.g. 't', 'v', 'b', 'x' (the cluster ring's labels). */
  short: string
  /** One line: what the number counts. */
  help: string
}

/** An algorithm-specific counter a node reports in NodeStatus.stats. */
export interface CounterWord {
  /** Key in NodeStatus.stats (and RunSummary.counters). */
  key: string
  /** e.g. 'read repairs'. */
  label: string
  /** One line: what is counted. */
  help: string
  /** The message type whose sends count one each: the run's total, in the summary. */
  messageType: string
}

/**
 * What an algorithm calls the parts of its state the screens show: a Raft leader and term,
 * a PBFT primary and view, a Paxos ballot; and what it has instead when it has none (the
 * quorum store has no leader and no term, but read repairs and hinted writes).
 */
export interface Vocabulary {
  /** The node that orders requests ('leader', 'primary'); null: there is none. */
  leader: string | null
  /** What NodeStatus.term counts; null: nothing worth showing. */
  term: FigureWord | null
  /** What NodeStatus.commitIndex counts; null: not shown. */
  commitIndex: FigureWord | null
  /** What NodeStatus.lastIndex counts; null: not shown. */
  lastIndex: FigureWord | null
  /** Display names of roles (a role not listed shows as it is). */
  roles: Readonly<Partial<Record<Role, string>>>
  /** What RunSummary.leaderChanges counts ('leader changes', 'view changes'); null: n/a. */
  leaderChanges: string | null
  /** What RunSummary.elections counts ('elections', 'view-change votes'); null: n/a. */
  elections: string | null
  /** Counters only this algorithm has (NodeStatus.stats). */
  counters: readonly CounterWord[]
}

export interface AlgorithmInfo {
  /** Display name, e.g. 'Multi-Paxos'. */
  label: string
  /** One line: what the algorithm is and what to watch for. */
  summary: string
  /** Help for each parameter, keyed by its field name in `algorithm.params`. */
  params: Readonly<Record<string, ParamHelp>>
  /** The algorithm's words for what the live view, the summaries and the replay show. */
  vocabulary: Vocabulary
  /**
   * The cluster operations it supports (fault kinds `membership`, `transfer-leadership`); the
   * same list as its protocol factory's `admin` (a test keeps them equal). Absent: none.
   */
  admin?: readonly AdminKind[]
  /**
   * The colour of each message type, the same in every chart, the cluster ring and the
   * space-time diagram; distinct within the algorithm (test/renderer.labels.test.ts checks).
   * Types it does not list take the colours it leaves free.
   */
  messageColors: Readonly<Record<string, MessageColor>>
}

/** The hues message types are drawn in (their two shades are the renderer's: message-colors.ts). */
export type MessageHue = 'blue' | 'orange' | 'green' | 'purple' | 'brown' | 'pink' | 'grey' | 'olive' | 'cyan'
/** A hue and 0 (dark: a request) or 1 (light: its reply). */
export type MessageColor = readonly [MessageHue, 0 | 1]

/** Cluster operations an algorithm may support (AdminCommand types in src/core/protocols/types.ts). */
export type AdminKind = 'membership' | 'transfer-leadership'
