// Browser mode's access token, kept where only this page can read it. The URL printed by
// `npm run serve` carries it once (`/?token=...`); the page moves it into
// sessionStorage (per origin, so per port: no other server on 127.0.0.1 sees it, unlike a
// cookie) and takes it out of the address bar with history.replaceState, so it is not left
// in the history, a bookmark or a screenshot. From then on it goes only in headers: the
// Authorization header of fetch() and the WebSocket's subprotocol.
import { TOKEN_PATTERN, WS_SUBPROTOCOL, WS_TOKEN_PROTOCOL_PREFIX } from '../../../shared/web-auth'

export const TOKEN_STORAGE_KEY = 'quorum-lab-token'

export interface TokenPlace {
  location: Pick<Location, 'href'>
  storage: Pick<Storage, 'getItem' | 'setItem'>
  history: Pick<History, 'replaceState' | 'state'>
}

/**
 * Take the token from the address (storing it and cleaning the address), or else from
 * storage. Returns null when there is none (the page was opened without the printed URL).
 */
export function adoptToken(place: TokenPlace): string | null {
  const url = new URL(place.location.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl !== null) {
    url.searchParams.delete('token')
    place.history.replaceState(place.history.state, '', `${url.pathname}${url.search}${url.hash}`)
    if (TOKEN_PATTERN.test(fromUrl)) {
      place.storage.setItem(TOKEN_STORAGE_KEY, fromUrl)
      return fromUrl
    }
  }
  const stored = place.storage.getItem(TOKEN_STORAGE_KEY)
  return stored !== null && TOKEN_PATTERN.test(stored) ? stored : null
}

/** The subprotocols the page offers on its WebSocket: the plain name and the one carrying the token. */
export function socketProtocols(token: string): string[] {
  return [WS_SUBPROTOCOL, `${WS_TOKEN_PROTOCOL_PREFIX}${token}`]
}

/** What the page says when it has no token. */
export const NO_TOKEN_MESSAGE =
  'no access token: open the address the lab server printed when it started (`npm run serve`: it ends in ?token=...)'
