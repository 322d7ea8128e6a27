// Every algorithm's designer help and words, by algorithm kind: derived from the catalog
// (src/core/protocols/catalog.ts), which lists each algorithm's describe.ts.
import { ALGORITHM_CATALOG } from '../../core/protocols/catalog'
import type { AlgorithmInfo } from './help'

export type { AdminKind, AlgorithmInfo, CounterWord, FigureWord, ParamHelp, Vocabulary } from './help'

type Catalog = typeof ALGORITHM_CATALOG

export const ALGORITHM_INFO = Object.fromEntries(ALGORITHM_CATALOG.map((d) => [d.kind, d.info])) as {
  readonly [K in Catalog[number]['kind']]: AlgorithmInfo
}
