// bench:maelstrom-check — how long the Maelstrom workload checkers take on long histories:
// broadcast (every read returns every message so far: the worst case, sum of read sizes grows
// with the square of the run) and the counters, by number of operations.
import type { MaelstromOp } from '../src/core/maelstrom/types'
import { createWorkload } from '../src/core/maelstrom/workloads'

const NODES = ['n1', 'n2', 'n3', 'n4', 'n5']
const ctx = { nodeIds: NODES, options: {}, nodeMessages: 0 }

/** A final read on every node at `t` µs answering `fields`. */
function finalReads(t: number, fields: Record<string, unknown>): MaelstromOp[] {
  return NODES.map((node) => ({
    id: `f${node}`,
    client: 0,
    node,
    request: { type: 'read' },
    invokeUs: t,
    completeUs: t + 50,
    outcome: 'ok',
    final: true,
    reply: { type: 'read_ok', ...fields },
  }))
}

function broadcastHistory(n: number): MaelstromOp[] {
  const ops: MaelstromOp[] = []
  const held: number[] = []
  for (let i = 0; i < n; i++) {
    const t = i * 100
    ops.push({
      id: `b${i}`,
      client: 0,
      node: NODES[i % 5],
      request: { type: 'broadcast', message: i },
      invokeUs: t,
      completeUs: t + 50,
      outcome: 'ok',
      reply: { type: 'broadcast_ok' },
    })
    held.push(i)
    // Reads lag by a few messages, so each message is missed a few times before it is stable.
    const seen = held.slice(0, Math.max(0, i - 3))
    ops.push({
      id: `r${i}`,
      client: 1,
      node: NODES[(i + 1) % 5],
      request: { type: 'read' },
      invokeUs: t + 60,
      completeUs: t + 90,
      outcome: 'ok',
      reply: { type: 'read_ok', messages: seen },
    })
  }
  ops.push(...finalReads(n * 100 + 1000, { messages: held }))
  return ops
}

function counterHistory(n: number): MaelstromOp[] {
  const ops: MaelstromOp[] = []
  let sum = 0
  for (let i = 0; i < n; i++) {
    const delta = i % 7
    const inDoubt = i % 50 === 0
    if (!inDoubt) sum += delta
    ops.push({
      id: `a${i}`,
      client: 0,
      node: NODES[i % 5],
      request: { type: 'add', delta },
      invokeUs: i * 100,
      completeUs: inDoubt ? null : i * 100 + 50,
      outcome: inDoubt ? 'info' : 'ok',
      ...(inDoubt ? {} : { reply: { type: 'add_ok' } }),
    })
  }
  ops.push(...finalReads(n * 100, { value: sum }))
  return ops
}

function time(label: string, f: () => string): void {
  const t0 = performance.now()
  const verdict = f()
  console.log(`${label.padEnd(44)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms  ${verdict}`)
}

const broadcast = createWorkload('broadcast')
for (const n of [1000, 3000, 6000]) {
  const ops = broadcastHistory(n)
  const elements = ops.reduce((s, o) => s + ((o.reply?.messages as unknown[] | undefined)?.length ?? 0), 0)
  time(
    `broadcast: ${n} broadcasts, ${n} reads (${(elements / 1e6).toFixed(1)}M read elements)`,
    () => broadcast.check(ops, ctx)[0].verdict ?? '',
  )
}
const counter = createWorkload('pn-counter')
for (const n of [10_000, 100_000]) {
  const ops = counterHistory(n)
  time(`pn-counter: ${n} adds (${n / 50} in doubt)`, () => counter.check(ops, ctx)[0].verdict ?? '')
}
