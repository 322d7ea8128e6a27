// The run being watched: its RunInfo, the latest node states, every metrics window so
// far, fed by the LabApi event stream.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, triggerRef } from 'vue'
import type {
  ActiveFault,
  CsvKind,
  InjectedFault,
  LabEvent,
  MessageSample,
  MetricsWindow,
  NodeConfig,
  NodeLive,
  ProgramTails,
  RunId,
  RunInfo,
  RunStatus,
} from '../../../shared/api'
import { isLive } from '../../../shared/api'
import { clusterSize } from '../../../shared/cluster'
import type { ExperimentSpec, FieldError } from '../../../shared/spec'
import { nodeIds, type NodeId, type Role } from '../../../shared/trace'
import { NO_TOKEN_MESSAGE } from '../api/token'
import { PACE_SAMPLES, achievedSpeedup } from '../run-pace'
import {
  asLabError,
  bridgeKind,
  csvDownloadUrl,
  downloadExport,
  getLab,
  onConnection,
  type ConnectionInfo,
} from '../api'

export type Speed = 1 | 10 | 'max'

export const SPEEDS: ReadonlyArray<{ label: string; value: Speed; help: string }> = [
  { label: '1× (real time)', value: 1, help: 'one run-millisecond per wall millisecond' },
  { label: '10×', value: 10, help: 'ten times faster than real time (simulation)' },
  { label: 'max', value: 'max', help: 'as fast as the machine goes (simulation)' },
]

/** A node card: live state, or a placeholder before the first progress event. */
export interface NodeCard {
  id: NodeId
  role: Role | null
  term: number | null
  leader: NodeId | null
  commitIndex: number | null
  lastIndex: number | null
  stats?: Record<string, number>
  /** The configuration this node works with (algorithms with membership changes). */
  config?: NodeConfig
  /** Not started yet (cluster.maxNodes: waits for a membership add). */
  absent?: boolean
}

/** A fault's period over run time, for shading charts (endMs null: still active). */
export interface FaultPeriod {
  index: number
  /** Fault kind (partition, crash...): its colour. */
  kind: string
  startMs: number
  endMs: number | null
  label: string
}

/** The messages sampled in one progress event (the cluster picture animates them). */
export interface MessageBatch {
  seq: number
  messages: MessageSample[]
  /** Messages sent since the previous event (the sample is drawn from these). */
  sent: number
  /** Run time the batch covers, ms. */
  fromMs: number
  toMs: number
}

/** Why a fault cannot be injected into a run that has reached its end. */
export const FINISHING_MESSAGE =
  'the run is finishing (checking its history): faults can no longer be injected'

export type FaultCallResult = { ok: true; fault?: InjectedFault } | { ok: false; message: string }

export interface StartResult {
  ok: boolean
  message?: string
  fields?: FieldError[]
}

export const useRunStore = defineStore('run', () => {
  const run = ref<RunInfo | null>(null)
  const nodes = shallowRef<NodeLive[]>([])
  const windows = shallowRef<MetricsWindow[]>([])
  /** The open window's figures so far (live runs). */
  const current = shallowRef<MetricsWindow | null>(null)
  /** Faults active now (live runs). */
  const faults = shallowRef<ActiveFault[]>([])
  /** Every fault period seen (live) or recorded (opened runs), for chart shading. */
  const faultPeriods = shallowRef<FaultPeriod[]>([])
  const messageBatch = shallowRef<MessageBatch | null>(null)
  /** A program's run, live: each node's last stderr lines and problems. */
  const programLive = shallowRef<ProgramTails | null>(null)
  let batchSeq = 0
  const tMs = ref(0)
  const speed = ref<Speed>(1)
  const starting = ref(false)
  const stopping = ref(false)
  const lastError = ref<string | null>(null)
  const connection = ref<ConnectionInfo>({
    state: 'connecting',
    attempt: 0,
    retryInMs: null,
    lastError: null,
  })
  /** Browser mode opened without the printed address: the server may be up, the page has no token. */
  const noToken = computed(() => connection.value.lastError === NO_TOKEN_MESSAGE)

  let initialized = false
  /** Events that arrive while startRun is in flight (we do not know our runId yet). */
  let early: LabEvent[] = []

  /** The node states shown are the recorded run's last ones (a past run), not live. */
  const nodesAtEnd = ref(false)
  /** A past run's faults still active at its end (their descriptions). */
  const faultsAtEnd = shallowRef<Array<{ index: number; description: string }>>([])
  const status = computed<RunStatus | null>(() => run.value?.status ?? null)
  const running = computed(() => status.value === 'running')
  /** Running or queued: not over yet, can be stopped. */
  const live = computed(() => status.value !== null && isLive(status.value))
  /**
   * Running but past its last instant (or being stopped): the lab is checking the history and
   * writing the summary, so live faults can no longer be injected.
   */
  const finishing = computed(() => running.value && (stopping.value || (run.value?.progress ?? 0) >= 1))
  /** Live faults can be injected now. */
  const canInject = computed(() => running.value && !finishing.value)
  /** Progress events of the live run: [wall ms, run ms], the last few (achieved speed-up). */
  const paceSamples = shallowRef<Array<[number, number]>>([])
  /** Run ms per wall ms over the last few seconds of a live run (null: not known yet). */
  const speedup = computed<number | null>(() => achievedSpeedup(paceSamples.value))
  const progress = computed(() => {
    if (!run.value) return 0
    if (run.value.status === 'done') return 1
    return Math.max(0, Math.min(1, run.value.progress))
  })
  const totals = computed(() => {
    let ok = 0
    let fail = 0
    let info = 0
    let messages = 0
    for (const w of windows.value) {
      ok += w.ok
      fail += w.fail
      info += w.info
      messages += w.messages
    }
    const s = run.value?.summary
    // Once the run is over the summary is authoritative (it includes the last partial window).
    if (s) return { ok: s.ops.ok, fail: s.ops.fail, info: s.ops.info, messages: s.messages.sent }
    return { ok, fail, info, messages }
  })
  const nodeCards = computed<NodeCard[]>(() => {
    const r = run.value
    if (!r) return []
    const live = new Map(nodes.value.map((n) => [n.id, n]))
    const ids = nodeIds(clusterSize(r.spec.cluster))
    for (const n of nodes.value) if (!ids.includes(n.id)) ids.push(n.id)
    return ids.map((id) => {
      const n = live.get(id)
      return n ? { ...n } : { id, role: null, term: null, leader: null, commitIndex: null, lastIndex: null }
    })
  })
  /** The leader of the highest term any node knows about. */
  /** (Leaderless algorithms' nodes are replicas: they have none.) */
  const leader = computed<{ id: NodeId; term: number } | null>(() => {
    let best: { id: NodeId; term: number } | null = null
    for (const n of nodes.value)
      if (n.role === 'leader' && (!best || n.term > best.term)) best = { id: n.id, term: n.term }
    return best
  })

  function reset(info: RunInfo): void {
    run.value = info
    paceSamples.value = []
    faultsAtEnd.value = []
    nodes.value = []
    nodesAtEnd.value = false
    windows.value = []
    current.value = null
    faults.value = []
    faultPeriods.value = []
    messageBatch.value = null
    programLive.value = null
    tMs.value = 0
    lastError.value = info.error
  }

  /** Fold the active faults of a progress event into the periods (new ones open, missing ones close). */
  function trackFaults(active: ActiveFault[], atMs: number): void {
    const list = faultPeriods.value.slice()
    let changed = false
    const on = new Set(active.map((f) => f.index))
    for (const p of list)
      if (p.endMs === null && !on.has(p.index)) {
        p.endMs = atMs
        changed = true
      }
    for (const f of active)
      if (!list.some((p) => p.index === f.index && p.endMs === null)) {
        list.push({ index: f.index, kind: f.kind, startMs: f.startMs, endMs: null, label: f.description })
        changed = true
      }
    if (changed) faultPeriods.value = list
  }

  function apply(e: LabEvent): void {
    const r = run.value
    if (e.type === 'run-status') {
      if (r && e.run.runId === r.runId) {
        run.value = e.run
        if (e.run.error) lastError.value = e.run.error
        if (!isLive(e.run.status)) {
          // Over: nothing is active any more; open periods end where the run ended.
          trackFaults([], e.run.summary?.simulatedMs ?? tMs.value)
          faults.value = []
          current.value = null
        }
      }
      return
    }
    if (e.type !== 'run-progress' || !r || e.runId !== r.runId) return
    if (r.status === 'running') run.value = { ...r, progress: e.progress }
    const fromMs = tMs.value
    tMs.value = e.tMs
    if (r.status === 'running')
      paceSamples.value = [...paceSamples.value.slice(-(PACE_SAMPLES - 1)), [performance.now(), e.tMs]]
    if (e.nodes.length) {
      nodes.value = e.nodes
      nodesAtEnd.value = false
    }
    if (e.current !== undefined) current.value = e.current
    if (e.program !== undefined) programLive.value = e.program
    if (e.faults) {
      faults.value = e.faults
      trackFaults(e.faults, e.tMs)
    }
    if (e.messages) {
      messageBatch.value = {
        seq: ++batchSeq,
        messages: e.messages,
        sent: e.messagesSent ?? e.messages.length,
        fromMs,
        toMs: e.tMs,
      }
    }
    if (e.windows.length) {
      const list = windows.value
      for (const w of e.windows) {
        const last = list[list.length - 1]
        if (!last || w.startMs >= last.endMs) list.push(w)
        else {
          const i = list.findIndex((x) => x.startMs === w.startMs)
          if (i >= 0) list[i] = w
        }
      }
      triggerRef(windows)
    }
  }

  function onEvent(e: LabEvent): void {
    if (starting.value) {
      early.push(e)
      return
    }
    apply(e)
  }

  async function refresh(): Promise<void> {
    const r = run.value
    if (!r) return
    try {
      const fresh = await getLab().getRun({ runId: r.runId })
      if (run.value?.runId === fresh.runId) run.value = fresh
    } catch (e) {
      lastError.value = (e as Error).message
    }
  }

  /** Break the watched run now (live fault injection); the fault is a spec fault object. */
  async function injectFault(fault: Record<string, unknown>): Promise<FaultCallResult> {
    const r = run.value
    if (!r || r.status !== 'running') return { ok: false, message: 'the run is not running' }
    if (finishing.value) return { ok: false, message: FINISHING_MESSAGE }
    try {
      const f = await getLab().injectFault({ runId: r.runId, fault })
      return { ok: true, fault: f }
    } catch (e) {
      return { ok: false, message: asLabError(e).message }
    }
  }

  /** End an active fault of the watched run now. */
  async function endFault(index: number): Promise<FaultCallResult> {
    const r = run.value
    if (!r || r.status !== 'running') return { ok: false, message: 'the run is not running' }
    if (finishing.value) return { ok: false, message: FINISHING_MESSAGE }
    try {
      const res = await getLab().endFault({ runId: r.runId, index })
      return res.ended ? { ok: true } : { ok: false, message: `fault ${index} was not active any more` }
    } catch (e) {
      return { ok: false, message: asLabError(e).message }
    }
  }

  /** A recorded run's fault periods, from its fault trace events. */
  async function loadFaultPeriods(runId: RunId, endMs: number): Promise<void> {
    try {
      const events = await getLab().getTrace({ runId, kinds: ['fault'], limit: 10_000 })
      const list: FaultPeriod[] = []
      for (const e of events) {
        if (e.kind !== 'fault') continue
        if (e.phase === 'start')
          list.push({ index: e.faultId, kind: e.fault, startMs: e.t / 1000, endMs: null, label: e.detail })
        else {
          const p = list.find((x) => x.index === e.faultId && x.endMs === null)
          if (p) p.endMs = e.t / 1000
        }
      }
      for (const p of list) if (p.endMs === null) p.endMs = endMs
      if (run.value?.runId === runId) faultPeriods.value = list
    } catch {
      // shading is a convenience: the charts stand without it
    }
  }

  /** A recorded run's node states at its end (the ring and the cards of a past run). */
  async function loadFinalNodes(runId: RunId): Promise<void> {
    try {
      const lab = getLab()
      const info = await lab.getTraceInfo({ runId })
      if (info.events === 0) return
      const state = await lab.getReplayState({ runId, atUs: info.lastUs, logTail: 0 })
      if (run.value?.runId !== runId || run.value.status === 'running') return
      nodes.value = state.nodes.map((n) => ({
        id: n.id,
        role: n.up ? n.role : 'down',
        term: n.term,
        leader: n.up ? n.leader : null,
        commitIndex: n.commitIndex,
        lastIndex: n.lastIndex,
      }))
      nodesAtEnd.value = true
      faultsAtEnd.value = state.faults
    } catch {
      // the ring is a convenience for a past run: the charts and summary stand without it
    }
  }

  /** Subscribe once; on (re)connection, refresh the watched run or pick up one in progress. */
  function init(): void {
    if (initialized) return
    initialized = true
    const lab = getLab()
    lab.onEvent(onEvent)
    let wasOpen = false
    onConnection((c) => {
      connection.value = c
      if (c.state === 'open' && !wasOpen) {
        wasOpen = true
        if (run.value) void refresh()
        else void attachToRunning()
      }
      if (c.state !== 'open') wasOpen = false
    })
  }

  async function attachToRunning(): Promise<void> {
    try {
      const runs = await getLab().listRuns()
      const live = runs
        .filter((r) => r.status === 'running')
        .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
      if (live.length && !run.value && !starting.value) {
        reset(live[0])
        // The windows it closed before this page was watching (the charts start at 0).
        const runId = live[0].runId
        const metrics = await getLab().getMetrics({ runIds: [runId] })
        const earlier = metrics.find((m) => m.runId === runId)?.windows ?? []
        const watching = run.value as RunInfo | null
        if (watching?.runId !== runId || earlier.length === 0) return
        const first = windows.value[0]?.startMs ?? Infinity
        windows.value = [...earlier.filter((w) => w.endMs <= first), ...windows.value]
      }
    } catch {
      // listing is a convenience; the empty state is fine
    }
  }

  async function start(spec: ExperimentSpec): Promise<StartResult> {
    return launch(() => getLab().startRun({ spec, speed: speed.value }))
  }

  /**
   * Run a recorded run again (same spec snapshot and seed, at the speed it was recorded at)
   * and watch the new run.
   */
  async function rerun(runId: RunId): Promise<StartResult> {
    return launch(() => getLab().rerun({ runId }))
  }

  async function launch(call: () => Promise<RunInfo>): Promise<StartResult> {
    init()
    starting.value = true
    early = []
    try {
      const info = await call()
      reset(info)
      starting.value = false
      const pending = early
      early = []
      for (const e of pending) apply(e)
      return { ok: true }
    } catch (e) {
      starting.value = false
      early = []
      const err = asLabError(e)
      lastError.value = err.message
      return { ok: false, message: err.message, fields: err.fields }
    }
  }

  /**
   * Watch a recorded run: its RunInfo and, once ended, its stored metrics windows (a run in
   * progress keeps filling in from the event stream).
   */
  async function open(runId: RunId): Promise<{ ok: boolean; message?: string }> {
    init()
    if (run.value?.runId === runId && (isLive(run.value.status) || windows.value.length)) {
      return { ok: true }
    }
    try {
      const info = await getLab().getRun({ runId })
      reset(info)
      if (!isLive(info.status)) {
        const metrics = await getLab().getMetrics({ runIds: [runId] })
        if (run.value?.runId === runId) {
          windows.value = metrics.find((m) => m.runId === runId)?.windows ?? []
          tMs.value = info.summary?.simulatedMs ?? 0
          void loadFaultPeriods(runId, tMs.value || info.spec.durationMs)
          void loadFinalNodes(runId)
        }
      }
      return { ok: true }
    } catch (e) {
      const err = asLabError(e)
      return { ok: false, message: err.message }
    }
  }

  async function stop(): Promise<void> {
    const r = run.value
    if (!r || !isLive(r.status)) return
    stopping.value = true
    try {
      const info = await getLab().stopRun({ runId: r.runId })
      if (run.value?.runId === info.runId) run.value = info
    } catch (e) {
      lastError.value = (e as Error).message
    } finally {
      stopping.value = false
    }
  }

  /**
   * Export the watched run as CSV: a download in browser mode (a single-use link to
   * /export/RUN/WHAT.csv, asked for with the token), a save dialog in the desktop app (exportCsv).
   */
  async function exportCsv(what: Exclude<CsvKind, 'runs'>): Promise<{ ok: boolean; message: string }> {
    const r = run.value
    if (!r) return { ok: false, message: 'no run to export' }
    if (bridgeKind() === 'browser') {
      try {
        await downloadExport(csvDownloadUrl(r.runId, what), `${r.runId}-${what}.csv`)
      } catch (e) {
        return { ok: false, message: asLabError(e).message }
      }
      return { ok: true, message: `downloading ${what}.csv` }
    }
    try {
      const res = await getLab().exportCsv({ what, runId: r.runId })
      return res.saved
        ? { ok: true, message: `saved ${res.rows} rows to ${res.path}` }
        : { ok: true, message: 'export cancelled' }
    } catch (e) {
      return { ok: false, message: asLabError(e).message }
    }
  }

  function clear(): void {
    run.value = null
    nodes.value = []
    windows.value = []
    current.value = null
    faults.value = []
    faultPeriods.value = []
    messageBatch.value = null
    tMs.value = 0
    lastError.value = null
    nodesAtEnd.value = false
    faultsAtEnd.value = []
  }

  return {
    run,
    nodes,
    windows,
    current,
    faults,
    faultPeriods,
    messageBatch,
    programLive,
    tMs,
    speed,
    starting,
    stopping,
    lastError,
    connection,
    noToken,
    nodesAtEnd,
    faultsAtEnd,
    status,
    running,
    live,
    finishing,
    canInject,
    speedup,
    progress,
    totals,
    nodeCards,
    leader,
    init,
    start,
    rerun,
    open,
    stop,
    refresh,
    injectFault,
    endFault,
    exportCsv,
    clear,
  }
})
