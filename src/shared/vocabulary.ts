// Each algorithm's words (ALGORITHM_INFO[kind].vocabulary) as the screens and the CLI use
// them: role names, the figures a node card shows, and the run summary's counts.
import { ALGORITHM_INFO, type CounterWord, type FigureWord, type Vocabulary } from './params'
import type { Role } from './trace'

/** For an algorithm this version does not know (an old or foreign run): Raft's words. */
const FALLBACK = ALGORITHM_INFO.raft.vocabulary

/**
 * A program's words (algorithm kind program): the lab knows nothing of its inside, so no
 * leader, term or log; a running node shows as running.
 */
export const PROGRAM_VOCABULARY: Vocabulary = {
  leader: null,
  term: null,
  commitIndex: null,
  lastIndex: null,
  roles: { replica: 'running' },
  leaderChanges: null,
  elections: null,
  counters: [],
}

export function vocabularyOf(kind: string): Vocabulary {
  if (kind === 'program') return PROGRAM_VOCABULARY
  return kind in ALGORITHM_INFO ? ALGORITHM_INFO[kind as keyof typeof ALGORITHM_INFO].vocabulary : FALLBACK
}

/** A role in the algorithm's words (PBFT's leader is its primary). */
export function roleName(v: Vocabulary, role: Role): string {
  return v.roles[role] ?? role
}

/** What a node shows of itself, in order: the figures its algorithm has, then its counters. */
export interface NodeFigure {
  key: string
  label: string
  short: string
  help: string
  value: number | null
}

export function nodeFigures(
  v: Vocabulary,
  n: {
    term: number | null
    commitIndex: number | null
    lastIndex: number | null
    stats?: Record<string, number>
  },
): NodeFigure[] {
  const out: NodeFigure[] = []
  const add = (key: string, w: FigureWord | null, value: number | null): void => {
    if (w) out.push({ key, label: w.label, short: w.short, help: w.help, value })
  }
  add('term', v.term, n.term)
  add('commitIndex', v.commitIndex, n.commitIndex)
  add('lastIndex', v.lastIndex, n.lastIndex)
  for (const c of v.counters)
    out.push({ key: c.key, label: c.label, short: c.label, help: c.help, value: n.stats?.[c.key] ?? null })
  return out
}

/** The run's total of each counter, from how many messages of its type were sent. */
export function summaryCounters(
  counters: readonly CounterWord[],
  sentByType: ReadonlyMap<string, number>,
): Record<string, number> {
  return Object.fromEntries(counters.map((c) => [c.key, sentByType.get(c.messageType) ?? 0]))
}

/** `3 view changes`, `1 election`: a count with its words (the plural's s dropped for 1). */
export function countOf(n: number, words: string): string {
  return `${n} ${n === 1 && words.endsWith('s') ? words.slice(0, -1) : words}`
}
