// The Maelstrom workloads (issue 14): the factory and its option schemas, the topologies, the
// requests each workload sends, and each checker on good histories and on the broken ones it
// must reject (or leave not judged, never ok).
import { describe, expect, it } from 'vitest'
import type { MaelstromBody, MaelstromOp, WorkloadContext } from '../src/core/maelstrom/types'
import {
  computeTopology,
  createWorkload,
  MaelstromWorkloadSpecSchema,
  WorkloadOptionsError,
  WORKLOAD_OPTION_SCHEMAS,
} from '../src/core/maelstrom/workloads'
import { MAELSTROM_WORKLOADS } from '../src/core/maelstrom/types'
import { createRng } from '../src/core/rng'

const NODES = ['n1', 'n2', 'n3']
const ctx = (extra: Partial<WorkloadContext> = {}): WorkloadContext => ({
  nodeIds: NODES,
  options: {},
  ...extra,
})

let seq = 0
function op(
  node: string,
  request: MaelstromBody,
  outcome: MaelstromOp['outcome'],
  reply?: MaelstromBody,
  t: [number, number | null] = [seq * 1000, seq * 1000 + 500],
  more: Partial<MaelstromOp> = {},
): MaelstromOp {
  seq++
  return {
    id: `o${seq}`,
    client: NODES.indexOf(node),
    node,
    request,
    invokeUs: t[0],
    completeUs: t[1],
    outcome,
    ...(reply ? { reply } : {}),
    ...more,
  }
}
const finalRead = (node: string, field: string, value: unknown, t = 1e9): MaelstromOp =>
  op(node, { type: 'read' }, 'ok', { type: 'read_ok', [field]: value }, [t, t + 100], { final: true })

describe('createWorkload and the option schemas', () => {
  it('builds every workload kind from empty options (every field has a default)', () => {
    for (const kind of MAELSTROM_WORKLOADS) expect(createWorkload(kind, {}).kind).toBe(kind)
    expect(WORKLOAD_OPTION_SCHEMAS.broadcast.parse({})).toMatchObject({
      topology: 'grid',
      treeFanout: 4,
      clients: 4,
    })
  })

  it('refuses bad options, naming the field', () => {
    expect(() => createWorkload('broadcast', { topology: 'ring' })).toThrow(WorkloadOptionsError)
    expect(() => createWorkload('broadcast', { topology: 'ring' })).toThrow(/workload broadcast: topology:/)
    expect(() => createWorkload('g-counter', { maxDelta: 0 })).toThrow(/maxDelta: must be between 1 and/)
    expect(() => createWorkload('g-set', { clients: -1 })).toThrow(/clients:/)
    expect(() => createWorkload('unique-ids', { typo: 1 })).toThrow(/typo/)
    expect(() => createWorkload('g-set', { kind: 'broadcast' })).toThrow(/kind: is "broadcast", not g-set/)
    expect(() => createWorkload('nope' as 'echo', {})).toThrow(/kind: unknown workload/)
  })

  it('accepts the spec object with its kind, and refuses an unknown kind', () => {
    const w = MaelstromWorkloadSpecSchema.parse({ kind: 'broadcast', topology: 'tree', treeFanout: 2 })
    expect(w).toMatchObject({ kind: 'broadcast', topology: 'tree', treeFanout: 2, readShare: 0.5 })
    expect(createWorkload('broadcast', w).kind).toBe('broadcast')
    const bad = MaelstromWorkloadSpecSchema.safeParse({ kind: 'kafka' })
    expect(bad.success).toBe(false)
    expect(bad.error?.issues[0].message).toMatch(/unknown workload \(expected one of: lin-kv, echo/)
  })
})

describe('topologies', () => {
  const five = ['n1', 'n2', 'n3', 'n4', 'n5']
  it('grid: a roughly square grid, each node linked to its neighbours above, below, left and right', () => {
    // side 3:  n1 n2 n3 / n4 n5
    expect(computeTopology('grid', five)).toEqual({
      n1: ['n2', 'n4'],
      n2: ['n1', 'n3', 'n5'],
      n3: ['n2'],
      n4: ['n1', 'n5'],
      n5: ['n2', 'n4'],
    })
  })
  it('line, tree and total', () => {
    expect(computeTopology('line', five)).toEqual({
      n1: ['n2'],
      n2: ['n1', 'n3'],
      n3: ['n2', 'n4'],
      n4: ['n3', 'n5'],
      n5: ['n4'],
    })
    expect(computeTopology('tree', five, 2)).toEqual({
      n1: ['n2', 'n3'],
      n2: ['n1', 'n4', 'n5'],
      n3: ['n1'],
      n4: ['n2'],
      n5: ['n2'],
    })
    expect(computeTopology('tree', five, 4).n1).toEqual(['n2', 'n3', 'n4', 'n5'])
    expect(computeTopology('total', NODES)).toEqual({ n1: ['n2', 'n3'], n2: ['n1', 'n3'], n3: ['n1', 'n2'] })
  })
  it('every shape is symmetric and connected for 1..15 nodes', () => {
    for (let n = 1; n <= 15; n++) {
      const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`)
      for (const kind of ['grid', 'line', 'tree', 'total'] as const) {
        const t = computeTopology(kind, ids)
        for (const [a, ns] of Object.entries(t)) for (const b of ns) expect(t[b]).toContain(a)
        const seen = new Set(['n1'])
        const todo = ['n1']
        while (todo.length)
          for (const b of t[todo.pop() as string]) {
            if (seen.has(b)) continue
            seen.add(b)
            todo.push(b)
          }
        expect(seen.size).toBe(n)
      }
    }
  })
})

describe('requests', () => {
  it('broadcast: topology to every node first, unique messages, a final read on every node', () => {
    const w = createWorkload('broadcast', { topology: 'line', clients: 3, readShare: 0.3 })
    expect(w.setup(ctx())).toEqual(
      NODES.map((node) => ({
        node,
        body: { type: 'topology', topology: { n1: ['n2'], n2: ['n1', 'n3'], n3: ['n2'] } },
      })),
    )
    const rng = createRng(7)
    const seen = new Set<unknown>()
    let reads = 0
    for (let i = 0; i < 50; i++)
      for (let c = 0; c < 3; c++) {
        const r = w.request(rng, { ...ctx(), client: c, opIndex: i })
        expect(r.node).toBe(NODES[c])
        if (r.body.type === 'read') reads++
        else {
          expect(r.body.type).toBe('broadcast')
          expect(seen.has(r.body.message)).toBe(false)
          seen.add(r.body.message)
        }
      }
    expect(reads).toBeGreaterThan(20)
    expect(reads).toBeLessThan(80)
    expect(w.finalRequests(ctx())).toEqual(NODES.map((node) => ({ node, body: { type: 'read' } })))
    expect(() => w.request(rng, { ...ctx(), client: 3, opIndex: 0 })).toThrow(RangeError)
  })

  it('counters: g-counter deltas are never negative, pn-counter deltas take both signs; same seed, same requests', () => {
    const deltas = (kind: 'g-counter' | 'pn-counter', seed: number): number[] => {
      const w = createWorkload(kind, { readShare: 0, maxDelta: 5 })
      const rng = createRng(seed)
      return Array.from(
        { length: 200 },
        (_, i) => w.request(rng, { ...ctx(), client: 0, opIndex: i }).body.delta as number,
      )
    }
    expect(Math.min(...deltas('g-counter', 1))).toBe(0)
    expect(Math.max(...deltas('g-counter', 1))).toBe(5)
    expect(Math.min(...deltas('pn-counter', 1))).toBe(-5)
    expect(deltas('pn-counter', 9)).toEqual(deltas('pn-counter', 9))
  })

  it('g-set adds unique elements; unique-ids sends generate', () => {
    const g = createWorkload('g-set', { readShare: 0, clients: 2 })
    const els = [0, 1, 2].flatMap((i) =>
      [0, 1].map((c) => g.request(createRng(1), { ...ctx(), client: c, opIndex: i }).body.element),
    )
    expect(new Set(els).size).toBe(6)
    const u = createWorkload('unique-ids')
    expect(u.request(createRng(1), { ...ctx(), client: 1, opIndex: 0 })).toEqual({
      node: 'n2',
      body: { type: 'generate' },
    })
    expect(u.finalRequests(ctx())).toEqual([])
  })
})

describe('unique-ids check', () => {
  const check = (ops: MaelstromOp[]) => createWorkload('unique-ids').check(ops, ctx())[0]
  const gen = (node: string, id: unknown, outcome: MaelstromOp['outcome'] = 'ok') =>
    op(node, { type: 'generate' }, outcome, outcome === 'ok' ? { type: 'generate_ok', id } : undefined)

  it('passes distinct ids of any JSON type', () => {
    const r = check([
      gen('n1', 1),
      gen('n2', '1'),
      gen('n3', [1, 2]),
      gen('n1', { a: 1, b: 2 }),
      gen('n2', 1, 'info'),
    ])
    expect(r).toMatchObject({ ok: true, verdict: 'ok', count: 0 })
  })

  it('rejects a duplicate id, naming both ops (object key order does not matter)', () => {
    const a = gen('n1', { node: 'n1', n: 3 })
    const b = gen('n3', { n: 3, node: 'n1' })
    const r = check([gen('n2', 7), a, b])
    expect(r).toMatchObject({ ok: false, verdict: 'violation', count: 1 })
    expect(r.details[0]).toContain(`op ${a.id} (client 0 on n1)`)
    expect(r.details[0]).toContain(`op ${b.id} (client 2 on n3)`)
    expect(r.counterexample).toMatchObject({ opIds: [a.id, b.id], culpritId: b.id })
  })

  it('rejects an acknowledged generate without an id', () => {
    expect(check([op('n1', { type: 'generate' }, 'ok', { type: 'generate_ok' })])).toMatchObject({
      verdict: 'violation',
    })
  })

  it('is not judged when no generate was acknowledged', () => {
    const r = check([gen('n1', 1, 'info'), gen('n2', 1, 'fail')])
    expect(r).toMatchObject({ ok: false, verdict: 'unknown' })
    expect(r.details[0]).toMatch(/not judged: no generate request was acknowledged/)
  })
})

/** A broadcast op (a failed one with error 11). */
const bc = (
  node: string,
  message: number,
  outcome: MaelstromOp['outcome'] = 'ok',
  t?: [number, number | null],
): MaelstromOp =>
  op(
    node,
    { type: 'broadcast', message },
    outcome,
    outcome === 'ok' ? { type: 'broadcast_ok' } : undefined,
    t,
    outcome === 'fail' ? { errorCode: 11 } : {},
  )

describe('broadcast check', () => {
  const w = createWorkload('broadcast')
  const read = (node: string, messages: unknown, t: [number, number]) =>
    op(node, { type: 'read' }, 'ok', { type: 'read_ok', messages }, t)

  it('passes when every acknowledged message is in every final read (in-doubt ones may or may not be)', () => {
    const ops = [
      bc('n1', 1),
      bc('n2', 2),
      bc('n3', 3, 'info'),
      ...NODES.map((n, i) => finalRead(n, 'messages', i === 0 ? [1, 2, 3] : [2, 1])),
    ]
    const [r] = w.check(ops, ctx())
    expect(r).toMatchObject({ ok: true, verdict: 'ok', count: 0 })
    expect(r.details.join('\n')).toMatch(
      /2 acknowledged broadcasts checked against 3 of 3 nodes' final reads/,
    )
  })

  it('rejects an acknowledged message missing from one node’s final read', () => {
    const a = bc('n1', 1)
    const ops = [
      a,
      bc('n2', 2),
      finalRead('n1', 'messages', [1, 2]),
      finalRead('n2', 'messages', [1, 2]),
      finalRead('n3', 'messages', [2]),
    ]
    const [r] = w.check(ops, ctx())
    expect(r).toMatchObject({ ok: false, verdict: 'violation', count: 1 })
    expect(r.details[0]).toMatch(new RegExp(`broadcast of 1 \\(op ${a.id} .*n3's final read`))
  })

  it('rejects a read holding a message never broadcast, or one whose broadcast definitely failed', () => {
    const ops = [bc('n1', 1), bc('n2', 2, 'fail'), ...NODES.map((n) => finalRead(n, 'messages', [1, 2, 99]))]
    const [r] = w.check(ops, ctx())
    expect(r.verdict).toBe('violation')
    expect(r.count).toBe(2)
    expect(r.details.join('\n')).toMatch(/read 99, which no client ever tried to broadcast/)
    expect(r.details.join('\n')).toMatch(/read 2, but its broadcast .* definitely failed \(error 11\)/)
  })

  it('rejects a read that answered before the broadcast was sent, and a read_ok without messages', () => {
    const ops = [
      read('n2', [5], [0, 10]),
      bc('n1', 5, 'ok', [50, 60]),
      op('n3', { type: 'read' }, 'ok', { type: 'read_ok', value: [5] }),
      ...NODES.map((n) => finalRead(n, 'messages', [5])),
    ]
    const [r] = w.check(ops, ctx())
    expect(r.count).toBe(2)
    expect(r.details.join('\n')).toMatch(/before its broadcast/)
    expect(r.details.join('\n')).toMatch(/without a messages array/)
  })

  it('is not judged (never ok) when a node never answered its final read, or nothing was acknowledged', () => {
    const r1 = w.check(
      [bc('n1', 1), finalRead('n1', 'messages', [1]), finalRead('n2', 'messages', [1])],
      ctx(),
    )[0]
    expect(r1).toMatchObject({ ok: false, verdict: 'unknown' })
    expect(r1.details[0]).toBe('not judged: no final read was answered by n3')
    const r2 = w.check([bc('n1', 1, 'info'), ...NODES.map((n) => finalRead(n, 'messages', []))], ctx())[0]
    expect(r2.details[0]).toBe('not judged: no broadcast was acknowledged')
    // A loss still shows as a violation even when another node is missing.
    const r3 = w.check([bc('n1', 1), finalRead('n1', 'messages', [])], ctx())[0]
    expect(r3.verdict).toBe('violation')
  })

  it('reports stable latency and messages per op (null, with why, when the host counted no messages)', () => {
    const ops = [
      bc('n1', 1, 'ok', [1000, 2000]),
      read('n2', [], [3000, 4000]), // missed it
      read('n3', [1], [5000, 6000]), // stable from here: 4 ms after the broadcast
      bc('n1', 2, 'ok', [7000, 7500]),
      read('n2', [1, 2], [8000, 8100]), // never missed: 0
      ...NODES.map((n) => finalRead(n, 'messages', [1, 2], 20_000)),
    ]
    const figures = Object.fromEntries(
      (w.figures?.(ops, ctx({ nodeMessages: 40 })) ?? []).map((f) => [f.name, f]),
    )
    expect(figures['stable latency p50'].value).toBe(0)
    expect(figures['stable latency max'].value).toBe(4)
    expect(figures['messages per op']).toMatchObject({
      value: 5,
      note: '40 node-to-node messages / 8 client operations',
    })
    const none = w.figures?.(ops, ctx()).find((f) => f.name === 'messages per op')
    expect(none).toMatchObject({ value: null, note: 'the host did not count node-to-node messages' })
    expect(w.check(ops, ctx({ nodeMessages: 40 }))[0].details).toContain(
      'messages per op: 5 msgs/op (40 node-to-node messages / 8 client operations)',
    )
  })
})

describe('set reads kept compact during a run (retain)', () => {
  /** The ops as a run hands them over: each through a fresh workload's retain hook as it completes. */
  const retained = (kind: 'broadcast' | 'g-set', ops: MaelstromOp[]) => {
    const w = createWorkload(kind)
    const copies = ops.map((o) => structuredClone(o))
    const byCompletion = [...copies].sort((a, b) => (a.completeUs ?? Infinity) - (b.completeUs ?? Infinity))
    for (const o of byCompletion) w.retain?.(o)
    return { w, ops: copies }
  }
  const read = (node: string, messages: unknown, t: [number, number], final = false) =>
    op(node, { type: 'read' }, 'ok', { type: 'read_ok', messages }, t, final ? { final: true } : {})

  it('judges exactly as the whole history: passes, losses, strangers, failed and future adds, bad replies, latency', () => {
    const histories: MaelstromOp[][] = [
      // ok, with stable latencies
      [
        bc('n1', 1, 'ok', [1000, 2000]),
        read('n2', [], [3000, 4000]),
        read('n3', [1], [5000, 6000]),
        bc('n1', 2, 'ok', [7000, 7500]),
        read('n2', [2, 1], [8000, 8100]),
        ...NODES.map((n, i) => read(n, i ? [1, 2] : [2, 1], [20_000, 20_100 + i], true)),
      ],
      // a loss on n3, a read of an element never broadcast, a read of a failed broadcast
      [
        bc('n1', 1, 'ok', [0, 10]),
        bc('n2', 2, 'fail', [20, 30]),
        bc('n3', 3, 'ok', [40, 50]),
        read('n1', [1, 2, 3, 99], [60, 70]),
        read('n1', [1, 2, 3], [9000, 9010], true),
        read('n2', [3, 1], [9000, 9020], true),
        read('n3', [3], [9000, 9030], true),
      ],
      // a read answered before its broadcast was sent, a read_ok without messages, an object element
      [
        read('n2', [5, { a: [1] }], [0, 10]),
        bc('n1', 5, 'ok', [50, 60]),
        op('n3', { type: 'read' }, 'ok', { type: 'read_ok', value: [5] }, [70, 80]),
        ...NODES.map((n) => read(n, [5], [9000, 9100], true)),
      ],
    ]
    for (const h of histories) {
      const whole = createWorkload('broadcast').check(h, ctx({ nodeMessages: 12 }))
      const { w, ops } = retained('broadcast', h)
      expect(w.check(ops, ctx({ nodeMessages: 12 }))).toEqual(whole)
      expect(w.figures?.(ops, ctx({ nodeMessages: 12 }))).toEqual(
        createWorkload('broadcast').figures?.(h, ctx({ nodeMessages: 12 })),
      )
    }
    // g-set: a lost add and a stranger.
    const gs = [
      op('n1', { type: 'add', element: 1 }, 'ok', { type: 'add_ok' }, [0, 5]),
      op('n2', { type: 'add', element: 2 }, 'ok', { type: 'add_ok' }, [0, 6]),
      ...NODES.map((n, i) =>
        op(
          n,
          { type: 'read' },
          'ok',
          { type: 'read_ok', value: i === 2 ? [1, 42] : [1, 2] },
          [100, 110 + i],
          { final: true },
        ),
      ),
    ]
    const { w, ops } = retained('g-set', gs)
    const r = w.check(ops, ctx())
    expect(r).toEqual(createWorkload('g-set').check(gs, ctx()))
    expect(r[0]).toMatchObject({ verdict: 'violation', count: 2 })
  })

  it('keeps of a read only the elements it lacks, not the whole set', () => {
    const h: MaelstromOp[] = []
    for (let i = 0; i < 2000; i++) h.push(bc(NODES[i % 3], i, 'ok', [i * 100, i * 100 + 50]))
    // Every 10th op a read of everything so far but the newest two (still on their way).
    for (let i = 10; i < 2000; i += 10)
      h.push(
        read(
          NODES[i % 3],
          Array.from({ length: i - 2 }, (_, k) => k),
          [i * 100 + 60, i * 100 + 70],
        ),
      )
    NODES.forEach((n, i) =>
      h.push(
        read(
          n,
          Array.from({ length: 2000 }, (_, k) => k),
          [300_000, 300_010 + i],
          true,
        ),
      ),
    )
    const { w, ops } = retained('broadcast', h)
    const reads = ops.filter((o) => o.request.type === 'read')
    for (const o of reads) {
      expect(o.reply).toEqual({ type: 'read_ok' })
      expect(o.set?.missing.length ?? Infinity).toBeLessThanOrEqual(10)
    }
    expect(w.check(ops, ctx())[0]).toEqual(createWorkload('broadcast').check(h, ctx())[0])
    expect(w.check(ops, ctx())[0].verdict).toBe('ok')
  })
})

describe('g-counter and pn-counter checks', () => {
  const add = (node: string, delta: number, outcome: MaelstromOp['outcome'] = 'ok') =>
    op(node, { type: 'add', delta }, outcome, outcome === 'ok' ? { type: 'add_ok' } : undefined)
  const finals = (...values: unknown[]) => NODES.map((n, i) => finalRead(n, 'value', values[i]))
  const g = createWorkload('g-counter')
  const pn = createWorkload('pn-counter')

  it('passes when every node reads the acknowledged sum; a definitely failed add counts for nothing', () => {
    const [r] = g.check([add('n1', 3), add('n2', 4), add('n3', 100, 'fail'), ...finals(7, 7, 7)], ctx())
    expect(r).toMatchObject({ ok: true, verdict: 'ok' })
  })

  it('allows in-doubt adds to have happened or not', () => {
    const ops = [add('n1', 3), add('n2', 4, 'info'), add('n3', 2, 'info')]
    for (const v of [3, 5, 7, 9]) expect(g.check([...ops, ...finals(v, v, v)], ctx())[0].verdict).toBe('ok')
  })

  it('rejects a read outside the bounds, and one inside them that no choice of in-doubt adds gives', () => {
    const ops = [add('n1', 3), add('n2', 4, 'info')]
    const [low] = g.check([...ops, ...finals(2, 2, 2)], ctx())
    expect(low).toMatchObject({ verdict: 'violation', count: 3 })
    expect(low.details[0]).toMatch(/is 2, outside \[3, 7\] \(acknowledged adds sum to 3, 1 in doubt\)/)
    const [between] = g.check([...ops, ...finals(5, 5, 5)], ctx())
    expect(between.verdict).toBe('violation')
    expect(between.details[0]).toMatch(/is 5: no choice of the 1 in-doubt adds/)
  })

  it('rejects final reads that diverge, even when each is within the bounds', () => {
    const [r] = g.check([add('n1', 3), add('n2', 4, 'info'), ...finals(3, 7, 3)], ctx())
    expect(r.verdict).toBe('violation')
    expect(r.details).toContain('the final reads diverge: n1=3, n2=7, n3=3')
  })

  it('pn-counter: negative in-doubt deltas lower the bound', () => {
    const ops = [add('n1', 10), add('n2', -4), add('n3', -3, 'info'), add('n1', 2, 'info')]
    for (const v of [3, 5, 6, 8]) expect(pn.check([...ops, ...finals(v, v, v)], ctx())[0].verdict).toBe('ok')
    for (const v of [2, 4, 7, 9])
      expect(pn.check([...ops, ...finals(v, v, v)], ctx())[0].verdict).toBe('violation')
    expect(pn.check([...ops, ...finals(6, 6, 6)], ctx())[0].details.at(-1)).toBe(
      'acknowledged adds sum to 6; 2 in doubt allow [3, 8]',
    )
  })

  it('rejects a final value that is not a whole number; not judged when a node never answered', () => {
    expect(g.check([add('n1', 1), ...finals(1, '1', 1)], ctx())[0].verdict).toBe('violation')
    const [r] = g.check([add('n1', 1), finalRead('n1', 'value', 1), finalRead('n2', 'value', 1)], ctx())
    expect(r).toMatchObject({ ok: false, verdict: 'unknown' })
    expect(r.details[0]).toBe('not judged: no final read was answered by n3')
  })
})

describe('g-set check', () => {
  const g = createWorkload('g-set')
  const add = (node: string, element: unknown, outcome: MaelstromOp['outcome'] = 'ok') =>
    op(node, { type: 'add', element }, outcome, outcome === 'ok' ? { type: 'add_ok' } : undefined)

  it('passes when every acknowledged add is in every final set', () => {
    const ops = [
      add('n1', 1),
      add('n2', 'x'),
      add('n3', 3, 'info'),
      ...NODES.map((n) => finalRead(n, 'value', ['x', 1])),
    ]
    expect(g.check(ops, ctx())[0]).toMatchObject({ ok: true, verdict: 'ok' })
  })

  it('rejects a lost add and an element never added', () => {
    const ops = [
      add('n1', 1),
      add('n2', 2),
      finalRead('n1', 'value', [1, 2]),
      finalRead('n2', 'value', [1, 2, 42]),
      finalRead('n3', 'value', [1]),
    ]
    const [r] = g.check(ops, ctx())
    expect(r).toMatchObject({ verdict: 'violation', count: 2 })
    expect(r.details.join('\n')).toMatch(/read 42, which no client ever tried to add/)
    expect(r.details.join('\n')).toMatch(/add of 2 .* but n3's final read .* does not hold it/)
  })

  it('is not judged when a node never answered its final read', () => {
    expect(g.check([add('n1', 1), finalRead('n1', 'value', [1])], ctx())[0].verdict).toBe('unknown')
  })
})
