// Keyboard shortcuts, app-wide: `g` then a letter (or Alt+1..7) switches views, `t` flips
// the theme, `?` opens the list of shortcuts, Esc closes it. Keys typed into an input, a
// text area, a select or anything editable are left alone, and so is any key with Ctrl or
// Meta (the browser's and the OS's own shortcuts). View-specific keys (Replay's space =
// play / pause) are handled by their views and only listed here.
import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'
import type { View } from './stores/ui'

export interface ShortcutHelp {
  keys: string[][]
  what: string
  /** Only on this view (handled there). */
  view?: string
}

export const VIEW_KEYS: ReadonlyArray<{ view: View; letter: string; digit: string; label: string }> = [
  { view: 'design', letter: 'd', digit: '1', label: 'Design' },
  { view: 'run', letter: 'r', digit: '2', label: 'Run' },
  { view: 'runs', letter: 'h', digit: '3', label: 'Runs (history)' },
  { view: 'compare', letter: 'c', digit: '4', label: 'Compare' },
  { view: 'replay', letter: 'p', digit: '5', label: 'Replay' },
  { view: 'explore', letter: 'e', digit: '6', label: 'Explore' },
  { view: 'fuzz', letter: 'z', digit: '7', label: 'Fuzz' },
]

/** Everything the help overlay lists, in order. */
export const SHORTCUT_HELP: readonly ShortcutHelp[] = [
  ...VIEW_KEYS.map((v) => ({ keys: [['g', v.letter], [`Alt+${v.digit}`]], what: `Go to ${v.label}` })),
  { keys: [['t']], what: 'Switch between light and dark theme' },
  { keys: [['?']], what: 'Show this list of shortcuts' },
  { keys: [['Esc']], what: 'Close this list (or a dialog)' },
  { keys: [['Space']], what: 'Play / pause the replay', view: 'Replay' },
  { keys: [['←'], ['→']], what: 'Previous / next event', view: 'Replay' },
  { keys: [['f']], what: 'Jump to the next fault', view: 'Replay' },
  { keys: [['l']], what: 'Jump to the next leader change', view: 'Replay' },
  { keys: [['←'], ['→']], what: 'Move the selected fault (Shift: change its length)', view: 'Design' },
  { keys: [['↑'], ['↓']], what: 'Select the previous / next fault', view: 'Design' },
  { keys: [['Delete']], what: 'Remove the selected fault', view: 'Design' },
]

/** True when the key was typed into something that takes text (or a select / editable). */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null
  if (!el || typeof el.closest !== 'function') return false
  if (el.isContentEditable) return true
  return el.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]') !== null
}

export interface ShortcutActions {
  go(view: View): void
  toggleTheme(): void
}

/** How long after `g` the second key still counts. */
const SEQUENCE_MS = 1500

/** A pure key handler (testable without a DOM): returns true when it used the key. */
export function createShortcutHandler(
  actions: ShortcutActions,
  help: Ref<boolean>,
  now: () => number = () => performance.now(),
): (
  e: Pick<KeyboardEvent, 'key' | 'code' | 'altKey' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'target'>,
) => boolean {
  let gAt = -Infinity
  return (e) => {
    if (e.ctrlKey || e.metaKey) return false
    if (e.key === 'Escape' && help.value) {
      help.value = false
      return true
    }
    if (isTyping(e.target)) return false
    if (e.altKey) {
      const digit = /^Digit(\d)$/.exec(e.code)?.[1] ?? e.key
      const v = VIEW_KEYS.find((k) => k.digit === digit)
      if (!v) return false
      actions.go(v.view)
      return true
    }
    const key = e.key
    if (key === '?') {
      help.value = !help.value
      return true
    }
    if (now() - gAt <= SEQUENCE_MS) {
      gAt = -Infinity
      const v = VIEW_KEYS.find((k) => k.letter === key.toLowerCase())
      if (v) {
        help.value = false
        actions.go(v.view)
        return true
      }
      return false
    }
    if (key === 'g' && !e.shiftKey) {
      gAt = now()
      return true
    }
    if (key === 't' && !e.shiftKey) {
      actions.toggleTheme()
      return true
    }
    return false
  }
}

/** Listen on the window while the calling component is mounted; `help` drives the overlay. */
export function useShortcuts(actions: ShortcutActions): { help: Ref<boolean> } {
  const help = ref(false)
  const handle = createShortcutHandler(actions, help)
  const onKey = (e: KeyboardEvent): void => {
    if (e.defaultPrevented || e.repeat) return
    if (handle(e)) e.preventDefault()
  }
  onMounted(() => window.addEventListener('keydown', onKey))
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey))
  return { help }
}
