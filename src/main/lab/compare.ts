// PLACEHOLDER (compare owner replaces): two to eight runs side by side, read from the store.
import { LabError, type Comparison, type RunInfo } from '../../shared/api'
import type { LabStore } from '../store'

export function compareRuns(_store: LabStore, _runs: RunInfo[]): Comparison {
  throw new LabError('unavailable', 'compareRuns is not implemented yet')
}
