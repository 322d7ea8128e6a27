// The Fuzz screen's logic (FuzzView.vue draws it): the form turned into a startFuzz request
// with every problem named by field, the progress bar's figures, each violating seed in words
// (with its "reproduce with seed=N" line) and the outcome. Pure.
import type { CampaignOptions, FuzzCampaign, FuzzFinding, FuzzRequest } from '../../shared/api'
import type { FieldError } from '../../shared/spec'
import { count, duration, perSecond, violationLines, wholeNumber } from './campaign-format'
import type { FormResult } from './explore-screen'

export interface FuzzForm {
  algorithm: string
  mutants: string[]
  seeds: string
  /** `auto` or a number of worker threads. */
  workers: string
  durationMs: string
  /** Cluster size; empty: the algorithm's fuzz model. */
  nodes: string
  /** A fault style every seed holds to; empty: each seed draws one. */
  style: string
}

export function initialFuzzForm(o: CampaignOptions): FuzzForm {
  return {
    algorithm: o.algorithms[0]?.kind ?? 'raft',
    mutants: [],
    seeds: String(o.fuzz.defaults.seeds),
    workers: 'auto',
    durationMs: String(o.fuzz.defaults.durationMs),
    nodes: '',
    style: '',
  }
}

/** What an empty cluster size means for the form's algorithm. */
export function nodesHelp(form: FuzzForm, o: CampaignOptions): string {
  const n = o.algorithms.find((a) => a.kind === form.algorithm)?.fuzzNodes
  return `empty: the algorithm's fuzz model${n === undefined ? '' : ` (${n} nodes for ${form.algorithm})`}`
}

/** What `auto` workers means on the lab's machine. */
export function workersHelp(o: CampaignOptions): string {
  return `auto: one per core (${o.fuzz.cores} on the lab's machine)`
}

/** The startFuzz request, or every problem of the form (named by its field). */
export function fuzzRequest(form: FuzzForm, o: CampaignOptions): FormResult<FuzzRequest> {
  const b = o.fuzz.bounds
  const errors: FieldError[] = []
  const algo = o.algorithms.find((a) => a.kind === form.algorithm)
  if (!algo)
    errors.push({
      path: 'algorithm',
      message: `must be one of ${o.algorithms.map((a) => a.kind).join(', ')}`,
    })
  form.mutants.forEach((m, i) => {
    if (algo && !algo.mutants.includes(m))
      errors.push({ path: `mutants[${i}]`, message: `not a mutant of ${form.algorithm}: ${m}` })
  })
  const seeds = wholeNumber('seeds', form.seeds, b.seeds, 'seeds')
  const duration = wholeNumber('durationMs', form.durationMs, b.durationMs, 'ms')
  const auto = form.workers.trim().toLowerCase() === 'auto' || form.workers.trim() === ''
  const workers = auto ? null : wholeNumber('workers', form.workers, b.workers)
  const nodes = form.nodes.trim() === '' ? null : wholeNumber('nodes', form.nodes, b.nodes, 'nodes')
  for (const f of [seeds, duration, workers, nodes]) if (f && !f.ok) errors.push(f.error)
  const style = o.fuzz.styles.find((s) => s === form.style.trim())
  if (form.style.trim() !== '' && style === undefined)
    errors.push({ path: 'style', message: `must be one of ${o.fuzz.styles.join(', ')} (or empty: per seed)` })
  if (errors.length > 0 || !seeds.ok || !duration.ok || (workers && !workers.ok) || (nodes && !nodes.ok))
    return { ok: false, errors }
  return {
    ok: true,
    request: {
      algorithm: form.algorithm,
      seeds: seeds.value,
      mutants: [...form.mutants],
      workers: workers ? workers.value : 'auto',
      durationMs: duration.value,
      ...(nodes ? { nodes: nodes.value } : {}),
      ...(style !== undefined ? { style } : {}),
    },
  }
}

/** The progress bar and the figures under it. */
export function fuzzProgress(c: FuzzCampaign): {
  percent: number
  figures: Array<{ label: string; value: string; testid: string }>
} {
  const percent = c.seeds > 0 ? Math.min(100, Math.floor((c.done / c.seeds) * 1000) / 10) : 0
  return {
    percent,
    figures: [
      { label: `${percent}%`, value: `${count(c.done)} of ${count(c.seeds)} seeds`, testid: 'done' },
      {
        label: 'speed',
        value: `${perSecond(c.done, c.elapsedMs)} seeds/s on ${c.workers} worker${c.workers === 1 ? '' : 's'}`,
        testid: 'rate',
      },
      { label: 'violating seeds', value: count(c.violating), testid: 'violating' },
      { label: 'time', value: duration(c.elapsedMs), testid: 'time' },
    ],
  }
}

/** One violating seed in words. */
export function findingText(f: FuzzFinding): {
  title: string
  checks: string[]
  reproduce: string
  recording: string
} {
  return {
    title: `seed ${f.seed} (${f.style})`,
    checks: violationLines(f.violations),
    reproduce: `reproduce with seed=${f.seed}`,
    recording:
      f.recording === 'recorded'
        ? 'recorded as a run'
        : f.recording === 'waiting'
          ? 'recording…'
          : f.recording === 'failed'
            ? 'could not be recorded'
            : 'not recorded (the first 20 are)',
  }
}

/** The outcome in one line (and its kind, for its colour). */
export function fuzzOutcome(c: FuzzCampaign): {
  kind: 'running' | 'none' | 'violation' | 'cut' | 'failed'
  headline: string
} {
  const found = `${count(c.violating)} violating seed${c.violating === 1 ? '' : 's'}`
  const mutant = c.mutants.length > 0
  if (c.status === 'failed') return { kind: 'failed', headline: c.error ?? 'the campaign failed' }
  if (c.status === 'running')
    return { kind: c.violating > 0 ? 'violation' : 'running', headline: `fuzzing: ${found} so far` }
  const of = `${count(c.done)} of ${count(c.seeds)} seeds`
  if (c.violating > 0)
    return {
      kind: 'violation',
      headline: `${found} in ${of}${mutant ? `: mutant ${c.mutants.join('+')} caught` : ''}`,
    }
  if (c.status === 'stopped') return { kind: 'cut', headline: `stopped after ${of}: no violation` }
  return {
    kind: mutant ? 'cut' : 'none',
    headline: `no violation in ${of}${mutant ? `: mutant ${c.mutants.join('+')} NOT caught (try more seeds)` : ''}`,
  }
}
