// The check broadcast and g-set share (Jepsen's "set-full" idea): clients add unique elements
// (broadcast `message`, g-set `element`) and read the whole set (broadcast `messages`, g-set
// `value`). Violations: an acknowledged element missing from some node's final read; a read
// holding an element no client ever tried to add, or one whose add definitely failed, or one
// read before its add was sent; a read_ok whose set is not an array. Not judged (never ok):
// no add acknowledged, or a node whose final read was never answered. Also each acknowledged
// element's stable latency: from its add's invocation until every later read held it.
// One pass over the reads in invocation order, elements interned to numbers, so a long run
// (thousands of reads of thousands of elements) is checked in well under a second.
//
// Memory: every read returns the whole set, so the reads of a run hold O(ops²) elements (a
// 40 s broadcast run at 800 ops/s kept ~2 GB of them). A read is therefore kept compact as
// soon as it completes (retainSet, the workloads' retain hook): as the ids it lacks among
// those seen so far (SetIds.compact), which for a set that only grows is the handful of
// elements still on their way, not the thousands it holds. Pure.
import type { CheckResult } from '../../../shared/api'
import { fmtTime, Tally } from '../../check/tally'
import type { CompactSet, MaelstromOp, WorkloadContext } from '../types'
import { show, valueKey } from '../values'
import { describeOp, finalReads, listNames, verdictOf } from './common'

export interface SetShape {
  /** The check's name. */
  name: string
  /** The add request's type and the field holding its element (`broadcast`/`message`, `add`/`element`). */
  addType: string
  elementField: string
  /** The read_ok field holding the set (`messages`, `value`). */
  readField: string
  /** What an add is called in details ("broadcast", "add"). */
  addWord: string
}

export interface SetAnalysis {
  result: CheckResult
  /** Stable latency of each acknowledged element that became stable, µs, ascending. */
  stableLatenciesUs: number[]
}

/**
 * Element ids for one run, in the order elements were first seen: primitives by value,
 * anything else by its canonical encoding. Also makes reads compact (compact()).
 */
export class SetIds {
  private readonly prim = new Map<unknown, number>()
  private readonly other = new Map<string, number>()
  /** Each id's element. */
  readonly values: unknown[] = []
  /** compact(): generation marks per id. */
  private mark = new Uint32Array(1024)
  private gen = 0

  get size(): number {
    return this.values.length
  }

  private static primitive(v: unknown): boolean {
    return v === null || (typeof v !== 'object' && typeof v !== 'function')
  }

  get(v: unknown): number | undefined {
    return SetIds.primitive(v) ? this.prim.get(v) : this.other.get(valueKey(v))
  }

  add(v: unknown): number {
    const known = this.get(v)
    if (known !== undefined) return known
    const id = this.values.length
    this.values.push(v)
    if (SetIds.primitive(v)) this.prim.set(v, id)
    else this.other.set(valueKey(v), id)
    return id
  }

  /** A read's set as the ids it lacks among every element seen so far (its own included). */
  compact(set: readonly unknown[]): CompactSet {
    const gen = ++this.gen
    for (const element of set) {
      const id = this.add(element)
      if (id >= this.mark.length) {
        const grown = new Uint32Array(Math.max(this.mark.length * 2, id + 1))
        grown.set(this.mark)
        this.mark = grown
      }
      this.mark[id] = gen
    }
    const n = this.values.length
    let lacking = 0
    for (let id = 0; id < n; id++) if (this.mark[id] !== gen) lacking++
    const missing = new Int32Array(lacking)
    for (let id = 0, k = 0; id < n; id++) if (this.mark[id] !== gen) missing[k++] = id
    return { n, missing }
  }
}

/** Whether a compact set holds `id`. */
function holds(c: CompactSet, id: number): boolean {
  if (id >= c.n) return false
  const m = c.missing
  let lo = 0
  let hi = m.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (m[mid] === id) return false
    if (m[mid] < id) lo = mid + 1
    else hi = mid - 1
  }
  return true
}

/**
 * The workloads' retain hook: once a read of `shape`'s set has completed ok, keep its set
 * compact (op.set) and drop the array from the reply. Anything else is left as it is (a
 * read_ok without an array is judged from its reply).
 */
export function retainSet(op: MaelstromOp, shape: SetShape, ids: SetIds): void {
  if (op.outcome !== 'ok' || op.request.type !== 'read' || op.reply === undefined) return
  const set = op.reply[shape.readField]
  if (!Array.isArray(set)) return
  op.set = ids.compact(set)
  const { [shape.readField]: _dropped, ...rest } = op.reply
  op.reply = rest as MaelstromOp['reply']
}

/** A read's set, compact: as retained, or made now from its reply; null when not an array. */
function setOf(op: MaelstromOp, shape: SetShape, ids: SetIds): CompactSet | null {
  if (op.set !== undefined) return op.set
  const set = op.reply?.[shape.readField]
  return Array.isArray(set) ? ids.compact(set) : null
}

const rank = (op: MaelstromOp): number => (op.outcome === 'ok' ? 2 : op.outcome === 'info' ? 1 : 0)

/**
 * Judge a set-full history, and measure each acknowledged element's stable latency. `ids`:
 * the run's element ids its reads were made compact with (retainSet); a history whose reads
 * still hold their arrays needs none.
 */
export function analyseSet(
  ops: readonly MaelstromOp[],
  ctx: WorkloadContext,
  shape: SetShape,
  ids: SetIds = new SetIds(),
): SetAnalysis {
  const tally = new Tally(shape.name)
  const reads: Array<{ op: MaelstromOp; set: CompactSet }> = []
  const addOps: MaelstromOp[] = []
  for (const op of ops) {
    if (op.request.type === shape.addType) addOps.push(op)
    else if (op.request.type === 'read' && op.outcome === 'ok') {
      const set = setOf(op, shape, ids)
      if (set !== null) reads.push({ op, set })
      else
        tally.add(
          () =>
            `${describeOp(op)} answered read_ok without a ${shape.readField} array (got ${show(op.reply?.[shape.readField])})`,
          op.id,
        )
    }
  }
  const addOf: Array<MaelstromOp | undefined> = []
  for (const op of addOps) {
    const id = ids.add(op.request[shape.elementField])
    // An element added twice (should not happen): keep the most successful attempt.
    const prev = addOf[id]
    if (prev === undefined || rank(op) > rank(prev)) addOf[id] = op
  }
  const size = ids.size
  reads.sort((a, b) => a.op.invokeUs - b.op.invokeUs)
  const acked: number[] = []
  for (let id = 0; id < size; id++) if (addOf[id]?.outcome === 'ok') acked.push(id)
  acked.sort((a, b) => (addOf[a] as MaelstromOp).invokeUs - (addOf[b] as MaelstromOp).invokeUs)

  const stamp = new Int32Array(size).fill(-1)
  const stableSince = new Float64Array(size).fill(-1)
  const missed = new Uint8Array(size)
  let active = 0
  reads.forEach((r, ri) => {
    const { n, missing } = r.set
    for (let id = 0, m = 0; id < n; id++) {
      if (m < missing.length && missing[m] === id) {
        m++
        continue
      }
      const add = addOf[id]
      const element = ids.values[id]
      if (add === undefined) {
        tally.add(
          () => `${describeOp(r.op)} read ${show(element)}, which no client ever tried to ${shape.addWord}`,
          `unknown ${valueKey(element)}`,
        )
        continue
      }
      stamp[id] = ri
      if (add.outcome === 'fail')
        tally.add(
          () =>
            `${describeOp(r.op)} read ${show(element)}, but its ${shape.addWord} (${add.id}) definitely failed ` +
            `(error ${add.errorCode ?? '?'})`,
          `failed ${id}`,
        )
      else if (r.op.completeUs !== null && r.op.completeUs < add.invokeUs)
        tally.add(
          () =>
            `${describeOp(r.op)} read ${show(element)} at ${fmtTime(r.op.completeUs ?? 0)}, before its ` +
            `${shape.addWord} (${add.id}) was sent at ${fmtTime(add.invokeUs)}`,
          `future ${id}`,
        )
    }
    // Every acknowledged element whose add was sent by now: held by this read, or missed.
    while (active < acked.length && (addOf[acked[active]] as MaelstromOp).invokeUs <= r.op.invokeUs) active++
    for (let i = 0; i < active; i++) {
      const id = acked[i]
      if (stamp[id] === ri) {
        if (stableSince[id] < 0) stableSince[id] = r.op.invokeUs
      } else {
        stableSince[id] = -1
        missed[id] = 1
      }
    }
  })

  const finals = finalReads(ops, ctx)
  let judgedNodes = 0
  for (const node of ctx.nodeIds) {
    const op = finals.byNode.get(node)
    const held = op === undefined ? null : setOf(op, shape, ids)
    if (!op || held === null) continue
    judgedNodes++
    for (const id of acked) {
      if (holds(held, id)) continue
      const add = addOf[id] as MaelstromOp
      tally.add(
        () =>
          `${shape.addWord} of ${show(ids.values[id])} (${describeOp(add)}) was acknowledged at ` +
          `${fmtTime(add.completeUs ?? add.invokeUs)}, but ${node}'s final read (${op.id}) does not hold it`,
        `lost ${id} ${node}`,
      )
    }
  }
  const missing = ctx.nodeIds.filter((n) => !finals.byNode.has(n))
  let unjudged: string | null = null
  if (acked.length === 0) unjudged = `no ${shape.addWord} was acknowledged`
  else if (missing.length > 0) unjudged = `no final read was answered by ${listNames(missing)}`
  const note = `${acked.length} acknowledged ${shape.addWord}s checked against ${judgedNodes} of ${ctx.nodeIds.length} nodes' final reads`

  const stableLatenciesUs: number[] = []
  for (const id of acked) {
    if (stableSince[id] < 0) continue
    stableLatenciesUs.push(missed[id] ? stableSince[id] - (addOf[id] as MaelstromOp).invokeUs : 0)
  }
  stableLatenciesUs.sort((a, b) => a - b)
  return { result: verdictOf(tally, unjudged, [note]), stableLatenciesUs }
}

/** Judge a set-full history; the result names how many elements and final reads were judged. */
export function checkSetFull(
  ops: readonly MaelstromOp[],
  ctx: WorkloadContext,
  shape: SetShape,
  ids?: SetIds,
): CheckResult {
  return analyseSet(ops, ctx, shape, ids).result
}
