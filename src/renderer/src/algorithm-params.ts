// The designer's view of each algorithm's parameters, read generically from the shared
// params schemas (types, defaults, enum options) and ALGORITHM_INFO (label, help, unit),
// so a protocol that adds or renames a parameter shows up without touching the UI.
import { z } from 'zod'
import {
  ALGORITHM_INFO,
  ALGORITHMS,
  AlgorithmSchema,
  defaultSpec,
  PROGRAM_KIND,
  type AlgorithmKind,
} from '../../shared/spec'
import { fillDefaults } from './stores/path'

export type ParamControlKind = 'number' | 'range' | 'switch' | 'select' | 'text'

export interface ParamControl {
  /** Field name in algorithm.params. */
  key: string
  label: string
  help: string
  unit: string
  control: ParamControlKind
  /** For `select`. */
  options: { label: string; value: string }[]
  /** Integer-only numbers step by 1, others by 0.1. */
  step: number
  /** Optional in the schema (no default filled in): emptying the field removes the key. */
  optional: boolean
  /** What an empty optional field means (its placeholder). */
  placeholder: string
}

export function isAlgorithm(kind: unknown): kind is AlgorithmKind {
  return typeof kind === 'string' && (ALGORITHMS as readonly string[]).includes(kind)
}

/** The algorithm picker's options: every algorithm with its one-line summary. */
export const ALGORITHM_OPTIONS: Array<{ value: string; label: string; summary: string }> = [
  ...ALGORITHMS.map((k) => ({
    value: k,
    label: ALGORITHM_INFO[k].label,
    summary: ALGORITHM_INFO[k].summary,
  })),
  {
    value: PROGRAM_KIND,
    label: 'Your program (Maelstrom protocol)',
    summary:
      'Any executable speaking Maelstrom’s node protocol on stdin / stdout, one process per node; processes mode, Maelstrom workloads.',
  },
]

/** The algorithm's default params (what switching to it starts from). */
export function defaultParams(kind: AlgorithmKind): Record<string, unknown> {
  return structuredClone(AlgorithmSchema.parse({ kind }).params) as Record<string, unknown>
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s
  while (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional || cur instanceof z.ZodNullable) {
    cur = cur.unwrap() as z.ZodType
  }
  return cur
}

/** The params object schema's fields for `kind` (empty if it is not an object schema). */
function paramShape(kind: AlgorithmKind): Record<string, z.ZodType> {
  const option = AlgorithmSchema.options.find((o) => o.shape.kind.value === kind)
  const params = option ? unwrap(option.shape.params as z.ZodType) : null
  return params instanceof z.ZodObject ? (params.shape as Record<string, z.ZodType>) : {}
}

function controlFor(
  schema: z.ZodType | undefined,
  dflt: unknown,
): Pick<ParamControl, 'control' | 'options' | 'step'> {
  const s = schema ? unwrap(schema) : undefined
  if (s instanceof z.ZodEnum) {
    return {
      control: 'select',
      options: s.options.map((v) => ({ label: String(v), value: String(v) })),
      step: 1,
    }
  }
  if (s instanceof z.ZodBoolean || typeof dflt === 'boolean')
    return { control: 'switch', options: [], step: 1 }
  if (s instanceof z.ZodTuple || Array.isArray(dflt)) return { control: 'range', options: [], step: 1 }
  if (s instanceof z.ZodNumber || typeof dflt === 'number') {
    const int = s instanceof z.ZodNumber ? s.isInt : Number.isInteger(dflt)
    return { control: 'number', options: [], step: int ? 1 : 0.1 }
  }
  return { control: 'text', options: [], step: 1 }
}

/** One control per parameter: ALGORITHM_INFO's order first, then any the help does not cover. */
export function paramControls(kind: AlgorithmKind): ParamControl[] {
  const info = ALGORITHM_INFO[kind].params
  const shape = paramShape(kind)
  const defaults = defaultParams(kind)
  const keys = [...Object.keys(info), ...Object.keys(shape).filter((k) => !(k in info))]
  return keys.map((key) => ({
    key,
    label: info[key]?.label ?? key,
    help: info[key]?.help ?? '',
    unit: info[key]?.unit ?? '',
    optional: shape[key] instanceof z.ZodOptional,
    placeholder: info[key]?.absent ?? '',
    ...controlFor(shape[key], defaults[key]),
  }))
}

/**
 * What a draft's missing fields are filled from: the default spec, but with the draft's own
 * algorithm and that algorithm's default params (a PBFT file must not get Raft's params).
 * An unknown algorithm gets no params (its error names the kind).
 */
export function draftDefaults(value: unknown): Record<string, unknown> {
  const base = structuredClone(defaultSpec()) as unknown as Record<string, unknown>
  const algo = isObject(value) ? value.algorithm : undefined
  if (algo === undefined) return base
  const kind = isObject(algo) ? algo.kind : undefined
  base.algorithm = isAlgorithm(kind) ? { kind, params: defaultParams(kind) } : {}
  return base
}

/** A loaded or stored draft, as written, with its algorithm's own defaults for what it leaves out. */
export function fillDraft(value: Record<string, unknown>): Record<string, unknown> {
  return fillDefaults(value, draftDefaults(value)) as Record<string, unknown>
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
