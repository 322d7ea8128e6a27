// The actions enabled in a world, in a fixed order (so a search is deterministic), and each
// action in words. Equal in-flight messages (same sender, receiver and content) are one
// multiset element: only the first of them is delivered or lost. Pure.
import type { Action } from './types'
import type { Stepper, World } from './world'

export interface Budgets {
  crashes: number
  drops: number
  attempts: number
  /** Most Byzantine nodes (0 when the algorithm cannot rewrite messages). */
  byzantine: number
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
  if (w.crashes < b.crashes) for (let i = 0; i < nodes; i++) if (up(i)) out.push({ k: 'crash', node: i })
  for (let i = 0; i < nodes; i++) if (!up(i)) out.push({ k: 'restart', node: i })
  return out
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
