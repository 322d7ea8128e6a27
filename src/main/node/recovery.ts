// After a restart the trace has to learn what the node's log really is: telemetry batched
// before the crash may have been lost with the process, and with fsync off the WAL may have
// lost its unsynced tail. The host re-emits the recovered log as 'log' events (append from
// the first index it holds, in chunks, then a truncate after the last entry), which the Raft
// checker accepts ("a restarted node may re-emit its recovered log"). Works for any protocol
// whose records are log-structured like Raft's ({t:'append', index, entries:[{term, id}]},
// {t:'truncate', index}, and a compaction base {t:'snapshot', index, term, entries}: the log
// then starts after the snapshot, announced first as a 'snapshot' restore event); records of
// other shapes are ignored.
import type { ProtocolEvent } from '../../core/protocols/types'

/** Entries per re-emitted 'log' event. */
export const RECOVERED_CHUNK = 1000

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0

export interface RecoveredLog {
  /** The snapshot the log starts after (null: it starts at index 1). */
  snapshot: { index: number; term: number } | null
  /** The entries after it, from index snapshot.index + 1 (or 1). */
  entries: Array<{ term: number; id: string }>
}

function entriesOf(v: unknown[]): Array<{ term: number; id: string }> {
  return v.map((e) =>
    isObj(e) && typeof e.term === 'number' && typeof e.id === 'string'
      ? { term: e.term, id: e.id }
      : { term: -1, id: '' },
  )
}

export function recoveredLog(records: readonly unknown[]): RecoveredLog {
  let snapshot: RecoveredLog['snapshot'] = null
  let log: Array<{ term: number; id: string }> = []
  for (const r of records) {
    if (!isObj(r)) continue
    if (r.t === 'snapshot') {
      if (!isIndex(r.index) || !isIndex(r.term) || !Array.isArray(r.entries)) continue
      snapshot = { index: r.index, term: r.term }
      log = entriesOf(r.entries)
      continue
    }
    if (!isIndex(r.index) || r.index < 1) continue
    const at = r.index - 1 - (snapshot?.index ?? 0) // position in `log`
    if (at < 0) continue // behind the snapshot: not the protocol's records
    if (r.t === 'truncate') {
      if (at < log.length) log.length = at
    } else if (r.t === 'append' && Array.isArray(r.entries)) {
      if (at > log.length) continue // a gap: the protocol's own recovery will refuse it
      log.length = at
      for (const e of entriesOf(r.entries)) log.push(e)
    }
  }
  return { snapshot, entries: log }
}

/** The last index of a recovered log. */
export function recoveredLastIndex(records: readonly unknown[]): number {
  const r = recoveredLog(records)
  return (r.snapshot?.index ?? 0) + r.entries.length
}

/** The events that describe a recovered log. */
export function recoveredLogEvents(records: readonly unknown[]): ProtocolEvent[] {
  const { snapshot, entries } = recoveredLog(records)
  const out: ProtocolEvent[] = []
  const first = (snapshot?.index ?? 0) + 1
  if (snapshot !== null)
    out.push({ type: 'snapshot', action: 'restore', index: snapshot.index, term: snapshot.term })
  for (let i = 0; i < entries.length; i += RECOVERED_CHUNK) {
    out.push({
      type: 'log',
      action: 'append',
      index: first + i,
      entries: entries.slice(i, i + RECOVERED_CHUNK),
    })
  }
  out.push({ type: 'log', action: 'truncate', index: first + entries.length, entries: [] })
  return out
}
