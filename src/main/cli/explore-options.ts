// The explore command's options as typed (strings) made into the explorer's options: every
// problem names its option. Shared by the CLI and the worker threads that run walk streams.
import { boundedInt, ExploreInputError, mutantNames, parseOps, seconds } from '../../core/explore/options'
import type { ExploreOptions } from '../../core/explore'
import { algorithmModule } from '../../core/protocols/registry'
import type { ExperimentSpec } from '../../shared/spec'
import type { WorkerCount } from '../workers/pool'
import type { ExploreTextOptions } from '../workers/tasks'

/** The explore command's options: the search's as typed (what a walk-stream task carries too), and the command's own. */
export type ExploreCliOptions = ExploreTextOptions & {
  strategy: ExploreOptions['strategy']
  seed?: string
  workers?: WorkerCount
  record: boolean
  data: string
  json?: boolean
}

/** The explorer's options from the command line's (every problem names its option). */
export function exploreOptions(
  spec: ExperimentSpec,
  o: Omit<ExploreCliOptions, 'record' | 'data' | 'json' | 'workers'>,
): ExploreOptions & { mutants: string[] } {
  const m = algorithmModule(spec.algorithm.kind)
  const mutants = o.mutant === undefined ? [] : mutantNames(m.kind, m.mutants, o.mutant)
  const budget = o.seconds === undefined ? undefined : seconds(o.seconds)
  return {
    spec,
    mutants,
    ...(mutants.length > 0 ? { factory: m.mutant(mutants) } : {}),
    depth: boundedInt('depth', o.depth),
    maxStates: boundedInt('maxStates', o.maxStates),
    strategy: o.strategy,
    crashes: boundedInt('crashes', o.crashes),
    drops: boundedInt('drops', o.drops),
    byzantine: byzantine(m, boundedInt('byzantine', o.byzantine)),
    admin: admin(m, boundedInt('admin', o.admin ?? '0')),
    ops: parseOps(o.ops),
    attempts: boundedInt('attempts', o.attempts),
    time: o.time,
    rng: o.rng,
    linearizability: o.linearizability,
    ...(o.seed === undefined ? {} : { seed: boundedSeed(o.seed) }),
    ...(budget === undefined ? {} : { budgetMs: budget * 1000 }),
  }
}

function byzantine(m: ReturnType<typeof algorithmModule>, n: number): number {
  if (n > 0 && m.factory.corrupt === undefined)
    throw new ExploreInputError('--byzantine', `${m.kind} has no Byzantine behaviours to explore`)
  return n
}

function admin(m: ReturnType<typeof algorithmModule>, n: number): number {
  if (n > 0 && (m.factory.admin ?? []).length === 0)
    throw new ExploreInputError(
      '--admin',
      `${m.kind} has no cluster operations (membership changes, leadership transfer) to explore`,
    )
  return n
}

function boundedSeed(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new ExploreInputError('--seed', 'must be a non-negative integer')
  return Number(text)
}
