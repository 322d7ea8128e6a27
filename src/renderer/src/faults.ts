// What the Design view knows about each fault kind: a one-line explanation, the fields
// it takes (mirroring FaultSchema in src/shared/spec.ts) and a sensible new row.
import type { FaultKind } from '../../shared/spec'

/** An option of a select field. */
export type FieldOption = {
  label: string
  value: string
}

export type FaultFieldName =
  | 'atMs'
  | 'forMs'
  | 'target'
  | 'shape'
  | 'restartAfterMs'
  | 'latencyMs'
  | 'jitterMs'
  | 'probability'
  | 'rate'
  | 'jumpMs'
  | 'behavior'

export interface FaultField {
  name: FaultFieldName
  /** Optional fields may be left empty (the key is then omitted). */
  optional: boolean
}

const f = (name: FaultFieldName, optional = false): FaultField => ({ name, optional })
const windowed = [f('atMs'), f('forMs', true)]

export const FAULT_FIELDS: Record<FaultKind, FaultField[]> = {
  partition: [...windowed, f('shape'), f('target', true)],
  crash: [f('atMs'), f('target'), f('restartAfterMs', true)],
  pause: [f('atMs'), f('forMs'), f('target')],
  delay: [...windowed, f('latencyMs'), f('jitterMs', true), f('target', true)],
  drop: [...windowed, f('probability'), f('target', true)],
  duplicate: [...windowed, f('probability'), f('target', true)],
  reorder: [...windowed, f('probability'), f('target', true)],
  clock: [...windowed, f('target'), f('rate', true), f('jumpMs', true)],
  byzantine: [...windowed, f('target'), f('behavior')],
}

export const FAULT_HELP: Record<FaultKind, string> = {
  partition: 'Splits the network into groups that cannot reach each other; heals when it ends.',
  crash: 'Kills a node outright (SIGKILL); it may restart later from its durable state.',
  pause: 'Freezes a node (SIGSTOP) for a while, then resumes it: a long GC pause.',
  delay: 'Adds latency (and jitter) to messages on the targeted links.',
  drop: 'Loses each message with the given probability.',
  duplicate: 'Delivers each message twice with the given probability.',
  reorder: 'Lets messages overtake each other with the given probability.',
  clock: "Makes a node's clock run faster or slower, or jump forward.",
  byzantine: 'Makes a node lie or go quiet (meaningful for BFT protocols).',
}

export const FAULT_FIELD_LABEL: Record<FaultFieldName, string> = {
  atMs: 'at (ms)',
  forMs: 'for (ms)',
  target: 'target',
  shape: 'shape',
  restartAfterMs: 'restart after (ms)',
  latencyMs: 'latency (ms)',
  jitterMs: 'jitter (ms)',
  probability: 'probability',
  rate: 'clock rate ×',
  jumpMs: 'jump (ms)',
  behavior: 'behavior',
}

export const FAULT_FIELD_HELP: Record<FaultFieldName, string> = {
  atMs: 'When it starts, ms into the run.',
  forMs: 'How long it lasts; empty = until the end of the run.',
  target: 'A node (n1..), or leader / random / minority / majority / all.',
  shape: 'halves, one node isolated, majorities ring, a bridge node, or one-way.',
  restartAfterMs: 'Restart the node this long after the crash; empty = stays down.',
  latencyMs: 'Extra one-way delay per message.',
  jitterMs: 'Random extra delay, up to this much.',
  probability: 'Chance per message, 0..1.',
  rate: '2 = the clock runs twice as fast.',
  jumpMs: 'A one-off forward jump of this many ms.',
  behavior: 'silent, equivocate, forge or slow.',
}

export const BYZANTINE_BEHAVIORS = ['silent', 'equivocate', 'forge', 'slow'] as const
export const TARGET_WORDS = ['leader', 'random', 'minority', 'majority', 'all'] as const

/** A new fault row of `kind`, keeping `atMs` / `forMs` / `target` from `prev` where they apply. */
export function newFault(
  kind: FaultKind,
  prev?: Record<string, unknown>,
  durationMs = 10_000,
): Record<string, unknown> {
  const atMs = typeof prev?.atMs === 'number' ? prev.atMs : Math.round(Math.min(1000, durationMs / 3))
  const defaults: Record<FaultKind, Record<string, unknown>> = {
    partition: { forMs: 1000, shape: 'halves' },
    crash: { target: 'leader', restartAfterMs: 1000 },
    pause: { forMs: 1000, target: 'random' },
    delay: { forMs: 1000, latencyMs: 50, jitterMs: 10 },
    drop: { forMs: 1000, probability: 0.2 },
    duplicate: { forMs: 1000, probability: 0.1 },
    reorder: { forMs: 1000, probability: 0.1 },
    clock: { forMs: 1000, target: 'n1', rate: 2 },
    byzantine: { forMs: 1000, target: 'n1', behavior: 'silent' },
  }
  const out: Record<string, unknown> = { kind, atMs, ...defaults[kind] }
  const allowed = new Set(FAULT_FIELDS[kind].map((x) => x.name))
  if (prev) {
    if (allowed.has('forMs') && typeof prev.forMs === 'number') out.forMs = prev.forMs
    if (allowed.has('target') && typeof prev.target === 'string') out.target = prev.target
  }
  return out
}
