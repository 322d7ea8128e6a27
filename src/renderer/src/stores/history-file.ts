// The history file open in the History view: read in the page, checked by the lab
// (checkHistory), kept until another one is opened.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { CheckedHistory } from '../../../shared/api'
import { BROWSER_MAX_HISTORY_BYTES } from '../../../shared/history-limits'
import { getLab } from '../api'
import { useUiStore } from './ui'

export const useHistoryFileStore = defineStore('history-file', () => {
  const checked = shallowRef<CheckedHistory | null>(null)
  const loading = ref<string | null>(null)
  const error = ref<string | null>(null)
  const ui = useUiStore()

  /** Read and check `file`, then show it in the History view. */
  async function open(file: File): Promise<void> {
    ui.go('history')
    loading.value = file.name
    error.value = null
    try {
      const lab = getLab()
      if (file.size > BROWSER_MAX_HISTORY_BYTES && (await lab.appInfo()).bridge === 'browser') {
        const mb = (file.size / 2 ** 20).toFixed(1)
        throw new Error(
          `${file.name} is ${mb} MB: browser mode takes history files up to 0.9 MB (its WebSocket frame limit). ` +
            'Open it in the desktop app, or check it with `quorum-lab check`.',
        )
      }
      const text = await file.text()
      checked.value = await lab.checkHistory({ text, format: 'auto', name: file.name })
    } catch (e) {
      error.value = (e as Error).message
    } finally {
      loading.value = null
    }
  }

  return { checked, loading, error, open }
})
