// The check broadcast and g-set share (Jepsen's "set-full" idea): clients add unique elements
// (broadcast `message`, g-set `element`) and read the whole set (broadcast `messages`, g-set
// `value`). Violations: an acknowledged element missing from some node's final read; a read
// holding an element no client ever tried to add, or one whose add definitely failed, or one
// read before its add was sent; a read_ok whose set is not an array. Not judged (never ok):
// no add acknowledged, or a node whose final read was never answered. Also each acknowledged
// element's stable latency: from its add's invocation until every later read held it.
// One pass over the reads in invocation order, elements interned to numbers, so a long run
// (thousands of reads of thousands of elements) is checked in well under a second. Pure.
import type { CheckResult } from '../../../shared/api'
import { fmtTime, Tally } from '../../check/tally'
import type { MaelstromOp, WorkloadContext } from '../types'
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

/** Element ids: primitives by value, anything else by its canonical encoding. */
class Interner {
  private readonly prim = new Map<unknown, number>()
  private readonly other = new Map<string, number>()
  size = 0

  private static primitive(v: unknown): boolean {
    return v === null || (typeof v !== 'object' && typeof v !== 'function')
  }

  get(v: unknown): number | undefined {
    return Interner.primitive(v) ? this.prim.get(v) : this.other.get(valueKey(v))
  }

  add(v: unknown): number {
    const known = this.get(v)
    if (known !== undefined) return known
    const id = this.size++
    if (Interner.primitive(v)) this.prim.set(v, id)
    else this.other.set(valueKey(v), id)
    return id
  }
}

const rank = (op: MaelstromOp): number => (op.outcome === 'ok' ? 2 : op.outcome === 'info' ? 1 : 0)

/** Judge a set-full history, and measure each acknowledged element's stable latency. */
export function analyseSet(ops: readonly MaelstromOp[], ctx: WorkloadContext, shape: SetShape): SetAnalysis {
  const tally = new Tally(shape.name)
  const ids = new Interner()
  const addOf: MaelstromOp[] = []
  const elementOf: unknown[] = []
  const reads: Array<{ op: MaelstromOp; set: unknown[] }> = []
  for (const op of ops) {
    if (op.request.type === shape.addType) {
      const element = op.request[shape.elementField]
      const id = ids.add(element)
      // An element added twice (should not happen): keep the most successful attempt.
      if (addOf[id] === undefined || rank(op) > rank(addOf[id])) {
        addOf[id] = op
        elementOf[id] = element
      }
    } else if (op.request.type === 'read' && op.outcome === 'ok') {
      const set = op.reply?.[shape.readField]
      if (Array.isArray(set)) reads.push({ op, set })
      else
        tally.add(
          () => `${describeOp(op)} answered read_ok without a ${shape.readField} array (got ${show(set)})`,
          op.id,
        )
    }
  }
  reads.sort((a, b) => a.op.invokeUs - b.op.invokeUs)
  const acked: number[] = []
  for (let id = 0; id < ids.size; id++) if (addOf[id].outcome === 'ok') acked.push(id)
  acked.sort((a, b) => addOf[a].invokeUs - addOf[b].invokeUs)

  const stamp = new Int32Array(ids.size).fill(-1)
  const stableSince = new Float64Array(ids.size).fill(-1)
  const missed = new Uint8Array(ids.size)
  let active = 0
  reads.forEach((r, ri) => {
    for (const element of r.set) {
      const id = ids.get(element)
      if (id === undefined) {
        tally.add(
          () => `${describeOp(r.op)} read ${show(element)}, which no client ever tried to ${shape.addWord}`,
          `unknown ${valueKey(element)}`,
        )
        continue
      }
      stamp[id] = ri
      const add = addOf[id]
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
    while (active < acked.length && addOf[acked[active]].invokeUs <= r.op.invokeUs) active++
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
    const set = op?.reply?.[shape.readField]
    if (!op || !Array.isArray(set)) continue
    judgedNodes++
    const held = new Set<number>()
    for (const element of set) {
      const id = ids.get(element)
      if (id !== undefined) held.add(id)
    }
    for (const id of acked) {
      if (held.has(id)) continue
      const add = addOf[id]
      tally.add(
        () =>
          `${shape.addWord} of ${show(elementOf[id])} (${describeOp(add)}) was acknowledged at ` +
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
    stableLatenciesUs.push(missed[id] ? stableSince[id] - addOf[id].invokeUs : 0)
  }
  stableLatenciesUs.sort((a, b) => a - b)
  return { result: verdictOf(tally, unjudged, [note]), stableLatenciesUs }
}

/** Judge a set-full history; the result names how many elements and final reads were judged. */
export function checkSetFull(
  ops: readonly MaelstromOp[],
  ctx: WorkloadContext,
  shape: SetShape,
): CheckResult {
  return analyseSet(ops, ctx, shape).result
}
