// The Content-Security-Policy for the renderer, shared by browser mode and the Electron shell.

export const CSP_DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self' 'unsafe-inline'"],
  ['img-src', "'self' data: blob:"],
  ['connect-src', "'self'"],
  ['object-src', "'none'"],
  ['frame-ancestors', "'none'"],
  ['base-uri', "'none'"],
]

/** The strict production policy. */
export const CSP = CSP_DIRECTIVES.map(([k, v]) => `${k} ${v}`).join('; ')

/**
 * The policy for Electron's dev mode: the vite dev server's origin must be allowed for
 * scripts and styles, and its websocket for HMR. (Production uses `CSP` unchanged.)
 */
export function devCsp(devServerUrl: string): string {
  const u = new URL(devServerUrl)
  const ws = `${u.protocol === 'https:' ? 'wss:' : 'ws:'}//${u.host}`
  return CSP_DIRECTIVES.map(([k, v]) => {
    if (k === 'script-src' || k === 'style-src' || k === 'default-src' || k === 'img-src')
      return `${k} ${v} ${u.origin}`
    if (k === 'connect-src') return `${k} ${v} ${u.origin} ${ws}`
    return `${k} ${v}`
  }).join('; ')
}
