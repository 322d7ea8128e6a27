// The explorer's options as a user gives them (CLI flags, the Explore screen): defaults, the
// bounds each one must respect, and the client ops in their short text form. Every problem
// names the option. Pure.
import type { OpFn } from '../../shared/trace'
import type { ExploreOp, RngMode, Strategy, TimeMode } from './types'

export const STRATEGIES: readonly Strategy[] = ['bfs', 'dfs', 'random']
export const TIME_MODES: readonly TimeMode[] = ['timeout', 'tick']
export const RNG_MODES: readonly RngMode[] = ['fixed', 'seeded']

export const EXPLORE_DEFAULTS = {
  depth: 12,
  maxStates: 1_000_000,
  strategy: 'bfs' as Strategy,
  crashes: 1,
  drops: 0,
  byzantine: 0,
  admin: 0,
  attempts: 2,
  time: 'timeout' as TimeMode,
  rng: 'fixed' as RngMode,
  ops: 'put,get',
}

/** Bounds of the numeric options (inclusive). */
export const EXPLORE_BOUNDS = {
  depth: [1, 1000],
  maxStates: [1, 100_000_000],
  crashes: [0, 100],
  drops: [0, 100],
  byzantine: [0, 100],
  admin: [0, 100],
  attempts: [1, 10],
  seconds: [0.001, 7 * 24 * 3600],
} as const

/** Most client ops one exploration may submit. */
export const MAX_OPS = 8

/** A user's input problem: which option, and what is wrong. */
export class ExploreInputError extends Error {
  constructor(
    readonly option: string,
    readonly why: string,
  ) {
    super(`${option}: ${why}`)
  }
}

/** An integer option within its bounds. */
export function boundedInt(option: keyof typeof EXPLORE_BOUNDS, text: string): number {
  const [lo, hi] = EXPLORE_BOUNDS[option]
  const n = Number(text)
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < lo || n > hi)
    throw new ExploreInputError(flag(option), `must be an integer from ${lo} to ${hi}`)
  return n
}

/** The time budget in seconds (a positive number within bounds). */
export function seconds(text: string): number {
  const [lo, hi] = EXPLORE_BOUNDS.seconds
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n) || n < lo || n > hi)
    throw new ExploreInputError('--seconds', `must be a number of seconds from ${lo} to ${hi}`)
  return n
}

function flag(option: string): string {
  return `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
}

const FNS: readonly OpFn[] = ['get', 'put', 'cas']

/**
 * Client ops from their short form: comma-separated `[CLIENT/]F[:KEY[:EXPECTED]]`, where F is
 * get, put or cas, KEY defaults to k1, a cas's EXPECTED defaults to null (absent), and CLIENT
 * (a number, or c2) defaults to the op's position (so each op is its own client). A client's
 * ops are sent one after the other. Writes write their op id (`c1.1`, the first op of client 1).
 * `''` or `none`: no client ops.
 */
export function parseOps(text: string): ExploreOp[] {
  const t = text.trim()
  if (t === '' || t === 'none') return []
  const items = t.split(',').map((s) => s.trim())
  if (items.length > MAX_OPS)
    throw new ExploreInputError('--ops', `at most ${MAX_OPS} ops (got ${items.length})`)
  return items.map((item, i) => {
    const where = `op ${i + 1} (${JSON.stringify(item)})`
    let rest = item
    let client = i + 1
    const slash = item.indexOf('/')
    if (slash >= 0) {
      const c = item.slice(0, slash).replace(/^c/, '')
      if (!/^[1-9]\d{0,2}$/.test(c))
        throw new ExploreInputError(
          '--ops',
          `${where}: the client must be a number from 1 to 999, like 2 or c2`,
        )
      client = Number(c)
      rest = item.slice(slash + 1)
    }
    const [f, key = 'k1', expected, ...more] = rest.split(':')
    if (!(FNS as readonly string[]).includes(f))
      throw new ExploreInputError('--ops', `${where}: must start with get, put or cas`)
    if (key === '' || key.length > 100)
      throw new ExploreInputError('--ops', `${where}: the key must be 1-100 characters`)
    if (more.length > 0 || (expected !== undefined && f !== 'cas'))
      throw new ExploreInputError('--ops', `${where}: too many parts (F[:KEY] or cas:KEY:EXPECTED)`)
    const op: ExploreOp = { client, f: f as OpFn, key }
    if (f === 'cas') op.expected = expected === undefined || expected === 'null' ? null : expected
    return op
  })
}

/** The ops in their short form (the inverse of parseOps, clients always given). */
export function formatOps(ops: readonly ExploreOp[]): string {
  if (ops.length === 0) return 'none'
  return ops
    .map((o) => `c${o.client}/${o.f}:${o.key}${o.f === 'cas' ? `:${o.expected ?? 'null'}` : ''}`)
    .join(',')
}

/** The names in `--mutant a,b`, each one of the algorithm's mutants. */
export function mutantNames(kind: string, known: readonly string[], text: string): string[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (names.length === 0) throw new ExploreInputError('--mutant', 'needs a mutant name')
  for (const n of names)
    if (!known.includes(n))
      throw new ExploreInputError(
        '--mutant',
        `${kind} has no mutant ${JSON.stringify(n)} (known: ${known.length ? known.join(', ') : 'none'})`,
      )
  return names
}
