// The check broadcast and g-set share (Jepsen's "set-full" idea): clients add unique elements
// (broadcast `message`, g-set `element`) and read the whole set (broadcast `messages`, g-set
// `value`). Violations: an acknowledged element missing from some node's final read; a read
// holding an element no client ever tried to add, or one whose add definitely failed, or one
// read before its add was sent; a read_ok whose set is not an array. Not judged (never ok):
// no add acknowledged, or a node whose final read was never answered. Also each acknowledged
// element's stable latency: from its add's invocation until every later read held it. Pure.
import type { CheckResult } from '../../../shared/api'
import { fmtTime, Tally } from '../../check/tally'
import type { MaelstromOp, WorkloadContext } from '../types'
import { describeOp, finalReads, listNames, verdictOf } from './common'
import { show, valueKey } from '../values'

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

interface AddInfo {
  op: MaelstromOp
  element: unknown
}

interface ReadSet {
  op: MaelstromOp
  keys: Set<string>
}

/** The adds of the history by element, and the answered reads with their sets (invalid reads reported). */
function collect(
  ops: readonly MaelstromOp[],
  shape: SetShape,
  tally: Tally,
): { adds: Map<string, AddInfo>; reads: ReadSet[] } {
  const adds = new Map<string, AddInfo>()
  const reads: ReadSet[] = []
  for (const op of ops) {
    if (op.request.type === shape.addType) {
      const element = op.request[shape.elementField]
      const k = valueKey(element)
      const prev = adds.get(k)
      // An element added twice (should not happen): keep the most successful attempt.
      if (!prev || rank(op) > rank(prev.op)) adds.set(k, { op, element })
    } else if (op.request.type === 'read' && op.outcome === 'ok') {
      const set = op.reply?.[shape.readField]
      if (!Array.isArray(set)) {
        tally.add(
          () => `${describeOp(op)} answered read_ok without a ${shape.readField} array (got ${show(set)})`,
          op.id,
        )
        continue
      }
      reads.push({ op, keys: new Set(set.map(valueKey)) })
    }
  }
  return { adds, reads }
}

const rank = (op: MaelstromOp): number => (op.outcome === 'ok' ? 2 : op.outcome === 'info' ? 1 : 0)

/** Every read holds only elements some client tried to add (and did not definitely fail), after the add was sent. */
function checkReadsKnown(
  adds: Map<string, AddInfo>,
  reads: readonly ReadSet[],
  shape: SetShape,
  tally: Tally,
): void {
  for (const r of reads) {
    const set = r.op.reply?.[shape.readField] as unknown[]
    for (const element of set) {
      const k = valueKey(element)
      const add = adds.get(k)
      if (!add) {
        tally.add(
          () => `${describeOp(r.op)} read ${show(element)}, which no client ever tried to ${shape.addWord}`,
          `unknown ${k}`,
        )
      } else if (add.op.outcome === 'fail') {
        tally.add(
          () =>
            `${describeOp(r.op)} read ${show(element)}, but its ${shape.addWord} (${add.op.id}) definitely failed ` +
            `(error ${add.op.errorCode ?? '?'})`,
          `failed ${k}`,
        )
      } else if (r.op.completeUs !== null && r.op.completeUs < add.op.invokeUs) {
        tally.add(
          () =>
            `${describeOp(r.op)} read ${show(element)} at ${fmtTime(r.op.completeUs ?? 0)}, before its ` +
            `${shape.addWord} (${add.op.id}) was sent at ${fmtTime(add.op.invokeUs)}`,
          `future ${k}`,
        )
      }
    }
  }
}

/** Judge a set-full history; the result names how many elements and final reads were judged. */
export function checkSetFull(
  ops: readonly MaelstromOp[],
  ctx: WorkloadContext,
  shape: SetShape,
): CheckResult {
  const tally = new Tally(shape.name)
  const { adds, reads } = collect(ops, shape, tally)
  checkReadsKnown(adds, reads, shape, tally)
  const acked = [...adds.values()].filter((a) => a.op.outcome === 'ok')
  const finals = finalReads(ops, ctx)
  const finalSets = new Map<string, ReadSet>()
  for (const r of reads) if (finals.byNode.get(r.op.node) === r.op) finalSets.set(r.op.node, r)
  for (const [node, r] of finalSets) {
    for (const a of acked) {
      if (r.keys.has(valueKey(a.element))) continue
      tally.add(
        () =>
          `${shape.addWord} of ${show(a.element)} (${describeOp(a.op)}) was acknowledged at ` +
          `${fmtTime(a.op.completeUs ?? a.op.invokeUs)}, but ${node}'s final read (${r.op.id}) does not hold it`,
        `lost ${valueKey(a.element)} ${node}`,
      )
    }
  }
  const missing = ctx.nodeIds.filter((n) => !finalSets.has(n))
  let unjudged: string | null = null
  if (acked.length === 0) unjudged = `no ${shape.addWord} was acknowledged`
  else if (missing.length > 0) unjudged = `no final read was answered by ${listNames(missing)}`
  const note = `${acked.length} acknowledged ${shape.addWord}s checked against ${finalSets.size} of ${ctx.nodeIds.length} nodes' final reads`
  return verdictOf(tally, unjudged, [note])
}

/**
 * Each acknowledged element's stable latency, µs: 0 when reads sent after its add held it and none missed it,
 * otherwise from the add's invocation to the first read holding it sent after the last read
 * that missed it. Elements never stably present (missing from a later read to the end) have none.
 */
export function stableLatenciesUs(ops: readonly MaelstromOp[], shape: SetShape): number[] {
  const scratch = new Tally(shape.name)
  const { adds, reads } = collect(ops, shape, scratch)
  const sorted = [...reads].sort((a, b) => a.op.invokeUs - b.op.invokeUs)
  const out: number[] = []
  for (const a of adds.values()) {
    if (a.op.outcome !== 'ok') continue
    const k = valueKey(a.element)
    const t0 = a.op.invokeUs
    let lastMiss = -1
    for (let i = sorted.length - 1; i >= 0 && sorted[i].op.invokeUs >= t0; i--) {
      if (!sorted[i].keys.has(k)) {
        lastMiss = i
        break
      }
    }
    if (lastMiss === -1) {
      // Never missed: stable from the start, if any read after the add saw it at all.
      if (sorted.some((r) => r.op.invokeUs >= t0 && r.keys.has(k))) out.push(0)
      continue
    }
    const seen = sorted.slice(lastMiss + 1).find((r) => r.keys.has(k))
    if (seen) out.push(seen.op.invokeUs - t0)
  }
  return out.sort((x, y) => x - y)
}
