// Replay: a recorded run's trace info, the state of every node at an instant, and the first
// divergence of two runs, read from the store.
//
// Trace info is SQL over the (run_seq, t) index plus one filtered pass inside SQLite for the
// message types. State at an instant comes from the run's sparse index (state / crash / log /
// apply / fault events per node, store/replay-queries.ts), read only as far as the latest
// instant asked and cached for the few runs opened last; a binary search per node then
// gives its state, and the log tail is fetched back by rowid. The diff streams both traces
// in order, page by page.
import { PROGRAM_KIND } from '../../shared/spec'
import {
  LabError,
  type ReplayNode,
  type ReplayState,
  type RunDiff,
  type RunId,
  type TraceInfo,
} from '../../shared/api'
import { nodeIds, type TraceEvent } from '../../shared/trace'
import { vocabularyOf } from '../../shared/vocabulary'
import {
  SparseIndex,
  lastAtOrBefore,
  traceDataByRowid,
  traceRows,
  traceSummary,
  type LabStore,
  type NodeIndex,
  type RawTraceRow,
  type RunRow,
  type TraceSummary,
} from '../store'

interface Cached {
  summary: TraceSummary | null
  sparse: SparseIndex
  /** How many nodes the run starts with (initialNodes), read from its spec once. */
  initial: number
}
/** Per store, the runs opened last (keyed by run seq; finished runs only). */
const CACHE = new WeakMap<LabStore, Map<number, Cached>>()
const CACHE_RUNS = 4
/** The diff yields to the event loop after this many events compared. */
const YIELD_EVERY = 20_000
/** The log tail walks back at most this many log events of a node. */
const LOG_WALK_MAX = 20_000

function runRow(store: LabStore, runId: RunId, field: string): RunRow {
  const row = store.runRow(runId)
  if (!row)
    throw new LabError('not_found', `${field}: no run "${runId}"`, [{ path: field, message: 'no such run' }])
  return row
}

function fresh(row: RunRow): Cached {
  return { summary: null, sparse: new SparseIndex(row.seq, row.nodes), initial: initialNodes(row) }
}

/** The cached replay data of a run (a running run's is never cached: its trace still grows). */
function cached(store: LabStore, row: RunRow): Cached {
  if (row.status === 'running') return fresh(row)
  let cache = CACHE.get(store)
  if (cache === undefined) {
    cache = new Map()
    CACHE.set(store, cache)
  }
  let c = cache.get(row.seq)
  if (c === undefined) c = fresh(row)
  cache.delete(row.seq)
  cache.set(row.seq, c) // most recently used last
  while (cache.size > CACHE_RUNS) cache.delete(cache.keys().next().value as number)
  return c
}

export function traceInfo(store: LabStore, runId: RunId): TraceInfo {
  const row = runRow(store, runId, 'runId')
  const c = cached(store, row)
  const s = c.summary ?? traceSummary(store, row.seq)
  c.summary = s
  return {
    runId,
    events: s.events,
    messages: s.messages,
    firstUs: s.firstUs,
    lastUs: s.lastUs,
    nodes: nodeIds(row.nodes),
    messageTypes: s.messageTypes,
  }
}

/** The last `tail` entries of a node's log at an instant, from its log events (newest last). */
function logTail(
  store: LabStore,
  log: NodeIndex,
  atUs: number,
  tail: number,
): { length: number; entries: ReplayNode['log'] } {
  const last = lastAtOrBefore(log.log.t, atUs)
  if (last < 0 || tail === 0) return { length: last < 0 ? 0 : log.log.length[last], entries: [] }
  const length = log.log.length[last]
  const lo = Math.max(1, length - tail + 1)
  const slots = new Map<number, { term: number; id: string }>()
  // Walk the log events backwards: an entry at index i is the one written by the latest
  // append covering i that no later truncate (at <= i) removed.
  let cut = Infinity
  const need = length - lo + 1
  for (let k = last; k >= 0 && slots.size < need && last - k < LOG_WALK_MAX; k -= 64) {
    const from = Math.max(0, k - 63)
    const ids = log.log.rowid.slice(from, k + 1)
    const datas = traceDataByRowid(store, ids)
    for (let j = datas.length - 1; j >= 0 && slots.size < need; j--) {
      const d = JSON.parse(datas[j]) as {
        action: 'append' | 'truncate'
        index: number
        entries: Array<{ term: number; id: string }>
      }
      if (d.action === 'truncate') {
        cut = Math.min(cut, d.index)
        continue
      }
      for (let e = 0; e < d.entries.length; e++) {
        const i = d.index + e
        if (i < lo || i > length || i >= cut || slots.has(i)) continue
        slots.set(i, d.entries[e])
      }
    }
  }
  const entries: ReplayNode['log'] = []
  for (let i = lo; i <= length; i++) {
    const s = slots.get(i)
    if (s) entries.push({ index: i, term: s.term, id: s.id })
  }
  return { length, entries }
}

/**
 * How many nodes the run starts with (spec.cluster.nodes; those after them wait for a
 * membership add): every node when the spec does not say.
 */
function initialNodes(row: RunRow): number {
  try {
    const n = (JSON.parse(row.spec) as { cluster?: { nodes?: unknown } }).cluster?.nodes
    return typeof n === 'number' ? n : row.nodes
  } catch {
    return row.nodes
  }
}

export function replayState(store: LabStore, runId: RunId, atUs: number, tail: number): ReplayState {
  const row = runRow(store, runId, 'runId')
  const c = cached(store, row)
  const idx = c.sparse
  idx.extend(store, atUs)
  const initial = row.algorithm === PROGRAM_KIND ? row.nodes : c.initial
  // Before its first state event a node of a leader-based algorithm follows; one of a
  // leaderless algorithm (or a program, which reports no state) is a replica.
  const startRole = vocabularyOf(row.algorithm).leader === null ? 'replica' : 'follower'
  const nodes: ReplayNode[] = idx.nodes.map((id, i) => {
    const n = idx.perNode.get(id)
    if (n === undefined) throw new LabError('internal', `replay index has no node ${id}`)
    const si = lastAtOrBefore(n.state.t, atUs)
    const li = lastAtOrBefore(n.life.t, atUs)
    const lastLife = li < 0 ? null : n.life.action[li]
    const up = lastLife !== 'crash'
    const ai = lastAtOrBefore(n.apply.t, atUs)
    const log = logTail(store, n, atUs, tail)
    const ci = lastAtOrBefore(n.config.t, atUs)
    // Never started by then (cluster.maxNodes: one past the initial nodes waits to be added):
    // no event of it yet. An initial node runs from the start, even before its first event (a
    // program's nodes report none at all).
    const absent = i >= initial && si < 0 && li < 0 && ci < 0 && log.length === 0
    const role = !up || absent ? 'down' : si < 0 ? startRole : n.state.role[si]
    return {
      id,
      role,
      ...(ci >= 0 ? { config: n.config.config[ci] } : {}),
      ...(absent ? { absent: true } : {}),
      term: si < 0 ? 0 : n.state.term[si],
      leader: si < 0 || !up ? null : n.state.leader[si],
      commitIndex: si < 0 ? 0 : n.state.commitIndex[si],
      lastIndex: Math.max(log.length, si < 0 ? 0 : n.state.lastIndex[si]),
      up: up && !absent,
      log: log.entries,
      applied: ai < 0 ? 0 : n.apply.index[ai],
    }
  })
  // Faults started at or before atUs and not ended by then.
  const active = new Map<number, string>()
  for (const f of idx.faults) {
    if (f.t > atUs) break
    if (f.phase === 'start') active.set(f.faultId, f.detail)
    else active.delete(f.faultId)
  }
  return {
    runId,
    atUs,
    nodes,
    faults: [...active].map(([index, description]) => ({ index, description })),
  }
}

// ---------------------------------------------------------------- diff

function toEvent(r: RawTraceRow): TraceEvent {
  const rest = JSON.parse(r.data) as Record<string, unknown>
  return { kind: r.kind, t: r.t, node: r.node, lc: r.lc, ...rest } as TraceEvent
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? 'undefined'
  return s.length > 60 ? `${s.slice(0, 57)}...` : s
}

/** One line naming the first field that differs (`node n2: state.role "leader" vs "follower"`). */
export function explainDifference(a: TraceEvent, b: TraceEvent, compareTime: boolean): string | null {
  const where = `${a.node ?? 'lab'}${a.node !== b.node ? `/${b.node ?? 'lab'}` : ''}`
  if (a.kind !== b.kind) return `event kind ${a.kind} vs ${b.kind} (${where})`
  if (a.node !== b.node) return `${a.kind} on node ${a.node ?? 'lab'} vs ${b.node ?? 'lab'}`
  const ra = a as unknown as Record<string, unknown>
  const rb = b as unknown as Record<string, unknown>
  const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])]
  for (const k of keys) {
    if (k === 'kind' || k === 'node') continue
    if (k === 't' && !compareTime) continue
    if (JSON.stringify(ra[k]) !== JSON.stringify(rb[k]))
      return `node ${where}: ${a.kind}.${k} ${show(ra[k])} vs ${show(rb[k])}`
  }
  return null
}

/**
 * The first point where two runs' traces differ, comparing events in trace order field by
 * field. Run-relative time is compared when both runs are simulated (deterministic time);
 * in processes mode time is wall-clock, so only the order and content are compared. Both
 * traces are read in pages (no statement stays open), yielding to the event loop between
 * batches so a long diff does not stall live runs or other calls.
 */
export async function diffRuns(store: LabStore, a: RunId, b: RunId): Promise<RunDiff> {
  const ra = runRow(store, a, 'a')
  const rb = runRow(store, b, 'b')
  const compareTime = ra.mode !== 'processes' && rb.mode !== 'processes'
  const ia = traceRows(store, ra.seq)
  const ib = traceRows(store, rb.seq)
  let position = 0
  for (;;) {
    const x = ia.next()
    const y = ib.next()
    if (x.done && y.done) return { a, b, identical: true, compared: position, first: null }
    if (x.done || y.done) {
      const ea = x.done ? null : toEvent(x.value)
      const eb = y.done ? null : toEvent(y.value)
      const ended = x.done ? 'a' : 'b'
      return {
        a,
        b,
        identical: false,
        compared: position + 1,
        first: {
          position,
          tUs: (ea ?? eb)?.t ?? 0,
          a: ea,
          b: eb,
          reason: `trace ${ended} ended after ${position} events; the other goes on`,
        },
      }
    }
    const va = x.value
    const vb = y.value
    const same =
      va.kind === vb.kind &&
      va.node === vb.node &&
      va.lc === vb.lc &&
      va.data === vb.data &&
      (!compareTime || va.t === vb.t)
    if (!same) {
      const ea = toEvent(va)
      const eb = toEvent(vb)
      const reason = explainDifference(ea, eb, compareTime)
      if (reason !== null) {
        return {
          a,
          b,
          identical: false,
          compared: position + 1,
          first: { position, tUs: Math.min(ea.t, eb.t), a: ea, b: eb, reason },
        }
      }
    }
    position++
    // Long traces: let the event loop breathe (live runs, other calls) every so often.
    if (position % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r))
  }
}
