// A run's linearizability check explains only the first key that failed; the History view
// opens the others through explainKey, which checks that key of the recorded history again
// and returns its own counterexample (or says the key has no operations).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { LabService } from '../src/main/lab/service'
import { LabError, type RunInfo } from '../src/shared/api'
import { createDispatch } from '../src/main/lab/handlers'

async function record(service: LabService, spec: unknown): Promise<RunInfo> {
  const r = await service.startRun({ spec, speed: 'max' })
  return new Promise((resolve) => {
    const off = service.on((e) => {
      if (e.type === 'run-status' && e.run.runId === r.runId && e.run.status !== 'running') {
        off()
        resolve(e.run)
      }
    })
  })
}

describe('explainKey', () => {
  it("opens every failing key's counterexample, not only the first", async () => {
    const service = new LabService({ store: 'memory' })
    try {
      const spec = JSON.parse(readFileSync('examples/quorum-cap-partition.json', 'utf8')) as object
      const run = await record(service, spec)
      const lin = run.summary?.checks.find((c) => c.name === 'Linearizability')
      expect(lin?.verdict).toBe('violation')
      const keys = lin?.failedKeys ?? []
      expect(keys.length).toBeGreaterThan(1)
      expect(keys[0]).toBe(lin?.counterexample?.key)
      for (const key of keys) {
        const x = await service.explainKey({ runId: run.runId, key })
        expect(x.verdict).toBe('violation')
        expect(x.counterexample?.key).toBe(key)
        expect(x.counterexample?.opIds.length).toBeGreaterThan(0)
        expect(x.ops).toBeGreaterThan(0)
      }
      // The first key's explanation is the one the run recorded.
      expect((await service.explainKey({ runId: run.runId, key: keys[0] })).counterexample?.explanation).toBe(
        lin?.counterexample?.explanation,
      )
      const none = await service.explainKey({ runId: run.runId, key: 'no-such-key' }).catch((e: unknown) => e)
      expect(none).toBeInstanceOf(LabError)
      expect((none as LabError).code).toBe('not_found')
      expect((none as LabError).message).toContain('no operations on key "no-such-key"')
      // Through the bridges' dispatcher: the argument is validated.
      const bad = await createDispatch(service)('explainKey', { runId: run.runId }).catch((e: unknown) => e)
      expect((bad as LabError).code).toBe('bad_input')
      expect((bad as LabError).fields?.[0].path).toBe('key')
    } finally {
      service.close()
    }
  })
})
