// The status tag's look, shared by the Runs list and the Run view: a queued run is grey, not
// the blue of a running one.
import { describe, expect, it } from 'vitest'
import { RUN_STATUSES } from '../src/shared/api'
import { statusTagType } from '../src/renderer/src/run-status'

describe('statusTagType', () => {
  it('gives every status its colour', () => {
    expect(Object.fromEntries(RUN_STATUSES.map((s) => [s, statusTagType(s)]))).toEqual({
      queued: 'default',
      running: 'info',
      done: 'success',
      stopped: 'warning',
      failed: 'error',
      crashed: 'error',
    })
    expect(statusTagType(null)).toBe('info')
  })
})
