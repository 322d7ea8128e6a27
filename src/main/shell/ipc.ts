// IPC registration: one `lab:<method>` handler per LabApi call, all through dispatch().
// Replies are envelopes ({ok, result} | {ok:false, error}) because Electron only carries an
// Error's message across IPC; the preload turns error envelopes back into LabErrors.
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron'
import { LabError, type LabErrorData } from '../../shared/api'
import { LAB_METHODS } from '../../shared/api-schemas'
import { createDispatch, toErrorData } from '../lab/handlers'
import type { LabBackend } from '../lab/service'

export type IpcReply = { ok: true; result: unknown } | { ok: false; error: LabErrorData }

export const IPC_EVENT_CHANNEL = 'lab:event'

/**
 * Register the handlers. `isTrustedUrl` decides whether a frame URL is the app's own
 * renderer; calls from any other frame are refused. Returns an unregister function.
 */
export function registerLabIpc(service: LabBackend, isTrustedUrl: (url: string) => boolean): () => void {
  const dispatch = createDispatch(service)
  for (const method of LAB_METHODS) {
    ipcMain.handle(`lab:${method}`, async (event: IpcMainInvokeEvent, arg: unknown): Promise<IpcReply> => {
      const frame = event.senderFrame
      if (!frame || frame.parent !== null || !isTrustedUrl(frame.url)) {
        return {
          ok: false,
          error: new LabError('unavailable', 'refused: call from an untrusted frame').toData(),
        }
      }
      try {
        return { ok: true, result: await dispatch(method, arg) }
      } catch (e) {
        return { ok: false, error: toErrorData(e) }
      }
    })
  }
  return () => {
    for (const method of LAB_METHODS) ipcMain.removeHandler(`lab:${method}`)
  }
}

/** Forward every LabEvent to a window's renderer. Returns an unsubscribe function. */
export function forwardEvents(service: LabBackend, contents: WebContents): () => void {
  return service.on((event) => {
    if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, event)
  })
}
