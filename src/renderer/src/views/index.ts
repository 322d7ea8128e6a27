// The views as async components: each is its own chunk, fetched the first time it is
// shown (not before: a fetch the server's going away cuts short is remembered by the browser
// as failed until the page reloads, so nothing is fetched on speculation). A chunk is only
// fetched while the lab server is reachable: offline, the view says it will load when the
// server is back, and does.
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
  history: () => import('./HistoryFileView.vue'),
  explore: () => import('./ExploreView.vue'),
  fuzz: () => import('./FuzzView.vue'),
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
