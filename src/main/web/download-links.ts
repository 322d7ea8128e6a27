// Short-lived, single-use download URLs. A browser download (a link the page clicks)
// cannot carry the Authorization header, and the token must not go in a URL or a cookie;
// so the page asks for a link over the authenticated API and the link is the credential:
// 32 random bytes, good for one GET within a minute, for the one export it was made for.
import { randomBytes } from 'node:crypto'

export const DOWNLOAD_PREFIX = '/download/'
export const DOWNLOAD_TTL_MS = 60_000
/** Links not yet used; the oldest are dropped beyond this. */
const MAX_LINKS = 256

export class DownloadLinks<T> {
  private readonly links = new Map<string, { item: T; expires: number }>()

  constructor(
    private readonly ttlMs = DOWNLOAD_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new link path (/download/NONCE) for `item`. */
  mint(item: T): string {
    this.sweep()
    while (this.links.size >= MAX_LINKS) this.links.delete(this.links.keys().next().value as string)
    const nonce = randomBytes(32).toString('base64url')
    this.links.set(nonce, { item, expires: this.now() + this.ttlMs })
    return `${DOWNLOAD_PREFIX}${nonce}`
  }

  /** The item of a link path, once: a used, expired or unknown link gives null. */
  redeem(path: string): T | null {
    if (!path.startsWith(DOWNLOAD_PREFIX)) return null
    const nonce = path.slice(DOWNLOAD_PREFIX.length)
    const link = this.links.get(nonce)
    if (link === undefined) return null
    this.links.delete(nonce)
    return link.expires > this.now() ? link.item : null
  }

  private sweep(): void {
    const t = this.now()
    for (const [k, v] of this.links) if (v.expires <= t) this.links.delete(k)
  }
}
