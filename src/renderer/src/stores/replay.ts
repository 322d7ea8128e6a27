// The Replay screen's state: which recorded run is open (its trace info and sparse events:
// faults and crashes), the instant the slider is at and every node's state there, playback
// (play / pause / speed / step / jump to the next fault or leader change), and a diff
// against a second run.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import {
  isLive,
  type ReplayState,
  type RunDiff,
  type RunId,
  type RunInfo,
  type TraceInfo,
} from '../../../shared/api'
import type { FaultEvent, NodeEvent, NodeId, Role, StateEvent, TraceEvent } from '../../../shared/trace'
import { asLabError, getLab } from '../api'
import { roleName, vocabularyOf } from '../../../shared/vocabulary'
import { specDifferences, type SpecDifference } from '../replay-diff'

/** A fault as a band on the diagram: start and end (end = run end while still active). */
export interface FaultBand {
  id: number
  startUs: number
  endUs: number
  label: string
  targets: NodeId[]
}
/** A node down (crashed) or paused over an interval. */
export interface DownBand {
  node: NodeId
  startUs: number
  endUs: number
  kind: 'down' | 'paused'
}

export const SPEEDS = [0.01, 0.1, 0.25, 1, 4] as const
const LOG_TAIL = 8

function bands(events: TraceEvent[], endUs: number): { faults: FaultBand[]; downs: DownBand[] } {
  const faults: FaultBand[] = []
  const open = new Map<number, FaultBand>()
  const downs: DownBand[] = []
  const down = new Map<string, DownBand>()
  for (const e of events) {
    if (e.kind === 'fault') {
      const f = e as FaultEvent
      if (f.phase === 'start') {
        const b = { id: f.faultId, startUs: f.t, endUs, label: f.detail, targets: f.targets }
        open.set(f.faultId, b)
        faults.push(b)
      } else {
        const b = open.get(f.faultId)
        if (b) b.endUs = f.t
        open.delete(f.faultId)
      }
    } else if (e.kind === 'node' && e.node !== null) {
      const n = e as NodeEvent
      const key = `${n.node}:${n.action === 'crash' || n.action === 'restart' ? 'down' : 'paused'}`
      if (n.action === 'crash' || n.action === 'pause') {
        const b: DownBand = {
          node: n.node as NodeId,
          startUs: n.t,
          endUs,
          kind: n.action === 'crash' ? 'down' : 'paused',
        }
        down.set(key, b)
        downs.push(b)
      } else {
        const b = down.get(key)
        if (b) b.endUs = n.t
        down.delete(key)
      }
    }
  }
  return { faults, downs }
}

export const useReplayStore = defineStore('replay', () => {
  const runs = shallowRef<RunInfo[]>([])
  const runsError = ref<string | null>(null)
  const runsLoading = ref(false)

  const runId = ref<RunId | null>(null)
  const run = shallowRef<RunInfo | null>(null)
  const info = shallowRef<TraceInfo | null>(null)
  const opening = ref(false)
  const error = ref<string | null>(null)
  const faults = shallowRef<FaultBand[]>([])
  const downs = shallowRef<DownBand[]>([])

  const cursorUs = ref(0)
  const state = shallowRef<ReplayState | null>(null)
  const stateError = ref<string | null>(null)
  const playing = ref(false)
  /** Playback speed: run time per wall time (real time by default). */
  const speed = ref<number>(1)
  /** What the last jump did, in words ("no later fault", ...). */
  const notice = ref<string | null>(null)

  const diffId = ref<RunId | null>(null)
  const diff = shallowRef<RunDiff | null>(null)
  /** The diffed run, and how its spec differs from this run's (said before any event). */
  const diffRun = shallowRef<RunInfo | null>(null)
  const specDiff = shallowRef<SpecDifference[]>([])
  const diffing = ref(false)
  const diffError = ref<string | null>(null)

  const spanUs = computed(() => (info.value ? Math.max(1, info.value.lastUs - info.value.firstUs) : 1))
  /** The open run's algorithm's words (leader / primary, term / view...). */
  const vocab = computed(() => vocabularyOf(run.value?.algorithm ?? 'raft'))
  let openSeq = 0
  /** The run whose faults and crashes are loaded (or loading). */
  let sparseFor: RunId | null = null

  async function loadRuns(): Promise<void> {
    runsLoading.value = true
    try {
      runs.value = (await getLab().listRuns({ limit: 500 })).filter((r) => !isLive(r.status))
      runsError.value = null
    } catch (e) {
      runsError.value = asLabError(e).message
    } finally {
      runsLoading.value = false
    }
  }

  /** Open a recorded run: its trace info, then its faults and crashes; the slider at its start. */
  async function open(id: RunId | null): Promise<void> {
    pause()
    const seq = ++openSeq
    runId.value = id
    info.value = null
    run.value = null
    state.value = null
    diff.value = null
    diffError.value = null
    error.value = null
    notice.value = null
    faults.value = []
    downs.value = []
    sparseFor = null
    if (id === null) return
    opening.value = true
    try {
      const lab = getLab()
      const [r, i] = await Promise.all([lab.getRun({ runId: id }), lab.getTraceInfo({ runId: id })])
      if (seq !== openSeq) return
      run.value = r
      info.value = i
      cursorUs.value = i.firstUs
      void refreshState()
    } catch (e) {
      if (seq === openSeq) error.value = asLabError(e).message
    } finally {
      if (seq === openSeq) opening.value = false
    }
  }

  /**
   * Faults and crashes of the open run, for the bands and the f key: one query over the
   * whole run (the store reads every row for it), so the view asks once the diagram has
   * drawn its first window.
   */
  async function loadSparse(): Promise<void> {
    const id = runId.value
    const i = info.value
    if (id === null || i === null || sparseFor === id) return
    sparseFor = id
    try {
      const sparse = await getLab().getTrace({ runId: id, kinds: ['fault', 'node'], limit: 100_000 })
      if (id !== runId.value) return
      const b = bands(sparse, i.lastUs)
      faults.value = b.faults
      downs.value = b.downs
    } catch (e) {
      sparseFor = null
      if (id === runId.value) error.value = asLabError(e).message
    }
  }

  // One state request in flight; the newest instant wins.
  let stateBusy = false
  let stateAgain = false
  async function refreshState(): Promise<void> {
    if (runId.value === null || info.value === null) return
    if (stateBusy) {
      stateAgain = true
      return
    }
    stateBusy = true
    try {
      do {
        stateAgain = false
        const id: RunId | null = runId.value
        if (id === null) break
        const s: ReplayState = await getLab().getReplayState({
          runId: id,
          atUs: Math.round(cursorUs.value),
          logTail: LOG_TAIL,
        })
        if (id === runId.value) {
          state.value = s
          stateError.value = null
        }
      } while (stateAgain)
    } catch (e) {
      stateError.value = asLabError(e).message
    } finally {
      stateBusy = false
    }
  }

  function seek(t: number): void {
    if (!info.value) return
    cursorUs.value = Math.min(info.value.lastUs, Math.max(info.value.firstUs, Math.round(t)))
    void refreshState()
  }

  // ------------------------------------------------------------ playback
  let raf = 0
  let lastWall = 0
  function frame(now: number): void {
    if (!playing.value || !info.value) return
    const dt = Math.min(100, now - lastWall)
    lastWall = now
    const next = cursorUs.value + dt * 1000 * speed.value
    if (next >= info.value.lastUs) {
      seek(info.value.lastUs)
      pause()
      return
    }
    seek(next)
    raf = requestAnimationFrame(frame)
  }
  function play(): void {
    if (!info.value || playing.value) return
    if (cursorUs.value >= info.value.lastUs) cursorUs.value = info.value.firstUs
    playing.value = true
    lastWall = performance.now()
    raf = requestAnimationFrame(frame)
  }
  function pause(): void {
    playing.value = false
    cancelAnimationFrame(raf)
  }
  function togglePlay(): void {
    if (playing.value) pause()
    else play()
  }

  /** The next (dir 1) or previous (dir -1) trace event after the cursor. */
  async function step(dir: 1 | -1): Promise<void> {
    if (!runId.value || !info.value) return
    pause()
    const lab = getLab()
    const at = Math.round(cursorUs.value)
    try {
      if (dir === 1) {
        const [e] = await lab.getTrace({ runId: runId.value, fromUs: at + 1, limit: 1 })
        if (e) seek(e.t)
        else notice.value = 'This is the last event.'
        return
      }
      // Backwards: a window before the cursor, narrowed while it is full, widened while empty.
      let d = 1000
      for (let tries = 0; tries < 60 && at > info.value.firstUs; tries++) {
        const from = Math.max(0, at - d)
        const evs = await lab.getTrace({ runId: runId.value, fromUs: from, toUs: at - 1, limit: 2000 })
        if (evs.length === 2000) d = Math.max(1, Math.floor(d / 4))
        else if (evs.length === 0) {
          if (from <= info.value.firstUs) break
          d *= 8
        } else return seek(evs[evs.length - 1].t)
      }
      notice.value = 'This is the first event.'
    } catch (e) {
      notice.value = asLabError(e).message
    }
  }

  function nextFault(): void {
    pause()
    const f = faults.value.find((b) => b.startUs > cursorUs.value)
    if (f) {
      seek(f.startUs)
      notice.value = `Fault: ${f.label}`
    } else notice.value = faults.value.length ? 'No later fault.' : 'This run has no faults.'
  }

  /** Scan state events after the cursor for a node becoming leader (or a new leader named). */
  async function nextLeaderChange(): Promise<void> {
    if (!runId.value || !info.value) return
    pause()
    const roles = new Map<NodeId, Role>()
    for (const n of state.value?.nodes ?? []) roles.set(n.id, n.role)
    let from = Math.round(cursorUs.value) + 1
    try {
      for (let pages = 0; pages < 200; pages++) {
        const evs = (await getLab().getTrace({
          runId: runId.value,
          fromUs: from,
          kinds: ['state'],
          limit: 2000,
        })) as StateEvent[]
        const v = vocab.value
        for (const e of evs) {
          const node = e.node as NodeId
          const before = roles.get(node)
          roles.set(node, e.role)
          if (e.role === 'leader' && before !== 'leader') {
            seek(e.t)
            notice.value = `${node} became ${roleName(v, 'leader')}${v.term ? ` (${v.term.label} ${e.term})` : ''}`
            return
          }
        }
        if (evs.length < 2000) break
        from = evs[evs.length - 1].t + 1
      }
      notice.value = `No later ${vocab.value.leaderChanges?.replace(/s$/, '') ?? 'leader change'}.`
    } catch (e) {
      notice.value = asLabError(e).message
    }
  }

  async function runDiff(other: RunId | null): Promise<void> {
    diffId.value = other
    diff.value = null
    diffRun.value = null
    specDiff.value = []
    diffError.value = null
    if (other === null || runId.value === null) return
    diffing.value = true
    try {
      const lab = getLab()
      const [d, mine, theirs] = await Promise.all([
        lab.diffRuns({ a: runId.value, b: other }),
        run.value ? Promise.resolve(run.value) : lab.getRun({ runId: runId.value }),
        lab.getRun({ runId: other }),
      ])
      diffRun.value = theirs
      specDiff.value = specDifferences(mine.spec, theirs.spec)
      diff.value = d
    } catch (e) {
      diffError.value = asLabError(e).message
    } finally {
      diffing.value = false
    }
  }

  return {
    runs,
    runsError,
    runsLoading,
    runId,
    run,
    info,
    opening,
    error,
    faults,
    downs,
    cursorUs,
    state,
    stateError,
    playing,
    speed,
    notice,
    diffId,
    diff,
    diffRun,
    specDiff,
    vocab,
    diffing,
    diffError,
    spanUs,
    loadRuns,
    open,
    loadSparse,
    seek,
    play,
    pause,
    togglePlay,
    step,
    nextFault,
    nextLeaderChange,
    runDiff,
    refreshState,
  }
})
