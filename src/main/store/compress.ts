// The store's compression of big values (trace chunks, op values): Brotli at its fastest
// level, and decompression with a size cap, so a damaged or hostile blob cannot make us
// allocate more than MAX_INFLATED_BYTES.
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib'

/** Most bytes a stored blob may decompress to. */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024

/** Brotli quality 0: several times faster than DEFLATE level 1 on big values, with a 4 MiB window. */
export function brotliFast(raw: Buffer): Buffer {
  return brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 0, [constants.BROTLI_PARAM_SIZE_HINT]: raw.byteLength },
  })
}

/** The bytes of a Brotli blob (throws when it does not decompress or exceeds the cap). */
export function brotliInflate(blob: Uint8Array): Buffer {
  return brotliDecompressSync(blob, { maxOutputLength: MAX_INFLATED_BYTES })
}
