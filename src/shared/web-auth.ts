// Browser mode's credentials and fixed paths, as the page and the server share them (no
// imports: the page's first chunk loads this without the schemas).
//
// The page keeps the server's token in sessionStorage (never a cookie: cookies are not
// isolated by port, so every other server on 127.0.0.1 would get it) and sends it as
// `Authorization: Bearer TOKEN` on HTTP requests. A browser cannot set headers on a
// WebSocket, so there it offers two subprotocols, WS_SUBPROTOCOL and
// WS_TOKEN_PROTOCOL_PREFIX + TOKEN; the server checks the second and answers with the first.

export const WS_SUBPROTOCOL = 'quorum-lab'
export const WS_TOKEN_PROTOCOL_PREFIX = 'quorum-lab.token.'
/** A token as the server makes it (32 random bytes, base64url) or accepts it. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,256}$/
/** POST {"path": "/export/..."} with the token: a short-lived, single-use download URL. */
export const DOWNLOAD_LINKS_PATH = '/api/download-links'
