// Maelstrom's lin-kv workload: clients read, write and compare-and-set a few keys on any node;
// the history must be linearizable (the lab's checker, src/core/check/linearizability.ts, with
// keys and values as Maelstrom sends them, as JSON text). Definite errors are failed ops (they
// did not happen); indefinite errors and timeouts are info (they may have); a read answered
// key-does-not-exist read the absent value. Written values are unique integers per run, so
// every read names the write it saw and the search stays small.
import type { HistoryOp } from '../../../shared/history'
import type { CheckResult } from '../../../shared/api'
import { checkLinearizable, linCheckResult } from '../../check/linearizability'
import { completionValue, readOfAbsentKey, requestView } from '../trace-ops'
import type { MaelstromOp, MaelstromWorkload, WorkloadContext } from '../types'

/** Search budget of the check (counted in steps, so a re-check gets the same verdict). */
const LIN_BUDGET_MS = 10_000

function numberOption(ctx: WorkloadContext, name: string, dflt: number): number {
  const v = ctx.options[name]
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt
}

function mixOption(ctx: WorkloadContext): { read: number; write: number; cas: number } {
  const m = ctx.options.mix
  if (typeof m === 'object' && m !== null) {
    const r = m as Record<string, unknown>
    const n = (k: string, d: number): number => (typeof r[k] === 'number' ? (r[k] as number) : d)
    return { read: n('read', 0.5), write: n('write', 0.4), cas: n('cas', 0.1) }
  }
  return { read: 0.5, write: 0.4, cas: 0.1 }
}

/** The history the linearizability checker reads, from the recorded ops. */
export function linKvHistory(ops: readonly MaelstromOp[]): HistoryOp[] {
  const out: HistoryOp[] = []
  for (const o of ops) {
    const view = requestView(o.request)
    if (view.f === 'call') continue
    const absent = readOfAbsentKey(o.request, o.reply)
    const type = absent ? 'ok' : o.outcome
    const h: HistoryOp = {
      id: o.id,
      process: o.client,
      f: view.f,
      key: view.key,
      invoke: o.invokeUs,
      complete: type === 'info' || o.completeUs === null ? Infinity : o.completeUs,
      type,
      value: type === 'ok' ? completionValue(view, o.reply) : view.f === 'get' ? null : view.value,
    }
    if (view.f === 'cas') {
      h.expected = view.expected ?? null
      if (type === 'ok') h.result = true
    }
    if (type === 'info' && o.completeUs !== null) h.infoTime = o.completeUs
    out.push(h)
  }
  return out.sort((a, b) => a.invoke - b.invoke)
}

/** A fresh lin-kv workload for one run (it remembers the last value asked to be written per key). */
export function createLinKvWorkload(): MaelstromWorkload {
  const lastWritten = new Map<number, number>()
  let serial = 0
  return {
    kind: 'lin-kv',
    setup: () => [],
    request(rng, ctx) {
      const node = ctx.nodeIds[rng.int(0, ctx.nodeIds.length - 1)]
      const keys = Math.max(1, Math.floor(numberOption(ctx, 'keys', 5)))
      const key = rng.int(0, keys - 1)
      const mix = mixOption(ctx)
      const u = rng.next() * (mix.read + mix.write + mix.cas)
      if (u < mix.read) return { node, body: { type: 'read', key } }
      const value = ++serial
      if (u < mix.read + mix.write || mix.cas <= 0) {
        lastWritten.set(key, value)
        return { node, body: { type: 'write', key, value } }
      }
      const from = lastWritten.get(key) ?? 0
      lastWritten.set(key, value)
      return { node, body: { type: 'cas', key, from, to: value } }
    },
    finalRequests: () => [],
    check(ops): CheckResult[] {
      const r = checkLinearizable(linKvHistory(ops), { budgetMs: LIN_BUDGET_MS })
      return [linCheckResult(r, 'linearizability')]
    },
  }
}
