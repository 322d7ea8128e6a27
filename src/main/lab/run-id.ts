// A new run's id: `run-<UTC time to the second>-<6 random hex digits>`.
import { randomBytes } from 'node:crypto'
import type { RunId } from '../../shared/api'

export function newRunId(): RunId {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return `run-${stamp}-${randomBytes(3).toString('hex')}`
}
