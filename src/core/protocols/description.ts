// What the lab knows of an algorithm without its protocol code: its kind, its params schema,
// and its info (label, help per param, the screens' words, message colours). Each algorithm
// declares one in its folder's describe.ts; catalog.ts lists them. The designer, the renderer
// and shared/spec.ts read only these (light, pure: zod and shared/ types, nothing else), so
// validating a spec or drawing a screen never loads node code.
import type { z } from 'zod'
import type { AlgorithmInfo } from '../../shared/params/help'

/** A spec problem an algorithm finds (e.g. PBFT needs 4 nodes): the field path and why. */
export interface SpecIssue {
  path: Array<string | number>
  message: string
}

/** What an algorithm's cross-field checks see of a parsed spec (defaults filled in). */
export interface DescribedSpec<Params> {
  readonly algorithm: { readonly kind: string; readonly params: Params }
  readonly cluster: { readonly nodes: number; readonly maxNodes?: number }
}

export interface AlgorithmDescription<K extends string = string, P extends z.ZodType = z.ZodType> {
  /** The spec's `algorithm.kind`. */
  readonly kind: K
  /** The spec's `algorithm.params`: every field has a default (`params.parse({})` is the defaults). */
  readonly params: P
  /** Display name, summary, one line of help per param, the algorithm's words and colours. */
  readonly info: AlgorithmInfo
  /**
   * Optional: the algorithm's cross-field checks of a whole spec (params against the cluster,
   * e.g. PBFT needs 4 nodes), run by spec parsing after its params parsed.
   */
  specIssues?(spec: DescribedSpec<z.output<P>>): SpecIssue[]
}

/** Declare an algorithm's description, keeping its kind's literal type and its params' schema type. */
export function describeAlgorithm<const K extends string, P extends z.ZodType>(
  d: AlgorithmDescription<K, P>,
): AlgorithmDescription<K, P> {
  return d
}
