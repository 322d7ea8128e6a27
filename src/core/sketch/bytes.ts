// A tiny binary writer / reader for sketch blobs: unsigned LEB128 varints (safe up to
// 2^53), zigzag signed varints, float64, UTF-8 strings, and zero-run-length encoded
// counter arrays (sketch counters are mostly zero in short windows). Pure: no I/O.

export class ByteWriter {
  private buf = new Uint8Array(256)
  private len = 0
  private readonly view8 = new DataView(new ArrayBuffer(8))

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.len + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.len))
    this.buf = next
  }

  u8(v: number): this {
    this.ensure(1)
    this.buf[this.len++] = v & 0xff
    return this
  }

  /** Unsigned varint; v must be a non-negative safe integer. */
  uvar(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`uvar: not a non-negative safe integer: ${v}`)
    this.ensure(8)
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80
      v = Math.floor(v / 0x80)
    }
    this.buf[this.len++] = v
    return this
  }

  /** Signed varint (zigzag). */
  svar(v: number): this {
    if (!Number.isSafeInteger(v)) throw new RangeError(`svar: not a safe integer: ${v}`)
    return this.uvar(v >= 0 ? v * 2 : -v * 2 - 1)
  }

  f64(v: number): this {
    this.ensure(8)
    this.view8.setFloat64(0, v, true)
    for (let i = 0; i < 8; i++) this.buf[this.len++] = this.view8.getUint8(i)
    return this
  }

  str(s: string): this {
    const bytes = new TextEncoder().encode(s)
    this.uvar(bytes.length)
    this.ensure(bytes.length)
    this.buf.set(bytes, this.len)
    this.len += bytes.length
    return this
  }

  /** Counters (non-negative integers) with runs of zeros written as `0, runLength`. */
  counters(values: ArrayLike<number>): this {
    this.uvar(values.length)
    let i = 0
    while (i < values.length) {
      const v = values[i]
      if (v === 0) {
        let run = 1
        while (i + run < values.length && values[i + run] === 0) run++
        this.uvar(0).uvar(run)
        i += run
      } else {
        this.uvar(v)
        i++
      }
    }
    return this
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.len)
  }
}

export class ByteReader {
  private pos = 0
  private readonly view: DataView

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new RangeError('sketch blob is truncated')
  }

  u8(): number {
    this.need(1)
    return this.buf[this.pos++]
  }

  uvar(): number {
    let v = 0
    let mul = 1
    for (;;) {
      const b = this.u8()
      v += (b & 0x7f) * mul
      if (b < 0x80) break
      mul *= 0x80
      if (mul > 2 ** 56) throw new RangeError('sketch blob has an overlong varint')
    }
    return v
  }

  svar(): number {
    const z = this.uvar()
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2
  }

  f64(): number {
    this.need(8)
    const v = this.view.getFloat64(this.pos, true)
    this.pos += 8
    return v
  }

  str(): string {
    const n = this.uvar()
    this.need(n)
    const s = new TextDecoder().decode(this.buf.subarray(this.pos, this.pos + n))
    this.pos += n
    return s
  }

  counters(): number[] {
    const n = this.uvar()
    if (n > 1 << 26) throw new RangeError('sketch blob declares too many counters')
    const out = new Array<number>(n)
    let i = 0
    while (i < n) {
      const v = this.uvar()
      if (v === 0) {
        const run = this.uvar()
        if (run < 1 || i + run > n) throw new RangeError('sketch blob has a bad zero run')
        for (let k = 0; k < run; k++) out[i++] = 0
      } else out[i++] = v
    }
    return out
  }

  get done(): boolean {
    return this.pos === this.buf.length
  }
}
