// The Host: what a run mode provides to the run engine (src/core/engine/engine.ts). The
// engine decides what happens and when (faults, clients, links, metrics, the summary); a host
// makes it happen on its nodes, network and clock: the simulator over a virtual network
// (src/core/sim), processes mode over child processes and a proxy (src/main/lab/processes.ts).
import type { AdminCommand, ClientRequest } from '../protocols/types'
import type { NodeId, TraceEvent } from '../../shared/trace'
import type { Byzantine } from './links'
import type { MaelstromMessage } from '../maelstrom/types'

/** Engine timer kinds (a host hands them back to RunEngine.onTimer). */
export const TIMER_ARRIVE = 4
export const TIMER_OP_TIMEOUT = 5
export const TIMER_RETRY = 6
export const TIMER_FAULT_START = 7
export const TIMER_FAULT_END = 8
export const TIMER_RESTART = 9
/** A live fault action (start or end now); only ever scheduled through Host.soon. */
export const TIMER_LIVE_START = 10
export const TIMER_LIVE_END = 11
/** A cluster operation asked again (no leader yet), and the end of watching one (cluster-ops.ts). */
export const TIMER_ADMIN_RETRY = 12
export const TIMER_ADMIN_WATCH = 13

export interface Host {
  /**
   * Every node that may exist, n1..nM (index i is node n(i+1)): M = clusterSize(spec.cluster).
   * The first spec.cluster.nodes boot with the run; the others only when added (boot()).
   */
  readonly ids: readonly NodeId[]
  /** Run time, µs (virtual in the simulator; since the run started in processes mode). */
  nowUs(): number
  /**
   * Call engine.onTimer(kind, a, b, atUs) at run time `atUs`. `fifo`: the caller schedules
   * such timers in non-decreasing time order (a host may keep them in a cheaper queue).
   */
  timer(kind: number, a: number, b: number, atUs: number, fifo: boolean): void
  /**
   * Call engine.onTimer(kind, a, b, now) as soon as possible (live fault actions), and
   * before returning when the host can (the simulator runs to it: 1 µs from now, before
   * anything else due then, so a run is reproducible). False when the run is over and
   * nothing was scheduled.
   */
  soon(kind: number, a: number, b: number): boolean
  /** Record a lab-side trace event (client op, fault, node crash / pause / resume). */
  emit(e: TraceEvent): void
  /** Problems worth a line in the run's log (processes mode); the simulator has none. */
  log(line: string): void

  // ---- nodes
  isUp(idx: number): boolean
  /** The node that believes it leads with the highest term, or -1. */
  leader(): number
  /** Node idx's current term (0 when down or unknown). */
  nodeTerm(idx: number): number
  /**
   * Start node idx for the first time (a membership add of a node that never ran): fresh, with
   * the initial voters as its configuration, so it waits outside the cluster to be added.
   */
  bootNode(idx: number): void
  /** Hand a cluster operation to node idx's protocol; false when it cannot take one (down, none). */
  admin(idx: number, cmd: AdminCommand): boolean
  /** Crash node idx (no-op when it is down) and record its 'node' crash event. */
  crash(idx: number): void
  /**
   * Restart the down nodes `idxs` from their durable state. `recordEnd(extra)` records the
   * crash fault's end event (extra: a few words on what was recovered, or ''); a host calls
   * it before (simulator) or after (processes mode: once the processes are up) restarting.
   */
  restart(idxs: readonly number[], recordEnd: (extra: string) => void): void
  /** Stop / continue node idx (it is up); record the 'node' pause / resume event. */
  pause(idx: number): void
  resume(idx: number): void
  /** Whether pausing is possible here; a reason when it is not (e.g. no SIGSTOP on Windows). */
  pauseUnavailable(): string | null
  /** Node idx's clock runs at `rate`; fire `jumpTicks` ticks at once now. */
  setClock(idx: number, rate: number, jumpTicks: number): void
  /** Node idx's byzantine behaviour changed (null: honest again). */
  setByzantine(idx: number, behavior: Byzantine | null): void
  /** The engine's LinkState changed (a partition, overlay or silent / slow node came or went). */
  linksChanged(): void

  // ---- clients
  /**
   * Send client `client`'s request to node `node`. False when it definitely did not leave
   * (the node is down and the host knows it); a request that may be lost returns true (its
   * op then times out).
   */
  send(client: number, node: number, req: ClientRequest): boolean
  /** The op of request `id`, last sent to `node`, is over: a host may drop what it kept for it. */
  forget(node: number, id: string): void
  /**
   * Programs (processes mode only): hand a Maelstrom client message to node `node`. False
   * when it definitely did not leave (the node is down).
   */
  call?(node: number, msg: MaelstromMessage): boolean
}

/** Words a host adds to fault events saying how it does a fault (e.g. ' (SIGKILL)'). */
export interface HostWords {
  crash: string
  pause: string
  resume: string
}

/** Maelstrom workloads (programs): the final phase begins (its requests go out). */
export const TIMER_FINAL = 12
