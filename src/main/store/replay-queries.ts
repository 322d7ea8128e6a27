// Replay queries over a recorded run's trace (stored in chunks: trace-chunks.ts):
//   - traceSummary: event count, time span (from the chunks' columns), message count and
//     types (one pass over the chunks holding sends);
//   - SparseIndex: per node, the few kinds that define its state at an instant (state
//     changes, crashes / restarts, log and apply events) and the faults, read in time order
//     only as far as asked (extend(toUs)), so opening a run costs nothing and moving the
//     replay cursor forward reads each row once;
//   - traceRows: every row in order (the diff streams two runs with it).
//
// The costs are measured by bench/ui.ts.
import type { NodeId, Role } from '../../shared/trace'
import type { NodeConfig } from '../../shared/api'
import type { LabStore } from './store'
import { traceDataById, traceRows as chunkRows, traceSpan, type RawTraceRow } from './trace-chunks'

export type { RawTraceRow }

/** Per node: parallel arrays, in trace order (times ascending). */
export interface NodeIndex {
  state: {
    t: number[]
    role: Role[]
    term: number[]
    leader: Array<NodeId | null>
    commitIndex: number[]
    lastIndex: number[]
  }
  /** crash / restart / pause / resume. */
  life: { t: number[]; action: string[] }
  /** Log events: time, rowid (to fetch them back) and the log length after the event. */
  log: { t: number[]; rowid: number[]; length: number[] }
  /** Apply events: time and index applied. */
  apply: { t: number[]; index: number[] }
  /** Configuration events (membership changes): time and the configuration from then on. */
  config: { t: number[]; config: NodeConfig[] }
}

export interface FaultRecord {
  t: number
  phase: 'start' | 'end'
  faultId: number
  fault: string
  targets: NodeId[]
  detail: string
}

function emptyNode(): NodeIndex {
  return {
    state: { t: [], role: [], term: [], leader: [], commitIndex: [], lastIndex: [] },
    life: { t: [], action: [] },
    log: { t: [], rowid: [], length: [] },
    apply: { t: [], index: [] },
    config: { t: [], config: [] },
  }
}

/** Size, span and message types of a run's trace. */
export interface TraceSummary {
  events: number
  firstUs: number
  lastUs: number
  messages: number
  /** False when messages / messageTypes come from a sample of the trace (large runs). */
  exact: boolean
  messageTypes: string[]
}

/** The type out of a send row's JSON (`{"msgId":1,"from":"n1","to":"n2","type":"X",...`). */
function messageType(data: string): string {
  const at = data.indexOf('"type":"')
  if (at < 0) return ''
  const end = data.indexOf('"', at + 8)
  return data.slice(at + 8, end < 0 ? at + 88 : Math.min(end, at + 88))
}

/**
 * Count, span, messages and message types of a run's trace. Count and span come from the
 * chunks' own columns. Messages and types need every send: for runs of up to `exactUpTo`
 * events one pass over the chunks holding sends counts them exactly; above that they are
 * taken from 33 evenly spaced samples of 1,000 events and `messages` is an estimate (the
 * diagram adds types it meets while loading windows).
 */
export function traceSummary(store: LabStore, runSeq: number, exactUpTo = 250_000): TraceSummary {
  const span = traceSpan(store.db, runSeq)
  const firstUs = span.lo ?? 0
  const lastUs = span.hi ?? 0
  const types = new Set<string>()
  if (span.n <= exactUpTo) {
    let messages = 0
    for (const r of chunkRows(store.db, runSeq, { kinds: ['send'] })) {
      messages++
      types.add(messageType(r.data))
    }
    return { events: span.n, firstUs, lastUs, messages, exact: true, messageTypes: [...types].sort() }
  }
  let sends = 0
  let seen = 0
  for (let k = 0; k <= 32; k++) {
    let taken = 0
    for (const r of chunkRows(store.db, runSeq, {
      fromUs: firstUs + Math.floor(((lastUs - firstUs) * k) / 33),
    })) {
      if (r.kind === 'send') {
        sends++
        types.add(messageType(r.data))
      }
      if (++taken === 1000) break
    }
    seen += taken
  }
  return {
    events: span.n,
    firstUs,
    lastUs,
    messages: seen ? Math.round((sends / seen) * span.n) : 0,
    exact: false,
    messageTypes: [...types].sort(),
  }
}

const SPARSE_KINDS = ['state', 'node', 'log', 'apply', 'fault', 'config']

/**
 * The sparse events of one run, per node, read in time order up to `scannedTo` (inclusive);
 * extend() reads further. Log events keep their rowid (to fetch their entries back) and the
 * log length after them.
 */
export class SparseIndex {
  readonly perNode = new Map<NodeId, NodeIndex>()
  readonly faults: FaultRecord[] = []
  /** Rows with t <= scannedTo have been read (-1: none yet). */
  scannedTo = -1
  private readonly logLen = new Map<NodeId, number>()

  constructor(
    readonly runSeq: number,
    nodeCount: number,
  ) {
    for (let i = 1; i <= nodeCount; i++) this.perNode.set(`n${i}`, emptyNode())
  }

  private nodeOf(id: NodeId): NodeIndex {
    let n = this.perNode.get(id)
    if (n === undefined) {
      n = emptyNode()
      this.perNode.set(id, n)
    }
    return n
  }

  /** Read the sparse rows with scannedTo < t <= toUs. */
  extend(store: LabStore, toUs: number): void {
    const to = Math.floor(toUs)
    if (to <= this.scannedTo) return
    for (const r of chunkRows(store.db, this.runSeq, {
      fromUs: this.scannedTo + 1,
      toUs: to,
      kinds: SPARSE_KINDS,
    }))
      this.add(r.rowid, r.t, r.node, r.kind, r.data)
    this.scannedTo = to
  }

  private add(rowid: number, t: number, node: string | null, kind: string, data: string): void {
    switch (kind) {
      case 'state': {
        if (node === null) break
        const d = JSON.parse(data) as {
          role: Role
          term: number
          leader: NodeId | null
          commitIndex: number
          lastIndex: number
        }
        const s = this.nodeOf(node).state
        s.t.push(t)
        s.role.push(d.role)
        s.term.push(d.term)
        s.leader.push(d.leader)
        s.commitIndex.push(d.commitIndex)
        s.lastIndex.push(d.lastIndex)
        break
      }
      case 'node': {
        if (node === null) break
        const d = JSON.parse(data) as { action: string }
        const l = this.nodeOf(node).life
        l.t.push(t)
        l.action.push(d.action)
        break
      }
      case 'log': {
        if (node === null) break
        const d = JSON.parse(data) as { action: 'append' | 'truncate'; index: number; entries: unknown[] }
        const before = this.logLen.get(node) ?? 0
        const after =
          d.action === 'truncate'
            ? Math.min(before, d.index - 1)
            : Math.max(before, d.index + d.entries.length - 1)
        this.logLen.set(node, after)
        const lg = this.nodeOf(node).log
        lg.t.push(t)
        lg.rowid.push(rowid)
        lg.length.push(after)
        break
      }
      case 'apply': {
        if (node === null) break
        const d = JSON.parse(data) as { index: number }
        const a = this.nodeOf(node).apply
        a.t.push(t)
        a.index.push(d.index)
        break
      }
      case 'config': {
        if (node === null) break
        const d = JSON.parse(data) as NodeConfig
        const c = this.nodeOf(node).config
        c.t.push(t)
        c.config.push({
          voters: d.voters,
          learners: d.learners,
          ...(d.oldVoters !== undefined ? { oldVoters: d.oldVoters } : {}),
        })
        break
      }
      case 'fault': {
        const d = JSON.parse(data) as Omit<FaultRecord, 't'>
        this.faults.push({
          t,
          phase: d.phase,
          faultId: d.faultId,
          fault: d.fault,
          targets: d.targets,
          detail: d.detail,
        })
        break
      }
    }
  }

  /** Node ids in natural order (n2 before n10). */
  get nodes(): NodeId[] {
    return [...this.perNode.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
  }
}

/** The largest i with xs[i] <= t (xs ascending), or -1. */
export function lastAtOrBefore(xs: readonly number[], t: number): number {
  let lo = 0
  let hi = xs.length - 1
  let ans = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (xs[mid] <= t) {
      ans = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return ans
}

/** The `data` JSON of trace rows by id (same order as asked). */
export function traceDataByRowid(store: LabStore, rowids: readonly number[]): string[] {
  return traceDataById(store.db, rowids)
}

/** Every trace row of run `runSeq` in order (t, then recording order). */
export function traceRows(store: LabStore, runSeq: number): Generator<RawTraceRow> {
  return chunkRows(store.db, runSeq)
}
