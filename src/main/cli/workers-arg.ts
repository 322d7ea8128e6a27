// `--workers`: how many worker threads a campaign command (fuzz, sweep, explore) uses.
import { InvalidArgumentError } from 'commander'
import type { WorkerCount } from '../workers/pool'

/** A number of threads (1-256) or "auto" (one per core); anything else names the option. */
export function workersArg(v: string): WorkerCount {
  if (v === 'auto') return 'auto'
  const n = Number(v)
  if (!/^\d+$/.test(v.trim()) || n < 1 || n > 256)
    throw new InvalidArgumentError('must be a number from 1 to 256 or "auto"')
  return n
}
