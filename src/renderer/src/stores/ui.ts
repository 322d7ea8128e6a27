// Which view is showing (kept in the URL hash so reload and back/forward work) and the
// colour theme (remembered; follows the OS until the user picks one).
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'

export type View = 'design' | 'run' | 'runs' | 'compare' | 'replay' | 'history' | 'explore' | 'fuzz'
export const VIEWS: readonly View[] = [
  'design',
  'run',
  'runs',
  'compare',
  'replay',
  'history',
  'explore',
  'fuzz',
]
export type ThemeName = 'light' | 'dark'

const THEME_KEY = 'quorum-lab.theme'

/**
 * The hash is `#/view` or `#/view?key=value&...` (e.g. `#/compare?runs=a,b`,
 * `#/replay?run=a&diff=b`): the view's arguments survive a reload.
 */
function parseHash(): { view: View; query: Record<string, string> } {
  const h = window.location.hash.replace(/^#\/?/, '')
  const [name, qs] = h.split('?', 2)
  const view = (VIEWS as readonly string[]).includes(name) ? (name as View) : 'design'
  return { view, query: Object.fromEntries(new URLSearchParams(qs ?? '')) }
}

function hashOf(view: View, query: Record<string, string>): string {
  const qs = new URLSearchParams(query).toString()
  return `#/${view}${qs ? `?${qs}` : ''}`
}

function initialTheme(): ThemeName {
  try {
    const stored = localStorage.getItem(THEME_KEY)
    if (stored === 'light' || stored === 'dark') return stored
  } catch {
    // no storage: fall through to the OS preference
  }
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
}

export const useUiStore = defineStore('ui', () => {
  const view = ref<View>(parseHash().view)
  /** The current view's arguments (from the hash query). */
  const query = ref<Record<string, string>>(parseHash().query)
  const theme = ref<ThemeName>(initialTheme())
  const dark = computed(() => theme.value === 'dark')

  /** Each view's last arguments, so coming back to it (nav, shortcuts) restores them. */
  const lastQueries: Partial<Record<View, Record<string, string>>> = {}
  watch(
    [view, query],
    ([v, q]) => {
      lastQueries[v] = q
    },
    { immediate: true },
  )

  window.addEventListener('hashchange', () => {
    const h = parseHash()
    view.value = h.view
    query.value = h.query
  })
  watch([view, query], ([v, q]) => {
    const hash = hashOf(v, q)
    if (window.location.hash !== hash) window.location.hash = hash
  })
  watch(
    theme,
    (t) => {
      document.documentElement.dataset.theme = t
      document.documentElement.style.colorScheme = t
    },
    { immediate: true },
  )

  /** Show view `v`; `q` are its arguments (default: none). */
  function go(v: View, q: Record<string, string> = {}): void {
    view.value = v
    query.value = q
  }
  /** Show view `v` with the arguments it had last time (e.g. Compare's runs). */
  function goBack(v: View): void {
    go(v, v === view.value ? query.value : (lastQueries[v] ?? {}))
  }
  function toggleTheme(): void {
    theme.value = dark.value ? 'light' : 'dark'
    try {
      localStorage.setItem(THEME_KEY, theme.value)
    } catch {
      // not remembered
    }
  }

  return { view, query, theme, dark, go, goBack, toggleTheme }
})
