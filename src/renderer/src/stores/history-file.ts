// The history file open in the History view: read in the page, checked by the lab
// (checkHistory), kept until another one is opened.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { CheckedHistory } from '../../../shared/api'
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
      const text = await file.text()
      checked.value = await getLab().checkHistory({ text, format: 'auto', name: file.name })
    } catch (e) {
      error.value = (e as Error).message
    } finally {
      loading.value = null
    }
  }

  return { checked, loading, error, open }
})
