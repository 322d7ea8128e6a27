// The campaigns of the Explore and Fuzz screens: what the lab offers (algorithms, mutants,
// examples, bounds), and the latest exploration and fuzz campaign, kept up to date from the
// event stream (and fetched again when the connection comes back, so nothing is missed).
// Loaded with those screens only.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type {
  CampaignInfo,
  CampaignOptions,
  ExploreCampaign,
  ExploreRequest,
  FuzzCampaign,
  FuzzRequest,
} from '../../../shared/api'
import type { FieldError } from '../../../shared/spec'
import { asLabError, getLab, onConnection } from '../api'

export type CallResult = { ok: true } | { ok: false; message: string; fields?: FieldError[] }

export const useCampaignStore = defineStore('campaigns', () => {
  const options = ref<CampaignOptions | null>(null)
  const optionsError = ref<string | null>(null)
  const explore = ref<ExploreCampaign | null>(null)
  const fuzz = ref<FuzzCampaign | null>(null)
  let started = false

  function take(c: CampaignInfo): void {
    const held = c.kind === 'explore' ? explore.value : fuzz.value
    // A reply that crossed a later event (the campaign already ended) is older news.
    if (held?.campaignId === c.campaignId && held.status !== 'running' && c.status === 'running') return
    if (c.kind === 'explore') {
      if (
        !explore.value ||
        explore.value.campaignId === c.campaignId ||
        c.startedAt >= explore.value.startedAt
      )
        explore.value = c
    } else if (!fuzz.value || fuzz.value.campaignId === c.campaignId || c.startedAt >= fuzz.value.startedAt)
      fuzz.value = c
  }

  async function refresh(): Promise<void> {
    const lab = getLab()
    try {
      if (!options.value) options.value = await lab.campaignOptions()
      optionsError.value = null
      // Newest first: take them oldest first so the newest of each kind stays.
      for (const c of (await lab.listCampaigns()).reverse()) take(c)
    } catch (e) {
      optionsError.value = asLabError(e).message
    }
  }

  /** Subscribe once (the first screen that needs it). */
  function init(): void {
    if (started) return
    started = true
    getLab().onEvent((e) => {
      if (e.type === 'campaign') take(e.campaign)
    })
    onConnection((c) => {
      if (c.state === 'open') void refresh()
    })
  }

  async function call(f: () => Promise<CampaignInfo>): Promise<CallResult> {
    try {
      take(await f())
      return { ok: true }
    } catch (e) {
      const err = asLabError(e)
      return { ok: false, message: err.message, ...(err.fields ? { fields: err.fields } : {}) }
    }
  }

  return {
    options,
    optionsError,
    explore,
    fuzz,
    init,
    refresh,
    startExplore: (r: ExploreRequest) => call(() => getLab().startExplore(r)),
    startFuzz: (r: FuzzRequest) => call(() => getLab().startFuzz(r)),
    stop: (campaignId: string) => call(() => getLab().stopCampaign({ campaignId })),
  }
})

/**
 * A campaign form's state around a start: the problems found (by the form's checks or the
 * lab's), the lab's refusal and whether a start is on its way.
 */
export function useCampaignStart() {
  const errors = ref<FieldError[]>([])
  const startError = ref<string | null>(null)
  const starting = ref(false)
  /** The first problem of a field (or of its items: `mutants[0]`). */
  function errorOf(path: string): string | undefined {
    return errors.value.find(
      (e) => e.path === path || e.path.startsWith(`${path}[`) || e.path.startsWith(`${path}.`),
    )?.message
  }
  /** Check the form (`build`), then start (`send`); problems land in errors / startError. */
  async function submit<R>(
    build: () => { ok: true; request: R } | { ok: false; errors: FieldError[] },
    send: (r: R) => Promise<CallResult>,
  ): Promise<void> {
    const r = build()
    errors.value = r.ok ? [] : r.errors
    startError.value = null
    if (!r.ok) return
    starting.value = true
    const res = await send(r.request)
    starting.value = false
    if (!res.ok) {
      startError.value = res.message
      errors.value = res.fields ?? []
    }
  }
  return { errors, startError, starting, errorOf, submit }
}
