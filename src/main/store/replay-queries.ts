// Replay queries over a recorded run's trace:
//   - traceSummary: event count, time span, message count and types, in SQL (the (run_seq, t)
//     index gives count and span; one filtered pass in SQLite gives the message types);
//   - SparseIndex: per node, the few kinds that define its state at an instant (state
//     changes, crashes / restarts, log and apply events) and the faults, read in time order
//     only as far as asked (extend(toUs)), so opening a run costs nothing and moving the
//     replay cursor forward reads each row once;
//   - traceRows: every row in order, paged (the diff streams two runs with it).
//
// Why no new index / migration: the (run_seq, t) index already gives windows and order;
// an index on kind would slow every recorded event down for a screen that opens rarely.
// The costs are measured by bench/ui.ts.
import type { NodeId, Role } from '../../shared/trace'
import type { NodeConfig } from '../../shared/api'
import type { LabStore } from './store'

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

type Row = [number, number, string | null, string, string]

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

/** The type out of a send row's JSON (`{"msgId":1,"from":"n1","to":"n2","type":"X",...`), in SQL. */
const TYPE_SQL = `substr(substr(data, instr(data, '"type":"') + 8, 80), 1,
  instr(substr(data, instr(data, '"type":"') + 8, 80), '"') - 1)`

/**
 * Count, span, messages and message types of a run's trace. Count and span come from the
 * (run_seq, t) index. Messages and types need every row's kind: for runs of up to
 * `exactUpTo` events one pass inside SQLite counts them exactly; above that (about 0.6 s of
 * CPU per million rows) they are taken from 33 evenly spaced samples of 1,000 events and
 * `messages` is an estimate (the diagram adds types it meets while loading windows).
 */
export function traceSummary(store: LabStore, runSeq: number, exactUpTo = 250_000): TraceSummary {
  const span = store.db
    .prepare('SELECT count(*) AS n, min(t) AS lo, max(t) AS hi FROM trace_events WHERE run_seq = ?')
    .get(runSeq) as { n: number; lo: number | null; hi: number | null }
  const firstUs = span.lo ?? 0
  const lastUs = span.hi ?? 0
  if (span.n <= exactUpTo) {
    const types = store.db
      .prepare(
        `SELECT ${TYPE_SQL} AS type, count(*) AS n FROM trace_events
         WHERE run_seq = ? AND kind = 'send' GROUP BY type ORDER BY type`,
      )
      .all(runSeq) as Array<{ type: string; n: number }>
    return {
      events: span.n,
      firstUs,
      lastUs,
      messages: types.reduce((s, r) => s + r.n, 0),
      exact: true,
      messageTypes: types.map((r) => r.type),
    }
  }
  const probe = store.db.prepare(
    `SELECT sum(kind = 'send') AS sends, count(*) AS n, group_concat(DISTINCT CASE WHEN kind = 'send' THEN ${TYPE_SQL} END) AS types
     FROM (SELECT kind, data FROM trace_events WHERE run_seq = ? AND t >= ? ORDER BY t LIMIT 1000)`,
  )
  const types = new Set<string>()
  let sends = 0
  let seen = 0
  for (let k = 0; k <= 32; k++) {
    const r = probe.get(runSeq, firstUs + Math.floor(((lastUs - firstUs) * k) / 33)) as {
      sends: number | null
      n: number
      types: string | null
    }
    sends += r.sends ?? 0
    seen += r.n
    for (const x of (r.types ?? '').split(',')) if (x) types.add(x)
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

const SPARSE_KINDS = "('state', 'node', 'log', 'apply', 'fault', 'config')"

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
    const rows = store.db
      .prepare(
        `SELECT rowid, t, node, kind, data FROM trace_events
         WHERE run_seq = ? AND t > ? AND t <= ? AND kind IN ${SPARSE_KINDS} ORDER BY t, rowid`,
      )
      .raw()
      .iterate(this.runSeq, this.scannedTo, to) as IterableIterator<Row>
    for (const [rowid, t, node, kind, data] of rows) this.add(rowid, t, node, kind, data)
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

/** The `data` JSON of trace rows by rowid (same order as asked). */
export function traceDataByRowid(store: LabStore, rowids: readonly number[]): string[] {
  if (rowids.length === 0) return []
  const out = new Map<number, string>()
  for (let i = 0; i < rowids.length; i += 500) {
    const chunk = rowids.slice(i, i + 500)
    const rows = store.db
      .prepare(`SELECT rowid, data FROM trace_events WHERE rowid IN (${chunk.map(() => '?').join(',')})`)
      .raw()
      .all(...chunk) as Array<[number, string]>
    for (const [id, data] of rows) out.set(id, data)
  }
  return rowids.map((id) => out.get(id) ?? '{}')
}

/** One raw trace row: columns as stored (`data` is the rest of the event as JSON). */
export interface RawTraceRow {
  rowid: number
  t: number
  node: string | null
  lc: number
  kind: string
  data: string
}

/**
 * Every trace row of run `runSeq` in order (t, then insertion), read in pages of `page`
 * rows so no statement stays open between pages (other queries may run in between).
 */
export function* traceRows(store: LabStore, runSeq: number, page = 5000): Generator<RawTraceRow> {
  const first = store.db
    .prepare(
      'SELECT rowid, t, node, lc, kind, data FROM trace_events WHERE run_seq = ? ORDER BY t, rowid LIMIT ?',
    )
    .raw()
  const next = store.db
    .prepare(
      `SELECT rowid, t, node, lc, kind, data FROM trace_events
       WHERE run_seq = ? AND t >= ? AND (t > ? OR rowid > ?) ORDER BY t, rowid LIMIT ?`,
    )
    .raw()
  let rows = first.all(runSeq, page) as Array<[number, number, string | null, number, string, string]>
  for (;;) {
    for (const [rowid, t, node, lc, kind, data] of rows) yield { rowid, t, node, lc, kind, data }
    if (rows.length < page) return
    const last = rows[rows.length - 1]
    rows = next.all(runSeq, last[1], last[1], last[0], page) as typeof rows
  }
}
