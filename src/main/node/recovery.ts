// After a restart the trace has to learn what the node's log really is: telemetry batched
// before the crash may have been lost with the process, and with fsync off the WAL may have
// lost its unsynced tail. The host re-emits the recovered log as 'log' events (append from
// index 1, in chunks, then a truncate after the last entry), which the Raft checker accepts
// ("a restarted node may re-emit its recovered log"). Works for any protocol whose records
// are log-structured like Raft's ({t:'append', index, entries:[{term, id}]}, {t:'truncate',
// index}); records of other shapes are ignored.
import type { ProtocolEvent } from '../../core/protocols/types'

/** Entries per re-emitted 'log' event. */
export const RECOVERED_CHUNK = 1000

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null

export function recoveredLog(records: readonly unknown[]): Array<{ term: number; id: string }> {
  const log: Array<{ term: number; id: string }> = []
  for (const r of records) {
    if (!isObj(r) || typeof r.index !== 'number' || !Number.isInteger(r.index) || r.index < 1) continue
    if (r.t === 'truncate') {
      if (r.index - 1 < log.length) log.length = r.index - 1
    } else if (r.t === 'append' && Array.isArray(r.entries)) {
      if (r.index - 1 > log.length) continue // a gap: the protocol's own recovery will refuse it
      log.length = r.index - 1
      for (const e of r.entries) {
        if (isObj(e) && typeof e.term === 'number' && typeof e.id === 'string')
          log.push({ term: e.term, id: e.id })
        else log.push({ term: -1, id: '' })
      }
    }
  }
  return log
}

/** The 'log' events that describe a recovered log. */
export function recoveredLogEvents(records: readonly unknown[]): ProtocolEvent[] {
  const log = recoveredLog(records)
  const out: ProtocolEvent[] = []
  for (let i = 0; i < log.length; i += RECOVERED_CHUNK) {
    out.push({ type: 'log', action: 'append', index: i + 1, entries: log.slice(i, i + RECOVERED_CHUNK) })
  }
  out.push({ type: 'log', action: 'truncate', index: log.length + 1, entries: [] })
  return out
}
