import type { LabApi } from '../../shared/api'

declare global {
  interface Window {
    /** Present in Electron: the preload bridge's LabApi over IPC. Absent in browser mode. */
    lab?: LabApi
  }
}

export {}
