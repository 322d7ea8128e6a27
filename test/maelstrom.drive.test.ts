// The workloads end to end against model clusters, as the host drives them: setup, requests
// from each client, in-doubt replies, a final read on every node, then the check. A correct
// model passes over many seeds; a model with the bug each check exists for is caught.
import { describe, expect, it } from 'vitest'
import type {
  MaelstromBody,
  MaelstromOp,
  MaelstromWorkloadKind,
  WorkloadContext,
} from '../src/core/maelstrom/types'
import { createWorkload } from '../src/core/maelstrom/workloads'
import { createRng, type Rng } from '../src/core/rng'

const NODES = ['n1', 'n2', 'n3']

/** A model cluster: answers a request on a node (null = no answer: in doubt, applied or not). */
type Model = (node: string, body: MaelstromBody, rng: Rng) => MaelstromBody | null

function drive(
  kind: MaelstromWorkloadKind,
  model: Model,
  seed: number,
  options: Record<string, unknown> = {},
) {
  const w = createWorkload(kind, { clients: 3, ...options })
  const ctx: WorkloadContext = { nodeIds: NODES, options }
  const rng = createRng(seed)
  for (const s of w.setup(ctx)) model(s.node, s.body, rng)
  const ops: MaelstromOp[] = []
  const record = (client: number, node: string, request: MaelstromBody, final: boolean): void => {
    const t = ops.length * 1000
    const reply = model(node, request, rng)
    const outcome = reply === null ? 'info' : reply.type === 'error' ? 'fail' : 'ok'
    ops.push({
      id: `o${ops.length}`,
      client,
      node,
      request,
      invokeUs: t,
      completeUs: reply === null ? null : t + 500,
      outcome,
      ...(reply ? { reply } : {}),
      ...(final ? { final } : {}),
    })
  }
  for (let i = 0; i < 60; i++)
    for (let c = 0; c < 3; c++) {
      const r = w.request(rng, { ...ctx, client: c, opIndex: i })
      record(c, r.node, r.body, false)
    }
  w.finalRequests(ctx).forEach((r, i) => record(i, r.node, r.body, true))
  return w.check(ops, ctx)[0]
}

/** Replies `type` (plus fields) unless the request is lost in doubt (10%: applied or not, at random). */
function answer(
  rng: Rng,
  apply: () => void,
  type: string,
  fields: () => Record<string, unknown> = () => ({}),
) {
  if (rng.chance(0.1)) {
    if (rng.chance(0.5)) apply()
    return null
  }
  apply()
  return { type, ...fields() }
}

/** A set every node shares (correct) or, with `isolated`, a node that keeps its adds to itself and hears nothing. */
function setModel(addType: string, field: string, readField: string, isolated?: string): Model {
  const shared = new Set<unknown>()
  const own = new Set<unknown>()
  return (node, body, rng) => {
    const mine = node === isolated ? own : shared
    if (body.type === addType) return answer(rng, () => mine.add(body[field]), `${addType}_ok`)
    if (body.type === 'read') return { type: 'read_ok', [readField]: [...mine] }
    return { type: `${body.type}_ok` }
  }
}

function counterModel(stale?: string): Model {
  let value = 0
  let frozen: number | null = null
  return (node, body, rng) => {
    if (body.type === 'add') return answer(rng, () => (value += body.delta as number), 'add_ok')
    if (node === stale) frozen ??= value
    return { type: 'read_ok', value: node === stale ? frozen : value }
  }
}

describe('workloads driven against model clusters', () => {
  it('broadcast: a cluster sharing every message passes; one node cut off from gossip is caught', () => {
    for (let seed = 1; seed <= 10; seed++)
      expect(drive('broadcast', setModel('broadcast', 'message', 'messages'), seed).verdict).toBe('ok')
    const r = drive('broadcast', setModel('broadcast', 'message', 'messages', 'n3'), 1)
    expect(r.verdict).toBe('violation')
    expect(r.details[0]).toMatch(/final read .* does not hold it/)
  })

  it('g-set: the same, with add/element and read value', () => {
    for (let seed = 1; seed <= 10; seed++)
      expect(drive('g-set', setModel('add', 'element', 'value'), seed).verdict).toBe('ok')
    expect(drive('g-set', setModel('add', 'element', 'value', 'n2'), 2).verdict).toBe('violation')
  })

  it('g-counter and pn-counter: one shared counter passes (adds in doubt either way); a node stuck on an old value is caught', () => {
    for (const kind of ['g-counter', 'pn-counter'] as const) {
      for (let seed = 1; seed <= 10; seed++) expect(drive(kind, counterModel(), seed).verdict).toBe('ok')
      const r = drive(kind, counterModel('n2'), 3, { readShare: 0.2 })
      expect(r.verdict).toBe('violation')
      expect(r.details.join('\n')).toMatch(/diverge|outside|no choice/)
    }
  })

  it('unique-ids: a counter per node passes; ids that restart per node are caught', () => {
    const model = (perNode: boolean): Model => {
      const next = new Map<string, number>()
      return (node) => {
        const n = next.get(node) ?? 0
        next.set(node, n + 1)
        return { type: 'generate_ok', id: perNode ? `${node}-${n}` : n }
      }
    }
    expect(drive('unique-ids', model(true), 1).verdict).toBe('ok')
    expect(drive('unique-ids', model(false), 1).verdict).toBe('violation')
  })
})
