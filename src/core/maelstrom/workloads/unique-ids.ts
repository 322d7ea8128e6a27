// Maelstrom's unique-ids workload: clients ask nodes to `generate` an id (`generate_ok {id}`,
// any JSON value); every acknowledged id must be unique across the cluster. Pure.
import type { CheckResult } from '../../../shared/api'
import { Tally } from '../../check/tally'
import type { MaelstromOp, MaelstromWorkload } from '../types'
import { describeOp, nodeFor, notJudged, verdictOf } from './common'
import type { UniqueIdsOptions } from './options'
import { show, valueKey } from '../values'
import { toJson } from '../json'

const CHECK = 'Every acknowledged id is unique'

export function createUniqueIdsWorkload(options: UniqueIdsOptions): MaelstromWorkload {
  void options
  return {
    kind: 'unique-ids',
    setup: () => [],
    request: (_rng, ctx) => ({ node: nodeFor(ctx, ctx.client), body: { type: 'generate' } }),
    finalRequests: () => [],
    check: (ops) => [checkUniqueIds(ops)],
  }
}

/** Every `generate_ok` carries an id no other acknowledged generate got; a duplicate names both ops. */
export function checkUniqueIds(ops: readonly MaelstromOp[]): CheckResult {
  const tally = new Tally(CHECK)
  const firstWith = new Map<string, MaelstromOp>()
  let judged = 0
  let firstDuplicate: [MaelstromOp, MaelstromOp] | null = null
  for (const op of ops) {
    if (op.request.type !== 'generate' || op.outcome !== 'ok') continue
    const id = op.reply?.id
    if (id === undefined) {
      tally.add(() => `${describeOp(op)} was acknowledged with generate_ok but the reply has no id`, op.id)
      continue
    }
    judged++
    const k = valueKey(id)
    const first = firstWith.get(k)
    if (!first) {
      firstWith.set(k, op)
      continue
    }
    firstDuplicate ??= [first, op]
    tally.add(() => `id ${show(id)} was given twice: to ${describeOp(first)} and to ${describeOp(op)}`, op.id)
  }
  if (judged === 0 && tally.count === 0) return notJudged(CHECK, 'no generate request was acknowledged')
  const r = verdictOf(tally, null, [`${judged} acknowledged ids judged`])
  if (firstDuplicate) {
    const [a, b] = firstDuplicate
    r.counterexample = {
      key: 'id',
      opIds: [a.id, b.id],
      culpritId: b.id,
      prefix: [],
      state: toJson(a.reply?.id ?? null),
      explanation: `${describeOp(a)} and ${describeOp(b)} were both given id ${show(a.reply?.id)}`,
    }
  }
  return r
}
