// One stream of random walks of an exploration as a task (explore --workers): the spec and
// the options as typed, checked here as the CLI checks them, a seed of its own and its share
// of the step budget. It ends early when another stream raises the shared stop flag.
import { performance } from 'node:perf_hooks'
import { explore, type ExploreResult } from '../../core/explore'
import { ExploreInputError } from '../../core/explore/options'
import { formatErrors, parseSpec } from '../../shared/spec'
import { exploreOptions } from '../cli/explore-options'
import type { ExploreWalksTask } from './tasks'

export function runExploreWalks(t: Omit<ExploreWalksTask, 'kind' | 'id' | 'version'>): ExploreResult {
  const parsed = parseSpec(t.spec)
  if (!parsed.ok) throw new Error(`invalid spec\n${formatErrors(parsed.errors)}`)
  let opts: ReturnType<typeof exploreOptions>
  try {
    opts = exploreOptions(parsed.spec, {
      ...t.options,
      strategy: 'random',
      seed: String(t.seed),
      maxStates: String(t.maxStates),
    })
  } catch (e) {
    if (e instanceof ExploreInputError) throw new Error(e.message)
    throw e
  }
  const stop = new Int32Array(t.stop)
  return explore({
    ...opts,
    now: () => performance.now(),
    // Another stream's find ends this one.
    shouldStop: () => Atomics.load(stop, 0) === 1,
  })
}
