// Fuzz campaigns in the database (issue 16.4): a seed is one row per spec key + seed + app
// version however often it is delivered; a seed's recorded run is found again only while that
// run exists.
import { describe, expect, it } from 'vitest'
import { LabStore } from '../src/main/store'
import { recordCampaign, recordSeed, seedRunId, setSeedRun, storedSeeds } from '../src/main/store/campaigns'

const NOW = '2026-12-07T00:00:00.000Z'
const seed = (n: number, version = '1.0.0', specKey = 'k1') => ({
  specKey,
  seed: n,
  appVersion: version,
  campaignId: 'fuzz-c1',
  violations: n === 3 ? 1 : 0,
  result: { seed: n },
})

describe('campaign seeds', () => {
  it('stores a seed once per spec + seed + version and counts repeated deliveries', () => {
    const store = LabStore.memory()
    recordCampaign(
      store.db,
      { id: 'fuzz-c1', kind: 'fuzz', options: { algorithm: 'raft' }, seeds: 5, appVersion: '1.0.0' },
      NOW,
    )
    recordCampaign(
      store.db,
      { id: 'fuzz-c1', kind: 'fuzz', options: { algorithm: 'raft' }, seeds: 5, appVersion: '1.0.0' },
      NOW,
    )
    expect(store.db.prepare('SELECT count(*) FROM campaigns').pluck().get()).toBe(1)
    for (let i = 1; i <= 5; i++) expect(recordSeed(store.db, seed(i), NOW)).toBe(true)
    expect(recordSeed(store.db, seed(2), NOW)).toBe(false)
    expect(recordSeed(store.db, seed(2), NOW)).toBe(false)
    // Another version, or another spec, is another seed.
    expect(recordSeed(store.db, seed(2, '1.0.1'), NOW)).toBe(true)
    expect(recordSeed(store.db, seed(2, '1.0.0', 'k2'), NOW)).toBe(true)
    const rows = storedSeeds(store.db, { specKey: 'k1', appVersion: '1.0.0', from: 1, count: 5 })
    expect(rows.map((r) => r.seed)).toEqual([1, 2, 3, 4, 5])
    expect(rows.find((r) => r.seed === 2)?.deliveries).toBe(3)
    expect(rows.find((r) => r.seed === 3)?.violations).toBe(1)
    expect(rows[0].result).toEqual({ seed: 1 })
    store.close()
  })

  it("finds a seed's recorded run only while the run exists", () => {
    const store = LabStore.memory()
    recordSeed(store.db, seed(3), NOW)
    expect(seedRunId(store.db, 'k1', 3, '1.0.0')).toBeNull()
    setSeedRun(store.db, 'k1', 3, '1.0.0', 'run-gone')
    // The run id names no run (deleted): not found, so the seed is recorded again.
    expect(seedRunId(store.db, 'k1', 3, '1.0.0')).toBeNull()
    store.db
      .prepare(
        `INSERT INTO runs (id, name, algorithm, nodes, spec, seed, mode, app_version, started_at, status)
         VALUES ('run-x', 'x', 'raft', 3, '{}', 3, 'sim', '1.0.0', ?, 'done')`,
      )
      .run(NOW)
    setSeedRun(store.db, 'k1', 3, '1.0.0', 'run-x')
    expect(seedRunId(store.db, 'k1', 3, '1.0.0')).toBe('run-x')
    store.close()
  })
})
