// The history of recorded runs (the Runs view): the list as listRuns returns it for the
// server-side filters, a client-side verdict filter on top, the selection, and the
// actions on it. Refreshes itself when a run starts or ends (run-status events).
import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef } from 'vue'
import type { RunFilter, RunId, RunInfo, RunStatus, Verdict } from '../../../shared/api'
import {
  asLabError,
  bridgeKind,
  csvDownloadUrl,
  downloadUrl,
  fetchExport,
  getLab,
  runsCsvDownloadUrl,
} from '../api'

export interface RunsFilter {
  name: string
  algorithm: string | null
  status: RunStatus | null
  verdict: Verdict | null
  /** Started on or after this moment (ms since the epoch, from the date picker). */
  since: number | null
}

/** A local calendar date as the ISO date listRuns takes (2025-01-31). */
function isoDay(ms: number): string {
  const d = new Date(ms)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

export const useRunsStore = defineStore('runs', () => {
  const runs = shallowRef<RunInfo[]>([])
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref<string | null>(null)
  const filter = reactive<RunsFilter>({ name: '', algorithm: null, status: null, verdict: null, since: null })
  const selected = ref<RunId[]>([])
  /** Table sort: newest first until the user picks a column. */
  const sort = ref<{ key: string; order: 'ascend' | 'descend' }>({ key: 'startedAt', order: 'descend' })

  let subscribed = false
  let seq = 0
  let timer: ReturnType<typeof setTimeout> | null = null

  const apiFilter = computed<RunFilter>(() => {
    const f: RunFilter = {}
    const name = filter.name.trim()
    if (name) f.name = name
    if (filter.algorithm) f.algorithm = filter.algorithm
    if (filter.status) f.status = filter.status
    if (filter.since !== null) f.since = isoDay(filter.since)
    return f
  })
  const filtered = computed(() => Object.keys(apiFilter.value).length > 0 || filter.verdict !== null)
  const rows = computed(() =>
    filter.verdict === null ? runs.value : runs.value.filter((r) => r.summary?.verdict === filter.verdict),
  )
  const selectedRuns = computed(() => {
    const byId = new Map(runs.value.map((r) => [r.runId, r]))
    return selected.value.map((id) => byId.get(id)).filter((r): r is RunInfo => r !== undefined)
  })

  async function refresh(): Promise<void> {
    subscribe()
    const mine = ++seq
    loading.value = true
    try {
      const list = await getLab().listRuns(apiFilter.value)
      if (mine !== seq) return
      runs.value = list
      error.value = null
      loaded.value = true
      // Forget selected runs that are gone (deleted elsewhere or filtered out).
      const ids = new Set(list.map((r) => r.runId))
      selected.value = selected.value.filter((id) => ids.has(id))
    } catch (e) {
      if (mine === seq) error.value = `Could not load the runs: ${asLabError(e).message}`
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  /** Refresh soon (coalesces bursts of events and keystrokes). */
  function refreshSoon(delayMs = 250): void {
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      void refresh()
    }, delayMs)
  }

  function subscribe(): void {
    if (subscribed) return
    subscribed = true
    getLab().onEvent((e) => {
      if (e.type !== 'run-status') return
      const i = runs.value.findIndex((r) => r.runId === e.run.runId)
      if (i >= 0 && e.run.status === 'running') {
        const next = runs.value.slice()
        next[i] = e.run
        runs.value = next
      } else if (loaded.value) refreshSoon()
    })
  }

  function toggle(runId: RunId, on: boolean): void {
    const has = selected.value.includes(runId)
    if (on && !has) selected.value = [...selected.value, runId]
    else if (!on && has) selected.value = selected.value.filter((id) => id !== runId)
  }

  function selectAll(on: boolean): void {
    selected.value = on ? rows.value.map((r) => r.runId) : []
  }

  /** Delete runs one by one; returns those that could not be deleted, with why. */
  async function remove(ids: RunId[]): Promise<{ deleted: number; failed: string[] }> {
    let deleted = 0
    const failed: string[] = []
    for (const runId of ids) {
      try {
        const res = await getLab().deleteRun({ runId })
        if (res.deleted) deleted++
        else failed.push(`${runId}: not found`)
      } catch (e) {
        failed.push(`${runId}: ${asLabError(e).message}`)
      }
    }
    selected.value = selected.value.filter((id) => !ids.includes(id))
    await refresh()
    if (failed.length) error.value = `Could not delete ${failed.length} run(s): ${failed.join('; ')}`
    return { deleted, failed }
  }

  /** An export in progress: files done of total, rows written so far, the file being written. */
  const exporting = ref<null | { file: string; files: number; done: number; rows: number }>(null)

  /**
   * Browser mode: fetch a CSV export (the token in the Authorization header), counting rows as it
   * streams in (progress), then save it as a download. Returns its data rows (header excluded).
   */
  async function fetchCsv(href: string, filename: string, onRows: (rows: number) => void): Promise<number> {
    const res = await fetchExport(href)
    if (!res.ok) {
      const body = (await res.text()).slice(0, 300)
      throw new Error(`${filename}: HTTP ${res.status}${body ? ` (${body})` : ''}`)
    }
    const chunks: Uint8Array[] = []
    let lines = 0
    const reader = res.body?.getReader()
    if (reader) {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        chunks.push(value)
        for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++
        onRows(Math.max(0, lines - 1))
      }
    } else {
      const buf = new Uint8Array(await res.arrayBuffer())
      chunks.push(buf)
      for (let i = 0; i < buf.length; i++) if (buf[i] === 10) lines++
    }
    const url = URL.createObjectURL(new Blob(chunks as BlobPart[], { type: 'text/csv;charset=utf-8' }))
    downloadUrl(url, filename)
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
    return Math.max(0, lines - 1)
  }

  /**
   * Export CSV, exactly what the menu item says: `list` is the runs list (one row per run) of
   * the given runs, or of every run listed (as filtered) when `ids` is null; `ops` is each
   * given run's client history, one file per run. Browser mode downloads /export/runs.csv
   * (?ids=...) and /export/RUN/ops.csv; the desktop app asks where to save each file.
   * `exporting` shows the progress meanwhile; the message gives the row counts.
   */
  async function exportCsv(
    what: 'list' | 'ops',
    ids: RunId[] | null,
  ): Promise<{ ok: boolean; message: string }> {
    if (exporting.value) return { ok: false, message: 'an export is already in progress' }
    if (what === 'ops' && (ids === null || ids.length === 0)) return { ok: false, message: 'no runs ticked' }
    const files = what === 'list' ? 1 : (ids ?? []).length
    const state = { file: 'runs.csv', files, done: 0, rows: 0 }
    exporting.value = { ...state }
    const step = (patch: Partial<typeof state>): void => {
      Object.assign(state, patch)
      exporting.value = { ...state }
    }
    const listFilter: RunFilter = ids === null ? apiFilter.value : { ids }
    try {
      if (bridgeKind() === 'browser') {
        const parts: string[] = []
        let total = 0
        const one = async (href: string, filename: string, what: string): Promise<void> => {
          step({ file: filename })
          const rows = await fetchCsv(href, filename, (r) => step({ rows: total + r }))
          total += rows
          step({ done: state.done + 1, rows: total })
          parts.push(`${rows} ${what}`)
        }
        if (what === 'list') await one(runsCsvDownloadUrl(listFilter), 'runs.csv', 'runs')
        else for (const id of ids ?? []) await one(csvDownloadUrl(id, 'ops'), `${id}-ops.csv`, `ops of ${id}`)
        return { ok: true, message: `downloaded ${parts.join(', ')}` }
      }
      const saved: string[] = []
      if (what === 'list') {
        const res = await getLab().exportCsv({ what: 'runs', ...(ids === null ? {} : { runIds: ids }) })
        if (!res.saved) return { ok: true, message: 'export cancelled' }
        return { ok: true, message: `saved ${res.rows} runs to ${res.path}` }
      }
      for (const runId of ids ?? []) {
        step({ file: `${runId}-ops.csv` })
        const res = await getLab().exportCsv({ what: 'ops', runId })
        if (res.saved) saved.push(`${res.rows} ops of ${runId}`)
        step({ done: state.done + 1, rows: state.rows + res.rows })
      }
      return saved.length
        ? { ok: true, message: `saved ${saved.join(', ')}` }
        : { ok: true, message: 'export cancelled' }
    } catch (e) {
      return { ok: false, message: e instanceof Error && !('code' in e) ? e.message : asLabError(e).message }
    } finally {
      exporting.value = null
    }
  }

  function clearFilters(): void {
    filter.name = ''
    filter.algorithm = null
    filter.status = null
    filter.verdict = null
    filter.since = null
  }

  return {
    runs,
    rows,
    loading,
    loaded,
    error,
    filter,
    filtered,
    apiFilter,
    selected,
    sort,
    selectedRuns,
    refresh,
    refreshSoon,
    toggle,
    selectAll,
    remove,
    exporting,
    exportCsv,
    clearFilters,
  }
})
