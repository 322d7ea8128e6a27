// One state of the explorer's search (a World) and the one way to change it (Stepper.apply):
// every node's protocol instance and durable records, the network as the in-flight messages
// (a multiset), the client ops, and the safety checker fed this path's trace so far.
//
// A World is never changed once built: apply() copies what an action touches (the one node it
// acts on, by cloneState; the arrays it changes) and shares the rest with the parent, so a
// branch costs one node's copy, not the whole cluster's, and the path from the initial state
// is never replayed. The host loop is the simulator's (src/core/sim/nodes.ts): after every
// input drain ready(): a base replaces the durable records, persist is appended (before any
// message leaves), then messages, replies and events; a restarted node is created from
// [base, ...later] records only, with a fresh fork of its host rng (as the simulator does).
//
// Hashing: each node's state is encoded once when it changes (the algorithm module's
// encodeState, or the generic canonical encoding of the protocol instance, plus its durable
// records and host rng) and kept as a hash; the world's hash combines the nodes' hashes in
// order, the in-flight messages' hashes sorted (a multiset: send order does not matter), the
// client ops' state and history (without times), and the crash, loss, Byzantine and cluster
// operation budgets used. Pure.
import type { ExperimentSpec } from '../../shared/spec'
import type { NodeId, OpEvent, TraceEvent } from '../../shared/trace'
import { clusterSize } from '../../shared/cluster'
import { nodeIds } from '../../shared/trace'
import type { TraceChecker } from '../check/trace-checker'
import { adminCommand, adminText, type AdminFault } from '../engine/cluster-ops'
import { runRngs } from '../engine/engine'
import { opEvent, type OpInfo } from '../engine/ops'
import type { AnyAlgorithmModule, AnyProtocolFactory } from '../protocols'
import { protocolTraceEvent } from '../protocols/trace-events'
import type { ClientReply, Protocol } from '../protocols/types'
import type { Rng } from '../rng'
import { cloneState } from './clone'
import { digest, digestAppend } from './digest'
import { hashList, hashString } from './hash'
import type { Action, ExploreOp, ExploreOptions } from './types'

/** Run time of step k's events: k synthetic ms, plus the event's place within the step (µs). */
export const STEP_US = 1000

/** A node's timer in 'timeout' mode: at most this many silent ticks before it is taken to have none. */
export const MAX_IDLE_TICKS = 1000

export interface NodeSlot {
  /** null while the node is down. */
  proto: Protocol<unknown, unknown> | null
  /** Everything the node persisted: [base, ...later] (shared with the parent until changed). */
  durable: readonly unknown[]
  /** The digest of `durable`, extended as records are appended. */
  durH: number
  /** Forks each incarnation's protocol rng (kept for the next restart). */
  hostRng: Rng
  /** Hash of the node's whole state (protocol, up or down, durable records, host rng). */
  key: number
}

export interface InFlight {
  from: number
  to: number
  msg: unknown
  /** Hash of (from, to, message): equal messages are one multiset element. */
  h: number
  /** Only when the trace is recorded (trace.ts): the message id, sender's Lamport and vector clocks. */
  id: number
  lc: number
  vc: number[] | null
}

export interface OpState {
  phase: 'idle' | 'sent' | 'refused' | 'done'
  /** The node the current attempt went to (-1: none). */
  node: number
  attempts: number
  /** An attempt's outcome is unknown (its node crashed): the op may have taken effect. */
  uncertain: boolean
}

/** The path to a world, as a linked list from its last step back to the initial state. */
export interface PathLink {
  parent: PathLink | null
  action: Action
}

export interface World {
  nodes: readonly NodeSlot[]
  net: readonly InFlight[]
  ops: readonly OpState[]
  /** The op events of the path (invoke and completions), in order. */
  hist: readonly OpEvent[]
  /** `hist` without times (part of the state hash). */
  histKey: string
  crashes: number
  drops: number
  /** The Byzantine nodes (bit i: node i). */
  byz: number
  /** Cluster operations asked so far. */
  admin: number
  /** The algorithm's checker, fed this path's events (shared with the parent until fed more). */
  checker: TraceChecker
  depth: number
  path: PathLink | null
  hash: number
}

/** What one action did. */
export interface StepOutcome {
  world: World
  /** The checker was fed new events (read its results). */
  checked: boolean
  /** A client op completed (check linearizability). */
  completed: boolean
}

/** Everything about a run that does not change from state to state. */
export interface StepConfig {
  module: AnyAlgorithmModule
  factory: AnyProtocolFactory
  /** Algorithm params, cluster size and seed. */
  spec: ExperimentSpec
  ops: readonly ExploreOp[]
  attempts: number
  time: ExploreOptions['time']
  rng: ExploreOptions['rng']
  /** The cluster operations an admin action names by index (actions.ts clusterOps). */
  clusterOps: readonly AdminFault[]
}

/** The 'fixed' randomness: every draw is the lowest value; no state (frozen, shared). */
export const LOWEST_RNG: Rng = Object.freeze({
  next: () => 0,
  int: (lo: number) => lo,
  chance: () => false,
  fork: (): Rng => LOWEST_RNG,
})

/** The id of op `i` of `ops`: `c<client>.<n>` with n its place among the client's ops (from 1). */
export function opIds(ops: readonly ExploreOp[]): string[] {
  const seen = new Map<number, number>()
  return ops.map((o) => {
    const n = (seen.get(o.client) ?? 0) + 1
    seen.set(o.client, n)
    return `c${o.client}.${n}`
  })
}

/** Trace recording while stepping (trace.ts); null while exploring. */
export interface Recording {
  emit(e: TraceEvent): void
  lc: number[]
  vc: number[][]
  msgSeq: number
}

export class Stepper {
  readonly ids: NodeId[]
  /**
   * The initial voters when not every node is one (cluster.maxNodes > cluster.nodes): the
   * others boot with the rest but outside the configuration, and wait to be added (the engine
   * starts them when a membership fault adds them; a node outside does nothing meanwhile).
   */
  private readonly voters: NodeId[] | undefined
  private readonly byId: Map<NodeId, number>
  private readonly opInfo: OpInfo[]
  private readonly opIndex: Map<string, number>
  private readonly digestProto: (p: Protocol<unknown, unknown>) => number

  // Scratch state of the action being applied.
  private nodes: NodeSlot[] = []
  private net: InFlight[] = []
  private ops: OpState[] = []
  private hist: OpEvent[] = []
  private histKey = ''
  private events: TraceEvent[] = []
  private t = 0
  private completed = false
  private netCopied = false
  private opsCopied = false
  /** States (node hashes) in which a node's timer never fires ('timeout' mode). */
  private readonly idle = new Set<number>()
  /** Nodes copied (and changed) by this step. */
  private touched: number[] = []

  constructor(
    readonly cfg: StepConfig,
    private readonly rec: Recording | null = null,
  ) {
    this.ids = nodeIds(clusterSize(cfg.spec.cluster))
    const initial = cfg.spec.cluster.nodes
    this.voters = initial < this.ids.length ? this.ids.slice(0, initial) : undefined
    this.byId = new Map(this.ids.map((id, i) => [id, i]))
    const ids = opIds(cfg.ops)
    this.opInfo = cfg.ops.map((o, i) => ({
      id: ids[i],
      f: o.f,
      key: o.key,
      value: o.f === 'get' ? null : ids[i],
      expected: o.f === 'cas' ? (o.expected ?? null) : null,
    }))
    this.opIndex = new Map(ids.map((id, i) => [id, i]))
    const own = cfg.module.encodeState
    this.digestProto = own ? (p) => hashString(own(p)) : digest
  }

  /** Message `m` as its Byzantine sender rewrites it (a copy; the algorithm's corrupt()). */
  corrupted(m: InFlight, how: 'equivocate' | 'forge'): unknown {
    const corrupt = this.cfg.factory.corrupt
    if (corrupt === undefined) throw new Error(`${this.cfg.factory.kind} cannot rewrite messages`)
    return corrupt(cloneState(m.msg), how, this.ids[m.to], LOWEST_RNG)
  }

  /** The request id of op k (`c1.1`, ...). */
  opId(k: number): string {
    return this.opInfo[k].id
  }

  /** The initial state: every node booted from nothing, no message in flight, no op sent. */
  initial(): World {
    const rngs = this.cfg.rng === 'seeded' ? runRngs(this.cfg.spec).nodes : this.ids.map(() => LOWEST_RNG)
    this.begin(null, 0)
    this.ops = this.cfg.ops.map(() => ({ phase: 'idle', node: -1, attempts: 0, uncertain: false }))
    this.opsCopied = true
    this.netCopied = true
    this.nodes = this.ids.map((_, i) => ({
      proto: null,
      durable: [],
      durH: 0,
      hostRng: rngs[i],
      key: 0,
    }))
    for (let i = 0; i < this.nodes.length; i++) {
      this.touched.push(i)
      this.boot(i, false)
    }
    const checker = this.cfg.module.checker()
    for (const e of this.events) checker.onEvent(e)
    return this.finish(checker, 0, { crashes: 0, drops: 0, byz: 0, admin: 0 }, null)
  }

  /** Apply `a` to `w`: the next world, or null when the action does nothing (a timer that never fires). */
  apply(w: World, a: Action): StepOutcome | null {
    this.begin(w, w.depth + 1)
    let { crashes, drops, byz, admin } = w
    switch (a.k) {
      case 'deliver': {
        const m = this.takeMsg(a.msg)
        const slot = this.touch(m.to)
        const proto = slot.proto as Protocol<unknown, unknown>
        if (this.rec) this.recordDeliver(m)
        proto.step(this.ids[m.from], cloneState(m.msg))
        this.drain(m.to)
        break
      }
      case 'drop': {
        const m = this.takeMsg(a.msg)
        drops++
        if (this.rec) this.recordDrop(m)
        break
      }
      case 'corrupt': {
        const m = this.takeMsg(a.msg)
        const bit = 1 << m.from
        if ((byz & bit) === 0) {
          byz |= bit
          this.event({
            kind: 'fault',
            t: this.t,
            node: null,
            lc: 0,
            phase: 'start',
            faultId: m.from,
            fault: 'byzantine',
            targets: [this.ids[m.from]],
            detail: `${this.ids[m.from]} turns Byzantine (the explorer rewrites its messages)`,
          })
        }
        const bad = this.corrupted(m, a.how)
        const slot = this.touch(m.to)
        if (this.rec) this.recordDeliver(m, bad)
        ;(slot.proto as Protocol<unknown, unknown>).step(this.ids[m.from], bad)
        this.drain(m.to)
        break
      }
      case 'tick': {
        // A node whose timer never fires stays so: its state (hashed) decides.
        if (this.cfg.time === 'timeout' && this.idle.has(w.nodes[a.node].key)) return null
        const slot = this.touch(a.node)
        const proto = slot.proto as Protocol<unknown, unknown>
        if (this.cfg.time === 'tick') {
          proto.tick()
          this.drain(a.node)
        } else {
          let fired = false
          for (let k = 0; k < MAX_IDLE_TICKS && !fired; k++) {
            proto.tick()
            fired = this.drain(a.node)
          }
          if (!fired) {
            this.idle.add(w.nodes[a.node].key)
            return null
          }
        }
        break
      }
      case 'crash': {
        this.touch(a.node, true)
        crashes++
        const id = this.ids[a.node]
        this.event({
          kind: 'node',
          t: this.t,
          node: id,
          lc: this.rec ? this.rec.lc[a.node] : 0,
          action: 'crash',
        })
        // A request waiting at the crashed node is lost: its outcome is unknown.
        for (let k = 0; k < this.ops.length; k++) {
          const op = this.ops[k]
          if (op.phase === 'sent' && op.node === a.node)
            this.setOp(k, { phase: 'refused', node: -1, attempts: op.attempts, uncertain: true })
        }
        break
      }
      case 'restart':
        this.touch(a.node)
        this.boot(a.node, true)
        break
      case 'admin': {
        // As the engine asks a cluster operation of the leader (ClusterOps.start), recorded
        // as the fault's start and end at once (the explorer does not watch it complete).
        const f = this.cfg.clusterOps[a.op]
        const detail = `${adminText(f)} (asked of leader ${this.ids[a.node]})`
        const fault = {
          kind: 'fault',
          node: null,
          lc: 0,
          faultId: this.ids.length + admin,
          fault: f.kind,
        } as const
        this.event({ ...fault, t: this.t, phase: 'start', targets: [f.target], detail })
        admin++
        const slot = this.touch(a.node)
        ;(slot.proto as Protocol<unknown, unknown>).admin?.(adminCommand(f))
        this.drain(a.node)
        this.event({
          ...fault,
          t: this.t,
          phase: 'end',
          targets: [f.target],
          detail: `${adminText(f)}: asked`,
        })
        break
      }
      case 'request': {
        const info = this.opInfo[a.op]
        const op = this.ops[a.op]
        if (op.phase === 'idle')
          this.opEvent(opEvent(this.t, this.cfg.ops[a.op].client, info, 'invoke', info.value))
        this.setOp(a.op, { phase: 'sent', node: a.node, attempts: op.attempts + 1, uncertain: op.uncertain })
        const slot = this.touch(a.node)
        const cmd =
          info.f === 'get'
            ? { f: 'get' as const, key: info.key }
            : info.f === 'put'
              ? { f: 'put' as const, key: info.key, value: info.value as string }
              : { f: 'cas' as const, key: info.key, expected: info.expected, value: info.value as string }
        ;(slot.proto as Protocol<unknown, unknown>).propose({ id: info.id, cmd })
        this.drain(a.node)
        break
      }
    }
    let checker = w.checker
    let checked = false
    if (this.events.length > 0) {
      checker = cloneState(checker)
      for (const e of this.events) checker.onEvent(e)
      checked = true
    }
    const world = this.finish(
      checker,
      w.depth + 1,
      { crashes, drops, byz, admin },
      { parent: w.path, action: a },
    )
    return { world, checked, completed: this.completed }
  }

  // ---------------------------------------------------------------- the host loop

  private begin(w: World | null, depth: number): void {
    this.t = depth * STEP_US
    this.events = []
    this.touched = []
    this.completed = false
    this.netCopied = false
    this.opsCopied = false
    if (w !== null) {
      this.nodes = w.nodes.slice()
      this.net = w.net as InFlight[]
      this.ops = w.ops as OpState[]
      this.hist = w.hist as OpEvent[]
      this.histKey = w.histKey
    } else {
      this.net = []
      this.hist = []
      this.histKey = ''
    }
  }

  private finish(
    checker: TraceChecker,
    depth: number,
    used: Pick<World, 'crashes' | 'drops' | 'byz' | 'admin'>,
    path: PathLink | null,
  ): World {
    for (const i of this.touched) this.nodes[i].key = this.nodeKey(this.nodes[i])
    const nodeKeys = this.nodes.map((s) => s.key)
    const netKeys = this.net.map((m) => m.h).sort((a, b) => a - b)
    let opsText = this.histKey + '#'
    for (const o of this.ops) opsText += `${o.phase[0]}${o.node},${o.attempts}${o.uncertain ? 'u' : ''};`
    const hash = hashList([
      hashList(nodeKeys),
      hashList(netKeys, 1),
      hashString(opsText),
      used.crashes,
      used.drops,
      used.byz,
      used.admin,
    ])
    return {
      nodes: this.nodes,
      net: this.net,
      ops: this.ops,
      hist: this.hist,
      histKey: this.histKey,
      ...used,
      checker,
      depth,
      path,
      hash,
    }
  }

  /** Node i's slot, copied for this step (with its protocol state unless `drop`): safe to change. */
  private touch(i: number, drop = false): NodeSlot {
    const old = this.nodes[i]
    if (this.touched.includes(i)) return old
    const slot: NodeSlot = {
      proto: old.proto === null || drop ? null : cloneState(old.proto),
      durable: old.durable,
      durH: old.durH,
      hostRng: old.hostRng,
      key: old.key,
    }
    this.nodes[i] = slot
    this.touched.push(i)
    return slot
  }

  /** The node's hash: its protocol state (or down), durable records and host rng. */
  private nodeKey(slot: NodeSlot): number {
    return hashList([slot.proto === null ? 0 : this.digestProto(slot.proto), slot.durH, digest(slot.hostRng)])
  }

  /** Start (or restart) node i from its durable records. */
  private boot(i: number, restart: boolean): void {
    const slot = this.nodes[i]
    slot.hostRng = cloneState(slot.hostRng)
    const id = this.ids[i]
    slot.proto = this.cfg.factory.create({
      id,
      nodes: this.ids,
      ...(this.voters !== undefined ? { voters: this.voters } : {}),
      params: this.cfg.spec.algorithm.params,
      rng: slot.hostRng.fork(),
      recovered: cloneState(slot.durable as unknown[]),
      runSeed: this.cfg.spec.seed,
    })
    if (restart)
      this.event({ kind: 'node', t: this.t, node: id, lc: this.rec ? this.rec.lc[i] : 0, action: 'restart' })
    this.drain(i)
  }

  private takeMsg(k: number): InFlight {
    const m = this.net[k]
    const net = this.net.slice()
    net.splice(k, 1)
    this.net = net
    this.netCopied = true
    return m
  }

  /** Drain node i's ready(); true when it produced anything. */
  private drain(i: number): boolean {
    const slot = this.nodes[i]
    const proto = slot.proto
    if (proto === null) return false
    const r = proto.ready()
    let any = false
    if (r.base !== undefined) {
      slot.durable = [r.base]
      slot.durH = digestAppend(0, r.base)
      any = true
    }
    if (r.persist.length > 0) {
      slot.durable = slot.durable.concat(r.persist)
      for (const rec of r.persist) slot.durH = digestAppend(slot.durH, rec)
      any = true
    }
    for (const out of r.messages) {
      any = true
      const to = this.byId.get(out.to)
      if (to === undefined) continue
      this.send(i, to, out.msg)
    }
    // The node's events before its replies: every event of a step has its own instant (see
    // event), and what a node did in a step (e.g. stored a write) happened before the replies
    // it sent with it (acknowledged the write). The simulator records replies first, but both
    // at the same instant, so there the order does not matter to the checkers.
    const id = this.ids[i]
    for (const e of r.events) {
      any = true
      this.event(protocolTraceEvent(e, this.t, id, this.rec ? this.rec.lc[i] : 0))
    }
    for (const rep of r.replies) {
      any = true
      this.reply(i, rep)
    }
    return any
  }

  private send(from: number, to: number, msg: unknown): void {
    if (!this.netCopied) {
      this.net = this.net.slice()
      this.netCopied = true
    }
    const m: InFlight = {
      from,
      to,
      msg,
      h: hashList([from, to, digest(msg)], 2),
      id: 0,
      lc: 0,
      vc: null,
    }
    if (this.rec) this.recordSend(m)
    this.net.push(m)
  }

  private reply(from: number, rep: ClientReply): void {
    const k = this.opIndex.get(rep.id)
    if (k === undefined) return
    const op = this.ops[k]
    if (op.phase === 'done' || op.phase === 'idle') return
    const info = this.opInfo[k]
    const client = this.cfg.ops[k].client
    if (rep.ok) {
      const value = info.f === 'get' ? rep.value : info.value
      const result = info.f === 'cas' ? rep.result === true : undefined
      this.setOp(k, { phase: 'done', node: -1, attempts: op.attempts, uncertain: op.uncertain })
      this.opEvent(opEvent(this.t, client, info, 'ok', value, result))
      return
    }
    if (from !== op.node) return // a stale refusal of an earlier attempt
    if (op.attempts >= this.cfg.attempts && !op.uncertain) {
      this.setOp(k, { phase: 'done', node: -1, attempts: op.attempts, uncertain: false })
      this.opEvent(opEvent(this.t, client, info, 'fail', info.value, undefined, rep.error))
      return
    }
    this.setOp(k, { phase: 'refused', node: -1, attempts: op.attempts, uncertain: op.uncertain })
  }

  private setOp(k: number, s: OpState): void {
    if (!this.opsCopied) {
      this.ops = this.ops.slice()
      this.opsCopied = true
    }
    this.ops[k] = s
  }

  private opEvent(e: OpEvent): void {
    this.event(e)
    this.hist = [...this.hist, e]
    this.histKey += `${e.opId}:${e.phase}:${e.value === null ? '' : `${e.value.length}:${e.value}`}:${e.result ?? ''};`
    if (e.phase !== 'invoke') this.completed = true
  }

  private event(e: TraceEvent): void {
    // Every event gets its own instant (µs within the step's ms), so trace order is time order.
    e.t = this.t + this.events.length
    this.events.push(e)
    if (this.rec) this.rec.emit(e)
  }

  // ---------------------------------------------------------------- recording (trace.ts)

  private recordSend(m: InFlight): void {
    const r = this.rec as Recording
    m.id = ++r.msgSeq
    m.lc = ++r.lc[m.from]
    const vc = r.vc[m.from]
    vc[m.from]++
    m.vc = vc.slice()
    const f = this.cfg.factory
    this.event({
      kind: 'send',
      t: this.t,
      node: this.ids[m.from],
      lc: m.lc,
      msgId: m.id,
      from: this.ids[m.from],
      to: this.ids[m.to],
      type: f.messageType(m.msg),
      vc: m.vc,
      summary: f.describe(m.msg),
    })
  }

  private recordDeliver(m: InFlight, content: unknown = m.msg): void {
    const r = this.rec as Recording
    r.lc[m.to] = Math.max(r.lc[m.to], m.lc) + 1
    const vc = r.vc[m.to]
    const mvc = m.vc as number[]
    for (let i = 0; i < vc.length; i++) if (mvc[i] > vc[i]) vc[i] = mvc[i]
    vc[m.to]++
    this.event({
      kind: 'deliver',
      t: this.t,
      node: this.ids[m.to],
      lc: r.lc[m.to],
      msgId: m.id,
      from: this.ids[m.from],
      to: this.ids[m.to],
      type: this.cfg.factory.messageType(content),
      vc: vc.slice(),
    })
  }

  private recordDrop(m: InFlight): void {
    const r = this.rec as Recording
    this.event({
      kind: 'drop',
      t: this.t,
      node: this.ids[m.from],
      lc: r.lc[m.from],
      msgId: m.id,
      from: this.ids[m.from],
      to: this.ids[m.to],
      type: this.cfg.factory.messageType(m.msg),
      reason: 'loss',
    })
  }
}
