// Frame bodies: plain MessagePack (msgpackr without its record extension, so every frame
// decodes on its own and any MessagePack reader can read a capture). A program's integers past
// 2^53 are bigints (src/core/maelstrom/json.ts): 64-bit ones travel as MessagePack int64 /
// uint64 and come back as bigints; larger ones use msgpackr's bigint extension.
import { Packr, Unpackr } from 'msgpackr'

const packr = new Packr({ useRecords: false, variableMapSize: true, useBigIntExtension: true })
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true })

export function packBody(value: unknown): Buffer {
  return packr.pack(value)
}

/** Decode a body; throws on bytes that are not one complete MessagePack value. */
export function unpackBody(buf: Uint8Array, off: number, end: number): unknown {
  // unpack() reads exactly one value; trailing bytes mean the frame is malformed.
  const view = buf.subarray(off, end)
  const values = unpackr.unpackMultiple(view) as unknown[]
  if (values.length !== 1) throw new Error(`body holds ${values.length} MessagePack values (expected 1)`)
  return values[0]
}
