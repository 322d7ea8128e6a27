// The values of a client op as the `ops` table keeps them (value, expected, result): text, or,
// from OP_VALUE_PACK_FROM characters on, that text compressed with Brotli (quality 0) in a
// BLOB. A broadcast or g-set read returns every element so far, so over a run its values
// grow without bound: stored as text, a 20 s broadcast run wrote hundreds of MiB of them.
// Only this store writes BLOBs there, so a BLOB is always a packed value; readers unpack
// every value through unpackOpValue.
import { brotliFast, brotliInflate } from './compress'

/** Values this long (UTF-16 units) or longer are stored compressed. */
export const OP_VALUE_PACK_FROM = 4096

/** What the ops table stores for `v`. */
export function packOpValue(v: string | null | undefined): string | Buffer | null {
  if (v === undefined || v === null) return null
  if (v.length < OP_VALUE_PACK_FROM) return v
  return brotliFast(Buffer.from(v, 'utf8'))
}

/**
 * The text of a stored op value. A BLOB that does not decompress (damage in the file) reads
 * as a note saying so, so that an export goes on with the other rows.
 */
export function unpackOpValue(v: unknown): string | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'string') return v
  if (v instanceof Uint8Array)
    try {
      return brotliInflate(v).toString('utf8')
    } catch (e) {
      return `(damaged value: ${v.byteLength} bytes that do not decompress: ${(e as Error).message})`
    }
  return String(v)
}
