// Cluster operations as faults (fault kinds `membership` and `transfer-leadership`), written
// once for both run modes: the engine asks the current leader (Host.admin) and watches the
// trace until the operation took effect, recording a fault start and end like every other
// fault (so the charts shade the time it took).
//
// - No leader when one is due: asked again every ADMIN_RETRY_MS, for up to ADMIN_RETRY_LIMIT_MS;
//   then recorded as not applied (start and end events saying so).
// - `add` of a node that has never run starts it first (Host.boot): it comes up outside the
//   configuration and the leader makes it a learner.
// - `remove`: the removed node is left running, idle, outside the configuration (a Raft node
//   that is not a voter never stands for election); a later `add` takes it back.
// - The fault ends once the change is committed (a configuration event that has it, then a
//   commit index at or past that entry on any node), once the transfer's target leads (or
//   another node leads a newer term: the transfer was not done), or after ADMIN_WATCH_MS
//   (TRANSFER_WATCH_MS for a transfer), recorded as not done.
// Each operation also goes into the run summary (records()): its outcome, start and end, and
// its unavailability, the longest stretch meanwhile in which no client op completed ok.
// Pure; every decision is in response to the engine's timers and recorded events.
import type { ClusterOpRecord } from '../../shared/api'
import type { FaultSpec } from '../../shared/spec'
import type { ConfigEvent, StateEvent, TraceEvent } from '../../shared/trace'
import type { AdminCommand, Protocol } from '../protocols/types'
import { faultStartDetail } from './fault-text'
import { TIMER_ADMIN_RETRY, TIMER_ADMIN_WATCH, type Host } from './host'

/** How often a cluster operation that found no leader is asked again, ms. */
export const ADMIN_RETRY_MS = 50
/** How long a cluster operation waits for a leader before it is recorded as not applied, ms. */
export const ADMIN_RETRY_LIMIT_MS = 5000
/** How long the engine watches a membership change for its commit before it records it as not done, ms. */
export const ADMIN_WATCH_MS = 30_000
/**
 * How long it watches a leadership transfer (the target should lead within an election
 * timeout or two; a protocol gives a transfer up by itself, e.g. Raft's transferTimeoutTicks), ms.
 */
export const TRANSFER_WATCH_MS = 2000

export type AdminFault = Extract<FaultSpec, { kind: 'membership' | 'transfer-leadership' }>

export function isAdminFault(f: FaultSpec): f is AdminFault {
  return f.kind === 'membership' || f.kind === 'transfer-leadership'
}

/** The protocol command a cluster-operation fault asks for. */
export function adminCommand(f: AdminFault): AdminCommand {
  return f.kind === 'membership'
    ? { type: 'membership', action: f.action, node: f.target }
    : { type: 'transfer-leadership', target: f.target }
}

/**
 * The node a cluster operation is asked of: the one that believes it leads with the highest
 * term (`proto(i)` is node i's protocol, null while down), or -1. Host.leader() of the
 * simulator, and the explorer's admin actions.
 */
export function leaderOf(nodes: number, proto: (i: number) => Protocol<unknown, unknown> | null): number {
  let best = -1
  let bestTerm = -1
  for (let i = 0; i < nodes; i++) {
    const p = proto(i)
    if (p === null) continue
    const s = p.status()
    if (s.role === 'leader' && s.term > bestTerm) {
      best = i
      bestTerm = s.term
    }
  }
  return best
}

/** A few words for the operation: `add n6`, `transfer leadership to n3`. */
export function adminText(f: AdminFault): string {
  return faultStartDetail(f, null)
}

interface Watch {
  fault: number
  f: AdminFault
  /** Membership: the configuration entry that has the change, once seen (else 0). */
  configIndex: number
  /** Transfer: the leader's term when it was asked. */
  term: number
  /** Bumped to cancel the watch timer. */
  gen: number
  /** When it was asked, the last ok op completion since (µs), and the longest gap so far. */
  startUs: number
  lastOkUs: number
  gapUs: number
}

/** Whether configuration `c` has membership change `f` done. */
export function configHas(c: Pick<ConfigEvent, 'voters' | 'learners' | 'oldVoters'>, f: AdminFault): boolean {
  if (f.kind !== 'membership') return false
  const t = f.target
  const old = c.oldVoters ?? []
  switch (f.action) {
    case 'add':
      return c.voters.includes(t) || c.learners.includes(t)
    case 'promote':
      return c.voters.includes(t) && c.oldVoters === undefined
    case 'remove':
      return !c.voters.includes(t) && !c.learners.includes(t) && !old.includes(t)
  }
}

export interface ClusterOpsHooks {
  /** Record the fault's start / end event (targets are the fault's). */
  event(fault: number, phase: 'start' | 'end', detail: string): void
  /** The fault is over (no longer active). */
  ended(fault: number): void
  /** Whether node idx has ever been started in this run. */
  started(idx: number): boolean
  /** Start node idx for the first time (outside the configuration). */
  boot(idx: number): void
  /** Whether the run has client load (else unavailability is not measured: null). */
  readonly hasLoad: boolean
}

export class ClusterOps {
  private readonly watches = new Map<number, Watch>()
  private readonly done: ClusterOpRecord[] = []
  /** When each waiting operation was first due, µs. */
  private readonly firstDue = new Map<number, number>()
  private gen = 0

  constructor(
    private readonly host: Host,
    private readonly hooks: ClusterOpsHooks,
  ) {}

  /** Whether any operation is being watched (the engine then passes state / config events on). */
  get watching(): boolean {
    return this.watches.size > 0
  }

  /** Operation `i` is due (its scheduled time, a retry, or a live action). */
  start(i: number, f: AdminFault): void {
    const host = this.host
    const now = host.nowUs()
    const first = this.firstDue.get(i) ?? now
    const x = host.ids.indexOf(f.target)
    const leader = host.leader()
    if (leader < 0) {
      if (now - first < ADMIN_RETRY_LIMIT_MS * 1000) {
        this.firstDue.set(i, first)
        host.timer(TIMER_ADMIN_RETRY, i, 0, now + ADMIN_RETRY_MS * 1000, false)
        return
      }
      this.firstDue.delete(i)
      const why = `${adminText(f)}: not applied (no leader for ${ADMIN_RETRY_LIMIT_MS} ms)`
      this.hooks.event(i, 'start', why)
      this.hooks.event(i, 'end', why)
      this.hooks.ended(i)
      this.record(i, f, 'not applied', now, now, 0)
      return
    }
    this.firstDue.delete(i)
    const waited = now > first ? ` after ${Math.round((now - first) / 1000)} ms without a leader` : ''
    const via = `asked of leader ${host.ids[leader]}${waited}`
    if (f.kind === 'transfer-leadership' && leader === x) {
      const what = `${adminText(f)}: ${f.target} already leads`
      this.hooks.event(i, 'start', what)
      this.hooks.event(i, 'end', what)
      this.hooks.ended(i)
      this.record(i, f, 'done', now, now, 0)
      return
    }
    let booted = ''
    if (f.kind === 'membership' && f.action === 'add' && x >= 0 && !this.hooks.started(x)) {
      this.hooks.boot(x)
      booted = `, ${f.target} started`
    }
    const learner = f.kind === 'membership' && f.action === 'add' ? ' as a learner' : ''
    this.hooks.event(i, 'start', `${adminText(f)}${learner} (${via}${booted})`)
    const term = host.nodeTerm(leader)
    const w: Watch = {
      fault: i,
      f,
      configIndex: 0,
      term,
      gen: ++this.gen,
      startUs: now,
      lastOkUs: now,
      gapUs: 0,
    }
    this.watches.set(i, w)
    if (!host.admin(leader, adminCommand(f))) {
      this.finish(
        i,
        `${adminText(f)}: not applied (leader ${host.ids[leader]} cannot take it)`,
        'not applied',
        now,
      )
      return
    }
    this.watches.set(i, w)
    const watchMs = f.kind === 'transfer-leadership' ? TRANSFER_WATCH_MS : ADMIN_WATCH_MS
    host.timer(TIMER_ADMIN_WATCH, i, w.gen, now + watchMs * 1000, false)
  }

  /** The watch timer of operation `i` (generation `gen`) is due: not done in time. */
  onWatchTimeout(i: number, gen: number): void {
    const w = this.watches.get(i)
    if (w === undefined || w.gen !== gen) return
    const what =
      w.f.kind === 'transfer-leadership'
        ? `${adminText(w.f)}: not done within ${TRANSFER_WATCH_MS} ms (${w.f.target} did not take over)`
        : `${adminText(w.f)}: not committed within ${ADMIN_WATCH_MS} ms`
    this.finish(i, what, 'not done', this.host.nowUs())
  }

  /** A client op completed ok at `t` (passed on while `watching`). */
  onOk(t: number): void {
    for (const w of this.watches.values()) {
      if (t < w.lastOkUs) continue
      w.gapUs = Math.max(w.gapUs, t - w.lastOkUs)
      w.lastOkUs = t
    }
  }

  /** The operations that ended so far, in the order they ended. */
  records(): ClusterOpRecord[] {
    return this.done.slice()
  }

  /** A state or configuration event was recorded (only passed on while `watching`). */
  observe(e: TraceEvent): void {
    if (e.kind === 'config') this.onConfig(e)
    else if (e.kind === 'state') this.onState(e)
    else if (e.kind === 'op' && e.phase === 'ok') this.onOk(e.t)
  }

  private onConfig(e: ConfigEvent): void {
    for (const w of this.watches.values())
      if (w.f.kind === 'membership' && configHas(e, w.f) && e.index > w.configIndex) w.configIndex = e.index
  }

  private onState(e: StateEvent): void {
    for (const w of [...this.watches.values()]) {
      const f = w.f
      if (f.kind === 'membership') {
        if (w.configIndex > 0 && e.commitIndex >= w.configIndex)
          this.finish(
            w.fault,
            `${adminText(f)}: done (configuration entry ${w.configIndex} committed, ${e.node} at ${e.commitIndex})`,
            'done',
            e.t,
          )
      } else if (e.role === 'leader') {
        if (e.node === f.target)
          this.finish(w.fault, `${adminText(f)}: done (${f.target} leads term ${e.term})`, 'done', e.t)
        else if (e.term > w.term)
          this.finish(w.fault, `${adminText(f)}: not done (${e.node} leads term ${e.term})`, 'not done', e.t)
      }
    }
  }

  private finish(i: number, detail: string, outcome: ClusterOpRecord['outcome'], atUs: number): void {
    const w = this.watches.get(i)
    if (w === undefined) return
    this.watches.delete(i)
    this.hooks.event(i, 'end', detail)
    this.hooks.ended(i)
    const end = Math.max(atUs, w.startUs)
    this.record(i, w.f, outcome, w.startUs, end, Math.max(w.gapUs, end - Math.max(w.lastOkUs, w.startUs)))
  }

  private record(
    i: number,
    f: AdminFault,
    outcome: ClusterOpRecord['outcome'],
    startUs: number,
    endUs: number,
    gapUs: number,
  ): void {
    this.done.push({
      fault: i,
      what: adminText(f),
      outcome,
      startMs: startUs / 1000,
      endMs: endUs / 1000,
      unavailableMs: this.hooks.hasLoad ? gapUs / 1000 : null,
    })
  }
}
