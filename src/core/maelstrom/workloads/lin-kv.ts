// PLACEHOLDER so the factory compiles: the hosting helper's lin-kv workload (issue 14) replaces
// this file at merge. Contract: export `linKvOptionsSchema` (a zod strictObject of the options,
// without `kind`) and `createLinKvWorkload(options)`.
import { z } from 'zod'
import { intBetween } from '../../../shared/bounds'
import type { MaelstromWorkload } from '../types'
import { nodeFor, notJudged } from './common'
import { clientOptions } from './options'

export const linKvOptionsSchema = z.strictObject({
  ...clientOptions,
  keys: intBetween(1, 1_000_000, 'keys').default(10),
})
export type LinKvOptions = z.infer<typeof linKvOptionsSchema>

export function createLinKvWorkload(options: LinKvOptions): MaelstromWorkload {
  return {
    kind: 'lin-kv',
    setup: () => [],
    request: (rng, ctx) => ({
      node: nodeFor(ctx, ctx.client),
      body: { type: 'read', key: rng.int(0, options.keys - 1) },
    }),
    finalRequests: () => [],
    check: () => [notJudged('Linearizable', 'the lin-kv checker is not merged yet')],
  }
}
