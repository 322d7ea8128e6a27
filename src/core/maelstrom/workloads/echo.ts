// PLACEHOLDER so the factory compiles: the hosting helper's echo workload (issue 14) replaces
// this file at merge. Contract: export `echoOptionsSchema` (a zod strictObject of the options,
// without `kind`) and `createEchoWorkload(options)`.
import { z } from 'zod'
import type { MaelstromWorkload } from '../types'
import { nodeFor, notJudged } from './common'
import { clientOptions } from './options'

export const echoOptionsSchema = z.strictObject({ ...clientOptions })
export type EchoOptions = z.infer<typeof echoOptionsSchema>

export function createEchoWorkload(options: EchoOptions): MaelstromWorkload {
  void options
  return {
    kind: 'echo',
    setup: () => [],
    request: (_rng, ctx) => ({ node: nodeFor(ctx, ctx.client), body: { type: 'echo', echo: ctx.opIndex } }),
    finalRequests: () => [],
    check: () => [notJudged('Every reply echoes its request', 'the echo checker is not merged yet')],
  }
}
