// The detail line of fault start / end trace events, written alike by the simulator
// (src/core/engine/faults.ts) for both run modes. The live view and the link-fault
// spec read it back (src/main/lab/live.ts: `{n1,n2}` groups, `link n1 <-> n2`). Pure.
import type { FaultSpec } from '../../shared/spec'
import { groupName, linkName, nodeName } from './partition'

/** Node indexes as `n1, n3`. */
export function nodeNames(xs: readonly number[]): string {
  return xs.map(nodeName).join(', ')
}

/** ` for 500 ms` when the fault has a duration, else ''. */
export function forText(f: FaultSpec): string {
  return 'forMs' in f && f.forMs !== undefined ? ` for ${f.forMs} ms` : ''
}

export interface StartDetailOptions {
  /** partition: the plan's own description (planPartition's detail). */
  partition?: string
  /** Overlays with a peer: the link (overlayScope's pair). */
  pair?: readonly [number, number] | null
  /**
   * Words inserted after the fault's main part (before its restart / duration): how this
   * engine does it, e.g. ' (SIGKILL)', or what it does instead.
   */
  how?: string
}

/**
 * The detail of a fault's start event. `targets` are its resolved target nodes; for an
 * overlay (delay / drop / duplicate / reorder) null means it has no target (all links).
 */
export function faultStartDetail(
  f: FaultSpec,
  targets: readonly number[] | null,
  opts: StartDetailOptions = {},
): string {
  const names = nodeNames(targets ?? [])
  const how = opts.how ?? ''
  const dur = forText(f)
  switch (f.kind) {
    case 'partition':
      return `partition ${opts.partition ?? ''}${dur}`
    case 'crash': {
      const restart = f.restartAfterMs === undefined ? '' : ` (restart after ${f.restartAfterMs} ms)`
      return `crash ${names}${how}${restart}`
    }
    case 'pause':
      return `pause ${names}${how}${dur}`
    case 'delay':
    case 'drop':
    case 'duplicate':
    case 'reorder': {
      const what =
        f.kind === 'delay' ? `delay +${f.latencyMs}±${f.jitterMs} ms` : `${f.kind} p=${f.probability}`
      const pair = opts.pair ?? null
      const peer = 'peer' in f ? f.peer : undefined
      const on =
        pair === null
          ? targets === null
            ? 'all links'
            : `links of ${names}`
          : pair.every((x) => x >= 0)
            ? `link ${linkName(pair[0], pair[1])}`
            : `no link (peer ${peer} is not in the cluster)`
      return `${what} on ${on}${how}${dur}`
    }
    case 'clock': {
      const jump = f.jumpMs !== undefined && f.jumpMs > 0 ? `, jump +${f.jumpMs} ms` : ''
      return `clock ${names} rate x${f.rate}${jump}${how}${dur}`
    }
    case 'byzantine':
      return `byzantine ${names} ${f.behavior}${how}${dur}`
    case 'membership':
      return `${f.action} ${f.target}${how}`
    case 'transfer-leadership':
      return `transfer leadership to ${f.target}${how}`
  }
}

/**
 * The detail of a fault's end event (a crash fault's end is its nodes' restart). `how` is
 * added after the main part, e.g. ' (SIGCONT)' or what a restart recovered.
 */
export function faultEndDetail(f: FaultSpec, targets: readonly number[], how = ''): string {
  switch (f.kind) {
    case 'partition':
      return `partition healed${how}`
    case 'crash':
      return `restart ${nodeNames(targets)} from durable state${how}`
    case 'pause':
      return `resume ${nodeNames(targets)}${how}`
    case 'delay':
    case 'drop':
    case 'duplicate':
    case 'reorder':
      return `${f.kind} over${how}`
    case 'clock':
      return `clock of ${groupName([...targets])} back to normal rate${how}`
    case 'byzantine':
      return `${groupName([...targets])} honest again${how}`
    case 'membership':
    case 'transfer-leadership':
      return `${faultStartDetail(f, targets)} over${how}`
  }
}
