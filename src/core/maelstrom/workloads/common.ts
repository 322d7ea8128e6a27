// What the Maelstrom workloads share: which node a client talks to, the unique values clients
// send, picking each node's final read out of the history, turning a tally into a verdict that
// says "not judged" (never ok) when the history cannot decide, JSON equality and one-line op
// descriptions. Pure.
import type { CheckResult } from '../../../shared/api'
import { Tally } from '../../check/tally'
import type { MaelstromOp, WorkloadContext } from '../types'
import { toJson } from '../json'

/** Client `client` talks to one node for the whole run, as Maelstrom's clients do. */
export function nodeFor(ctx: WorkloadContext, client: number): string {
  if (ctx.nodeIds.length === 0) throw new RangeError('a workload needs at least one node')
  return ctx.nodeIds[client % ctx.nodeIds.length]
}

/**
 * A value no other request of the run carries: client `client`'s `opIndex`-th, given
 * `clients` clients (0 <= client < clients).
 */
export function uniqueValue(clients: number, client: number, opIndex: number): number {
  if (!Number.isInteger(client) || client < 0 || client >= clients)
    throw new RangeError(`client ${client} is not one of the workload's ${clients} clients`)
  if (!Number.isInteger(opIndex) || opIndex < 0)
    throw new RangeError(`opIndex ${opIndex} must be a whole number >= 0`)
  return opIndex * clients + client
}

/** `op o12 (client 3 on n2)` */
export function describeOp(op: MaelstromOp): string {
  return `op ${op.id} (client ${op.client} on ${op.node})`
}

export interface FinalReads {
  /** Each node's last answered final read (by completion time). */
  byNode: Map<string, MaelstromOp>
  /** Nodes whose final read was never answered with `read_ok`. */
  missing: string[]
}

/** Each node's final read: the last `ok` op of `type` marked final, per node of the cluster. */
export function finalReads(ops: readonly MaelstromOp[], ctx: WorkloadContext, type = 'read'): FinalReads {
  const byNode = new Map<string, MaelstromOp>()
  for (const op of ops) {
    if (!op.final || op.outcome !== 'ok' || op.request.type !== type) continue
    const prev = byNode.get(op.node)
    if (!prev || (op.completeUs ?? 0) >= (prev.completeUs ?? 0)) byNode.set(op.node, op)
  }
  return { byNode, missing: ctx.nodeIds.filter((n) => !byNode.has(n)) }
}

/** A check that could not be judged, saying why (never ok). */
export function notJudged(name: string, why: string): CheckResult {
  return { name, ok: false, verdict: 'unknown', count: 0, details: [`not judged: ${why}`] }
}

/**
 * The verdict of a tally: a violation if it found any; otherwise unknown when `unjudged` says
 * why part of the history could not be judged; otherwise ok. `notes` are appended to details.
 */
export function verdictOf(tally: Tally, unjudged: string | null, notes: readonly string[] = []): CheckResult {
  const r = tally.result()
  if (r.count > 0) return { ...r, verdict: 'violation', details: [...r.details, ...notes] }
  if (unjudged !== null)
    return { ...r, ok: false, verdict: 'unknown', details: [`not judged: ${unjudged}`, ...notes] }
  return { ...r, verdict: 'ok', details: [...r.details, ...notes] }
}

/** `n1, n2 and n3` */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('')
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
}

/** Deep equality of two JSON values (key order of objects ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  const ra = a as Record<string, unknown>
  const rb = b as Record<string, unknown>
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && sameJson(ra[k], rb[k]))
}

/** Compact JSON of a value, cut to `max` characters. */
export function jsonBrief(v: unknown, max = 200): string {
  const s = toJson(v) ?? String(v)
  return s.length > max ? `${s.slice(0, max - 3)}...` : s
}

/** `c2 -> n1 {"type":"echo",...} => {"type":"echo_ok",...}` */
export function describeOpBriefly(o: MaelstromOp): string {
  const reply = o.reply === undefined ? '(no reply)' : jsonBrief(o.reply, 120)
  return `op ${o.id} c${o.client} -> ${o.node} ${jsonBrief(o.request, 120)} => ${reply}`
}
