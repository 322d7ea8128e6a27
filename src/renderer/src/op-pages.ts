// Paging through a run's op events for the history view: getTrace returns at most `limit`
// events from `fromUs` (inclusive, time order), so a long run is read page by page, with
// the events that share the boundary instant taken exactly once.
import type { TraceQuery } from '../../shared/api'
import type { OpEvent, TraceEvent } from '../../shared/trace'

export interface OpPageOptions {
  /** Events asked for per getTrace call. */
  page: number
  /** Most events kept (about half as many ops). */
  maxKeep: number
  /** Most events read looking for the wanted ops beyond the first maxKeep. */
  maxScan: number
}

export const OP_PAGE_DEFAULTS: OpPageOptions = { page: 50_000, maxKeep: 300_000, maxScan: 3_000_000 }

export interface OpEvents {
  events: OpEvent[]
  /** Not every op event of the run was kept (the first / last kept ones bound what is shown). */
  truncated: boolean
}

const evKey = (e: OpEvent) => `${e.opId}\u0000${e.phase}`

/**
 * A run's op events, in time order. Keeps the first `maxKeep`; if the invocations of the ops
 * in `want` (a counterexample) are not among them, slides forward (dropping the oldest half)
 * until they are, plus one more page for their completions.
 */
export async function fetchOpEvents(
  getTrace: (q: TraceQuery) => Promise<TraceEvent[]>,
  runId: string,
  want: ReadonlySet<string>,
  opts: OpPageOptions = OP_PAGE_DEFAULTS,
): Promise<OpEvents> {
  let kept: OpEvent[] = []
  const missing = new Set(want)
  let from: number | undefined
  let atFrom = new Set<string>()
  let scanned = 0
  /** Pages read since the last wanted invocation turned up. */
  let sinceFound = want.size === 0 ? Infinity : 0
  for (;;) {
    const q: TraceQuery = { runId, kinds: ['op'], limit: opts.page }
    if (from !== undefined) q.fromUs = from
    const batch = await getTrace(q)
    scanned += batch.length
    const before = missing.size
    for (const e of batch) {
      if (e.kind !== 'op' || (e.t === from && atFrom.has(evKey(e)))) continue
      kept.push(e)
      if (e.phase === 'invoke') missing.delete(e.opId)
    }
    if (missing.size < before) sinceFound = 0
    else sinceFound++
    if (batch.length < opts.page) return { events: kept, truncated: false }
    const last = batch[batch.length - 1].t
    // A whole page at one instant: cannot page on by time.
    if (last === from) return { events: kept, truncated: true }
    atFrom = new Set()
    for (const e of batch) if (e.t === last && e.kind === 'op') atFrom.add(evKey(e))
    from = last
    if (scanned >= opts.maxScan) return { events: kept, truncated: true }
    if (kept.length >= opts.maxKeep) {
      // Everything wanted is in, and a page beyond its last invocation (its completions).
      if (missing.size === 0 && sinceFound >= 1) return { events: kept, truncated: true }
      if (missing.size > 0 || kept.length >= opts.maxKeep * 2)
        kept = kept.slice(kept.length - Math.floor(opts.maxKeep / 2))
    }
  }
}
