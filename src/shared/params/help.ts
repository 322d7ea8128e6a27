// One-line explanations of every algorithm parameter, shown by the designer next to the
// field: what the parameter does to the algorithm, not just what it is.

export interface ParamHelp {
  /** Short field label. */
  label: string
  /** One line: what changing it does to the algorithm. */
  help: string
  /** Unit shown after the value (e.g. 'ticks'). */
  unit?: string
}

export interface AlgorithmInfo {
  /** Display name, e.g. 'Multi-Paxos'. */
  label: string
  /** One line: what the algorithm is and what to watch for. */
  summary: string
  /** Help for each parameter, keyed by its field name in `algorithm.params`. */
  params: Readonly<Record<string, ParamHelp>>
}
