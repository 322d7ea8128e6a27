// Every fault kind, written once for both run modes: when a fault starts and ends, which nodes
// it names, what it does to the links (LinkState) and what it asks the host to do to nodes
// (crash, restart, pause, clock, byzantine behaviour), and the fault start / end trace events.
// Scheduled faults start on the engine's timers; live faults (the UI's "break it now") start
// and end through Host.soon. Targets: a node id, 'leader' (the host's current leader),
// 'random' (seeded), 'minority', 'majority', 'all', among the nodes started so far (with
// cluster.maxNodes, the ones past cluster.nodes start when a membership fault adds them).
// Cluster operations (membership, transfer-leadership) are done by ClusterOps.
import { clusterSize, type ExperimentSpec, type FaultSpec, type Target } from '../../shared/spec'
import type { Rng } from '../rng'
import { ClusterOps, isAdminFault } from './cluster-ops'
import { jumpTicks, planOverlayFault, planPartitionFault } from './fault-plan'
import { faultEndDetail, faultStartDetail, nodeNames } from './fault-text'
import {
  TIMER_ADMIN_RETRY,
  TIMER_ADMIN_WATCH,
  TIMER_FAULT_END,
  TIMER_LIVE_END,
  TIMER_LIVE_START,
  TIMER_RESTART,
  type Host,
  type HostWords,
} from './host'
import type { Byzantine, LinkState, Overlay } from './links'
import { resolveTarget } from './targets'

interface FaultRt {
  spec: FaultSpec
  targets: number[]
  cut: Array<[number, number]> | null
  active: boolean
}

export interface FaultOptions {
  /** Whether the algorithm can forge / equivocate (its factory has corrupt()); else such nodes go silent. */
  canCorrupt: boolean
  /** The algorithm's kind, for fault details. */
  algorithm: string
  words: HostWords
}

export class FaultRunner {
  private readonly faults: FaultRt[]
  private readonly n: number
  /** Per node: active clock rate multipliers by fault index (insertion order). */
  private readonly rates: Array<Map<number, number>>
  /** Per node: pause depth (overlapping pause faults). */
  private readonly pauses: number[]
  /** Per node: the byzantine fault that set its behaviour, or -1. */
  private readonly byzFault: number[]
  /** Per node: whether it has been started in this run (the first cluster.nodes at boot). */
  private readonly started: boolean[]
  /** Membership changes and leadership transfers. */
  readonly ops: ClusterOps
  /** After healAll: scheduled faults no longer start. */
  private holding = false
  private stopped = false

  constructor(
    private readonly spec: ExperimentSpec,
    private readonly host: Host,
    private readonly links: LinkState,
    private readonly rng: Rng,
    private readonly opts: FaultOptions,
  ) {
    const n = clusterSize(spec.cluster)
    this.n = n
    this.started = Array.from({ length: n }, (_, i) => i < spec.cluster.nodes)
    this.ops = new ClusterOps(host, {
      event: (i, phase, detail) => this.event(i, phase, detail),
      ended: (i) => (this.faults[i].active = false),
      started: (x) => this.started[x],
      boot: (x) => {
        this.started[x] = true
        host.bootNode(x)
      },
      hasLoad: spec.workload.clients > 0 && spec.workload.ratePerSec > 0,
    })
    this.faults = spec.faults.map((f) => ({ spec: f, targets: [], cut: null, active: false }))
    this.rates = Array.from({ length: n }, () => new Map<number, number>())
    this.pauses = new Array<number>(n).fill(0)
    this.byzFault = new Array<number>(n).fill(-1)
  }

  /** Schedule every fault of the spec (first, so a fault due at t acts before anything else at t). */
  schedule(fireAt: (i: number, atUs: number) => void): void {
    this.spec.faults.forEach((f, i) => fireAt(i, Math.round(f.atMs * 1000)))
  }

  /** No fault starts or ends after this (the run is over); active ones stay as they are. */
  stop(): void {
    this.stopped = true
  }

  /** Start fault `f` now (live); returns its index. Throws when it cannot start here. */
  inject(f: FaultSpec): number {
    if (this.stopped) throw new RangeError('the run is over: no fault can start now')
    const why = f.kind === 'pause' ? this.host.pauseUnavailable() : null
    if (why !== null) throw new Error(`pause faults are unavailable here: ${why}`)
    const i = this.faults.length
    this.faults.push({ spec: f, targets: [], cut: null, active: false })
    if (!this.host.soon(TIMER_LIVE_START, i, 0)) {
      this.faults.pop()
      throw new RangeError('the run is over: no fault can start now')
    }
    return i
  }

  /** End active fault `i` now (live); a crash fault restarts its nodes. */
  end(i: number): void {
    const rt = this.faults[i]
    if (rt === undefined || !rt.active || this.stopped) return
    this.host.soon(TIMER_LIVE_END, i, 0)
  }

  /**
   * Heal: end every active fault now and start no scheduled one from here on (a Maelstrom
   * workload's final phase judges convergence after faults heal). Crashed nodes restart.
   */
  healAll(): void {
    if (this.stopped) return
    this.holding = true
    this.faults.forEach((rt, i) => {
      if (rt.active) this.end(i)
    })
  }

  isActive(i: number): boolean {
    return this.faults[i]?.active === true
  }

  /** The clock rate node x runs at (a restarted node keeps it). */
  clockRate(x: number): number {
    let r = 1
    for (const v of this.rates[x].values()) r *= v
    return r
  }

  /** A node went down outside the fault schedule (it exited by itself): it is no longer paused. */
  nodeDown(x: number): void {
    this.pauses[x] = 0
  }

  // ---------------------------------------------------------------- timers

  onTimer(kind: number, i: number, b = 0): void {
    if (this.stopped) return
    switch (kind) {
      case TIMER_LIVE_START:
        return this.start(i)
      case TIMER_LIVE_END:
        return this.faults[i].spec.kind === 'crash' ? this.restart(i) : this.finish(i)
      case TIMER_FAULT_END:
        return this.finish(i)
      case TIMER_RESTART:
        return this.restart(i)
      case TIMER_ADMIN_RETRY:
        return this.startOp(i)
      case TIMER_ADMIN_WATCH:
        return this.ops.onWatchTimeout(i, b)
      default:
        // A scheduled start after healAll: the run is in its final phase, no new fault.
        return this.holding ? undefined : this.start(i)
    }
  }

  // ---------------------------------------------------------------- start / end

  /** The nodes `target` names among those started so far. */
  private resolve(target: Target): number[] {
    const ids = this.host.ids
    if (this.started.every(Boolean)) return resolveTarget(target, ids, this.rng, () => this.host.leader())
    const idx: number[] = []
    this.started.forEach((s, x) => s && idx.push(x))
    const sub = idx.map((x) => ids[x])
    const leader = (): number => idx.indexOf(this.host.leader())
    return resolveTarget(target, sub, this.rng, leader).map((k) => idx[k])
  }

  /** A cluster operation is due (or due again). */
  private startOp(i: number): void {
    const rt = this.faults[i]
    if (!isAdminFault(rt.spec)) return
    rt.active = true
    const x = this.host.ids.indexOf(rt.spec.target)
    rt.targets = x < 0 ? [] : [x]
    this.ops.start(i, rt.spec)
  }

  private event(i: number, phase: 'start' | 'end', detail: string): void {
    const rt = this.faults[i]
    this.host.emit({
      kind: 'fault',
      t: this.host.nowUs(),
      node: null,
      lc: 0,
      phase,
      faultId: i,
      fault: rt.spec.kind,
      targets: rt.targets.map((x) => this.host.ids[x]),
      detail,
    })
  }

  private start(i: number): void {
    const rt = this.faults[i]
    const f = rt.spec
    const host = this.host
    rt.active = true
    switch (f.kind) {
      case 'membership':
      case 'transfer-leadership':
        return this.startOp(i)
      case 'partition': {
        const plan = planPartitionFault(f, host.ids, this.rng, (t) => this.resolve(t))
        rt.targets = plan.targets
        rt.cut = plan.cut
        for (const [a, b] of plan.cut) this.links.cut[a * this.n + b]++
        host.linksChanged()
        this.event(i, 'start', plan.detail)
        break
      }
      case 'crash': {
        rt.targets = this.resolve(f.target)
        this.event(i, 'start', faultStartDetail(f, rt.targets, { how: this.opts.words.crash }))
        for (const x of rt.targets) this.crash(x)
        if (f.restartAfterMs !== undefined)
          host.timer(TIMER_RESTART, i, 0, host.nowUs() + Math.round(f.restartAfterMs * 1000), false)
        return
      }
      case 'pause': {
        rt.targets = this.resolve(f.target)
        const why = host.pauseUnavailable()
        if (why !== null) {
          this.event(i, 'start', `pause ${nodeNames(rt.targets)}: ${why}`)
          host.log(`lab: pause fault skipped: ${why}`)
          rt.active = false
          return
        }
        this.event(i, 'start', faultStartDetail(f, rt.targets, { how: this.opts.words.pause }))
        for (const x of rt.targets) this.pause(x)
        break
      }
      case 'delay':
      case 'drop':
      case 'duplicate':
      case 'reorder': {
        const { mask, pair, targets, detail } = planOverlayFault(f, host.ids, (t) => this.resolve(t))
        rt.targets = targets
        const o: Overlay = { fault: i, kind: f.kind, mask, pair, p: 0, latencyMs: 0, jitterMs: 0 }
        if (f.kind === 'delay') {
          o.latencyMs = f.latencyMs
          o.jitterMs = f.jitterMs
        } else o.p = f.probability
        this.links.addOverlay(o)
        host.linksChanged()
        this.event(i, 'start', detail)
        break
      }
      case 'clock': {
        rt.targets = this.resolve(f.target)
        this.event(i, 'start', faultStartDetail(f, rt.targets))
        const jump = jumpTicks(f, this.spec.cluster.tickMs)
        for (const x of rt.targets) {
          if (f.rate !== 1) this.rates[x].set(i, f.rate)
          host.setClock(x, this.clockRate(x), jump)
        }
        break
      }
      case 'byzantine': {
        rt.targets = this.resolve(f.target)
        const forging = f.behavior === 'forge' || f.behavior === 'equivocate'
        const how =
          forging && !this.opts.canCorrupt
            ? ` (${this.opts.algorithm} cannot ${f.behavior}: silent instead)`
            : ''
        this.event(i, 'start', faultStartDetail(f, rt.targets, { how }))
        const behavior: Byzantine = forging && !this.opts.canCorrupt ? 'silent' : f.behavior
        for (const x of rt.targets) {
          this.byzFault[x] = i
          this.setByzantine(x, behavior)
        }
        host.linksChanged()
        break
      }
    }
    if ('forMs' in f && f.forMs !== undefined)
      host.timer(TIMER_FAULT_END, i, 0, host.nowUs() + Math.round(f.forMs * 1000), false)
  }

  private finish(i: number): void {
    const rt = this.faults[i]
    if (!rt.active) return
    rt.active = false
    const f = rt.spec
    const host = this.host
    switch (f.kind) {
      case 'partition':
        for (const [a, b] of rt.cut ?? []) this.links.cut[a * this.n + b]--
        host.linksChanged()
        this.event(i, 'end', faultEndDetail(f, rt.targets))
        return
      case 'pause':
        this.event(i, 'end', faultEndDetail(f, rt.targets, this.opts.words.resume))
        for (const x of rt.targets) this.resume(x)
        return
      case 'delay':
      case 'drop':
      case 'duplicate':
      case 'reorder':
        this.links.removeOverlays(i)
        host.linksChanged()
        this.event(i, 'end', faultEndDetail(f, rt.targets))
        return
      case 'clock':
        this.event(i, 'end', faultEndDetail(f, rt.targets))
        for (const x of rt.targets) if (this.rates[x].delete(i)) host.setClock(x, this.clockRate(x), 0)
        return
      case 'byzantine':
        this.event(i, 'end', faultEndDetail(f, rt.targets))
        for (const x of rt.targets) {
          if (this.byzFault[x] !== i) continue
          this.byzFault[x] = -1
          this.setByzantine(x, null)
        }
        host.linksChanged()
        return
      case 'crash':
      case 'membership':
      case 'transfer-leadership':
        // A crash ends with its restart; a cluster operation when it took effect (ClusterOps).
        return
    }
  }

  /** A crash fault's end: its down nodes restart (the host says when the end is recorded). */
  private restart(i: number): void {
    const rt = this.faults[i]
    if (!rt.active) return
    rt.active = false
    const down = rt.targets.filter((x) => !this.host.isUp(x))
    this.host.restart(down, (extra) => {
      if (!this.stopped) this.event(i, 'end', faultEndDetail(rt.spec, rt.targets, extra))
    })
  }

  // ---------------------------------------------------------------- nodes

  private crash(x: number): void {
    this.host.crash(x)
    this.pauses[x] = 0
  }

  private pause(x: number): void {
    if (!this.host.isUp(x)) return
    if (++this.pauses[x] > 1) return
    this.host.pause(x)
  }

  private resume(x: number): void {
    if (!this.host.isUp(x) || this.pauses[x] === 0) return
    if (--this.pauses[x] > 0) return
    this.host.resume(x)
  }

  private setByzantine(x: number, behavior: Byzantine | null): void {
    this.links.byz[x] = behavior
    this.host.setByzantine(x, behavior)
  }

  /** Node x's byzantine behaviour now (a restarted node keeps it). */
  byzantine(x: number): Byzantine | null {
    return this.links.byz[x]
  }
}
