// What the Design view knows about each fault kind: a one-line explanation of what it
// does to the algorithm, the fields it takes (mirroring FaultSchema in src/shared/spec.ts)
// with a line each, a short summary for the timeline, and a sensible new fault.
import {
  ADMIN_FAULT_KINDS,
  ALGORITHM_INFO,
  FAULT_KINDS,
  type AlgorithmInfo,
  type FaultKind,
} from '../../shared/spec'
import { timeGrid } from '../../shared/presets'

/** An option of a select field. */
export type FieldOption = {
  label: string
  value: string
}

export type FaultFieldName =
  | 'atMs'
  | 'forMs'
  | 'target'
  | 'peer'
  | 'shape'
  | 'restartAfterMs'
  | 'latencyMs'
  | 'jitterMs'
  | 'probability'
  | 'rate'
  | 'jumpMs'
  | 'behavior'
  | 'action'

export interface FaultField {
  name: FaultFieldName
  /** Optional fields may be left empty (the key is then omitted). */
  optional: boolean
}

const f = (name: FaultFieldName, optional = false): FaultField => ({ name, optional })
const windowed = [f('atMs'), f('forMs', true)]

export const FAULT_FIELDS: Record<FaultKind, FaultField[]> = {
  partition: [...windowed, f('shape'), f('target', true), f('peer', true)],
  crash: [f('atMs'), f('target'), f('restartAfterMs', true)],
  pause: [f('atMs'), f('forMs'), f('target')],
  delay: [...windowed, f('latencyMs'), f('jitterMs', true), f('target', true), f('peer', true)],
  drop: [...windowed, f('probability'), f('target', true), f('peer', true)],
  duplicate: [...windowed, f('probability'), f('target', true)],
  reorder: [...windowed, f('probability'), f('target', true)],
  clock: [...windowed, f('target'), f('rate', true), f('jumpMs', true)],
  byzantine: [...windowed, f('target'), f('behavior')],
  membership: [f('atMs'), f('action'), f('target')],
  'transfer-leadership': [f('atMs'), f('target')],
}

/**
 * The fault kinds an algorithm can run: cluster operations (membership, transfer-leadership)
 * only where it has them (AlgorithmInfo.admin); every kind for an unknown algorithm.
 */
export function faultKindsFor(algorithm: unknown): FaultKind[] {
  const info = (ALGORITHM_INFO as Record<string, AlgorithmInfo | undefined>)[String(algorithm)]
  if (info === undefined) return [...FAULT_KINDS]
  return FAULT_KINDS.filter((k) => !ADMIN_FAULT_KINDS.includes(k) || (info.admin ?? []).some((a) => a === k))
}

/** Whether a fault kind names exactly one node (no role or group words). */
export function takesNodeOnly(kind: FaultKind | null): boolean {
  return kind !== null && ADMIN_FAULT_KINDS.includes(kind)
}

export const FAULT_HELP: Record<FaultKind, string> = {
  partition:
    'Splits the network into groups that cannot reach each other: a leader cut off from a majority can no longer commit.',
  crash:
    'Kills a node outright (SIGKILL): it loses what it had not persisted and, if restarted, recovers from its log.',
  pause: 'Freezes a node (SIGSTOP), then resumes it: a long GC pause; a paused leader wakes up deposed.',
  delay:
    'Adds latency and jitter to messages: slower commits, and a delay near the election timeout causes elections.',
  drop: 'Loses messages at random: the protocol must retry; heavy loss looks like a partition.',
  duplicate: 'Delivers messages twice: handlers must be idempotent or an entry is applied twice.',
  reorder: 'Lets messages overtake each other: stale replies must be recognised by their term or ballot.',
  clock: "Makes a node's clock run fast or slow, or jump: its timeouts fire early or late.",
  byzantine: 'Makes a node lie, stall or go quiet: only a BFT protocol (PBFT) is built to survive it.',
  membership:
    'Asks the leader to add a node (as a learner that catches up; a node not running yet is started), promote a learner to voter, or remove a node.',
  'transfer-leadership':
    'Asks the leader to hand over to a node (TimeoutNow): brief unavailability; given up if the target cannot catch up.',
}

export const FAULT_FIELD_LABEL: Record<FaultFieldName, string> = {
  atMs: 'Starts at',
  forMs: 'Lasts',
  target: 'Target',
  peer: 'Peer',
  shape: 'Shape',
  restartAfterMs: 'Restart after',
  latencyMs: 'Added latency',
  jitterMs: 'Jitter',
  probability: 'Probability',
  rate: 'Clock rate',
  jumpMs: 'Jump',
  behavior: 'Behavior',
  action: 'Action',
}

export const FAULT_FIELD_UNIT: Partial<Record<FaultFieldName, string>> = {
  atMs: 'ms',
  forMs: 'ms',
  restartAfterMs: 'ms',
  latencyMs: 'ms',
  jitterMs: 'ms',
  rate: '×',
  jumpMs: 'ms',
}

export const FAULT_FIELD_HELP: Record<FaultFieldName, string> = {
  atMs: 'When it starts, in ms of run time.',
  forMs: 'How long it lasts; empty = until the end of the run.',
  target: 'Which node(s): a node, the current leader, a seeded random one, a minority, a majority or all.',
  peer: 'The other end of one link: only the link target ↔ peer is affected, both directions (target must be a node).',
  shape:
    'halves, one node isolated, a majorities ring (no two nodes see the same majority), a bridge node, one-way, or one link (target ↔ peer).',
  restartAfterMs:
    'The node restarts this long after the crash and recovers from its durable log; empty = stays down.',
  latencyMs: 'Extra one-way delay per message: commits slow by about two of these per round trip.',
  jitterMs: 'Random extra delay up to this much, so messages arrive out of order.',
  probability: 'Chance per message, 0..1.',
  rate: '2 = the clock runs twice as fast (its timeouts fire early); 0.5 = half speed (late heartbeats).',
  jumpMs: 'A one-off forward jump: this many ms of ticks fire at once, so timers expire together.',
  behavior:
    'silent: sends nothing; equivocate: different values to different peers; forge: corrupt messages; slow: stalls.',
  action:
    'add: the node joins as a learner (not counted in quorums); promote: a caught-up learner becomes a voter; remove: it leaves the configuration.',
}

/** Field help that depends on the fault kind (falls back to FAULT_FIELD_HELP). */
export const FAULT_KIND_FIELD_HELP: Partial<Record<FaultKind, Partial<Record<FaultFieldName, string>>>> = {
  partition: {
    target:
      'The node at the centre of isolate / one-way / bridge (empty = a seeded random node); for link, one end.',
    peer: 'For shape link: the other end; only the link target ↔ peer is cut, both directions.',
  },
  pause: {
    forMs:
      'How long the node stays frozen; a pause longer than the election timeout costs the leader its job.',
  },
  delay: {
    target: 'Only links to and from these nodes; empty = every link.',
    peer: 'Only the one link target ↔ peer (both directions); empty = every link of the target.',
  },
  drop: {
    probability: 'Chance (0..1) each message is lost; above ~0.5 the cluster rarely keeps a leader.',
    target: 'Only links to and from these nodes; empty = every link.',
    peer: 'Only the one link target ↔ peer (both directions); empty = every link of the target.',
  },
  duplicate: {
    probability: 'Chance (0..1) each message is delivered twice.',
    target: 'Only links to and from these nodes; empty = every link.',
  },
  reorder: {
    probability: 'Chance (0..1) each message is held back and overtaken by later ones.',
    target: 'Only links to and from these nodes; empty = every link.',
  },
  clock: { forMs: 'How long the rate change lasts; empty = until the end of the run.' },
  byzantine: { target: 'The lying node(s); with PBFT, leader means the primary of the current view.' },
  membership: {
    target:
      'The node to add, promote or remove; nodes past cluster.nodes (up to cluster.maxNodes) start when added.',
  },
  'transfer-leadership': { target: 'The node that should lead next (a voter).' },
}

export function faultFieldHelp(kind: FaultKind, field: FaultFieldName): string {
  return FAULT_KIND_FIELD_HELP[kind]?.[field] ?? FAULT_FIELD_HELP[field]
}

/** What each target word means. */
export const TARGET_HELP: Record<(typeof TARGET_WORDS)[number], string> = {
  leader: 'whoever leads when the fault starts',
  random: 'one node, picked with the seed',
  minority: 'fewer than half the nodes',
  majority: 'more than half the nodes',
  all: 'every node',
}

/** Faults that happen at an instant (the timeline shows a marker, not a bar). */
export function isInstant(kind: FaultKind): boolean {
  return kind === 'crash' || kind === 'membership' || kind === 'transfer-leadership'
}

/** A short description for a timeline bar, e.g. `drop 20% · n2`. */
export function faultSummary(f: Record<string, unknown>): string {
  const kind = typeof f.kind === 'string' ? f.kind : '?'
  const num = (k: string) => (typeof f[k] === 'number' ? (f[k] as number) : null)
  const parts: string[] = [kind]
  const p = num('probability')
  switch (kind) {
    case 'partition':
      if (typeof f.shape === 'string') parts.push(f.shape)
      break
    case 'delay':
      parts.push(`+${num('latencyMs') ?? '?'}${num('jitterMs') ? `±${num('jitterMs')}` : ''} ms`)
      break
    case 'drop':
    case 'duplicate':
    case 'reorder':
      if (p !== null) parts.push(`${Math.round(p * 1000) / 10}%`)
      break
    case 'clock':
      if (num('rate') !== null) parts.push(`×${num('rate')}`)
      if (num('jumpMs') !== null) parts.push(`jump ${num('jumpMs')} ms`)
      break
    case 'byzantine':
      if (typeof f.behavior === 'string') parts.push(f.behavior)
      break
    case 'membership':
      if (typeof f.action === 'string') parts.splice(0, 1, f.action)
      break
    case 'transfer-leadership':
      parts.splice(0, 1, 'leader →')
      break
    default:
      break
  }
  const t = typeof f.target === 'string' ? f.target : null
  const ends = t && typeof f.peer === 'string' ? `${t} ↔ ${f.peer}` : t
  return ends ? `${parts.join(' ')} · ${ends}` : parts.join(' ')
}

/** A duration for people: `850 ms`, `2.5 s`, `1 min 30 s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '?'
  if (Math.abs(ms) < 1000) return `${Math.round(ms * 10) / 10} ms`
  if (Math.abs(ms) < 60_000) return `${Math.round(ms / 100) / 10} s`
  const m = Math.floor(ms / 60_000)
  const s = Math.round((ms % 60_000) / 1000)
  return s ? `${m} min ${s} s` : `${m} min`
}

export const BYZANTINE_BEHAVIORS = ['silent', 'equivocate', 'forge', 'slow'] as const
export const TARGET_WORDS = ['leader', 'random', 'minority', 'majority', 'all'] as const

/** `fraction` of a run of `durationMs`, on the timeline's grid (at least one step). */
export function gridPart(durationMs: number, fraction: number): number {
  const g = timeGrid(durationMs)
  return Math.max(g, Math.round((durationMs * fraction) / g) * g)
}

/** A new fault of `kind`, keeping `atMs` / `forMs` / `target` from `prev` where they apply. */
export function newFault(
  kind: FaultKind,
  prev?: Record<string, unknown>,
  durationMs = 10_000,
): Record<string, unknown> {
  const atMs = typeof prev?.atMs === 'number' ? prev.atMs : gridPart(durationMs, 1 / 3)
  const forMs = gridPart(durationMs, 0.2)
  const defaults: Record<FaultKind, Record<string, unknown>> = {
    partition: { forMs, shape: 'halves' },
    crash: { target: 'leader', restartAfterMs: forMs },
    pause: { forMs, target: 'random' },
    delay: { forMs, latencyMs: 50, jitterMs: 10 },
    drop: { forMs, probability: 0.2 },
    duplicate: { forMs, probability: 0.1 },
    reorder: { forMs, probability: 0.1 },
    clock: { forMs, target: 'n1', rate: 2 },
    byzantine: { forMs, target: 'leader', behavior: 'silent' },
    membership: { action: 'add', target: 'n1' },
    'transfer-leadership': { target: 'n1' },
  }
  const out: Record<string, unknown> = { kind, atMs, ...defaults[kind] }
  const allowed = new Set(FAULT_FIELDS[kind].map((x) => x.name))
  if (prev) {
    if (allowed.has('forMs') && typeof prev.forMs === 'number') out.forMs = prev.forMs
    const nodeOnly = takesNodeOnly(kind)
    if (
      allowed.has('target') &&
      typeof prev.target === 'string' &&
      (!nodeOnly || /^n[0-9]+$/.test(prev.target))
    )
      out.target = prev.target
  }
  return out
}

/**
 * Where a new fault goes, so faults added one after another do not stack on one spot: a third
 * into the run when that time is free, else the first time (on the grid, at or after a third,
 * then from the start) where it overlaps no other fault; when the run is full, the first grid
 * time no other fault starts at.
 */
export function freeFaultStart(
  faults: ReadonlyArray<Record<string, unknown>>,
  durationMs: number,
  fault: Record<string, unknown>,
): number {
  const g = timeGrid(durationMs)
  const first = gridPart(durationMs, 1 / 3)
  const num = (f: Record<string, unknown>, k: string): number | null =>
    typeof f[k] === 'number' ? (f[k] as number) : null
  const lenOf = (f: Record<string, unknown>): number =>
    Math.max(g, num(f, 'forMs') ?? num(f, 'restartAfterMs') ?? g)
  const taken = faults
    .filter((f) => num(f, 'atMs') !== null)
    .map((f) => [num(f, 'atMs') as number, (num(f, 'atMs') as number) + lenOf(f)] as const)
  const len = lenOf(fault)
  const snap = (t: number): number => Math.ceil(t / g) * g
  const candidates = [first, ...taken.map(([, e]) => snap(e)).sort((a, b) => a - b), 0]
  const ordered = [...candidates.filter((t) => t >= first), ...candidates.filter((t) => t < first)]
  for (const at of ordered) {
    if (at + len > durationMs) continue
    if (taken.every(([a, b]) => at >= b || at + len <= a)) return at
  }
  const starts = new Set(taken.map(([a]) => a))
  for (let at = first; at < durationMs; at += g) if (!starts.has(at)) return at
  return first
}

/** What the timeline drags: the whole fault, its start edge or its end edge. */
export type DragMode = 'move' | 'start' | 'end'

export interface FaultShape {
  atMs: number
  /** forMs (a window) or restartAfterMs (an instant fault); null: until the end / stays down. */
  len: number | null
  instant: boolean
}

/**
 * The fields to set after dragging a fault by `dms` (run ms) in `mode`: times snap to
 * `grid`, stay inside 0..durationMs, and a window keeps at least one grid step.
 * Moving keeps the length; dragging the start keeps the end; dragging the end of an
 * instant fault changes its restart delay.
 */
export function reshapeFault(
  f: FaultShape,
  mode: DragMode,
  dms: number,
  durationMs: number,
  grid: number,
): Record<string, number> {
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), Math.max(lo, hi))
  const snap = (ms: number) => Math.round(ms / grid) * grid
  const D = durationMs
  if (mode === 'move') {
    const room = f.len ?? (f.instant ? 0 : grid)
    return { atMs: clamp(snap(f.atMs + dms), 0, D - room) }
  }
  if (mode === 'start' && !f.instant) {
    const end0 = f.len !== null ? f.atMs + f.len : D
    const at = clamp(snap(f.atMs + dms), 0, end0 - grid)
    return f.len !== null ? { atMs: at, forMs: end0 - at } : { atMs: at }
  }
  const end0 = f.len !== null ? f.atMs + f.len : f.instant ? f.atMs : D
  const end = clamp(snap(end0 + dms), f.atMs + grid, D)
  return { [f.instant ? 'restartAfterMs' : 'forMs']: end - f.atMs }
}
