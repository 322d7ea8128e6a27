// Splits a byte stream (a program's stdout) into lines of at most `maxBytes` bytes. A longer
// line is not buffered: it is skipped up to its newline and reported with its size.
export class LineReader {
  private parts: Buffer[] = []
  private size = 0
  private skipping = false
  private skipped = 0
  private lineNo = 0

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string, lineNo: number) => void,
    private readonly onOversize: (bytes: number, lineNo: number) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0
    for (;;) {
      const nl = chunk.indexOf(10, start)
      const end = nl < 0 ? chunk.length : nl
      const piece = chunk.subarray(start, end)
      if (this.skipping) this.skipped += piece.length
      else if (this.size + piece.length > this.maxBytes) {
        this.skipping = true
        this.skipped = this.size + piece.length
        this.parts = []
        this.size = 0
      } else if (piece.length > 0) {
        this.parts.push(piece)
        this.size += piece.length
      }
      if (nl < 0) return
      this.lineNo++
      if (this.skipping) {
        this.onOversize(this.skipped, this.lineNo)
        this.skipping = false
        this.skipped = 0
      } else {
        const line =
          this.parts.length === 1
            ? this.parts[0].toString('utf8')
            : Buffer.concat(this.parts).toString('utf8')
        this.parts = []
        this.size = 0
        if (line.trim().length > 0) this.onLine(line, this.lineNo)
      }
      start = nl + 1
    }
  }
}
