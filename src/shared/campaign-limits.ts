// Bounds and defaults of the campaigns the app starts (Explore and Fuzz screens, startExplore /
// startFuzz): tighter than the CLI's where the lab's own process pays (an exploration keeps its
// states in the lab's memory: about 2 KB each for 3 Raft nodes). Shared by the argument schemas
// (api-schemas.ts) and the screens; no zod here, so the renderer's first chunk stays small.

export const EXPLORE_LIMITS = {
  depth: [1, 1000],
  maxStates: [1, 1_000_000],
  seconds: [1, 3600],
  crashes: [0, 10],
  drops: [0, 10],
  admin: [0, 10],
} as const satisfies Record<string, readonly [number, number]>

export const EXPLORE_UI_DEFAULTS = {
  strategy: 'bfs',
  depth: 8,
  maxStates: 200_000,
  seconds: 60,
} as const

export const FUZZ_LIMITS = {
  seeds: [1, 1_000_000],
  start: [0, Number.MAX_SAFE_INTEGER],
  workers: [1, 64],
  durationMs: [100, 60_000],
  nodes: [1, 15],
} as const satisfies Record<string, readonly [number, number]>

/** The fault styles a fuzz campaign may hold to (default: each seed draws one). */
export const FUZZ_STYLES = ['mixed', 'leader-churn', 'leader-isolation', 'election-storm'] as const
export type FuzzStyle = (typeof FUZZ_STYLES)[number]

export const FUZZ_UI_DEFAULTS = { seeds: 200, durationMs: 4000 } as const

/** Violating seeds a campaign records as runs (the rest are listed with their reproduce line). */
export const FUZZ_RECORD_MAX = 20

/** Most campaigns of one kind running at once. */
export const CAMPAIGNS_AT_ONCE = 1
