// The wire frame: how node processes, the lab's proxy and the KV clients talk over TCP.
// A frame is a small fixed header the proxy can read without decoding the body, then the
// body (msgpack; see src/main/node/codec.ts). All integers little-endian.
//
//   offset size  field
//   0      2     magic 'Q' 'L' (0x51 0x4c)
//   2      1     version (1)
//   3      1     type: 0..63 a protocol message type code (index in the algorithm's wireTypes),
//                200 HELLO (handshake answer), 201 CLIENT_REQ, 202 CLIENT_REP,
//                203 CHALLENGE (handshake nonce; see src/main/node/hello.ts)
//   4      1     source node index (0 = n1 ...; 255 = none: lab, proxy, client)
//   5      1     destination node index (255 = none)
//   6      1     vector clock length V (0..MAX_VC)
//   7      1     flags (0; reserved)
//   8      4     body size B (u32, <= MAX_BODY)
//   12     8     Lamport clock of the sender at send (f64, a whole number)
//   20     8     message id (f64, a whole number, unique per run; 0 when not a protocol message)
//   28     8*V   vector clock entries (f64 each; index i = node n(i+1))
//   28+8V  B     body
//
// The header is read with plain byte arithmetic (no allocation); f64 fields are only read
// when needed (trace events). Pure: no Node types here (the renderer's typecheck includes
// src/shared), so buffers are Uint8Array.

export const WIRE_MAGIC0 = 0x51
export const WIRE_MAGIC1 = 0x4c
export const WIRE_VERSION = 1
/** Bytes before the vector clock. */
export const HEADER_FIXED = 28
/** Most vector clock entries a frame may carry (clusters have at most 15 nodes). */
export const MAX_VC = 64
/** Largest body accepted (16 MiB); a bigger frame closes the connection. */
export const MAX_BODY = 16 * 1024 * 1024
/** Node index meaning "no node" (lab, proxy, client). */
export const NO_NODE = 255

export const T_HELLO = 200
export const T_CLIENT_REQ = 201
export const T_CLIENT_REP = 202
export const T_CHALLENGE = 203
/** Protocol message type codes are below this. */
export const MAX_PROTOCOL_TYPE = 64

/** Code 63 stands for a type name the table does not know (it still travels; the name is lost). */
export const OTHER_TYPE = 63

/** The wire code of message type `name` in `types` (an algorithm's wireTypes), or OTHER_TYPE. */
export function messageTypeCode(types: readonly string[], name: string): number {
  const i = types.indexOf(name)
  return i < 0 || i >= OTHER_TYPE ? OTHER_TYPE : i
}

/** The name of wire code `code` in `types` (an algorithm's wireTypes). */
export function messageTypeName(types: readonly string[], code: number): string {
  if (code === T_HELLO) return 'HELLO'
  if (code === T_CLIENT_REQ) return 'ClientRequest'
  if (code === T_CLIENT_REP) return 'ClientReply'
  if (code === T_CHALLENGE) return 'CHALLENGE'
  return code < types.length ? types[code] : `type${code}`
}

export function isKnownFrameType(code: number): boolean {
  return (
    code < MAX_PROTOCOL_TYPE ||
    code === T_HELLO ||
    code === T_CLIENT_REQ ||
    code === T_CLIENT_REP ||
    code === T_CHALLENGE
  )
}

// ---------------------------------------------------------------- f64 without DataView allocations

const f64 = new Float64Array(1)
const f64b = new Uint8Array(f64.buffer)
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

export function readF64(b: Uint8Array, o: number): number {
  if (LITTLE) for (let i = 0; i < 8; i++) f64b[i] = b[o + i]
  else for (let i = 0; i < 8; i++) f64b[7 - i] = b[o + i]
  return f64[0]
}

export function writeF64(b: Uint8Array, o: number, v: number): void {
  f64[0] = v
  if (LITTLE) for (let i = 0; i < 8; i++) b[o + i] = f64b[i]
  else for (let i = 0; i < 8; i++) b[o + i] = f64b[7 - i]
}

export function readU32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
}

export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff
  b[o + 1] = (v >>> 8) & 0xff
  b[o + 2] = (v >>> 16) & 0xff
  b[o + 3] = (v >>> 24) & 0xff
}

// ---------------------------------------------------------------- header

export interface FrameHeaderFields {
  type: number
  src: number
  dst: number
  lc: number
  msgId: number
  /** Vector clock (length 0..MAX_VC), or null for none. */
  vc: ArrayLike<number> | null
}

export function headerLength(vcLen: number): number {
  return HEADER_FIXED + 8 * vcLen
}

/** Write a header at `o` for a body of `bodyLen` bytes; returns the header length. */
export function writeHeader(b: Uint8Array, o: number, h: FrameHeaderFields, bodyLen: number): number {
  const vcLen = h.vc === null ? 0 : h.vc.length
  if (vcLen > MAX_VC) throw new RangeError(`vector clock of ${vcLen} entries exceeds ${MAX_VC}`)
  if (bodyLen > MAX_BODY) throw new RangeError(`frame body of ${bodyLen} bytes exceeds ${MAX_BODY}`)
  b[o] = WIRE_MAGIC0
  b[o + 1] = WIRE_MAGIC1
  b[o + 2] = WIRE_VERSION
  b[o + 3] = h.type
  b[o + 4] = h.src
  b[o + 5] = h.dst
  b[o + 6] = vcLen
  b[o + 7] = 0
  writeU32(b, o + 8, bodyLen)
  writeF64(b, o + 12, h.lc)
  writeF64(b, o + 20, h.msgId)
  for (let i = 0; i < vcLen; i++) writeF64(b, o + HEADER_FIXED + 8 * i, (h.vc as ArrayLike<number>)[i])
  return HEADER_FIXED + 8 * vcLen
}

/** A whole frame (header + body) in a new array. */
export function encodeFrame(h: FrameHeaderFields, body: Uint8Array): Uint8Array {
  const hl = headerLength(h.vc === null ? 0 : h.vc.length)
  const out = new Uint8Array(hl + body.length)
  writeHeader(out, 0, h, body.length)
  out.set(body, hl)
  return out
}

export const frameType = (b: Uint8Array, o: number): number => b[o + 3]
export const frameSrc = (b: Uint8Array, o: number): number => b[o + 4]
export const frameDst = (b: Uint8Array, o: number): number => b[o + 5]
export const frameVcLen = (b: Uint8Array, o: number): number => b[o + 6]
export const frameBodyLen = (b: Uint8Array, o: number): number => readU32(b, o + 8)
export const frameLc = (b: Uint8Array, o: number): number => readF64(b, o + 12)
export const frameMsgId = (b: Uint8Array, o: number): number => readF64(b, o + 20)
export const frameHeaderLen = (b: Uint8Array, o: number): number => HEADER_FIXED + 8 * b[o + 6]

export function frameVc(b: Uint8Array, o: number): number[] {
  const n = b[o + 6]
  const out = new Array<number>(n)
  for (let i = 0; i < n; i++) out[i] = readF64(b, o + HEADER_FIXED + 8 * i)
  return out
}

// ---------------------------------------------------------------- validation

/** Why a header is malformed (negative codes from `frameLength`). */
export const E_MAGIC = -1
export const E_VERSION = -2
export const E_TYPE = -3
export const E_VC = -4
export const E_SIZE = -5
export const E_FLAGS = -6
export const E_CLOCK = -7

/**
 * Length of the frame starting at `o` (header + body) when its header is complete and valid;
 * 0 when more bytes are needed to tell; a negative E_* code when the header is malformed.
 * Checks magic, version, type, flags, vector clock length and body size against `maxBody`.
 */
export function frameLength(b: Uint8Array, o: number, avail: number, maxBody = MAX_BODY): number {
  if (avail >= 1 && b[o] !== WIRE_MAGIC0) return E_MAGIC
  if (avail >= 2 && b[o + 1] !== WIRE_MAGIC1) return E_MAGIC
  if (avail >= 3 && b[o + 2] !== WIRE_VERSION) return E_VERSION
  if (avail >= 4 && !isKnownFrameType(b[o + 3])) return E_TYPE
  if (avail >= 7 && b[o + 6] > MAX_VC) return E_VC
  if (avail >= 8 && b[o + 7] !== 0) return E_FLAGS
  if (avail < 12) return 0
  const body = readU32(b, o + 8)
  if (body > maxBody) return E_SIZE
  const hl = HEADER_FIXED + 8 * b[o + 6]
  if (avail < hl) return 0
  // Clocks and ids are whole, non-negative and exact in a double.
  for (let p = o + 12; p < o + hl; p += 8) {
    const v = readF64(b, p)
    if (!(v >= 0 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v)) return E_CLOCK
  }
  return hl + body
}

/** Hex of up to `max` bytes from `o` (for error messages naming the offending bytes). */
export function hexBytes(b: Uint8Array, o: number, len: number, max = 32): string {
  const n = Math.max(0, Math.min(len, max, b.length - o))
  let s = ''
  for (let i = 0; i < n; i++) s += (i ? ' ' : '') + b[o + i].toString(16).padStart(2, '0')
  return len > n ? `${s} ...` : s
}

/** A readable reason for a negative `frameLength` result, naming the offending bytes. */
export function frameError(
  code: number,
  b: Uint8Array,
  o: number,
  avail: number,
  maxBody = MAX_BODY,
): string {
  const head = `header bytes [${hexBytes(b, o, Math.min(avail, HEADER_FIXED))}]`
  switch (code) {
    case E_MAGIC:
      return `bad magic: bytes 0-1 are ${hexBytes(b, o, Math.min(avail, 2))} (expected 51 4c); ${head}`
    case E_VERSION:
      return `unsupported version ${b[o + 2]} at byte 2 (expected ${WIRE_VERSION}); ${head}`
    case E_TYPE:
      return `unknown frame type ${b[o + 3]} at byte 3; ${head}`
    case E_VC:
      return `vector clock length ${b[o + 6]} at byte 6 exceeds ${MAX_VC}; ${head}`
    case E_FLAGS:
      return `nonzero flags byte ${b[o + 7]} at byte 7; ${head}`
    case E_SIZE:
      return `body size ${readU32(b, o + 8)} (bytes 8-11: ${hexBytes(b, o + 8, 4)}) exceeds the limit of ${maxBody}; ${head}`
    case E_CLOCK:
      return `a clock / message id field (bytes 12..${HEADER_FIXED + 8 * b[o + 6] - 1}) is not a whole number in [0, 2^53); ${head}`
    default:
      return `malformed frame (code ${code}); ${head}`
  }
}

/**
 * Reassembles frames from a byte stream. `feed` calls `onFrame(buf, offset, length, stable)` for
 * each complete frame and returns null, or the reason the stream is malformed (the caller closes
 * the connection). `stable` is true when `buf` is the caller's own chunk (a view may be kept);
 * false when it is this stream's reassembly buffer (copy the bytes to keep them). A frame split across chunks is copied once; frames inside a chunk are not copied.
 */
export class FrameStream {
  private pending: Uint8Array | null = null
  private pendingLen = 0
  /** Bytes received in total (for error messages: where in the stream the bad frame was). */
  private consumed = 0

  /**
   * Largest body accepted; a frame declaring more is refused as soon as its size field
   * arrives. May change between frames (a connection's limit grows once it proved itself).
   */
  maxBody: number

  constructor(maxBody = MAX_BODY) {
    this.maxBody = maxBody
  }

  /** Bytes held back waiting for the rest of a frame. */
  get buffered(): number {
    return this.pendingLen
  }

  feed(
    chunk: Uint8Array,
    onFrame: (buf: Uint8Array, off: number, len: number, stable: boolean) => void,
  ): string | null {
    let buf = chunk
    let end = chunk.length
    if (this.pending !== null) {
      // Append to the pending partial frame (grow geometrically: a large frame arrives in many chunks).
      const need = this.pendingLen + chunk.length
      if (need > this.pending.length) {
        const grown = new Uint8Array(Math.max(need, this.pending.length * 2))
        grown.set(this.pending.subarray(0, this.pendingLen))
        this.pending = grown
      }
      this.pending.set(chunk, this.pendingLen)
      this.pendingLen = need
      buf = this.pending
      end = need
    }
    let off = 0
    while (off < end) {
      const avail = end - off
      const len = frameLength(buf, off, avail, this.maxBody)
      if (len < 0) {
        const why = frameError(len, buf, off, avail, this.maxBody)
        this.pending = null
        this.pendingLen = 0
        return `at stream byte ${this.consumed}: ${why}`
      }
      if (len === 0 || len > avail) break
      onFrame(buf, off, len, buf === chunk)
      off += len
      this.consumed += len
    }
    if (off === end) {
      this.pending = null
      this.pendingLen = 0
    } else if (buf === this.pending) {
      if (off > 0) {
        this.pending.copyWithin(0, off, end)
        this.pendingLen = end - off
      }
    } else {
      const rest = end - off
      const hl = frameLength(buf, off, rest, this.maxBody)
      // Reserve room for the whole frame when its size is known (one copy, no regrowth).
      const cap = hl > 0 ? Math.max(hl, rest) : Math.max(rest, 256)
      this.pending = new Uint8Array(cap)
      this.pending.set(buf.subarray(off, end))
      this.pendingLen = rest
    }
    return null
  }
}
