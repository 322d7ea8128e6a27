// An algorithm as the lab knows it: one typed module per algorithm (src/core/protocols/<alg>/
// index.ts), listed in registry.ts next to its description's line in catalog.ts. Everything
// the lab needs of an algorithm comes from here: how to create its nodes (factory), its params
// and the designer's help, words and colours (info; both from its description, describe.ts),
// its message names on the wire and their check, its safety checker, its fuzz model and
// deliberate bugs (mutants), and (optionally) how the
// explorer encodes a node's state.
import type { z } from 'zod'
import type { AlgorithmInfo } from '../../shared/params/help'
import type { TraceChecker } from '../check/trace-checker'
import type { FuzzModel } from '../fuzz/model'
import type { Protocol, ProtocolFactory } from './types'

export interface AlgorithmModule<Msg, Rec, Params> {
  /** The spec's `algorithm.kind`. */
  readonly kind: string
  /** The spec's `algorithm.params` (defaults filled in). */
  readonly params: z.ZodType<Params>
  /** Display name, summary, one line of help per param, and the algorithm's words. */
  readonly info: AlgorithmInfo
  /** Creates nodes, names and describes messages, rewrites them for byzantine nodes, checks them off a socket. */
  readonly factory: ProtocolFactory<Msg, Rec, Params>
  /** Message type names in wire-code order (the code on the wire is the index). */
  readonly wireTypes: readonly string[]
  /** The algorithm's own streaming safety checks (linearizability is added for every run). */
  checker(): TraceChecker
  /** How the fuzzer draws its params and faults. */
  readonly fuzz: FuzzModel
  /** Deliberate bugs the fuzzer must catch, by name. */
  readonly mutants: readonly string[]
  /** The algorithm with the named mutations switched on. */
  mutant(names: readonly string[]): ProtocolFactory<Msg, Rec, Params>
  /**
   * The explorer's encoding of one node's state (src/core/explore): equal texts for nodes that
   * behave the same from here on, different ones otherwise (leave out only what never affects
   * behaviour, e.g. caches or keys fixed for the whole run). Default: the generic canonical
   * encoding of the protocol instance (explore/encode.ts: every field, Maps and Sets sorted).
   */
  encodeState?(node: Protocol<Msg, Rec>): string
  /**
   * For checks of an eventual property, judged only once the cluster has been healed and
   * quiet for a while (the quorum store's Convergence): the explorer ends each random walk
   * that would fail such a check with a fair settle of at most `steps` steps (every node up,
   * messages delivered oldest first, timers fired in turn, nothing lost), then judges it as if
   * the cluster had stayed quiet for `quietMs` more. Without it such a check never gets its
   * quiet time in a short path. Default: none.
   */
  readonly settle?: { readonly steps: number; readonly quietMs: number }
}

/** Any algorithm's module, as the lab drives it (messages, records and params are opaque). */
export type AnyAlgorithmModule = AlgorithmModule<unknown, unknown, unknown>

/**
 * Declare an algorithm: type-checks the module against its own message, record and params
 * types, then erases them (the one place they are erased) for the registry.
 */
export function defineAlgorithm<Msg, Rec, Params>(m: AlgorithmModule<Msg, Rec, Params>): AnyAlgorithmModule {
  return m as unknown as AnyAlgorithmModule
}

/** `{ a: true, b: true }` from `['a', 'b']` (mutation flags). */
export function flags(names: readonly string[]): Record<string, boolean> {
  return Object.fromEntries(names.map((n) => [n, true]))
}
