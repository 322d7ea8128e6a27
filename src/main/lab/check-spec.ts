// A spec as a run (or an exploration) needs it: the schema's checks, then the algorithm's
// (e.g. its mutants exist), every problem by field path.
import { algorithmSpecIssues } from '../../core/protocols/registry'
import { parseSpec, type SpecResult } from '../../shared/spec'

export function checkSpec(raw: unknown): SpecResult {
  const parsed = parseSpec(raw)
  if (!parsed.ok) return parsed
  const algo = algorithmSpecIssues(parsed.spec.algorithm)
  return algo.length > 0 ? { ok: false, errors: algo } : parsed
}
