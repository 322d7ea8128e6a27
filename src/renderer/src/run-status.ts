// How a run's status tag looks (Naive UI tag type), the same in the Runs list and the Run view.
import type { RunStatus } from '../../shared/api'

export type StatusTagType = 'success' | 'error' | 'warning' | 'default' | 'info'

export function statusTagType(s: RunStatus | null): StatusTagType {
  switch (s) {
    case 'done':
      return 'success'
    case 'failed':
    case 'crashed':
      return 'error'
    case 'stopped':
      return 'warning'
    case 'queued':
      return 'default' // waiting: greyed, not yet the blue of a running run
    default:
      return 'info'
  }
}
