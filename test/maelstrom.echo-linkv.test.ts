// The echo and lin-kv workloads' checks (issue 14): each with the broken history it must reject.
import { describe, expect, it } from 'vitest'
import { echoWorkload } from '../src/core/maelstrom/workloads/echo'
import { createLinKvWorkload, linKvHistory } from '../src/core/maelstrom/workloads/lin-kv'
import type { MaelstromBody, MaelstromOp } from '../src/core/maelstrom/types'
import { createRng } from '../src/core/rng'

const ctx = { nodeIds: ['n1', 'n2', 'n3'], options: { keys: 2 } }
let serial = 0
function op(
  client: number,
  request: MaelstromBody,
  invokeUs: number,
  completeUs: number | null,
  outcome: MaelstromOp['outcome'],
  reply?: MaelstromBody,
): MaelstromOp {
  return { id: `c${client}.${++serial}`, client, node: 'n1', request, invokeUs, completeUs, outcome, reply }
}

describe('echo workload', () => {
  it('asks each node to echo a fresh text and passes replies that echo it', () => {
    const req = echoWorkload.request(createRng(1), { ...ctx, client: 1, opIndex: 0 })
    expect(req.body.type).toBe('echo')
    const good = op(1, { ...req.body, msg_id: 1 }, 0, 10, 'ok', {
      type: 'echo_ok',
      echo: req.body.echo,
      in_reply_to: 1,
    })
    expect(echoWorkload.check([good], ctx)[0]).toMatchObject({ name: 'echo', ok: true })
  })

  it('rejects a reply that does not echo its request', () => {
    const bad = op(1, { type: 'echo', echo: 'hello', msg_id: 1 }, 0, 10, 'ok', {
      type: 'echo_ok',
      echo: 'hellO',
    })
    const [r] = echoWorkload.check([bad], ctx)
    expect(r).toMatchObject({ ok: false, verdict: 'violation', count: 1 })
    expect(r.details[0]).toContain('does not echo')
  })
})

describe('lin-kv workload', () => {
  it('sends reads, writes and cas with unique integer values', () => {
    const w = createLinKvWorkload()
    const rng = createRng(7)
    const bodies = Array.from(
      { length: 50 },
      (_, i) => w.request(rng, { ...ctx, client: 1, opIndex: i }).body,
    )
    expect(new Set(bodies.map((b) => b.type))).toEqual(new Set(['read', 'write', 'cas']))
    const written = bodies.filter((b) => b.type === 'write').map((b) => b.value)
    expect(new Set(written).size).toBe(written.length)
  })

  it('passes a linearizable history and treats key-does-not-exist on a read as reading nothing', () => {
    const ops = [
      op(1, { type: 'read', key: 0 }, 0, 5, 'fail', { type: 'error', code: 20 }),
      op(1, { type: 'write', key: 0, value: 1 }, 10, 20, 'ok', { type: 'write_ok' }),
      op(2, { type: 'read', key: 0 }, 30, 40, 'ok', { type: 'read_ok', value: 1 }),
      op(2, { type: 'cas', key: 0, from: 1, to: 2 }, 50, 60, 'ok', { type: 'cas_ok' }),
      op(3, { type: 'cas', key: 0, from: 7, to: 3 }, 70, 80, 'fail', { type: 'error', code: 22 }),
    ]
    expect(linKvHistory(ops)[0]).toMatchObject({ f: 'get', type: 'ok', value: null })
    expect(createLinKvWorkload().check(ops, ctx)[0]).toMatchObject({ name: 'linearizability', verdict: 'ok' })
  })

  it('rejects a stale read: a read after a completed write returns the older value', () => {
    const ops = [
      op(1, { type: 'write', key: 0, value: 1 }, 0, 10, 'ok', { type: 'write_ok' }),
      op(1, { type: 'write', key: 0, value: 2 }, 20, 30, 'ok', { type: 'write_ok' }),
      op(2, { type: 'read', key: 0 }, 40, 50, 'ok', { type: 'read_ok', value: 1 }),
    ]
    const [r] = createLinKvWorkload().check(ops, ctx)
    expect(r).toMatchObject({ name: 'linearizability', ok: false, verdict: 'violation' })
    expect(r.counterexample?.key).toBe('0')
  })

  it('counts an indefinite error (crash, 13) as maybe-happened: a later read of its value is fine', () => {
    const ops = [
      op(1, { type: 'write', key: 0, value: 5 }, 0, 10, 'info', { type: 'error', code: 13 }),
      op(2, { type: 'read', key: 0 }, 20, 30, 'ok', { type: 'read_ok', value: 5 }),
    ]
    expect(createLinKvWorkload().check(ops, ctx)[0].verdict).toBe('ok')
  })
})
