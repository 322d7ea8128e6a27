// Turns a fault schedule into actions on real processes and the proxy, at the right time.
//
// Same meaning as in the simulator (src/core/sim): targets (a node id, 'leader' = the
// highest-term leader the lab heard of, 'random' seeded from spec.seed, 'minority',
// 'majority', 'all'), partition shapes (planPartition), overlays for delay / drop /
// duplicate / reorder, clock rate and jump, byzantine behaviours. Each fault is recorded as
// fault start / end trace events. Scheduled faults fire from timers relative to the run's
// start; live faults come through `inject` (the UI's "break it now" button).
//
// Process mode specifics: crash = SIGKILL, restart = a new process recovering from the WAL
// (the fault's end event says what was recovered and lost); pause = SIGSTOP / SIGCONT
// (unavailable on Windows: a clear error); network faults and byzantine 'silent' / 'slow'
// become proxy link rules; byzantine 'forge' / 'equivocate' are done by the node itself
// (a control message makes it pass outgoing messages through the protocol's corrupt()).
import type { Rng } from '../../../core/rng'
import { faultEndDetail, faultStartDetail, nodeNames } from '../../../core/sim/fault-text'
import { jumpTicks, planOverlayFault, planPartitionFault } from '../../../core/sim/fault-plan'
import { nodeName } from '../../../core/sim/partition'
import { resolveTarget } from '../../../core/sim/targets'
import { FaultSchema, faultNodeIssues, formatErrors, toFieldErrors } from '../../../shared/spec'
import type { ExperimentSpec, FaultSpec, Target } from '../../../shared/spec'
import type { NodeId, TraceEvent } from '../../../shared/trace'
import type { LinkRule } from '../proxy/control'
import { LinkState, type Overlay } from './links'

export { LinkState, SLOW_EXTRA_MS } from './links'
export type { Overlay } from './links'

/** What the fault engine acts on (implemented by the process run). */
export interface FaultHost {
  readonly n: number
  nowUs(): number
  emit(e: TraceEvent): void
  log(line: string): void
  /** Index of the current leader as far as the lab knows (highest term), or -1. */
  leader(): number
  isUp(idx: number): boolean
  /** SIGKILL node idx and record its crash. */
  crash(idx: number): void
  /** Start node idx again from its WAL; resolves to a few words about what it recovered. */
  restart(idx: number): Promise<string>
  /** SIGSTOP / SIGCONT (throws where unavailable). */
  pause(idx: number): void
  resume(idx: number): void
  setClock(idx: number, rate: number, jumpTicks: number): void
  setByzantine(idx: number, behavior: 'forge' | 'equivocate' | null): void
  setRules(rules: LinkRule[]): void
}

interface FaultRt {
  id: number
  spec: FaultSpec
  targets: number[]
  cut: Array<[number, number]> | null
  active: boolean
  timers: NodeJS.Timeout[]
}

/** A fault given live: any fault of the spec, `atMs` optional (it starts now). */
export type LiveFault = OmitAtMs<FaultSpec>
type OmitAtMs<F> = F extends unknown ? Omit<F, 'atMs'> & { atMs?: number } : never

/**
 * Validate a fault given live (from the UI: a boundary like any other). `atMs` may be left
 * out (it is ignored: a live fault starts now). Throws an Error naming the bad field.
 */
export function parseLiveFault(input: unknown, nodes: number): FaultSpec {
  const withAt =
    typeof input === 'object' && input !== null && !('atMs' in input) ? { ...input, atMs: 0 } : input
  const r = FaultSchema.safeParse(withAt, { reportInput: true })
  if (!r.success) throw new Error(`invalid fault: ${formatErrors(toFieldErrors(r.error))}`)
  const f = r.data
  const missing = faultNodeIssues(f, nodes)
  if (missing.length > 0)
    throw new Error(`invalid fault: ${missing.map((x) => `${x.field}: ${x.message}`).join('; ')}`)
  return f
}

export function pauseAvailable(): boolean {
  return process.platform !== 'win32'
}

export class FaultEngine {
  private readonly n: number
  private readonly ids: NodeId[]
  private readonly faults: FaultRt[] = []
  private readonly links: LinkState
  /** Per node: active clock rates by fault id. */
  private readonly rates: Array<Map<number, number>>
  private readonly rate: number[]
  /** Per node: pause depth (overlapping pause faults). */
  private readonly pauses: number[]
  /** Per node: the byzantine fault that set its behaviour, or -1. */
  private readonly byzFault: number[]
  private stopped = false
  private readonly scheduleTimers: NodeJS.Timeout[] = []

  constructor(
    private readonly spec: ExperimentSpec,
    private readonly host: FaultHost,
    private readonly rng: Rng,
  ) {
    const n = host.n
    this.n = n
    this.ids = Array.from({ length: n }, (_, i) => nodeName(i))
    this.links = new LinkState(n, spec.network)
    this.rates = Array.from({ length: n }, () => new Map<number, number>())
    this.rate = new Array<number>(n).fill(1)
    this.pauses = new Array<number>(n).fill(0)
    this.byzFault = new Array<number>(n).fill(-1)
  }

  /** The rules for the proxy right now. */
  rules(): LinkRule[] {
    return this.links.rules()
  }

  /** Arm timers for every fault of the spec (times relative to the run's start). */
  schedule(): void {
    this.spec.faults.forEach((f) => {
      const id = this.faults.length
      this.faults.push({ id, spec: f, targets: [], cut: null, active: false, timers: [] })
      this.after(f.atMs, () => this.start(id), this.scheduleTimers)
    })
  }

  /**
   * Start a fault now; returns its id (for end()). Throws for an invalid fault (naming the
   * field) and for faults this platform cannot do.
   */
  inject(input: unknown): number {
    if (this.stopped) throw new Error('the run has ended')
    const f = parseLiveFault(input, this.n)
    if (f.kind === 'pause' && !pauseAvailable()) {
      throw new Error(
        'pause faults need SIGSTOP/SIGCONT, which Windows does not have: unavailable on Windows',
      )
    }
    const id = this.faults.length
    this.faults.push({ id, spec: f, targets: [], cut: null, active: false, timers: [] })
    this.start(id)
    return id
  }

  /** End an active fault early (live API); crash faults restart their nodes now. */
  end(id: number): void {
    const rt = this.faults[id]
    if (rt === undefined || !rt.active) return
    for (const t of rt.timers) clearTimeout(t)
    rt.timers = []
    if (rt.spec.kind === 'crash') void this.restartFault(rt)
    else this.endFault(rt)
  }

  /** Cancel every pending timer (the run ended). Active faults stay as they are. */
  stop(): void {
    this.stopped = true
    for (const t of this.scheduleTimers) clearTimeout(t)
    for (const rt of this.faults) for (const t of rt.timers) clearTimeout(t)
  }

  activeFaults(): number[] {
    return this.faults.filter((f) => f.active).map((f) => f.id)
  }

  // ---------------------------------------------------------------- helpers

  private after(atMs: number, fn: () => void, into: NodeJS.Timeout[]): void {
    const delay = Math.max(0, atMs - this.host.nowUs() / 1000)
    const t = setTimeout(() => {
      if (this.stopped) return
      try {
        fn()
      } catch (e) {
        this.host.log(`lab: fault action failed: ${(e as Error).message}`)
      }
    }, delay)
    into.push(t)
  }

  private resolve(target: Target): number[] {
    return resolveTarget(target, this.ids, this.rng, () => this.host.leader())
  }

  private event(rt: FaultRt, phase: 'start' | 'end', detail: string): void {
    this.host.emit({
      kind: 'fault',
      t: this.host.nowUs(),
      node: null,
      lc: 0,
      phase,
      faultId: rt.id,
      fault: rt.spec.kind,
      targets: rt.targets.map((x) => this.ids[x]),
      detail,
    })
  }

  private pushRules(): void {
    this.host.setRules(this.links.rules())
  }

  // ---------------------------------------------------------------- start / end

  private start(id: number): void {
    const rt = this.faults[id]
    const f = rt.spec
    rt.active = true
    switch (f.kind) {
      case 'partition': {
        const plan = planPartitionFault(f, this.ids, this.rng, (t) => this.resolve(t))
        rt.targets = plan.targets
        rt.cut = plan.cut
        for (const [a, b] of plan.cut) this.links.cut[a * this.n + b]++
        this.pushRules()
        this.event(rt, 'start', plan.detail)
        break
      }
      case 'crash': {
        rt.targets = this.resolve(f.target)
        this.event(rt, 'start', faultStartDetail(f, rt.targets, { how: ' (SIGKILL)' }))
        for (const x of rt.targets) if (this.host.isUp(x)) this.host.crash(x)
        if (f.restartAfterMs !== undefined) {
          this.after(this.host.nowUs() / 1000 + f.restartAfterMs, () => void this.restartFault(rt), rt.timers)
        }
        return
      }
      case 'pause': {
        rt.targets = this.resolve(f.target)
        if (!pauseAvailable()) {
          this.event(
            rt,
            'start',
            `pause ${nodeNames(rt.targets)}: unavailable on Windows (no SIGSTOP/SIGCONT)`,
          )
          this.host.log('lab: pause fault skipped: SIGSTOP/SIGCONT are unavailable on Windows')
          rt.active = false
          return
        }
        this.event(rt, 'start', faultStartDetail(f, rt.targets, { how: ' (SIGSTOP)' }))
        for (const x of rt.targets) {
          this.pauses[x]++
          if (this.pauses[x] === 1) this.host.pause(x)
        }
        break
      }
      case 'delay':
      case 'drop':
      case 'duplicate':
      case 'reorder': {
        const { mask, pair, targets, detail } = planOverlayFault(f, this.ids, (t) => this.resolve(t))
        rt.targets = targets
        const o: Overlay = { fault: id, kind: f.kind, mask, pair, p: 0, latencyMs: 0, jitterMs: 0 }
        if (f.kind === 'delay') {
          o.latencyMs = f.latencyMs
          o.jitterMs = f.jitterMs
        } else o.p = f.probability
        this.links.overlays = [...this.links.overlays, o]
        this.pushRules()
        this.event(rt, 'start', detail)
        break
      }
      case 'clock': {
        rt.targets = this.resolve(f.target)
        this.event(rt, 'start', faultStartDetail(f, rt.targets))
        const jump = jumpTicks(f, this.spec.cluster.tickMs)
        for (const x of rt.targets) {
          if (f.rate !== 1) this.rates[x].set(id, f.rate)
          this.updateRate(x, jump)
        }
        break
      }
      case 'byzantine': {
        rt.targets = this.resolve(f.target)
        this.event(rt, 'start', faultStartDetail(f, rt.targets))
        for (const x of rt.targets) {
          if (f.behavior === 'silent') this.links.silent[x]++
          else if (f.behavior === 'slow') this.links.slow[x]++
          else {
            this.byzFault[x] = id
            this.host.setByzantine(x, f.behavior)
          }
        }
        if (f.behavior === 'silent' || f.behavior === 'slow') this.pushRules()
        break
      }
    }
    if ('forMs' in f && f.forMs !== undefined) {
      this.after(this.host.nowUs() / 1000 + f.forMs, () => this.endFault(rt), rt.timers)
    }
  }

  private updateRate(x: number, jumpTicks: number): void {
    let r = 1
    for (const v of this.rates[x].values()) r *= v
    if (r === this.rate[x] && jumpTicks === 0) return
    this.rate[x] = r
    this.host.setClock(x, r, jumpTicks)
  }

  /** Cap the bandwidth of link a -> b (bytes/s, 0 = none): a live link rule, not a fault. */
  setBandwidth(a: number, b: number, bytesPerSec: number): void {
    this.links.bandwidth[a * this.n + b] = bytesPerSec
    this.pushRules()
  }

  /** The rate node x should run at (a restarted node is told again). */
  clockRate(x: number): number {
    return this.rate[x]
  }

  byzantineBehavior(x: number): 'forge' | 'equivocate' | null {
    const id = this.byzFault[x]
    if (id < 0) return null
    const f = this.faults[id].spec
    return f.kind === 'byzantine' && (f.behavior === 'forge' || f.behavior === 'equivocate')
      ? f.behavior
      : null
  }

  /** Whether node x is held paused by an active fault. */
  isPaused(x: number): boolean {
    return this.pauses[x] > 0
  }

  private endFault(rt: FaultRt): void {
    if (!rt.active) return
    rt.active = false
    const f = rt.spec
    const id = rt.id
    switch (f.kind) {
      case 'partition':
        for (const [a, b] of rt.cut ?? []) this.links.cut[a * this.n + b]--
        this.pushRules()
        this.event(rt, 'end', faultEndDetail(f, rt.targets))
        return
      case 'pause':
        this.event(rt, 'end', faultEndDetail(f, rt.targets, ' (SIGCONT)'))
        for (const x of rt.targets) {
          if (this.pauses[x] === 0) continue
          this.pauses[x]--
          if (this.pauses[x] === 0) this.host.resume(x)
        }
        return
      case 'delay':
      case 'drop':
      case 'duplicate':
      case 'reorder':
        this.links.overlays = this.links.overlays.filter((o) => o.fault !== id)
        this.pushRules()
        this.event(rt, 'end', faultEndDetail(f, rt.targets))
        return
      case 'clock':
        this.event(rt, 'end', faultEndDetail(f, rt.targets))
        for (const x of rt.targets) if (this.rates[x].delete(id)) this.updateRate(x, 0)
        return
      case 'byzantine':
        this.event(rt, 'end', faultEndDetail(f, rt.targets))
        for (const x of rt.targets) {
          if (f.behavior === 'silent') this.links.silent[x]--
          else if (f.behavior === 'slow') this.links.slow[x]--
          else if (this.byzFault[x] === id) {
            this.byzFault[x] = -1
            this.host.setByzantine(x, null)
          }
        }
        if (f.behavior === 'silent' || f.behavior === 'slow') this.pushRules()
        return
      case 'crash':
        return
    }
  }

  private async restartFault(rt: FaultRt): Promise<void> {
    if (!rt.active) return
    rt.active = false
    const down = rt.targets.filter((x) => !this.host.isUp(x))
    const results = await Promise.all(
      down.map((x) =>
        this.host.restart(x).then(
          (what) => `${nodeName(x)}: ${what}`,
          (e: unknown) => `${nodeName(x)}: restart failed: ${(e as Error).message}`,
        ),
      ),
    )
    if (this.stopped) return
    this.event(
      rt,
      'end',
      faultEndDetail(rt.spec, rt.targets, results.length ? ` (${results.join('; ')})` : ''),
    )
  }
}
