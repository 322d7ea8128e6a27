// A seeded, simulator-level fuzz harness for Raft with membership changes, snapshots and
// leadership transfers (thesis chapters 3.10, 4 and 5). It drives the protocol directly (the
// spec's fault list has no membership events yet): random message delivery order, loss and
// duplication (so stale InstallSnapshot pieces arrive late), ticks, client requests, crashes
// and restarts from disk, partitions, membership commands (add / promote / remove, sometimes
// two at once) and transfers to whoever leads; every protocol event goes, in order and with a
// run-relative time, to the lab's Raft checker. One seed reproduces one run.
import { createRaftChecker, type RaftTraceChecker } from '../src/core/check/raft'
import { createRng, type Rng } from '../src/core/rng'
import type { RaftMutations } from '../src/core/protocols/raft/types'
import type { AdminCommand, KvCommand, NodeId, ProtocolEvent, Ready } from '../src/core/protocols/types'
import { protocolTraceEvent } from '../src/core/protocols/trace-events'
import type { CheckResult } from '../src/shared/api'
import type { RaftMsg, RaftRecord } from '../src/core/protocols/raft/types'
import { Cluster } from './raft.harness'
import { checkRaftMsg } from '../src/core/protocols/raft/validate'

export interface MembershipFuzzOptions {
  seed: number
  mutations?: RaftMutations
  membership?: 'single-server' | 'joint'
  /** Scheduler steps (each delivers, ticks, proposes, faults or changes something). */
  steps?: number
}

export interface MembershipFuzzResult {
  seed: number
  /** The checks that failed (empty: the run passed). */
  violations: CheckResult[]
  results: CheckResult[]
  /** What the run exercised. */
  stats: {
    configs: number
    joint: number
    installs: number
    snapshots: number
    transfers: number
    leaders: number
    applied: number
  }
}

const NODES = 5
const INITIAL_VOTERS = ['n1', 'n2', 'n3']

/** The Raft harness cluster, with every protocol event fed to the checker as it happens. */
export class TracedCluster extends Cluster {
  now = 0
  // Declared, not initialized: the base constructor already starts nodes (and calls onReady)
  // before a field initializer here would run.
  declare private sink: { checker: RaftTraceChecker; stats: MembershipFuzzResult['stats'] } | undefined

  get checker(): RaftTraceChecker {
    return this.out().checker
  }

  get stats(): MembershipFuzzResult['stats'] {
    return this.out().stats
  }

  private out(): { checker: RaftTraceChecker; stats: MembershipFuzzResult['stats'] } {
    this.sink ??= {
      checker: createRaftChecker(),
      stats: { configs: 0, joint: 0, installs: 0, snapshots: 0, transfers: 0, leaders: 0, applied: 0 },
    }
    return this.sink
  }

  protected override onReady(id: NodeId, rd: Ready<RaftMsg, RaftRecord>): void {
    for (const e of rd.events) this.record(id, e)
  }

  /** Every message must pass the wire check a real node applies (processes mode). */
  protected override outgoing(from: NodeId, to: NodeId, msg: RaftMsg): RaftMsg | null {
    const bad = checkRaftMsg(msg)
    if (bad !== null)
      throw new Error(`${from} -> ${to}: a real node would refuse ${JSON.stringify(msg)}: ${bad}`)
    return msg
  }

  private record(id: NodeId, e: ProtocolEvent): void {
    // The checker's 'log'/'apply'/... events; a Raft node emits them only for what it persisted.
    this.checker.onEvent(protocolTraceEvent(e, this.now, id, 0))
    switch (e.type) {
      case 'config':
        this.stats.configs++
        if (e.oldVoters) this.stats.joint++
        break
      case 'snapshot':
        if (e.action === 'install') this.stats.installs++
        else this.stats.snapshots++
        break
      case 'state':
        if (e.role === 'leader') this.stats.leaders++
        break
      case 'apply':
        this.stats.applied++
        break
      default:
        break
    }
  }

  /** A crash and a restart are traced as the lab traces them (the checker allows a replay after them). */
  override crash(id: NodeId): void {
    super.crash(id)
    this.checker.onEvent({ kind: 'node', t: this.now, node: id, lc: 0, action: 'crash' })
  }

  override restart(id: NodeId): ReturnType<Cluster['restart']> {
    this.checker.onEvent({ kind: 'node', t: this.now, node: id, lc: 0, action: 'restart' })
    return super.restart(id)
  }

  op(id: string, client: number, cmd: KvCommand, phase: 'invoke' | 'ok', node: NodeId): void {
    this.checker.onEvent({
      kind: 'op',
      t: this.now,
      node,
      lc: 0,
      client,
      opId: id,
      phase,
      f: cmd.f,
      key: cmd.key,
      value: cmd.f === 'get' ? null : cmd.value,
    })
  }
}

/** A membership command that means something to `leader`'s configuration. */
function pickChange(rng: Rng, c: TracedCluster, leader: NodeId): AdminCommand | null {
  const cfg = c.node(leader).inspect().config
  const inConfig = new Set([...cfg.voters, ...cfg.learners])
  const outside = c.ids.filter((n) => !inConfig.has(n))
  // Weighted so that learners stay a while (they matter to elections and commitment).
  const choices: AdminCommand[] = []
  for (const n of outside)
    for (let w = 0; w < 3; w++) choices.push({ type: 'membership', action: 'add', node: n })
  for (const n of cfg.learners) choices.push({ type: 'membership', action: 'promote', node: n })
  for (const n of cfg.learners) choices.push({ type: 'membership', action: 'remove', node: n })
  // Keep three voters at least, so that one failure leaves a quorum.
  if (cfg.voters.length > 3)
    for (const n of cfg.voters) choices.push({ type: 'membership', action: 'remove', node: n })
  return choices.length ? choices[rng.int(0, choices.length - 1)] : null
}

export function runMembershipFuzz(opts: MembershipFuzzOptions): MembershipFuzzResult {
  const rng = createRng(opts.seed * 2654435761)
  const c = new TracedCluster(NODES, {
    seed: opts.seed,
    voters: INITIAL_VOTERS,
    mutations: opts.mutations ?? {},
    params: {
      membership: opts.membership ?? (rng.chance(0.5) ? 'joint' : 'single-server'),
      snapshotEveryEntries: rng.int(4, 24),
      snapshotChunkBytes: rng.int(64, 400),
      maxBatch: rng.int(1, 8),
      transferTimeoutTicks: rng.int(0, 15),
    },
  })
  const steps = opts.steps ?? 6000
  const down = new Set<NodeId>()
  const pending = new Map<string, { cmd: KvCommand; client: number }>()
  let seenReplies = 0
  let op = 0
  let hint: NodeId = 'n1'
  const live = (): NodeId[] => c.ids.filter((n) => !down.has(n))
  const anyLive = (): NodeId => {
    const l = live()
    return l[rng.int(0, l.length - 1)]
  }
  for (let s = 0; s < steps; s++) {
    // One step is 10 ms of trace time (about a tick), so time-based judgements read as in the lab.
    c.now = (s + 1) * 10_000
    const r = rng.next()
    if (r < 0.5) {
      // Deliver a few random queued messages (reordering); lose 3%, duplicate 3% (a copy stays queued).
      for (let m = 0; m < 3 && c.queue.length > 0; m++) {
        const k = rng.int(0, c.queue.length - 1)
        const [e] = c.queue.splice(k, 1)
        if (rng.chance(0.03)) continue
        if (rng.chance(0.03)) c.queue.push(e)
        if (!c.deliverable(e)) continue
        c.node(e.to).step(e.from, e.msg)
        c.drain(e.to)
      }
    } else if (r < 0.76) {
      const id = anyLive()
      c.node(id).tick()
      c.drain(id)
    } else if (r < 0.84) {
      const target = down.has(hint) ? anyLive() : hint
      op++
      const client = op % 7
      const key = `k${rng.int(0, 9)}`
      const f = rng.next()
      const cmd: KvCommand =
        f < 0.3
          ? { f: 'get', key }
          : f < 0.85
            ? { f: 'put', key, value: `v${op}` }
            : { f: 'cas', key, expected: `v${op - 1}`, value: `v${op}` }
      const id = `c${client}.${op}`
      pending.set(id, { cmd, client })
      c.op(id, client, cmd, 'invoke', target)
      c.propose(target, id, cmd, false)
    } else if (r < 0.855) {
      // A membership change (sometimes two at once) handed to the node believed to lead.
      const leaders = c.leaders().filter((n) => !down.has(n.id))
      const to = leaders.length ? leaders[rng.int(0, leaders.length - 1)].id : anyLive()
      const n = rng.chance(0.3) ? 2 : 1
      for (let k = 0; k < n; k++) {
        const cmd = pickChange(rng, c, to)
        if (cmd) c.node(to).admin(cmd)
      }
      c.drain(to)
    } else if (r < 0.86) {
      const leaders = c.leaders().filter((n) => !down.has(n.id))
      if (leaders.length) {
        const l = leaders[rng.int(0, leaders.length - 1)]
        c.stats.transfers++
        c.act(
          l.id,
          (n) => n.admin({ type: 'transfer-leadership', target: c.ids[rng.int(0, NODES - 1)] }),
          false,
        )
      }
    } else if (r < 0.865 || (r < 0.88 && down.size > 0)) {
      // Crash one node at a time at most; a crashed node comes back soon.
      const id = down.size > 0 ? [...down][0] : c.ids[rng.int(0, NODES - 1)]
      if (down.has(id)) {
        c.restart(id)
        down.delete(id)
      } else {
        c.crash(id)
        down.add(id)
      }
    } else if (r < 0.8685) {
      // A partition: a random side against the rest.
      c.heal()
      const side = c.ids.filter(() => rng.chance(0.5))
      for (const a of side) for (const b of c.ids) if (!side.includes(b)) c.cut(a, b)
    } else if (r < 0.89) {
      c.heal()
    } else {
      // Time passes for everyone.
      for (const id of live()) {
        c.node(id).tick()
        c.drain(id)
      }
    }
    // Replies: acknowledged operations go to the checker's history; redirect the client.
    for (; seenReplies < c.replies.length; seenReplies++) {
      const { node, reply } = c.replies[seenReplies]
      const p = pending.get(reply.id)
      if (!p) continue
      if (reply.ok) {
        pending.delete(reply.id)
        c.op(reply.id, p.client, p.cmd, 'ok', node)
      } else if (reply.error === 'not_leader') {
        hint = reply.leaderHint ?? anyLive()
      }
    }
  }
  const results = c.checker.finalResults()
  return { seed: opts.seed, violations: results.filter((x) => !x.ok), results, stats: c.stats }
}

/**
 * Run seeds from..to until one finds a violation (or none does): `log` gets
 * "reproduce with seed=N" and the violations of the first failing seed.
 */
export function searchSeeds(
  opts: Omit<MembershipFuzzOptions, 'seed'> & { from: number; to: number },
  log: (line: string) => void = () => {},
): { caught: MembershipFuzzResult | null; tried: number } {
  for (let seed = opts.from; seed <= opts.to; seed++) {
    const r = runMembershipFuzz({ ...opts, seed })
    if (r.violations.length > 0) {
      log(`reproduce with seed=${seed}`)
      for (const v of r.violations) log(`  ${v.name}: ${v.details[0] ?? ''}`)
      return { caught: r, tried: seed - opts.from + 1 }
    }
  }
  return { caught: null, tried: opts.to - opts.from + 1 }
}
