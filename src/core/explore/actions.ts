// The actions enabled in a world, in a fixed order (so a search is deterministic), and each
// action in words. Equal in-flight messages (same sender, receiver and content) are one
// multiset element: only the first of them is delivered or lost. Cluster operations are asked
// of the leader as the engine's membership / transfer-leadership faults ask them
// (engine/cluster-ops.ts), one that would change nothing in the leader's configuration left
// out. Pure.
import { MEMBERSHIP_ACTIONS } from '../../shared/spec'
import { nodeIds, type NodeId } from '../../shared/trace'
import { adminText, configHas, leaderOf, type AdminFault } from '../engine/cluster-ops'
import type { AnyProtocolFactory } from '../protocols'
import type { Action } from './types'
import type { Stepper, World } from './world'

export interface Budgets {
  crashes: number
  drops: number
  attempts: number
  /** Most Byzantine nodes (0 when the algorithm cannot rewrite messages). */
  byzantine: number
  /** Most cluster operations on a path (0 when the algorithm has none). */
  admin: number
  /** The cluster operations that may be asked (see clusterOps). */
  clusterOps: readonly AdminFault[]
}

/**
 * Every cluster operation the algorithm takes (its factory's admin), on every node, in a fixed
 * order: membership add / remove / promote, then leadership transfer. As faults (at 0 ms:
 * the explorer decides when), so the engine's words and commands serve.
 */
export function clusterOps(factory: AnyProtocolFactory, ids: readonly NodeId[]): AdminFault[] {
  const out: AdminFault[] = []
  const kinds = factory.admin ?? []
  if (kinds.includes('membership'))
    for (const action of MEMBERSHIP_ACTIONS)
      for (const target of ids) out.push({ kind: 'membership', atMs: 0, action, target })
  if (kinds.includes('transfer-leadership'))
    for (const target of ids) out.push({ kind: 'transfer-leadership', atMs: 0, target })
  return out
}

const BYZANTINE: ReadonlyArray<'equivocate' | 'forge'> = ['equivocate', 'forge']

function bits(x: number): number {
  let n = 0
  for (; x !== 0; x &= x - 1) n++
  return n
}

/** Every action enabled in `w`: deliveries, timers, client requests, losses, crashes, restarts. */
export function enabledActions(w: World, nodes: number, b: Budgets, clientOf: readonly number[]): Action[] {
  const out: Action[] = []
  const up = (i: number): boolean => w.nodes[i].proto !== null
  const distinct: number[] = []
  const seen = new Set<number>()
  for (let k = 0; k < w.net.length; k++) {
    const m = w.net[k]
    if (seen.has(m.h)) continue
    seen.add(m.h)
    distinct.push(k)
  }
  for (const k of distinct) if (up(w.net[k].to)) out.push({ k: 'deliver', msg: k })
  for (let i = 0; i < nodes; i++) if (up(i)) out.push({ k: 'tick', node: i })
  for (let op = 0; op < w.ops.length; op++) {
    if (!canSend(w, op, b.attempts, clientOf)) continue
    for (let i = 0; i < nodes; i++) if (up(i)) out.push({ k: 'request', op, node: i })
  }
  if (w.drops < b.drops) for (const k of distinct) out.push({ k: 'drop', msg: k })
  if (b.byzantine > 0) {
    const more = bits(w.byz) < b.byzantine
    for (const k of distinct) {
      const m = w.net[k]
      if (up(m.to) && (more || (w.byz & (1 << m.from)) !== 0))
        for (const how of BYZANTINE) out.push({ k: 'corrupt', msg: k, how })
    }
  }
  if (w.admin < b.admin) adminActions(w, nodes, b.clusterOps, out)
  if (w.crashes < b.crashes) for (let i = 0; i < nodes; i++) if (up(i)) out.push({ k: 'crash', node: i })
  for (let i = 0; i < nodes; i++) if (!up(i)) out.push({ k: 'restart', node: i })
  return out
}

/** The cluster operations the leader could act on (none while no node leads). */
function adminActions(w: World, nodes: number, ops: readonly AdminFault[], out: Action[]): void {
  const leader = leaderOf(nodes, (i) => w.nodes[i].proto)
  if (leader < 0) return
  const status = (w.nodes[leader].proto as NonNullable<World['nodes'][number]['proto']>).status()
  // A status without a configuration means every node a voter.
  const config = status.config ?? { voters: nodeIds(nodes), learners: [] }
  for (let op = 0; op < ops.length; op++) {
    const f = ops[op]
    if (f.kind === 'transfer-leadership' ? f.target === status.id : configHas(config, f)) continue
    out.push({ k: 'admin', op, node: leader })
  }
}

/**
 * Whether op `op` may be sent now: not sent yet and every earlier op of its client is done,
 * or refused / lost with attempts left.
 */
function canSend(w: World, op: number, attempts: number, clientOf: readonly number[]): boolean {
  const s = w.ops[op]
  if (s.phase === 'refused') return s.attempts < attempts
  if (s.phase !== 'idle') return false
  for (let j = 0; j < op; j++) if (clientOf[j] === clientOf[op] && w.ops[j].phase !== 'done') return false
  return true
}

/** `a` in words, as it acts on `w` (before it is applied). */
export function describeAction(st: Stepper, w: World, a: Action): string {
  const ids = st.ids
  switch (a.k) {
    case 'deliver':
    case 'drop': {
      const m = w.net[a.msg]
      const f = st.cfg.factory
      const what = `${ids[m.from]} -> ${ids[m.to]} ${f.messageType(m.msg)}: ${f.describe(m.msg)}`
      return a.k === 'deliver' ? `deliver ${what}` : `lose ${what}`
    }
    case 'corrupt': {
      const m = w.net[a.msg]
      const f = st.cfg.factory
      const bad = st.corrupted(m, a.how)
      return (
        `deliver ${ids[m.from]} -> ${ids[m.to]} ${f.messageType(bad)} as Byzantine ${ids[m.from]} ` +
        `${a.how === 'forge' ? 'forged' : 'equivocated'} it: ${f.describe(bad)} (sent: ${f.describe(m.msg)})`
      )
    }
    case 'tick':
      return st.cfg.time === 'tick' ? `tick ${ids[a.node]}` : `timer of ${ids[a.node]} fires`
    case 'crash':
      return `crash ${ids[a.node]}`
    case 'restart':
      return `restart ${ids[a.node]} from its durable records`
    case 'admin':
      return `ask leader ${ids[a.node]}: ${adminText(st.cfg.clusterOps[a.op])}`
    case 'request': {
      const o = st.cfg.ops[a.op]
      const id = st.opId(a.op)
      const what =
        o.f === 'get'
          ? `get ${o.key}`
          : o.f === 'put'
            ? `put ${o.key}=${id}`
            : `cas ${o.key} ${o.expected ?? 'null'}->${id}`
      const again = w.ops[a.op].phase === 'idle' ? '' : ' (again)'
      return `client ${o.client} sends ${id} ${what} to ${ids[a.node]}${again}`
    }
  }
}
