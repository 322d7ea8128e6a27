// The LabApi: the one contract between the UI and the engine. The Electron bridge
// (preload + ipcMain) and the browser-mode bridge (HTTP + WebSocket) both carry exactly
// these calls, validated by the same schemas in `LabArgSchemas`.
import type { CsvKind } from './api-schemas'
import type { ExperimentSpec, SpecResult } from './spec'
import type { NodeId, Role, TraceEvent, TraceKind } from './trace'
import type { HistoryOp } from './history'
import { type HistoryFault, type HistoryFormat, type HistoryTimeUnit } from './history-formats/types'
import type { LabErrorData } from './lab-error'
import type { FuzzStyle } from './campaign-limits'

export type RunId = string
/**
 * `queued`: a processes-mode run waiting for a slot (the lab runs a limited number at once).
 * `crashed`: the app stopped while the run was recording (marked at the next start).
 */
export type RunStatus = 'queued' | 'running' | 'done' | 'stopped' | 'failed' | 'crashed'
export const RUN_STATUSES: readonly RunStatus[] = [
  'queued',
  'running',
  'done',
  'stopped',
  'failed',
  'crashed',
]

/** Not over yet: queued or running (it can be stopped; it has no final summary). */
export function isLive(status: RunStatus): boolean {
  return status === 'running' || status === 'queued'
}

export interface NodeLive {
  id: NodeId
  role: Role
  term: number
  leader: NodeId | null
  commitIndex: number
  lastIndex: number
  /** Algorithm-specific counters of this incarnation (NodeStatus.stats), when it has any. */
  stats?: Record<string, number>
  /**
   * The configuration this node works with (algorithms with membership changes), when it is
   * other than "every node a voter": voters, learners, and during a joint change the old voters.
   */
  config?: NodeConfig
  /** Not started yet (a node past cluster.nodes waits for a membership add). */
  absent?: boolean
}

/** A cluster configuration as a node sees it (the trace's config events carry the same). */
export interface NodeConfig {
  voters: NodeId[]
  learners: NodeId[]
  /** During a joint-consensus change (C_old,new): the old voters; `voters` are the new ones. */
  oldVoters?: NodeId[]
}

/** Per-window figures (default window: 1 s of run time). */
export interface MetricsWindow {
  startMs: number
  endMs: number
  ok: number
  fail: number
  info: number
  /** Latency of ok ops completed in this window, ms (null when none). */
  p50: number | null
  p99: number | null
  messages: number
  /** Messages sent in this window by message type (e.g. AppendEntries: 120); absent in old runs. */
  byType?: Record<string, number>
}

export type Verdict = 'ok' | 'violation' | 'unknown'

/** Operations a check could not explain, in a form the history view can highlight. */
export interface Counterexample {
  key: string
  /** Op ids (the trace's `opId`) of the smallest failing set found. */
  opIds: string[]
  /** The op that could not take effect, if one stands out. */
  culpritId: string | null
  /** The longest linearizable prefix found, op ids in linearization order (capped). */
  prefix: string[]
  /** Model state (the register's value) where the search failed; null = absent. */
  state: string | null
  explanation: string
}

export interface CheckResult {
  name: string
  ok: boolean
  /** ok / violation, or unknown when the check ran out of budget (then ok is false). */
  verdict?: Verdict
  /** How many violations were found (0 when ok). */
  count: number
  /** The first few violations in words. */
  details: string[]
  counterexample?: Counterexample
  /** Reads that returned a value older than a write completed before they began. */
  staleReads?: number
  /** Linearizability: every key that failed (the counterexample's first); explainKey opens the others. */
  failedKeys?: string[]
}

/** One key's counterexample, found on demand (a run's check keeps only its first key's). */
export interface KeyExplanation {
  runId: RunId
  key: string
  verdict: Verdict
  /** Operations of that key in the run. */
  ops: number
  counterexample: Counterexample | null
}

export interface RunSummary {
  simulatedMs: number
  wallMs: number
  leaderChanges: number
  elections: number
  ops: { total: number; ok: number; fail: number; info: number }
  latencyMs: { p50: number | null; p99: number | null; max: number | null }
  messages: { sent: number; delivered: number; dropped: number; duplicated: number }
  checks: CheckResult[]
  verdict: Verdict
  /**
   * Processes mode: connections to the run's ports refused at the hello (they could not prove
   * they know the run's secret, or did not in time), per node and for the proxy.
   */
  rejectedConnections?: RejectedConnections
  /**
   * The run's totals of the algorithm's own counters (its vocabulary's `counters`, e.g. the
   * quorum store's read repairs), keyed like NodeStatus.stats; absent in older runs.
   */
  counters?: Record<string, number>
  /**
   * Cluster operations (membership changes, leadership transfers) the run asked for, in the
   * order they were asked, with how long clients got no answer meanwhile; absent when none.
   */
  clusterOps?: ClusterOpRecord[]
  /** A program's run (algorithm kind program): what its nodes wrote on stderr and problems with their output. */
  program?: ProgramReport
}

/** One cluster operation of a run (a membership or transfer-leadership fault). */
export interface ClusterOpRecord {
  /** Its index in the run's fault list. */
  fault: number
  /** e.g. `add n4`, `transfer leadership to n3`. */
  what: string
  /** done: took effect (committed / the target leads); not done: asked but not in time; not applied: never asked (no leader). */
  outcome: 'done' | 'not done' | 'not applied'
  /** When it was asked of the leader and when it ended (its fault's start and end events), run ms. */
  startMs: number
  endMs: number
  /**
   * Unavailability: the longest stretch between its start and end in which no client
   * operation completed ok, ms (the whole span when none did); null when the run has no
   * client load to judge by.
   */
  unavailableMs: number | null
}

/** A program's run, live: each node's last stderr lines and problems (the run keeps more: ProgramReport). */
export type ProgramTails = Record<NodeId, { stderr: string[]; problems: string[] }>

/** Kept with a program's run: each node's stderr (capped) and the problems with what it wrote. */
export interface ProgramReport {
  /** The cap on each node's kept stderr (the newest text is kept), characters. */
  stderrCapBytes: number
  stderr: Record<NodeId, { text: string; droppedBytes: number }>
  /** Problems per node in words (bad stdout lines, unknown destinations, unmatched replies, exits), newest last. */
  problems: Record<NodeId, string[]>
  /** Problems not kept (past the cap per node). */
  droppedProblems: number
}

export interface RejectedConnections {
  total: number
  proxy: number
  nodes: Record<NodeId, number>
}

export interface RunInfo {
  runId: RunId
  name: string
  algorithm: string
  mode: ExperimentSpec['mode']
  seed: number
  status: RunStatus
  startedAt: string
  endedAt: string | null
  /** 0..1 of the run's duration. */
  progress: number
  spec: ExperimentSpec
  summary: RunSummary | null
  error: string | null
  /** Version of the app that recorded the run (absent for runs not recorded yet). */
  appVersion?: string
  /** The run this one re-ran (same spec snapshot and seed), if any. */
  rerunOf?: RunId | null
  /**
   * The pacing it was started with: run ms per wall ms (1 = real time) or 'max'; a re-run
   * repeats it. Null for runs recorded before it was kept.
   */
  speed?: RunSpeed | null
}

/** Simulation pacing: run-time ms per wall ms, or as fast as possible. */
export type RunSpeed = number | 'max'

/** Filters for listRuns (all optional; combined with AND). */
export interface RunFilter {
  algorithm?: string
  status?: RunStatus
  /** Substring of the run name (case-insensitive). */
  name?: string
  /** Started at or after / before this ISO date or date-time. */
  since?: string
  until?: string
  /** Most runs returned, newest first (default 1000). */
  limit?: number
  /** Only these runs (e.g. the ones ticked in the Runs view). */
  ids?: RunId[]
}

/** Quantiles (ms) from a latency sketch; null when it holds no values. */
export interface LatencyStats {
  count: number
  p50: number | null
  p90: number | null
  p99: number | null
  min: number | null
  max: number | null
}

/** Stored per-window sketches merged over a range of windows (of one run or several). */
export interface SketchSummary {
  /** Distinct windows merged. */
  windows: number
  /** Latency of ok ops, per op type and all together (DDSketch, relative accuracy 1%). */
  latencyMs: { get: LatencyStats; put: LatencyStats; cas: LatencyStats; all: LatencyStats }
  /** The most frequent keys by count-min estimate (an estimate overcounts by <= hotKeysErrorBound w.h.p.). */
  hotKeys: Array<{ key: string; count: number }>
  hotKeysErrorBound: number
  /** HyperLogLog estimates of distinct keys and clients. */
  distinctKeys: number
  distinctClients: number
  accuracy: { latencyRelative: number; distinctRelative: number }
}

export interface RunMetrics {
  runId: RunId
  windows: MetricsWindow[]
}

export { BROWSER_MAX_HISTORY_BYTES, MAX_HISTORY_TEXT } from './history-limits'

/** A history op as it crosses the wire: `complete` is null where it is Infinity (outcome unknown). */
export type WireHistoryOp = Omit<HistoryOp, 'complete'> & { complete: number | null }

/** A history file checked by checkHistory (opened in the History view). */
export interface CheckedHistory {
  /** The file's name, as given. */
  name: string
  format: HistoryFormat
  /** How the file was read, in one line. */
  model: string
  /** The unit of the file's times (`line`: no timestamps, a time is the event's line). */
  timeUnit: HistoryTimeUnit
  ops: WireHistoryOp[]
  /** The linearizability check, as for a run (counterexample op ids are the ops' ids). */
  check: CheckResult
  faults: HistoryFault[]
  keys: number
}

export interface ExportResult {
  /** False when the user cancelled the save dialog. */
  saved: boolean
  path: string | null
  rows: number
}

export interface AppInfo {
  name: string
  version: string
  bridge: 'electron' | 'browser'
  dataDir: string
}

/** Live fault injection: the fault as recorded (atMs = the run time it started). */
export interface InjectedFault {
  runId: RunId
  /** Index of the fault in the run's fault list (scheduled faults first, live ones appended). */
  index: number
  atMs: number
  /** One line, as in the trace's fault event. */
  description: string
}

/** What the replay screen needs to lay out a recorded run before loading any window. */
export interface TraceInfo {
  runId: RunId
  /** Trace events recorded. */
  events: number
  /** Of which send events (messages). */
  messages: number
  /** Run-relative time of the first and last event, µs (0 when the trace is empty). */
  firstUs: number
  lastUs: number
  nodes: NodeId[]
  /** Distinct message type names seen (for the diagram's legend). */
  messageTypes: string[]
}

/** One node at an instant of a recorded run (replay). */
export interface ReplayNode extends NodeLive {
  up: boolean
  /** The last entries of its log at that instant (newest last), at most `logTail`. */
  log: Array<{ index: number; term: number; id: string }>
  /** Highest index applied at that instant. */
  applied: number
}

export interface ReplayState {
  runId: RunId
  atUs: number
  nodes: ReplayNode[]
  /** Faults active at that instant. */
  faults: Array<{ index: number; description: string }>
}

/** Where two runs' traces first differ (or that they do not). */
export interface RunDiff {
  a: RunId
  b: RunId
  identical: boolean
  /** Events compared (up to and including the first difference). */
  compared: number
  /** The first difference: position in each trace and the two events (null: that trace ended). */
  first: null | {
    position: number
    tUs: number
    a: TraceEvent | null
    b: TraceEvent | null
    /** One line: what differs (e.g. `node n2: role leader vs follower`). */
    reason: string
  }
}

/** One run of a comparison, with the series and figures the Compare screen draws. */
export interface CompareRun {
  run: RunInfo
  windows: MetricsWindow[]
  /** Latency CDF of ok ops: [ms, fraction of ops <= ms], ascending. */
  latencyCdf: Array<[number, number]>
  /**
   * Periods with no committed (ok) op while clients were waiting, ms of run time, at least
   * `unavailableMinMs` long; counted from the first committed op (start-up is `firstCommitMs`).
   */
  unavailability: Array<{ startMs: number; endMs: number }>
  unavailableMinMs: number
  /**
   * Leader elections or view changes after the first leader: how many, total / mean / longest
   * time without a leader (ms), and each period. Null for leaderless algorithms (n/a).
   */
  elections: {
    count: number
    totalMs: number
    meanMs: number | null
    maxMs: number | null
    periods: Array<{ startMs: number; endMs: number }>
    /** When the first leader was elected (start-up), ms; null if none ever was. */
    firstLeaderMs: number | null
  } | null
  faults: Array<{ startMs: number; endMs: number; label: string }>
  headline: {
    opsPerSec: number
    p50: number | null
    p99: number | null
    unavailableMs: number
    messagesPerOp: number | null
    verdict: Verdict | null
    /** When the first op committed, ms of run time (null: none did). */
    firstCommitMs: number | null
  }
}

export interface Comparison {
  runs: CompareRun[]
}

/** How an active fault affects a directed link (live cluster picture). */
export type LinkEffect = 'cut' | 'slow' | 'lossy'

/** A fault active now (scheduled or injected live), as the live view draws it. */
export interface ActiveFault {
  /** Index in the run's fault list (endFault takes it). */
  index: number
  kind: string
  /** Run time it started, ms. */
  startMs: number
  /** One line, as in the trace's fault event. */
  description: string
  targets: NodeId[]
  /** Directed links it affects (network faults and partitions; empty for node faults). */
  links: Array<{ from: NodeId; to: NodeId; effect: LinkEffect }>
  /** Injected live (true) or from the spec's schedule. */
  live: boolean
}

/** One sampled message, for the live view's animation. */
export interface MessageSample {
  from: NodeId
  to: NodeId
  type: string
  sentMs: number
  /** Delivered at (ms), null when not (yet) delivered. */
  deliveredMs: number | null
  dropped: boolean
}

export type LabEvent =
  | {
      type: 'run-progress'
      runId: RunId
      /** Run-relative time reached, ms. */
      tMs: number
      progress: number
      nodes: NodeLive[]
      /** Windows closed since the previous progress event. */
      windows: MetricsWindow[]
      /** The open window's figures so far (partial; replaced by the closed window later). */
      current?: MetricsWindow | null
      /** Faults active now. */
      faults?: ActiveFault[]
      /** A bounded sample (<= 50) of the messages sent since the previous event. */
      messages?: MessageSample[]
      /** How many messages were sent since the previous event (the sample is drawn from them). */
      messagesSent?: number
      /** A program's run: each node's last stderr lines and problems so far. */
      program?: ProgramTails
    }
  | { type: 'run-status'; run: RunInfo }
  /** A campaign (exploration or fuzz) started, progressed, found something or ended. */
  | { type: 'campaign'; campaign: CampaignInfo }

/** An exploration (model checking) to start from the Explore screen: see startExplore. */
export interface ExploreRequest {
  /** The experiment spec: its algorithm, params, cluster size and seed are explored. */
  spec: unknown
  /** The algorithm's deliberate bugs to switch on (none: the correct algorithm). */
  mutants?: string[]
  strategy?: 'bfs' | 'dfs' | 'random'
  /** Longest path, in steps. */
  depth?: number
  /** Stop after this many distinct states (random: steps). */
  maxStates?: number
  /** Wall-time budget, seconds. */
  seconds?: number
  /** Most crashes / lost messages on a path. */
  crashes?: number
  drops?: number
  /** Most cluster operations (membership changes, leadership transfers) on a path (algorithms that have them). */
  admin?: number
  /** Client ops in their short form (`put,get`, `none`), as `quorum-lab explore --ops`. */
  ops?: string
}

/** A fuzz campaign to start from the Fuzz screen: see startFuzz. */
export interface FuzzRequest {
  algorithm: string
  seeds: number
  /** First seed (default 1). */
  start?: number
  mutants?: string[]
  /** Worker threads, or 'auto' (one per core). */
  workers?: number | 'auto'
  /** Simulated ms per seed (default 4000). */
  durationMs?: number
  /** Cluster size (default: the algorithm's fuzz model). */
  nodes?: number
  /** Every seed's fault style (default: each seed draws one). */
  style?: FuzzStyle
}

/** running, or how it ended: done (a bound, the seeds or a violation), stopped (by you), failed. */
export type CampaignStatus = 'running' | 'done' | 'stopped' | 'failed'

/** A check that failed, in words (name, how often, the first few details). */
export interface CampaignViolation {
  name: string
  count: number
  details: string[]
}

/** What every campaign (Explore, Fuzz) has. */
export interface CampaignCommon {
  campaignId: string
  status: CampaignStatus
  startedAt: string
  /** One line: the algorithm, mutants and bounds. */
  title: string
  algorithm: string
  mutants: string[]
  elapsedMs: number
  error: string | null
}

export interface ExploreCampaign extends CampaignCommon {
  kind: 'explore'
  strategy: 'bfs' | 'dfs' | 'random'
  /** The bounds asked for. */
  depth: number
  maxStates: number
  seconds: number
  /** Progress so far. */
  states: number
  transitions: number
  /** Deepest level reached. */
  depthReached: number
  /** When it ended (null while running): exhausted = nothing within the depth. */
  stop: 'exhausted' | 'max-states' | 'time' | 'stopped' | 'violation' | null
  counterexample: null | {
    /** Each step in words. */
    steps: string[]
    violations: CampaignViolation[]
    /** The recorded run (opens in Replay); null while recording or when it could not be recorded. */
    runId: RunId | null
  }
  /** Linearizability checks that ran out of budget (not counted). */
  linUnknown: number
}

/** One violating seed of a fuzz campaign. */
export interface FuzzFinding {
  seed: number
  /** The fault style the seed drew. */
  style: string
  violations: CampaignViolation[]
  /** The command line that reproduces it (`quorum-lab fuzz --seed N ...`). */
  reproduce: string
  /** The seed recorded as a run (opens in Replay); null until recorded, or when not recorded. */
  runId: RunId | null
  recording: 'waiting' | 'recorded' | 'not-recorded' | 'failed'
}

export interface FuzzCampaign extends CampaignCommon {
  kind: 'fuzz'
  seeds: number
  start: number
  workers: number
  nodes: number
  /** The fault style every seed holds to, or null: each seed draws one. */
  style: FuzzStyle | null
  durationMs: number
  /** Seeds checked so far. */
  done: number
  findings: FuzzFinding[]
  /** Violating seeds in all (findings keeps the first ones). */
  violating: number
}

export type CampaignInfo = ExploreCampaign | FuzzCampaign

/** A small configuration to explore, ready to pick on the Explore screen. */
export interface ExploreExample {
  name: string
  algorithm: string
  /** A spec input (every field it leaves out takes its default). */
  spec: Record<string, unknown>
  ops: string
  crashes: number
  drops: number
}

/** What the Explore and Fuzz screens offer: algorithms with their mutants, defaults and bounds. */
export interface CampaignOptions {
  algorithms: Array<{ kind: string; mutants: string[]; fuzzNodes: number }>
  explore: {
    examples: ExploreExample[]
    defaults: { strategy: 'bfs' | 'dfs' | 'random'; depth: number; maxStates: number; seconds: number }
    bounds: { depth: [number, number]; maxStates: [number, number]; seconds: [number, number] }
  }
  fuzz: {
    defaults: { seeds: number; durationMs: number }
    bounds: {
      seeds: [number, number]
      workers: [number, number]
      durationMs: [number, number]
      nodes: [number, number]
    }
    /** The fault styles a campaign may hold to. */
    styles: FuzzStyle[]
    /** Cores of the lab's machine (what `auto` workers means). */
    cores: number
  }
}

export interface TraceQuery {
  runId: RunId
  fromUs?: number
  toUs?: number
  kinds?: TraceKind[]
  limit?: number
}

/** The typed surface the renderer sees as `window.lab` (Electron) or the WebSocket client. */
export interface LabApi {
  appInfo(): Promise<AppInfo>
  defaultSpec(): Promise<ExperimentSpec>
  validateSpec(arg: { spec: unknown }): Promise<SpecResult>
  startRun(arg: { spec: unknown; speed?: number | 'max' }): Promise<RunInfo>
  stopRun(arg: { runId: RunId }): Promise<RunInfo>
  getRun(arg: { runId: RunId }): Promise<RunInfo>
  /** Recorded runs, newest first (optionally filtered). */
  listRuns(filter?: RunFilter): Promise<RunInfo[]>
  getTrace(arg: TraceQuery): Promise<TraceEvent[]>
  /** Delete a finished run and every row recorded for it. */
  deleteRun(arg: { runId: RunId }): Promise<{ runId: RunId; deleted: boolean }>
  /** Run a recorded run again: same spec snapshot, same seed (a new run id). */
  rerun(arg: { runId: RunId; speed?: number | 'max' }): Promise<RunInfo>
  getMetrics(arg: { runIds: RunId[] }): Promise<RunMetrics[]>
  getSketches(arg: { runIds: RunId[]; fromMs?: number; toMs?: number }): Promise<SketchSummary>
  injectFault(arg: { runId: RunId; fault: unknown }): Promise<InjectedFault>
  endFault(arg: { runId: RunId; index: number }): Promise<{ runId: RunId; index: number; ended: boolean }>
  getTraceInfo(arg: { runId: RunId }): Promise<TraceInfo>
  getReplayState(arg: { runId: RunId; atUs: number; logTail?: number }): Promise<ReplayState>
  diffRuns(arg: { a: RunId; b: RunId }): Promise<RunDiff>
  compareRuns(arg: { runIds: RunId[] }): Promise<Comparison>
  explainKey(arg: { runId: RunId; key: string }): Promise<KeyExplanation>
  /** Desktop app only: save a CSV through a save dialog (browser mode downloads /export/RUN/WHAT.csv). */
  exportCsv(arg: { what: CsvKind; runId?: RunId; runIds?: RunId[] }): Promise<ExportResult>
  /** Check a history file's text (JSON lines, Jepsen history.edn, Porcupine key-value, Jepsen text log). */
  checkHistory(arg: { text: string; format?: HistoryFormat | 'auto'; name: string }): Promise<CheckedHistory>
  /** Algorithms, mutants, examples, defaults and bounds for the Explore and Fuzz screens. */
  campaignOptions(): Promise<CampaignOptions>
  /** Model-check a spec in the lab (progress as `campaign` events); a counterexample is recorded as a run. */
  startExplore(arg: ExploreRequest): Promise<ExploreCampaign>
  /** A fuzz campaign over worker threads (progress as `campaign` events); violating seeds are recorded as runs. */
  startFuzz(arg: FuzzRequest): Promise<FuzzCampaign>
  /** Stop a running campaign (what it found so far is kept). */
  stopCampaign(arg: { campaignId: string }): Promise<CampaignInfo>
  /** The campaigns of this lab session, newest first (running ones and the last few ended). */
  listCampaigns(): Promise<CampaignInfo[]>
  /** Subscribe to the event stream; returns an unsubscribe function. */
  onEvent(listener: (e: LabEvent) => void): () => void
}

export type LabCalls = Omit<LabApi, 'onEvent'>

export type { CsvKind, LabMethod, WireRequest } from './api-schemas'
export { LabError, type LabErrorCode, type LabErrorData } from './lab-error'

export { DOWNLOAD_LINKS_PATH, TOKEN_PATTERN, WS_SUBPROTOCOL, WS_TOKEN_PROTOCOL_PREFIX } from './web-auth'

export type WireMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number | null; ok: false; error: LabErrorData }
  | { event: LabEvent }
