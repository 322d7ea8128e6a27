// The five views as async components: each is its own chunk, fetched the first time it is
// shown; once the first view has painted, the others are fetched in idle time so that
// switching views does not wait for the network.
import { defineAsyncComponent, type Component } from 'vue'
import type { View } from '../stores/ui'

const LOADERS: Record<View, () => Promise<Component>> = {
  design: () => import('./DesignView.vue'),
  run: () => import('./RunView.vue'),
  runs: () => import('./RunsView.vue'),
  compare: () => import('./CompareView.vue'),
  replay: () => import('./ReplayView.vue'),
}

export const VIEW_COMPONENTS: Record<View, Component> = Object.fromEntries(
  Object.entries(LOADERS).map(([view, load]) => [view, defineAsyncComponent(load)]),
) as Record<View, Component>

/** After the first view, fetch the others one by one when the page is idle. */
export function prefetchViews(first: View): void {
  const rest = (Object.keys(LOADERS) as View[]).filter((v) => v !== first)
  const idle = (fn: () => void): void => {
    if ('requestIdleCallback' in window) window.requestIdleCallback(fn, { timeout: 4000 })
    else setTimeout(fn, 1500)
  }
  const next = (): void => {
    const v = rest.shift()
    if (v) idle(() => void LOADERS[v]().then(next, next))
  }
  // Give the first view time to load and paint before competing with it.
  setTimeout(next, 1500)
}
