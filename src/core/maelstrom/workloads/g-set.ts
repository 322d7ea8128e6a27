// Maelstrom's g-set workload: clients `add {element}` (a unique integer, answered `add_ok`)
// and `read` (answered `read_ok {value: [...]}`); once faults healed, a final read on every
// node. The check: every acknowledged add is in every node's final read; no read holds an
// element never added. Pure.
import type { MaelstromWorkload } from '../types'
import { nodeFor, uniqueValue } from './common'
import type { GSetOptions } from './options'
import { checkSetFull, retainSet, SetIds, type SetShape } from './set-full'

export const G_SET_SHAPE: SetShape = {
  name: "Every acknowledged add is in every node's final set",
  addType: 'add',
  elementField: 'element',
  readField: 'value',
  addWord: 'add',
}

export function createGSetWorkload(options: GSetOptions): MaelstromWorkload {
  const ids = new SetIds()
  return {
    kind: 'g-set',
    setup: () => [],
    request: (rng, ctx) => {
      const node = nodeFor(ctx, ctx.client)
      if (rng.chance(options.readShare)) return { node, body: { type: 'read' } }
      return { node, body: { type: 'add', element: uniqueValue(options.clients, ctx.client, ctx.opIndex) } }
    },
    finalRequests: (ctx) => ctx.nodeIds.map((node) => ({ node, body: { type: 'read' } })),
    check: (ops, ctx) => [checkSetFull(ops, ctx, G_SET_SHAPE, ids)],
    retain: (op) => retainSet(op, G_SET_SHAPE, ids),
  }
}
