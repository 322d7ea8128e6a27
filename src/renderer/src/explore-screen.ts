// The Explore screen's logic (ExploreView.vue draws it): the form (which spec, mutants,
// strategy and bounds) turned into a startExplore request with every problem named by field,
// the progress line, and the outcome in words. Pure.
import type { CampaignOptions, ExploreCampaign, ExploreRequest } from '../../shared/api'
import type { FieldError } from '../../shared/spec'
import { EXPLORE_LIMITS } from '../../shared/campaign-limits'
import { count, duration, perSecond, violationLines, wholeNumber } from './campaign-format'

/** Where the explored spec comes from: the designer's, or example `i` of campaignOptions. */
export type ExploreSource = 'design' | `example:${number}`

export interface ExploreForm {
  source: ExploreSource
  mutants: string[]
  strategy: 'bfs' | 'dfs' | 'random'
  depth: string
  maxStates: string
  seconds: string
  crashes: string
  drops: string
  /** Cluster operations (membership changes, leadership transfers) per path: algorithms that have them. */
  admin: string
  ops: string
}

export const STRATEGY_HELP: Record<ExploreForm['strategy'], string> = {
  bfs: 'breadth-first: every path level by level; the first violation is a shortest one',
  dfs: 'depth-first: deep paths first; the counterexample is shortened afterwards',
  random:
    'seeded random walks: some restart where something new happened, others keep one delivery order for many steps; finds deep bugs fast',
}

/** The form as it starts: the first example (Raft), no mutant, the lab's defaults. */
export function initialExploreForm(o: CampaignOptions): ExploreForm {
  const ex = o.explore.examples[0]
  return {
    source: ex ? 'example:0' : 'design',
    mutants: [],
    strategy: o.explore.defaults.strategy,
    depth: String(o.explore.defaults.depth),
    maxStates: String(o.explore.defaults.maxStates),
    seconds: String(o.explore.defaults.seconds),
    crashes: String(ex?.crashes ?? 1),
    drops: String(ex?.drops ?? 0),
    admin: '0',
    ops: ex?.ops ?? 'put,get',
  }
}

/** The form after picking another source: an example brings its ops, crashes and losses; mutants are cleared. */
export function withSource(form: ExploreForm, source: ExploreSource, o: CampaignOptions): ExploreForm {
  const ex = exampleOf(source, o)
  return {
    ...form,
    source,
    mutants: [],
    ...(ex ? { ops: ex.ops, crashes: String(ex.crashes), drops: String(ex.drops) } : {}),
  }
}

function exampleOf(
  source: ExploreSource,
  o: CampaignOptions,
): CampaignOptions['explore']['examples'][number] | null {
  if (source === 'design') return null
  return o.explore.examples[Number(source.slice('example:'.length))] ?? null
}

/** The spec a source gives (the designer's draft as it is: the lab checks it). */
export function sourceSpec(source: ExploreSource, o: CampaignOptions, designSpec: unknown): unknown {
  return exampleOf(source, o)?.spec ?? designSpec
}

/** The algorithm of a source's spec (null: none named). */
export function sourceAlgorithm(
  source: ExploreSource,
  o: CampaignOptions,
  designSpec: unknown,
): string | null {
  const ex = exampleOf(source, o)
  if (ex) return ex.algorithm
  const kind = (designSpec as { algorithm?: { kind?: unknown } } | null)?.algorithm?.kind
  return typeof kind === 'string' ? kind : null
}

/** The source menu: the designer's spec (described), then each example. */
export function sourceOptions(
  o: CampaignOptions,
  design: { name: string; algorithm: string; nodes: number } | null,
): Array<{ label: string; value: ExploreSource }> {
  return [
    {
      label: design
        ? `Designer's spec: ${design.name} (${design.algorithm}, ${design.nodes} nodes)`
        : "Designer's spec (it has problems: fix them on Design)",
      value: 'design' as const,
    },
    ...o.explore.examples.map((e, i) => ({ label: `Example: ${e.name}`, value: `example:${i}` as const })),
  ]
}

/** The mutants the algorithm offers (none when it is unknown). */
export function mutantChoices(o: CampaignOptions, algorithm: string | null): string[] {
  return o.algorithms.find((a) => a.kind === algorithm)?.mutants ?? []
}

export type FormResult<R> = { ok: true; request: R } | { ok: false; errors: FieldError[] }

/** The startExplore request, or every problem of the form (named by its field). */
export function exploreRequest(
  form: ExploreForm,
  o: CampaignOptions,
  designSpec: unknown,
): FormResult<ExploreRequest> {
  const b = o.explore.bounds
  const fields = {
    depth: wholeNumber('depth', form.depth, b.depth, 'steps'),
    maxStates: wholeNumber('maxStates', form.maxStates, b.maxStates, 'states'),
    seconds: wholeNumber('seconds', form.seconds, b.seconds, 'seconds'),
    crashes: wholeNumber('crashes', form.crashes, EXPLORE_LIMITS.crashes),
    drops: wholeNumber('drops', form.drops, EXPLORE_LIMITS.drops),
    admin: wholeNumber('admin', form.admin, EXPLORE_LIMITS.admin),
  }
  const errors: FieldError[] = []
  for (const f of Object.values(fields)) if (!f.ok) errors.push(f.error)
  const spec = sourceSpec(form.source, o, designSpec)
  if (spec === null || spec === undefined)
    errors.push({
      path: 'source',
      message:
        form.source === 'design'
          ? "the designer's spec has problems: fix them on Design"
          : 'pick a spec to explore',
    })
  const known = mutantChoices(o, sourceAlgorithm(form.source, o, designSpec))
  form.mutants.forEach((m, i) => {
    if (!known.includes(m))
      errors.push({ path: `mutants[${i}]`, message: `not a mutant of this algorithm: ${m}` })
  })
  if (form.ops.trim() === '')
    errors.push({ path: 'ops', message: 'name the client ops (e.g. put,get), or none' })
  if (errors.length > 0) return { ok: false, errors }
  const v = (k: keyof typeof fields): number => (fields[k] as { value: number }).value
  return {
    ok: true,
    request: {
      spec,
      mutants: [...form.mutants],
      strategy: form.strategy,
      depth: v('depth'),
      maxStates: v('maxStates'),
      seconds: v('seconds'),
      crashes: v('crashes'),
      drops: v('drops'),
      ...(v('admin') > 0 ? { admin: v('admin') } : {}),
      ops: form.ops.trim(),
    },
  }
}

/** The figures while it runs (and after). */
export function exploreFigures(c: ExploreCampaign): Array<{ label: string; value: string; testid: string }> {
  return [
    { label: 'states', value: count(c.states), testid: 'states' },
    { label: 'transitions', value: count(c.transitions), testid: 'transitions' },
    { label: 'states/s', value: perSecond(c.states, c.elapsedMs), testid: 'rate' },
    {
      label: c.strategy === 'bfs' ? 'depth reached' : 'longest path',
      value: `${c.depthReached} of ${c.depth}`,
      testid: 'depth',
    },
    { label: 'time', value: `${duration(c.elapsedMs)} of ${c.seconds} s`, testid: 'time' },
  ]
}

export type ExploreOutcomeKind = 'running' | 'none' | 'cut' | 'violation' | 'failed'

/** The result in one line (and its kind, for its colour). */
export function exploreOutcome(c: ExploreCampaign): {
  kind: ExploreOutcomeKind
  headline: string
  notes: string[]
} {
  const counts = `${count(c.states)} states, ${count(c.transitions)} transitions`
  const notes: string[] = []
  if (c.linUnknown > 0) notes.push(`${c.linUnknown} linearizability check(s) ran out of budget (not counted)`)
  if (c.error) notes.push(c.error)
  if (c.status === 'failed')
    return { kind: 'failed', headline: c.error ?? 'the exploration failed', notes: [] }
  if (c.status === 'running') return { kind: 'running', headline: `exploring: ${counts} so far`, notes }
  if (c.counterexample) {
    const steps = c.counterexample.steps.length
    return {
      kind: 'violation',
      headline: `violation after ${steps} step${steps === 1 ? '' : 's'} (${counts}): ${violationLines(c.counterexample.violations).join('; ')}`,
      notes,
    }
  }
  const reached = `depth ${c.depthReached} of ${c.depth} reached`
  switch (c.stop) {
    case 'exhausted':
      return { kind: 'none', headline: `no violation within depth ${c.depth} (${counts})`, notes }
    case 'max-states':
      return {
        kind: 'cut',
        headline: `no violation in the first ${counts} (${reached}); raise max states to go on`,
        notes,
      }
    case 'time':
      return {
        kind: 'cut',
        headline: `cut short by the time limit: no violation in ${counts} (${reached})`,
        notes,
      }
    default:
      return { kind: 'cut', headline: `stopped: no violation in ${counts} (${reached})`, notes }
  }
}
