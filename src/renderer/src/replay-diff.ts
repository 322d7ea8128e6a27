// What the Replay screen says about a diff of two runs, before any event: whether the runs
// are the same experiment (spec and seed), and if not, which fields differ; then the first
// diverging events in words rather than raw JSON. Pure.
import type { ExperimentSpec } from '../../shared/spec'
import type { TraceEvent } from '../../shared/trace'

export interface SpecDifference {
  /** e.g. `algorithm.kind`, `faults[1].atMs`, `seed`. */
  path: string
  a: string
  b: string
}

const show = (v: unknown): string => (v === undefined ? '(none)' : JSON.stringify(v))

/**
 * Fields whose values differ between two specs (leaves only; an array or object present on
 * one side only is one difference). `name` is left out: a re-run or a copy differs in name
 * and is still the same experiment. Two algorithms' params are not compared field by field
 * (they have different fields): `algorithm.kind` says it.
 */
export function specDifferences(a: ExperimentSpec, b: ExperimentSpec, max = 20): SpecDifference[] {
  const out: SpecDifference[] = []
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (out.length >= max) return
    const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length)
        out.push({ path: `${path}.length`.replace(/^\./, ''), a: String(x.length), b: String(y.length) })
      for (let i = 0; i < Math.min(x.length, y.length); i++) walk(x[i], y[i], `${path}[${i}]`)
      return
    }
    if (obj(x) && obj(y) && !Array.isArray(x) && !Array.isArray(y)) {
      const otherAlgorithm = path === 'algorithm' && x.kind !== y.kind
      for (const k of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
        if (path === '' && k === 'name') continue
        if (otherAlgorithm && k === 'params') continue
        walk(x[k], y[k], path ? `${path}.${k}` : k)
      }
      return
    }
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push({ path: path || '(spec)', a: show(x), b: show(y) })
  }
  walk(a, b, '')
  return out
}

/** One trace event in words: `n2 state: role follower, term 3, leader n1, commit 41`. */
export function describeEvent(e: TraceEvent | null, formatTime: (us: number) => string): string {
  if (e === null) return '(its trace ended here)'
  const at = `${formatTime(e.t)} ${e.node ?? 'lab'}`
  switch (e.kind) {
    case 'state':
      return `${at} state: role ${e.role}, term ${e.term}, leader ${e.leader ?? 'none'}, commit ${e.commitIndex}, last ${e.lastIndex}`
    case 'send':
      return `${at} sends ${e.type} to ${e.to}: ${e.summary}`
    case 'deliver':
      return `${at} receives ${e.type} from ${e.from}`
    case 'drop':
      return `${at}: ${e.type} ${e.from} → ${e.to} dropped (${e.reason})`
    case 'duplicate':
      return `${at}: ${e.type} ${e.from} → ${e.to} duplicated`
    case 'log':
      return `${at} log ${e.action} at ${e.index}${e.entries.length ? ` (${e.entries.length} entries)` : ''}`
    case 'apply':
      return `${at} applies #${e.index} (${e.id})${e.key ? ` key ${e.key}` : ''}`
    case 'op':
      return `${at} client op ${e.opId}: ${e.phase} ${e.f} ${e.key}`
    case 'fault':
      return `${at} fault ${e.phase}: ${e.detail}`
    case 'node':
      return `${at} ${e.action}`
    case 'config':
      return `${at} configuration: voters ${e.voters.join(', ')}${e.learners.length ? `, learners ${e.learners.join(', ')}` : ''}${e.oldVoters ? ` (joint with ${e.oldVoters.join(', ')})` : ''}`
    case 'snapshot':
      return `${at} snapshot ${e.action} at #${e.index}`
  }
}
