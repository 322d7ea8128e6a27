// The experiment being designed. `draft` is the raw JSON the form edits (it may hold
// anything the user typed); `result` is parseSpec(draft), recomputed on every change, so
// field errors appear as you type, by the same paths the engine would report.
import { defineStore } from 'pinia'
import { computed, reactive, ref, watch } from 'vue'
import {
  defaultSpec,
  parseSpec,
  type ExperimentSpec,
  type ExperimentSpecInput,
  type FaultKind,
  PROGRAM_KIND,
  type FieldError,
} from '../../../shared/spec'
import { freeFaultStart, newFault } from '../faults'
import { applyPreset as buildPreset, type PresetId } from '../../../shared/presets'
import { defaultParams, fillDraft, isAlgorithm } from '../algorithm-params'
import { designerErrors, specWarnings } from '../spec-messages'
import { getPath, pathWithin, setPath } from './path'

const STORAGE_KEY = 'quorum-lab.draft.v1'

function loadStored(): Record<string, unknown> | null {
  try {
    const text = localStorage.getItem(STORAGE_KEY)
    if (!text) return null
    const v: unknown = JSON.parse(text)
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null
  } catch {
    return null
  }
}

function freshDraft(): Record<string, unknown> {
  return structuredClone(defaultSpec()) as unknown as Record<string, unknown>
}

export const useSpecStore = defineStore('spec', () => {
  const draft = reactive<Record<string, unknown>>(fillDraft(loadStored() ?? freshDraft()))
  /** A file that could not be read at all (not JSON, not an object). */
  const fileErrors = ref<FieldError[]>([])
  /** Errors the engine reported for the last start attempt (should match local ones). */
  const serverErrors = ref<FieldError[]>([])
  const fileName = ref<string | null>(null)
  /** The fault selected on the timeline (its panel is open), or null. */
  const selectedFault = ref<number | null>(null)

  const result = computed(() => parseSpec(plainCopy(draft)))
  const spec = computed<ExperimentSpec | null>(() => (result.value.ok ? result.value.spec : null))
  const errors = computed<FieldError[]>(() => [
    ...fileErrors.value,
    ...(result.value.ok ? [] : designerErrors(result.value.errors, draft)),
    ...serverErrors.value,
  ])
  const valid = computed(() => errors.value.length === 0)
  /** Settings that do not block a run but will not do what they seem to. */
  const warnings = computed<FieldError[]>(() => specWarnings(plainCopy(draft)))
  /** What the last algorithm switch changed besides the params (said once, then cleared). */
  const switchNote = ref<string | null>(null)
  /** The faults a preset replaced (Undo brings them back), until the next edit of the list. */
  const replacedFaults = ref<Record<string, unknown>[] | null>(null)

  let saveTimer: ReturnType<typeof setTimeout> | null = null
  watch(
    draft,
    () => {
      serverErrors.value = []
      if (saveTimer) clearTimeout(saveTimer)
      saveTimer = setTimeout(() => {
        try {
          localStorage.setItem(STORAGE_KEY, JSON.stringify(draft))
        } catch {
          // storage full or disabled: the draft just is not remembered
        }
      }, 300)
    },
    { deep: true },
  )

  function get(path: string): unknown {
    return getPath(draft, path)
  }
  function set(path: string, value: unknown): void {
    setPath(draft, path, value)
  }
  function errorsFor(path: string, exact = false): FieldError[] {
    return errors.value.filter((e) => (exact ? e.path === path : pathWithin(e.path, path)))
  }
  function warningsFor(path: string): FieldError[] {
    return warnings.value.filter((e) => pathWithin(e.path, path))
  }

  function replace(value: Record<string, unknown>): void {
    for (const k of Object.keys(draft)) delete draft[k]
    Object.assign(draft, value)
  }
  function reset(): void {
    fileErrors.value = []
    fileName.value = null
    selectedFault.value = null
    switchNote.value = null
    replacedFaults.value = null
    replace(freshDraft())
  }

  function faults(): Record<string, unknown>[] {
    const f = draft.faults
    if (!Array.isArray(f)) draft.faults = []
    return draft.faults as Record<string, unknown>[]
  }
  function durationMs(): number {
    return typeof draft.durationMs === 'number' && draft.durationMs > 0 ? draft.durationMs : 10_000
  }
  /** A new fault, placed after the ones already there (not on top of the last one added). */
  function addFault(kind: FaultKind = 'partition'): void {
    const f = newFault(kind, undefined, durationMs())
    f.atMs = freeFaultStart(faults(), durationMs(), f)
    faults().push(f)
    selectedFault.value = faults().length - 1
  }
  function removeFault(index: number): void {
    faults().splice(index, 1)
    const sel = selectedFault.value
    if (sel === null) return
    if (sel === index) selectedFault.value = faults().length ? Math.min(index, faults().length - 1) : null
    else if (sel > index) selectedFault.value = sel - 1
  }
  function duplicateFault(index: number): void {
    const list = faults()
    const f = list[index]
    if (!f) return
    list.splice(index + 1, 0, plainCopy(f))
    selectedFault.value = index + 1
  }
  function setFaultKind(index: number, kind: FaultKind): void {
    const list = faults()
    list.splice(index, 1, newFault(kind, list[index], durationMs()))
  }
  /** Set several fields of one fault at once (`undefined` removes a field). */
  function patchFault(index: number, patch: Record<string, unknown>): void {
    const f = faults()[index]
    if (!f) return
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete f[k]
      else f[k] = v
    }
  }

  /**
   * Switch algorithm: its params start from that algorithm's defaults. The quorum store
   * refuses every cas, so switching to it sets the cas share to 0 (and says so).
   */
  function setAlgorithm(kind: string): void {
    const wasProgram = getPath(draft, 'algorithm.kind') === PROGRAM_KIND
    draft.algorithm = isAlgorithm(kind)
      ? { kind, params: defaultParams(kind) }
      : kind === PROGRAM_KIND
        ? { kind, params: { command: ['python3', 'node.py'] } }
        : { kind }
    switchNote.value = null
    if (kind === PROGRAM_KIND) {
      // A program runs as real processes, tested with a Maelstrom workload, and feels no clock fault.
      setPath(draft, 'mode', 'processes')
      if (getPath(draft, 'workload.kind') === 'kv' || getPath(draft, 'workload.kind') === undefined)
        setPath(draft, 'workload.kind', 'lin-kv')
      const before = faults().length
      draft.faults = faults().filter((f) => f.kind !== 'clock')
      const dropped = before - faults().length
      switchNote.value = `Programs run in processes mode with a Maelstrom workload (set to ${String(getPath(draft, 'workload.kind'))}; pick another under Workload)${dropped ? `; ${dropped} clock fault(s) removed: a program reads the OS clock` : ''}.`
      return
    }
    if (wasProgram) setPath(draft, 'workload.kind', 'kv')
    const cas = getPath(draft, 'workload.mix.cas')
    if (kind === 'quorum' && typeof cas === 'number' && cas > 0) {
      setPath(draft, 'workload.mix.cas', 0)
      switchNote.value = `cas share set to 0 (was ${cas}): the quorum store refuses every cas`
    }
  }

  /** Apply a fault preset: replace or append to the faults; `adopt` also switches algorithm / size. */
  function applyPreset(id: PresetId, mode: 'replace' | 'append', adopt: boolean): void {
    const before = mode === 'append' ? faults().length : 0
    replacedFaults.value = mode === 'replace' && faults().length > 0 ? plainCopy(faults()) : null
    const prevKind = (draft.algorithm as { kind?: unknown } | undefined)?.kind
    const next = buildPreset(plainCopy(draft) as ExperimentSpecInput, id, { mode, adopt }) as Record<
      string,
      unknown
    >
    const algo = next.algorithm as { kind?: unknown } | undefined
    if (algo && algo.kind !== prevKind && isAlgorithm(algo.kind)) {
      next.algorithm = { kind: algo.kind, params: defaultParams(algo.kind) }
    }
    replace(next)
    selectedFault.value = faults().length > before ? before : null
  }

  /** Bring back the faults the last preset replaced. */
  function undoPreset(): boolean {
    const old = replacedFaults.value
    if (old === null) return false
    draft.faults = plainCopy(old)
    replacedFaults.value = null
    selectedFault.value = null
    return true
  }

  /** Load a spec file: a file that is JSON goes into the form (errors and all). */
  async function loadFile(file: File): Promise<void> {
    let value: unknown
    let unread: Error | null = null
    try {
      value = JSON.parse(await file.text())
    } catch (e) {
      unread = e as Error
    }
    // Named only once read: the name and the file's contents show up together (shown before,
    // the name of a slow file stood over the previous draft).
    fileName.value = file.name
    if (unread !== null) {
      fileErrors.value = [{ path: '(file)', message: `${file.name} is not valid JSON: ${unread.message}` }]
      return
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      fileErrors.value = [
        { path: '(file)', message: `${file.name} must hold a JSON object (an experiment spec)` },
      ]
      return
    }
    fileErrors.value = []
    selectedFault.value = null
    switchNote.value = null
    replacedFaults.value = null
    // As written, with that algorithm's own defaults for what the file leaves out.
    replace(fillDraft(value as Record<string, unknown>))
  }

  /** The draft as pretty JSON, what Save writes. */
  function toJson(): string {
    return `${JSON.stringify(draft, null, 2)}\n`
  }

  function saveFile(): string {
    const name = typeof draft.name === 'string' && draft.name.trim() ? draft.name.trim() : 'experiment'
    const fname = `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.json`
    const url = URL.createObjectURL(new Blob([toJson()], { type: 'application/json' }))
    const a = document.createElement('a')
    a.href = url
    a.download = fname
    document.body.appendChild(a)
    a.click()
    a.remove()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
    return fname
  }

  return {
    draft,
    result,
    spec,
    errors,
    warnings,
    switchNote,
    replacedFaults,
    valid,
    fileErrors,
    serverErrors,
    fileName,
    selectedFault,
    get,
    set,
    errorsFor,
    warningsFor,
    undoPreset,
    reset,
    addFault,
    removeFault,
    duplicateFault,
    setFaultKind,
    patchFault,
    setAlgorithm,
    applyPreset,
    loadFile,
    toJson,
    saveFile,
  }
})

/** A plain deep copy of reactive data (reading through the proxy, so computeds track it). */
function plainCopy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T
}
