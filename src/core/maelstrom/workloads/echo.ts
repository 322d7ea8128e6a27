// Maelstrom's echo workload: each request carries a fresh text; every reply must be an
// echo_ok carrying exactly that text back.
import type { CheckResult } from '../../../shared/api'
import type { Rng } from '../../rng'
import type { MaelstromOp, MaelstromWorkload } from '../types'
import { describeOpBriefly, sameJson } from './common'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

function echoText(rng: Rng, client: number, opIndex: number): string {
  let s = ''
  for (let i = 0; i < 8; i++) s += ALPHABET[rng.int(0, ALPHABET.length - 1)]
  return `c${client}.${opIndex} ${s}`
}

/** Ops whose reply is not the echo of their request (an ok reply, or a reply of another type). */
export function echoMismatches(ops: readonly MaelstromOp[]): MaelstromOp[] {
  return ops.filter(
    (o) =>
      o.reply !== undefined &&
      o.reply.type !== 'error' &&
      (o.reply.type !== 'echo_ok' || !sameJson(o.reply.echo, o.request.echo)),
  )
}

export const echoWorkload: MaelstromWorkload = {
  kind: 'echo',
  setup: () => [],
  request(rng, ctx) {
    const node = ctx.nodeIds[rng.int(0, ctx.nodeIds.length - 1)]
    return { node, body: { type: 'echo', echo: echoText(rng, ctx.client, ctx.opIndex) } }
  },
  finalRequests: () => [],
  check(ops): CheckResult[] {
    const bad = echoMismatches(ops)
    const answered = ops.filter((o) => o.outcome === 'ok').length
    const details = bad.slice(0, 5).map((o) => `${describeOpBriefly(o)}: the reply does not echo the request`)
    if (bad.length === 0)
      details.push(`${answered} of ${ops.length} requests answered, every reply echoed its request`)
    return [
      {
        name: 'echo',
        ok: bad.length === 0,
        verdict: bad.length === 0 ? 'ok' : 'violation',
        count: bad.length,
        details,
      },
    ]
  },
}
