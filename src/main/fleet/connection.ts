// The Redis a fleet shares (BullMQ's queue lives there): one URL, checked before anything
// connects. Workers and the lab may be on different machines, so any host is allowed; the
// scheme must be redis:// or rediss:// (TLS).
import { Redis } from 'ioredis'

/** The queue campaigns put their tasks on (and workers take them from). */
export const DEFAULT_QUEUE = 'quorum-lab'

/** Check a Redis URL; returns why it is not usable, or null. */
export function redisUrlProblem(url: string): string | null {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return `not a URL: ${JSON.stringify(url.slice(0, 100))}`
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    return `must start with redis:// or rediss://, got ${u.protocol}//`
  if (u.hostname === '') return 'names no host'
  return null
}

/** A connection as BullMQ wants it (commands wait for a reconnect instead of failing). */
export function connectRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false })
}
