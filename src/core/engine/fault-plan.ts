// Where a partition or a network overlay fault acts, worked out alike by the simulator
// (src/core/engine/faults.ts) for both run modes: its resolved targets, the links it
// cuts or touches, and its start event's detail. Pure; draws from the caller's fault rng in a
// fixed order (targets first, then the partition shape).
import type { FaultSpec, Target } from '../../shared/spec'
import type { NodeId } from '../../shared/trace'
import type { Rng } from '../rng'
import { faultStartDetail } from './fault-text'
import { overlayScope } from './overlay'
import { planPartition, type PartitionPlan } from './partition'

export type PartitionFault = Extract<FaultSpec, { kind: 'partition' }>
export type OverlayFault = Extract<FaultSpec, { kind: 'delay' | 'drop' | 'duplicate' | 'reorder' }>

/** Resolves a fault target to node indexes (the engine's leader and rng bound in). */
export type ResolveTarget = (t: Target) => number[]

/** A partition fault's plan; its `detail` is the whole start event detail. */
export function planPartitionFault(
  f: PartitionFault,
  ids: readonly NodeId[],
  rng: Rng,
  resolve: ResolveTarget,
): PartitionPlan {
  const target = f.target === undefined ? null : resolve(f.target)
  const peer = f.peer === undefined ? null : ids.indexOf(f.peer)
  const plan = planPartition(f.shape, ids.length, rng, target, peer)
  return { ...plan, detail: faultStartDetail(f, plan.targets, { partition: plan.detail }) }
}

export interface OverlayPlan {
  /** 1 for target nodes; null = all links. */
  mask: Uint8Array | null
  /** [a, b]: only the link a <-> b (both directions); null = as the mask says. */
  pair: [number, number] | null
  /** The nodes the fault event names. */
  targets: number[]
  /** The start event's detail. */
  detail: string
}

/** Where an overlay fault applies (see overlayScope) and its start event's detail. */
export function planOverlayFault(
  f: OverlayFault,
  ids: readonly NodeId[],
  resolve: ResolveTarget,
): OverlayPlan {
  const targets = f.target === undefined ? null : resolve(f.target)
  const peer = 'peer' in f && f.peer !== undefined ? ids.indexOf(f.peer) : null
  const scope = overlayScope(ids.length, targets, peer)
  return { ...scope, detail: faultStartDetail(f, targets, { pair: scope.pair }) }
}

/**
 * Most ticks one clock jump fires on a node at once. Every protocol timer is at most
 * MAX_TICKS (src/shared/bounds.ts) long, so this many ticks expire each of them; firing more
 * would only repeat elections, and would let one fault hold the run for unbounded work.
 */
export const MAX_JUMP_TICKS = 10_000

/** The ticks a clock fault's forward jump fires at once (0 when it does not jump). */
export function jumpTicks(f: Extract<FaultSpec, { kind: 'clock' }>, tickMs: number): number {
  if (f.jumpMs === undefined || !(f.jumpMs > 0)) return 0
  return Math.min(MAX_JUMP_TICKS, Math.floor(f.jumpMs / tickMs))
}
