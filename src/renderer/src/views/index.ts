// The five views as async components: each is its own chunk, fetched the first time it is
// shown; once the first view has painted, the others are fetched in idle time so that
// switching views does not wait for the network. A chunk is only fetched while the lab
// server is reachable (a browser remembers a failed module fetch until the page reloads):
// offline, the view says it will load when the server is back, and does.
import { defineAsyncComponent, type Component } from 'vue'
import type { View } from '../stores/ui'
import { onConnection } from '../api'
import ViewLoading from '../components/ViewLoading.vue'
import ViewError from '../components/ViewError.vue'

const LOADERS: Record<View, () => Promise<Component>> = {
  design: () => import('./DesignView.vue'),
  run: () => import('./RunView.vue'),
  runs: () => import('./RunsView.vue'),
  compare: () => import('./CompareView.vue'),
  replay: () => import('./ReplayView.vue'),
}

/** Resolves when the lab server is reachable (at once when it is). */
function whenOnline(): Promise<void> {
  return new Promise((resolve) => {
    let off: (() => void) | null = null
    let done = false
    off = onConnection((c) => {
      if (c.state !== 'open' || done) return
      done = true
      resolve()
      // onConnection may call back before it has returned its unsubscribe.
      queueMicrotask(() => off?.())
    })
    if (done) off()
  })
}

export const VIEW_COMPONENTS: Record<View, Component> = Object.fromEntries(
  Object.entries(LOADERS).map(([view, load]) => [
    view,
    defineAsyncComponent({
      loader: () => whenOnline().then(load),
      loadingComponent: ViewLoading,
      errorComponent: ViewError,
      delay: 150,
    }),
  ]),
) as Record<View, Component>

/** After the first view, fetch the others one by one when the page is idle (and online). */
export function prefetchViews(first: View): void {
  const rest = (Object.keys(LOADERS) as View[]).filter((v) => v !== first)
  const idle = (fn: () => void): void => {
    if ('requestIdleCallback' in window) window.requestIdleCallback(fn, { timeout: 4000 })
    else setTimeout(fn, 1500)
  }
  const next = (): void => {
    const v = rest.shift()
    if (v) idle(() => void whenOnline().then(() => LOADERS[v]().then(next, next)))
  }
  // Give the first view time to load and paint before competing with it.
  setTimeout(next, 1500)
}
