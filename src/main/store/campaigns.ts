// Fuzz campaigns in the database: each campaign once, each seed's result once. A seed is
// identified by what determines its result (spec key + seed + app version), so a task the fleet
// delivers twice, or a campaign run again, never adds a second row (deliveries counts them);
// the run recorded for a violating seed is found again instead of recorded twice.
import type { SqliteDb } from './db'

export interface CampaignRecord {
  id: string
  kind: 'fuzz'
  /** What the campaign ran (algorithm, mutants, duration, nodes, style, first seed). */
  options: Readonly<Record<string, unknown>>
  seeds: number
  appVersion: string
}

export interface SeedRecord {
  specKey: string
  seed: number
  appVersion: string
  campaignId: string
  violations: number
  /** The seed's result as JSON-able data (the worker's answer). */
  result: unknown
}

export interface SeedRow {
  seed: number
  violations: number
  runId: string | null
  deliveries: number
  result: unknown
}

/** Record a campaign (or touch it when it runs again). */
export function recordCampaign(db: SqliteDb, c: CampaignRecord, now: string): void {
  db.prepare(
    `INSERT INTO campaigns (id, kind, options, seeds, app_version, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at`,
  ).run(c.id, c.kind, JSON.stringify(c.options), c.seeds, c.appVersion, now, now)
}

/** Store one seed's result; false when it was stored already (a repeated delivery). */
export function recordSeed(db: SqliteDb, s: SeedRecord, now: string): boolean {
  const row = db
    .prepare(
      `INSERT INTO campaign_seeds (spec_key, seed, app_version, campaign_id, violations, result, done_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (spec_key, seed, app_version) DO UPDATE SET deliveries = deliveries + 1
       RETURNING deliveries`,
    )
    .get(s.specKey, s.seed, s.appVersion, s.campaignId, s.violations, JSON.stringify(s.result), now) as {
    deliveries: number
  }
  return row.deliveries === 1
}

/** The run recorded for a seed, if one was and it is still there. */
export function seedRunId(db: SqliteDb, specKey: string, seed: number, appVersion: string): string | null {
  const row = db
    .prepare(
      `SELECT s.run_id AS runId FROM campaign_seeds s JOIN runs r ON r.id = s.run_id
       WHERE s.spec_key = ? AND s.seed = ? AND s.app_version = ?`,
    )
    .get(specKey, seed, appVersion) as { runId: string } | undefined
  return row?.runId ?? null
}

/** Link a seed to the run that records it. */
export function setSeedRun(
  db: SqliteDb,
  specKey: string,
  seed: number,
  appVersion: string,
  runId: string,
): void {
  db.prepare('UPDATE campaign_seeds SET run_id = ? WHERE spec_key = ? AND seed = ? AND app_version = ?').run(
    runId,
    specKey,
    seed,
    appVersion,
  )
}

/** The stored seeds from..from+count-1 of one spec key and version, in seed order. */
export function storedSeeds(
  db: SqliteDb,
  q: { specKey: string; appVersion: string; from: number; count: number },
): SeedRow[] {
  const rows = db
    .prepare(
      `SELECT seed, violations, run_id AS runId, deliveries, result FROM campaign_seeds
       WHERE spec_key = ? AND app_version = ? AND seed >= ? AND seed < ? ORDER BY seed`,
    )
    .all(q.specKey, q.appVersion, q.from, q.from + q.count) as Array<
    Omit<SeedRow, 'result'> & { result: string }
  >
  return rows.map((r) => ({ ...r, result: JSON.parse(r.result) as unknown }))
}
