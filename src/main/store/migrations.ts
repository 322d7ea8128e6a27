// Schema migrations, applied in order; `PRAGMA user_version` records how many have run.
// A shipped migration is FROZEN: never edit its SQL (files in the field were made by it);
// change the schema by appending a new one. Each runs in one transaction together with
// its user_version bump, so a file is always at exactly one version.
//
// Conventions: run-relative times are integer microseconds (`t`, `invoke_t`...), wall
// times are ISO 8601 text. Child tables point at `runs.seq` (an integer: 8 bytes per row
// instead of the 30-byte text run id, which matters for millions of trace rows). There are
// no FOREIGN KEY clauses: the recorder is the only writer, deleteRun removes a run's rows
// from every table in one transaction, and FK checks would cost a parent lookup on every
// trace insert.

import type Database from 'better-sqlite3'
import { chunkLegacyTrace } from './trace-chunks'

/** `PRAGMA application_id` of a Quorum Lab database ("QLab"): tells ours from foreign files. */
export const APPLICATION_ID = 0x514c6162

export interface Migration {
  version: number
  description: string
  sql: string
  /** Data to move after the SQL, in the same transaction. */
  then?: (db: Database.Database) => void
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'experiments, runs, nodes, trace events, ops, faults, metrics',
    sql: `
PRAGMA application_id = ${APPLICATION_ID};

CREATE TABLE experiments (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  spec TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE runs (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  experiment_id INTEGER,
  name TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  nodes INTEGER NOT NULL,
  spec TEXT NOT NULL,
  seed INTEGER NOT NULL,
  mode TEXT NOT NULL,
  app_version TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'stopped', 'crashed', 'failed')),
  progress REAL NOT NULL DEFAULT 0,
  summary TEXT,
  verdict TEXT,
  error TEXT
);
CREATE INDEX runs_status ON runs (status);

CREATE TABLE nodes (
  run_seq INTEGER NOT NULL,
  node TEXT NOT NULL,
  role TEXT,
  term INTEGER,
  leader TEXT,
  commit_index INTEGER,
  last_index INTEGER,
  PRIMARY KEY (run_seq, node)
) WITHOUT ROWID;

CREATE TABLE trace_events (
  run_seq INTEGER NOT NULL,
  t INTEGER NOT NULL,
  node TEXT,
  lc INTEGER NOT NULL,
  kind TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX trace_events_run_t ON trace_events (run_seq, t);

CREATE TABLE ops (
  run_seq INTEGER NOT NULL,
  op_id TEXT NOT NULL,
  client INTEGER NOT NULL,
  f TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT,
  expected TEXT,
  invoke_t INTEGER NOT NULL,
  complete_t INTEGER,
  outcome TEXT CHECK (outcome IN ('ok', 'fail', 'info')),
  result TEXT,
  error TEXT,
  UNIQUE (run_seq, op_id)
);
CREATE INDEX ops_run_invoke ON ops (run_seq, invoke_t);

CREATE TABLE faults (
  run_seq INTEGER NOT NULL,
  t INTEGER NOT NULL,
  fault_id INTEGER NOT NULL,
  phase TEXT NOT NULL CHECK (phase IN ('start', 'end')),
  kind TEXT NOT NULL,
  targets TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX faults_run_t ON faults (run_seq, t);

CREATE TABLE metrics (
  run_seq INTEGER NOT NULL,
  start_ms REAL NOT NULL,
  end_ms REAL NOT NULL,
  ok INTEGER NOT NULL,
  fail INTEGER NOT NULL,
  info INTEGER NOT NULL,
  p50_ms REAL,
  p99_ms REAL,
  messages INTEGER NOT NULL,
  PRIMARY KEY (run_seq, start_ms)
) WITHOUT ROWID;
`,
  },
  {
    version: 2,
    description: 'sketches per window; run owner (crash detection); rerun link; list indexes',
    sql: `
CREATE TABLE sketches (
  run_seq INTEGER NOT NULL,
  window_start_ms REAL NOT NULL,
  kind TEXT NOT NULL,
  blob BLOB NOT NULL,
  PRIMARY KEY (run_seq, window_start_ms, kind)
) WITHOUT ROWID;

ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
ALTER TABLE runs ADD COLUMN owner_host TEXT;
ALTER TABLE runs ADD COLUMN rerun_of TEXT;

CREATE INDEX runs_started ON runs (started_at);
CREATE INDEX runs_algorithm ON runs (algorithm, started_at);
`,
  },
  {
    version: 3,
    description: 'messages per type in each metrics window (JSON; NULL in older runs)',
    sql: `
ALTER TABLE metrics ADD COLUMN by_type TEXT;
`,
  },
  {
    version: 4,
    description: "the pacing a run was started with ('max' or a speed-up; NULL in older runs)",
    sql: `
ALTER TABLE runs ADD COLUMN speed TEXT;
`,
  },
  {
    version: 5,
    description: 'fuzz campaigns and their seeds (one row per spec + seed + app version)',
    sql: `
CREATE TABLE campaigns (
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  options TEXT NOT NULL,
  seeds INTEGER NOT NULL,
  app_version TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- A seed's result is determined by what the campaign ran (spec_key: a hash of the algorithm,
-- mutants, duration, nodes and fault style), the seed and the app version: that triple is the
-- row's identity, so a task delivered twice (at-least-once) is stored once; deliveries counts
-- how often it arrived.
CREATE TABLE campaign_seeds (
  spec_key TEXT NOT NULL,
  seed INTEGER NOT NULL,
  app_version TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  violations INTEGER NOT NULL,
  result TEXT NOT NULL,
  run_id TEXT,
  deliveries INTEGER NOT NULL DEFAULT 1,
  done_at TEXT NOT NULL,
  UNIQUE (spec_key, seed, app_version)
);
CREATE INDEX campaign_seeds_campaign ON campaign_seeds (campaign_id, seed);
`,
  },
  {
    version: 6,
    description: 'trace events stored in compressed chunks (about 8x smaller); the old rows moved over',
    sql: `
-- Up to 512 events per row: columns (t, node, lc, kind, data) as one JSON object, raw DEFLATE.
-- kinds: the distinct event kinds inside, space-separated (lets a reader skip a chunk).
CREATE TABLE trace_chunks (
  run_seq INTEGER NOT NULL,
  n INTEGER NOT NULL CHECK (n BETWEEN 1 AND 4096),
  t_lo INTEGER NOT NULL,
  t_hi INTEGER NOT NULL,
  kinds TEXT NOT NULL,
  blob BLOB NOT NULL
);
CREATE INDEX trace_chunks_run_t ON trace_chunks (run_seq, t_lo);
-- The widest chunk of a run: how far before a window a chunk overlapping it may start.
CREATE INDEX trace_chunks_run_span ON trace_chunks (run_seq, t_hi - t_lo);
`,
    // The old rows move over at version 7, once chunks have their codec column.
  },
  {
    version: 7,
    description: 'a trace chunk names its compression (big chunks are Brotli, the rest raw DEFLATE)',
    sql: `
-- 0: raw DEFLATE (every chunk written before this column), 1: Brotli.
ALTER TABLE trace_chunks ADD COLUMN codec INTEGER NOT NULL DEFAULT 0;
`,
    // A file from before version 6: its trace_events rows into chunks (a no-op without that table).
    then: chunkLegacyTrace,
  },
]

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version

/** Tables a Quorum Lab database has at the current version (used to tell foreign files). */
export const OUR_TABLES = [
  'experiments',
  'runs',
  'nodes',
  'trace_chunks',
  'ops',
  'faults',
  'metrics',
  'sketches',
  'campaigns',
  'campaign_seeds',
]
