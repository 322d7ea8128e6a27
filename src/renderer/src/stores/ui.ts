// Which view is showing (kept in the URL hash so reload and back/forward work) and the
// colour theme (remembered; follows the OS until the user picks one).
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'

export type View = 'design' | 'run' | 'runs'
export type ThemeName = 'light' | 'dark'

const THEME_KEY = 'quorum-lab.theme'

function viewFromHash(): View {
  const h = window.location.hash
  return h === '#/run' ? 'run' : h === '#/runs' ? 'runs' : 'design'
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
  const view = ref<View>(viewFromHash())
  const theme = ref<ThemeName>(initialTheme())
  const dark = computed(() => theme.value === 'dark')

  window.addEventListener('hashchange', () => {
    view.value = viewFromHash()
  })
  watch(view, (v) => {
    const hash = `#/${v}`
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

  function go(v: View): void {
    view.value = v
  }
  function toggleTheme(): void {
    theme.value = dark.value ? 'light' : 'dark'
    try {
      localStorage.setItem(THEME_KEY, theme.value)
    } catch {
      // not remembered
    }
  }

  return { view, theme, dark, go, toggleTheme }
})
