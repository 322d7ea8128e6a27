// Raft safety invariants (Raft paper, Figure 3) checked over a run's trace, in one pass.
//
// The checker is streaming: feed it events in trace order with `onEvent`, then read
// `results()`. It keeps, per node, the log reconstructed from that node's 'log' events
// (log events are emitted only once persisted, so a crash/restart leaves that log valid;
// a restarted node may re-emit its recovered log, which is harmless), its current role and
// term (from 'state' events) and its last applied index.
//
// Checks (each a CheckResult):
//   Election Safety          at most one leader per term (§5.2)
//   Log Matching             same (index, term) => same entry and same prefix (§5.3)
//   Leader Completeness      a committed entry is in the log of every later leader (§5.4)
//   State Machine Safety     no two different entries applied at one index; each node
//                            applies in order without gaps (§5.4.3)
//   No acknowledged write lost  every put / successful cas acked to a client was applied
//                            by at least one node
//
// With membership changes and snapshots (thesis chapters 4 and 5), from 'config' and
// 'snapshot' events:
//   Election Safety          also: a leader is a voter of its configuration, and a majority of
//                            each half of the configuration it used (both during joint
//                            consensus) had reached its term when it became leader (a voter
//                            grants a vote in a term only once it is in that term)
//   State Machine Safety     also: an installed snapshot never goes back behind what the node
//                            applied in the same incarnation, and matches the committed entry
//                            at its index
//   Configuration Changes    (only reported when the run has configurations) a leader appends a
//                            configuration only once the previous one is committed (no two
//                            changes overlap) and once it has committed an entry of its own term
//                            (the 2015 fix); outside joint consensus one voter changes at a
//                            time; C_old,new starts from the current voters, C_new keeps them
//
// Log Matching is checked incrementally in O(entries written): every (index, term) pair
// ever seen gets a canonical entry {id, term at index-1}. Whenever a position of a node's
// log is (re)written, the entry there and the one after it are compared with the canonical
// entry. If every entry of every log agrees with the canonical table at all times, then by
// induction on the index two logs sharing (index, term) agree on every entry up to index,
// which is exactly the Log Matching Property. Entries written by the same leader of a term
// are never rewritten, so a (index, term) pair names one entry for the whole run; a later
// disagreement (even after the first holder truncated it) is reported too.
import type { CheckResult } from '../../shared/api'
import type {
  ApplyEvent,
  ConfigEvent,
  LogEvent,
  NodeId,
  Role,
  SnapshotEvent,
  StateEvent,
  TraceEvent,
} from '../../shared/trace'
import { IndexTable } from './index-table'
import { AckedWrites, fmtTime, notApplied, Tally } from './tally'
import { COMMON_CHECK_NAMES, type TraceChecker } from './trace-checker'

export type { TraceChecker }

export const CHECK_NAMES = {
  electionSafety: 'Election Safety',
  logMatching: 'Log Matching',
  leaderCompleteness: 'Leader Completeness',
  stateMachineSafety: 'State Machine Safety',
  ...COMMON_CHECK_NAMES,
} as const

/** Checks reported only for runs whose trace has configurations (membership changes). */
export const MEMBERSHIP_CHECK_NAMES = {
  configChanges: 'Configuration Changes',
} as const

/** A node's configuration as the checker keeps it. */
interface Config {
  voters: NodeId[]
  learners: NodeId[]
  oldVoters?: NodeId[]
}

/**
 * How long (µs) before its crash a node's events may have died with it (processes mode: a
 * killed node's last telemetry batch, sent every 20 ms once its records are synced, never
 * arrives). Generous: a voter that crashed between the candidate's start and this long after
 * the election might have voted unseen.
 */
const LOST_TELEMETRY_US = 500_000
/** An election is judged once the trace is this far (µs) past it: late events have arrived. */
const JUDGE_AFTER_US = 2_000_000

interface Election {
  node: NodeId
  term: number
  t: number
  config: Config
}

function sameSet(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x))
}

function fmtConfig(c: Config): string {
  const v = `{${c.voters.join(', ')}}`
  const l = c.learners.length ? ` learners {${c.learners.join(', ')}}` : ''
  return c.oldVoters ? `joint {${c.oldVoters.join(', ')}} -> ${v}${l}` : `${v}${l}`
}

interface NodeState {
  id: NodeId
  role: Role | null
  term: number
  /** Reconstructed log above `base`: position i-1-base holds index i (see termAt / idAt). */
  terms: number[]
  ids: string[]
  /** Indices up to here were dropped (below every node's snapshot: see prune). */
  base: number
  lastApplied: number
  /** Set by a crash / restart: the next apply may start over (volatile state was lost). */
  restarted: boolean
  /** Highest index applied (or installed) in this incarnation (0 again after a crash / restart). */
  runApplied: number
  /** Log positions up to here are in the node's snapshot (committed entries). */
  snapIndex: number
  commitIndex: number
  /** The earliest time each term was seen in the node's state events. */
  termFirst: Map<number, number>
  /** Times of its crashes. */
  crashes: number[]
  /** Its configuration (null until a 'config' event) and the log index that set it. */
  config: Config | null
  configIndex: number
}

interface CanonEntry {
  term: number
  id: string
  prevTerm: number
  node: NodeId
  t: number
}

interface Committed {
  term: number
  id: string
  node: NodeId
  t: number
  /** Upper bound on the term in which the entry was committed. */
  bound: number
}

/** Drop what is below every node's snapshot only in steps of this many indices. */
const PRUNE_EVERY = 4096

/** The term at `index` in the node's reconstructed log (-1: unknown, dropped or a gap). */
function termAt(n: NodeState, index: number): number {
  return index <= n.base ? -1 : (n.terms[index - 1 - n.base] ?? -1)
}

function idAt(n: NodeState, index: number): string {
  return index <= n.base ? '' : (n.ids[index - 1 - n.base] ?? '')
}

/** The index of the node's last log entry. */
function logEnd(n: NodeState): number {
  return n.base + n.terms.length
}

/** Write `index` of the node's log (an index at or below its base is not kept). */
function setAt(n: NodeState, index: number, term: number, id: string): void {
  if (index <= n.base) return
  n.terms[index - 1 - n.base] = term
  n.ids[index - 1 - n.base] = id
}

function describeEntry(index: number, term: number, id: string): string {
  return `index ${index} term ${term} id ${JSON.stringify(id)}`
}

export interface RaftCheckerOptions {
  /** Include the Raft-specific checks (election safety, log matching, leader completeness). Default true. */
  raft?: boolean
}

export class RaftTraceChecker implements TraceChecker {
  private readonly nodes = new Map<NodeId, NodeState>()
  private readonly election = new Tally(CHECK_NAMES.electionSafety)
  private readonly matching = new Tally(CHECK_NAMES.logMatching)
  private readonly completeness = new Tally(CHECK_NAMES.leaderCompleteness)
  private readonly sms = new Tally(CHECK_NAMES.stateMachineSafety)
  private readonly configChanges = new Tally(MEMBERSHIP_CHECK_NAMES.configChanges)
  private readonly raftChecks: boolean
  private sawConfig = false
  /** Elections whose configuration quorum is not judged yet (waiting for late events). */
  private pendingElections: Election[] = []
  private lastT = 0

  /** term -> first leader seen in that term. */
  private readonly leaders = new Map<number, { node: NodeId; t: number }>()
  /** canon.get(index) = the entries seen at that index (one per term). */
  private readonly canon = new IndexTable<CanonEntry[]>()
  /** committed.get(index) = the first entry any node applied at that index. */
  private readonly committed = new IndexTable<Committed>()
  /** Indices up to here are dropped from canon, committed and every node's log (see prune). */
  private floor = 0
  private maxCommitted = 0
  private maxTerm = 0

  /** Ids applied by any node against acked client writes. */
  private readonly writes = new AckedWrites()

  constructor(opts: RaftCheckerOptions = {}) {
    this.raftChecks = opts.raft ?? true
  }

  private node(id: NodeId): NodeState {
    let n = this.nodes.get(id)
    if (!n) {
      n = {
        id,
        role: null,
        term: 0,
        terms: [],
        ids: [],
        base: 0,
        lastApplied: 0,
        restarted: false,
        runApplied: 0,
        snapIndex: 0,
        commitIndex: 0,
        termFirst: new Map(),
        crashes: [],
        config: null,
        configIndex: 0,
      }
      this.nodes.set(id, n)
    }
    return n
  }

  onEvent(e: TraceEvent): void {
    if (e.t > this.lastT) this.lastT = e.t
    switch (e.kind) {
      case 'state':
        if (e.node !== null) this.onState(this.node(e.node), e)
        break
      case 'log':
        if (e.node !== null) this.onLog(this.node(e.node), e)
        break
      case 'apply':
        if (e.node !== null) this.onApply(this.node(e.node), e)
        break
      case 'config':
        if (e.node !== null) this.onConfig(this.node(e.node), e)
        break
      case 'snapshot':
        if (e.node !== null) this.onSnapshot(this.node(e.node), e)
        break
      case 'node':
        if (e.node !== null && (e.action === 'crash' || e.action === 'restart')) {
          const n = this.node(e.node)
          n.restarted = true
          n.runApplied = 0
          if (e.action === 'crash') {
            n.role = 'down'
            n.crashes.push(e.t)
          }
        }
        break
      case 'op':
        this.writes.op(e)
        break
      default:
        break
    }
  }

  // ---- state: election safety, leader completeness -------------------------------------

  private onState(n: NodeState, e: StateEvent): void {
    if (e.term > this.maxTerm) this.maxTerm = e.term
    const becameLeader = e.role === 'leader' && (n.role !== 'leader' || n.term !== e.term)
    n.role = e.role
    n.term = e.term
    n.commitIndex = e.commitIndex
    const seen = n.termFirst.get(e.term)
    if (seen === undefined || e.t < seen) n.termFirst.set(e.term, e.t)
    if (!becameLeader || !this.raftChecks) return

    // Election Safety per configuration: a voter, elected by a majority of each half.
    if (n.config !== null) {
      const cfg = n.config
      if (!cfg.voters.includes(n.id) && !(cfg.oldVoters?.includes(n.id) ?? false)) {
        this.election.add(
          () =>
            `${n.id} became leader of term ${e.term} at ${fmtTime(e.t)} but is not a voter of its ` +
            `configuration ${fmtConfig(cfg)}`,
          `nonvoter:${e.term}:${n.id}`,
        )
      } else {
        const el: Election = { node: n.id, term: e.term, t: e.t, config: cfg }
        if (this.electionShortfall(el) !== null) this.pendingElections.push(el)
      }
    }

    // Election Safety: one leader per term.
    const prev = this.leaders.get(e.term)
    if (!prev) this.leaders.set(e.term, { node: n.id, t: e.t })
    else if (prev.node !== n.id) {
      this.election.add(
        () =>
          `term ${e.term} has two leaders: ${prev.node} (became leader at ${fmtTime(prev.t)}) ` +
          `and ${n.id} (became leader at ${fmtTime(e.t)})`,
        `${e.term}:${n.id}`,
      )
    }

    // Leader Completeness: every entry committed in an earlier term is in the new leader's log.
    let missing = 0
    let first = ''
    for (let i = n.snapIndex + 1; i <= this.maxCommitted; i++) {
      const c = this.committed.get(i)
      if (!c || c.bound >= e.term) continue
      if (termAt(n, i) === c.term && idAt(n, i) === c.id) continue
      missing++
      if (missing === 1) {
        const has =
          i <= logEnd(n)
            ? `it has ${describeEntry(i, termAt(n, i), idAt(n, i))} there`
            : `its log ends at index ${logEnd(n)}`
        first =
          `committed entry ${describeEntry(i, c.term, c.id)} (applied by ${c.node} at ${fmtTime(c.t)}); ` +
          has
      }
    }
    if (missing > 0) {
      this.completeness.add(
        () =>
          `${n.id} became leader of term ${e.term} at ${fmtTime(e.t)} without ${missing} committed ` +
          `entr${missing === 1 ? 'y' : 'ies'}; first: ${first}`,
      )
    }
  }

  // ---- log: log matching ------------------------------------------------------------------

  private onLog(n: NodeState, e: LogEvent): void {
    if (e.action === 'truncate') {
      const keep = Math.max(0, e.index - 1)
      if (keep < logEnd(n)) {
        const k = Math.max(0, keep - n.base)
        n.terms.length = k
        n.ids.length = k
        if (keep < n.base) n.base = keep
      }
      return
    }
    if (e.entries.length === 0) return
    if (e.index < 1 || e.index > logEnd(n) + 1) {
      if (this.raftChecks) {
        this.matching.add(
          () =>
            `${n.id} appended at index ${e.index} at ${fmtTime(e.t)} but its log ends at index ` +
            `${logEnd(n)} (a gap in the log)`,
          `gap:${n.id}:${e.index}`,
        )
      }
      // Keep the model going: fill the gap with placeholders nothing will match.
      while (logEnd(n) < e.index - 1) {
        n.terms.push(-1)
        n.ids.push('')
      }
    }
    // Append means: positions index..index+k-1 now hold these entries; later positions stay.
    for (let k = 0; k < e.entries.length; k++) setAt(n, e.index + k, e.entries[k].term, e.entries[k].id)
    if (!this.raftChecks) return
    const last = e.index + e.entries.length - 1
    const upTo = Math.min(last + 1, logEnd(n))
    for (let i = Math.max(1, e.index, n.base + 1); i <= upTo; i++) this.matchCanon(n, i, e.t)
  }

  private matchCanon(n: NodeState, index: number, t: number): void {
    const term = termAt(n, index)
    if (term < 0 || index <= this.floor) return
    const id = idAt(n, index)
    const prevTerm = index > 1 ? termAt(n, index - 1) : 0
    const row = this.canon.get(index)
    if (!row) {
      // A row kept for the whole run (without snapshots) and nearly always of one entry:
      // created at that size, not grown from [] (which reserves 16 slots).
      this.canon.set(index, [{ term, id, prevTerm, node: n.id, t }])
      return
    }
    let c: CanonEntry | undefined
    for (let j = 0; j < row.length; j++) {
      if (row[j].term === term) {
        c = row[j]
        break
      }
    }
    if (!c) {
      row.push({ term, id, prevTerm, node: n.id, t })
      return
    }
    if (c.id !== id) {
      const canon = c
      this.matching.add(
        () =>
          `${n.id} has ${describeEntry(index, term, id)} at ${fmtTime(t)}, but ${canon.node} had ` +
          `id ${JSON.stringify(canon.id)} at the same index and term (${fmtTime(canon.t)})`,
        `id:${n.id}:${index}:${term}:${id}`,
      )
    } else if (c.prevTerm !== prevTerm && prevTerm >= 0) {
      const canon = c
      this.matching.add(
        () =>
          `${n.id} and ${canon.node} both have ${describeEntry(index, term, id)} but their logs differ ` +
          `before it: at index ${index - 1} ${n.id} has term ${prevTerm} (${fmtTime(t)}), ` +
          `${canon.node} had term ${canon.prevTerm} (${fmtTime(canon.t)})`,
        `prev:${n.id}:${index}:${term}:${prevTerm}`,
      )
    }
  }

  // ---- apply: state machine safety ----------------------------------------------------------

  private onApply(n: NodeState, e: ApplyEvent): void {
    this.writes.applied(e.id)

    // The applied entry must be the one in the node's own log (unknown below its base).
    if (e.index <= n.base) {
      // dropped: below every node's snapshot
    } else if (e.index <= logEnd(n)) {
      const lt = termAt(n, e.index)
      const lid = idAt(n, e.index)
      if (lt !== e.term || lid !== e.id) {
        this.sms.add(
          () =>
            `${n.id} applied ${describeEntry(e.index, e.term, e.id)} at ${fmtTime(e.t)} but its log has ` +
            `term ${lt} id ${JSON.stringify(lid)} at that index`,
          `own:${n.id}:${e.index}:${e.term}:${e.id}`,
        )
      }
    } else {
      this.sms.add(
        () =>
          `${n.id} applied ${describeEntry(e.index, e.term, e.id)} at ${fmtTime(e.t)} but its log ends at ` +
          `index ${logEnd(n)}`,
        `own:${n.id}:${e.index}:${e.term}:${e.id}`,
      )
    }

    // In order, without gaps (after a restart the node may replay from an earlier index).
    const expected = n.lastApplied + 1
    if (e.index !== expected && !(n.restarted && e.index >= 1 && e.index <= expected)) {
      const prev = n.lastApplied
      this.sms.add(
        () =>
          `${n.id} applied index ${e.index} at ${fmtTime(e.t)} right after index ${prev} ` +
          (e.index > expected ? `(skipped index ${expected})` : '(out of order)'),
        `order:${n.id}:${e.index}:${prev}`,
      )
    }
    n.lastApplied = e.index
    n.restarted = false
    if (e.index > n.runApplied) n.runApplied = e.index

    // One entry per index across all nodes (below the floor: already judged, dropped).
    if (e.index <= this.floor) return
    const c = this.committed.get(e.index)
    if (!c) {
      const known = n.term > 0 ? n.term : this.maxTerm
      this.committed.set(e.index, {
        term: e.term,
        id: e.id,
        node: n.id,
        t: e.t,
        bound: Math.max(known, e.term),
      })
      if (e.index > this.maxCommitted) this.maxCommitted = e.index
    } else if (c.term !== e.term || c.id !== e.id) {
      this.sms.add(
        () =>
          `index ${e.index}: ${n.id} applied term ${e.term} id ${JSON.stringify(e.id)} at ${fmtTime(e.t)}, ` +
          `but ${c.node} applied term ${c.term} id ${JSON.stringify(c.id)} at ${fmtTime(c.t)}`,
        `diff:${n.id}:${e.index}:${e.term}:${e.id}`,
      )
    } else {
      const known = n.term > 0 ? n.term : this.maxTerm
      const bound = Math.max(known, e.term)
      if (bound < c.bound) c.bound = bound
    }
  }

  // ---- configurations: election quorums, configuration changes -----------------------------

  /**
   * Did `v` reach `term` at or before `t`, when `el`'s candidate stood from `since` on (or
   * might it have, its events lost in a crash right then)?
   */
  private reached(v: NodeId, term: number, since: number, t: number): boolean {
    const n = this.nodes.get(v)
    if (!n) return false
    for (const [tm, at] of n.termFirst) if (tm >= term && at <= t) return true
    for (const c of n.crashes) if (c >= since && c <= t + LOST_TELEMETRY_US) return true
    return false
  }

  /** Why election `el` lacks a quorum of its configuration, or null when it has one. */
  private electionShortfall(el: Election): string | null {
    const halves: Array<[string, NodeId[]]> = [['voters', el.config.voters]]
    if (el.config.oldVoters) halves.push(['old voters', el.config.oldVoters])
    for (const [name, half] of halves) {
      if (half.length === 0) continue
      const since = this.nodes.get(el.node)?.termFirst.get(el.term) ?? el.t
      const inTerm = half.filter((v) => v === el.node || this.reached(v, el.term, since, el.t))
      const need = Math.floor(half.length / 2) + 1
      if (inTerm.length < need)
        return (
          `only ${inTerm.length} of its ${name} {${half.join(', ')}} had reached term ${el.term} ` +
          `(${inTerm.join(', ') || 'none'}); a majority needs ${need}`
        )
    }
    return null
  }

  /** Judge the elections the trace is far enough past (all of them when `all`). */
  private judgeElections(all: boolean): void {
    if (this.pendingElections.length === 0) return
    const keep: Election[] = []
    for (const el of this.pendingElections) {
      if (!all && el.t > this.lastT - JUDGE_AFTER_US) {
        keep.push(el)
        continue
      }
      const why = this.electionShortfall(el)
      if (why !== null)
        this.election.add(
          () =>
            `${el.node} became leader of term ${el.term} at ${fmtTime(el.t)} under configuration ` +
            `${fmtConfig(el.config)}, but ${why}`,
          `quorum:${el.term}:${el.node}`,
        )
    }
    this.pendingElections = keep
  }

  private onConfig(n: NodeState, e: ConfigEvent): void {
    this.sawConfig = true
    const cfg: Config = e.oldVoters
      ? { voters: e.voters, learners: e.learners, oldVoters: e.oldVoters }
      : { voters: e.voters, learners: e.learners }
    const prev = n.config
    const prevIndex = n.configIndex
    n.config = cfg
    n.configIndex = e.index
    // A leader never truncates nor installs a snapshot: a newer configuration on a leader is
    // one it appended itself. Its first one (prev null: the run started with every node a
    // voter, which no event shows) is judged for timing too; only its shape needs the previous.
    if (!this.raftChecks || n.role !== 'leader' || e.index <= prevIndex) return
    const what = `${n.id} (leader of term ${n.term}) appended configuration ${fmtConfig(cfg)} at index ${e.index} at ${fmtTime(e.t)}`
    if (prev !== null && prevIndex > n.commitIndex) {
      this.configChanges.add(
        () =>
          `${what} while the previous one (${fmtConfig(prev)}, index ${prevIndex}) was not committed ` +
          `(its commit index was ${n.commitIndex}): two changes overlap`,
        `overlap:${n.id}:${e.index}`,
      )
    }
    const ct = n.commitIndex === 0 ? 0 : n.commitIndex <= logEnd(n) ? termAt(n, n.commitIndex) : -1
    if (ct >= 0 && ct !== n.term) {
      this.configChanges.add(
        () =>
          `${what} before committing an entry of its own term (its commit index ${n.commitIndex} ` +
          `holds term ${ct}): the single-server bug of 2015`,
        `early:${n.id}:${e.index}`,
      )
    }
    let shape: string | null = null
    if (prev === null) shape = null
    else if (cfg.oldVoters) {
      if (prev.oldVoters) shape = 'enters a joint configuration from a joint one'
      else if (!sameSet(cfg.oldVoters, prev.voters))
        shape = `starts joint consensus from old voters {${cfg.oldVoters.join(', ')}}, not the current voters`
    } else if (prev.oldVoters) {
      if (!sameSet(cfg.voters, prev.voters))
        shape = 'leaves joint consensus for other voters than its new ones'
    } else {
      let d = 0
      for (const x of cfg.voters) if (!prev.voters.includes(x)) d++
      for (const x of prev.voters) if (!cfg.voters.includes(x)) d++
      if (d > 1) shape = `changes ${d} voters at once outside joint consensus (previous ${fmtConfig(prev)})`
    }
    if (shape !== null) {
      const why = shape
      this.configChanges.add(() => `${what}: it ${why}`, `shape:${n.id}:${e.index}`)
    }
  }

  // ---- snapshots -------------------------------------------------------------------------------

  private onSnapshot(n: NodeState, e: SnapshotEvent): void {
    if (e.action === 'take') {
      if (e.index > n.snapIndex) n.snapIndex = e.index
      this.prune()
      return
    }
    if (e.action === 'install' && e.index < n.runApplied) {
      const applied = n.runApplied
      this.sms.add(
        () =>
          `${n.id} installed a snapshot up to index ${e.index} at ${fmtTime(e.t)} after it had applied ` +
          `up to index ${applied}: its state machine went back`,
        `stale:${n.id}:${e.index}:${e.t}`,
      )
    }
    const c = this.committed.get(e.index)
    if (c && c.term !== e.term) {
      this.sms.add(
        () =>
          `${n.id} ${e.action === 'install' ? 'installed' : 'restored'} a snapshot ending at index ${e.index} ` +
          `term ${e.term} at ${fmtTime(e.t)}, but the entry committed there has term ${c.term} (applied by ${c.node})`,
        `snapterm:${n.id}:${e.index}:${e.term}`,
      )
    }
    // The node's log up to the snapshot is the committed prefix.
    while (logEnd(n) < e.index) {
      n.terms.push(-1)
      n.ids.push('')
    }
    for (let i = n.base + 1; i < e.index; i++) {
      const ci = this.committed.get(i)
      setAt(n, i, ci ? ci.term : -1, ci ? ci.id : '')
    }
    setAt(n, e.index, e.term, c ? c.id : '')
    n.snapIndex = e.index
    if (e.action === 'install') {
      n.lastApplied = e.index
      n.runApplied = e.index
      n.restarted = false
    } else {
      if (e.index > n.lastApplied) n.lastApplied = e.index
      if (e.index > n.runApplied) n.runApplied = e.index
    }
    this.prune()
  }

  /**
   * Bounded memory for long runs: once every node the checker knows has a snapshot, the
   * indices below the lowest one (the floor) are never written again by a correct node, and
   * every check that reads them (log matching of the entries written there, one entry per
   * index, a node's log against what it applies, leader completeness from the new leader's
   * snapshot on) has judged them: their canonical entries, committed entries and each node's
   * log up to there are dropped. Writes or applies below the floor (only a broken node makes
   * them) are then not compared. Without snapshots nothing is dropped.
   */
  private prune(): void {
    let floor = Infinity
    for (const n of this.nodes.values()) floor = Math.min(floor, n.snapIndex - 1)
    if (!(floor >= this.floor + PRUNE_EVERY)) return
    for (let i = this.floor + 1; i <= floor; i++) {
      this.canon.delete(i)
      this.committed.delete(i)
    }
    this.canon.trim()
    this.committed.trim()
    for (const n of this.nodes.values()) {
      const drop = Math.min(floor, logEnd(n)) - n.base
      if (drop <= 0) continue
      n.terms.splice(0, drop)
      n.ids.splice(0, drop)
      n.base += drop
    }
    this.floor = floor
  }

  /** Log positions the checker keeps (canonical and committed entries, every node's log): bounded with snapshots. */
  get keptPositions(): number {
    let n = this.canon.size + this.committed.size
    for (const node of this.nodes.values()) n += node.terms.length
    return n
  }

  // ---- results ------------------------------------------------------------------------------

  results(): CheckResult[] {
    this.judgeElections(false)
    return this.report()
  }

  /** Every verdict, judging every election still waiting for late events (the trace is complete). */
  finalResults(): CheckResult[] {
    this.judgeElections(true)
    return this.report()
  }

  private report(): CheckResult[] {
    const out: CheckResult[] = []
    if (this.raftChecks) out.push(this.election.result(), this.matching.result(), this.completeness.result())
    out.push(this.sms.result(), this.writes.result(CHECK_NAMES.ackedWrites, notApplied))
    if (this.raftChecks && this.sawConfig) out.push(this.configChanges.result())
    return out
  }
}

export function createRaftChecker(opts: RaftCheckerOptions = {}): RaftTraceChecker {
  return new RaftTraceChecker(opts)
}
