// Size limits for history text crossing the LabApi (kept free of zod: the renderer's first
// chunk imports them).

/** Largest history text checkHistory takes (characters; browser mode's frame limit is lower). */
export const MAX_HISTORY_TEXT = 64 * 1024 * 1024
/** Largest history file the UI sends in browser mode: the WebSocket takes 1 MiB frames, JSON escapes included. */
export const BROWSER_MAX_HISTORY_BYTES = 900 * 1024
