// Store queries behind the Compare screen: a run's fault periods, its leader-state timeline
// (state and node events), its client ops in time order (invokes and completions as two
// streams for a merge walk: bounded memory however many ops), and its ok-op latency sketch
// merged over every window. Each reads one run; none loads the whole trace.
import type { RunId } from '../../shared/api'
import type { Role } from '../../shared/trace'
import { LatencySketch } from '../../core/sketch'
import type { LabStore } from './store'
import { traceRows } from './trace-chunks'

export interface FaultPeriod {
  faultId: number
  kind: string
  startUs: number
  /** null: still active when the run ended. */
  endUs: number | null
  detail: string
}

/** One point of a run's leader timeline: a node's state changed, or it crashed / paused / came back. */
export type LeaderTimelineEvent =
  | { t: number; node: string; kind: 'state'; role: Role; term: number; leader: string | null }
  | { t: number; node: string; kind: 'node'; action: 'crash' | 'restart' | 'pause' | 'resume' }

function seqOf(store: LabStore, runId: RunId): number | null {
  return store.runRow(runId)?.seq ?? null
}

/** Fault periods in start order (a start event paired with its end event by fault id). */
export function faultPeriods(store: LabStore, runId: RunId): FaultPeriod[] {
  const seq = seqOf(store, runId)
  if (seq === null) return []
  const rows = store.db
    .prepare(
      `SELECT t, fault_id AS faultId, phase, kind, detail FROM faults WHERE run_seq = ? ORDER BY t, rowid`,
    )
    .all(seq) as Array<{ t: number; faultId: number; phase: 'start' | 'end'; kind: string; detail: string }>
  const out: FaultPeriod[] = []
  const open = new Map<number, FaultPeriod>()
  for (const r of rows) {
    if (r.phase === 'start') {
      const p: FaultPeriod = { faultId: r.faultId, kind: r.kind, startUs: r.t, endUs: null, detail: r.detail }
      out.push(p)
      open.set(r.faultId, p)
    } else {
      const p = open.get(r.faultId)
      if (p) {
        p.endUs = r.t
        open.delete(r.faultId)
      }
    }
  }
  return out
}

/** State and node-life events of a run, in time order (streamed). */
export function* leaderTimeline(store: LabStore, runId: RunId): Generator<LeaderTimelineEvent> {
  const seq = seqOf(store, runId)
  if (seq === null) return
  // Only changes of a node's role, term or leader matter (most state events are commit-index updates).
  const last = new Map<string, string>()
  for (const row of traceRows(store.db, seq, { kinds: ['state', 'node'] })) {
    if (row.node === null) continue
    const d = JSON.parse(row.data) as {
      role?: string
      term?: number
      leader?: string | null
      action?: string
    }
    const r = {
      t: row.t,
      node: row.node,
      role: d.role ?? null,
      term: d.term ?? null,
      leader: d.leader ?? null,
      action: d.action ?? null,
    }
    if (row.kind === 'state') {
      const key = `${r.role}/${r.term}/${r.leader ?? ''}`
      if (last.get(r.node) === key) continue
      last.set(r.node, key)
      yield {
        t: r.t,
        node: r.node,
        kind: 'state',
        role: r.role as Role,
        term: Number(r.term),
        leader: r.leader,
      }
    } else
      yield {
        t: r.t,
        node: r.node,
        kind: 'node',
        action: r.action as 'crash' | 'restart' | 'pause' | 'resume',
      }
  }
}

/** Client op events in time order: invokes and completions merged (completions first at a tie). */
export function* opTimeline(
  store: LabStore,
  runId: RunId,
): Generator<{ t: number; phase: 'invoke' | 'ok' | 'fail' | 'info' }> {
  const seq = seqOf(store, runId)
  if (seq === null) return
  // Two cursors need two statements iterating at once (better-sqlite3 allows this for reads).
  const invokes = store.db
    .prepare(`SELECT invoke_t AS t FROM ops WHERE run_seq = ? ORDER BY invoke_t`)
    .pluck()
    .iterate(seq) as IterableIterator<number>
  const completions = store.db
    .prepare(
      `SELECT complete_t AS t, outcome FROM ops
       WHERE run_seq = ? AND complete_t IS NOT NULL ORDER BY complete_t`,
    )
    .iterate(seq) as IterableIterator<{ t: number; outcome: 'ok' | 'fail' | 'info' }>
  let inv = invokes.next()
  let com = completions.next()
  try {
    while (!inv.done || !com.done) {
      if (!com.done && (inv.done || com.value.t <= inv.value)) {
        yield { t: com.value.t, phase: com.value.outcome }
        com = completions.next()
      } else if (!inv.done) {
        yield { t: inv.value, phase: 'invoke' }
        inv = invokes.next()
      }
    }
  } finally {
    invokes.return?.()
    completions.return?.()
  }
}

/** The latency of every ok op of a run: its stored per-window sketches (all op types) merged. */
export function mergedLatency(store: LabStore, runId: RunId): LatencySketch {
  const all = LatencySketch.create()
  for (const row of store.sketchRows([runId])) {
    if (row.kind.startsWith('lat.')) all.merge(LatencySketch.decode(row.blob))
  }
  return all
}
