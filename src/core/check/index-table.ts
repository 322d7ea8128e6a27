// A table keyed by log index, for the checkers' per-index records (the Raft checker's
// canonical and committed entries): the answers of a Map<number, T>, faster. Log indices
// arrive nearly in order from 1 up, so whole indices from the first one kept to a little
// beyond the highest one set live in an array; anything else (a far jump, a fraction, an
// index below the array: only a broken trace has them) goes to a Map. Pure.

/** An index this far past the array's end still extends the array (the gap left empty). */
const MAX_GAP = 1024

export class IndexTable<T extends object> {
  /** slots[k] holds index start + k (undefined: none). */
  private slots: Array<T | undefined> = []
  private start = 1
  private readonly other = new Map<number, T>()
  /** Entries in `slots`. */
  private count = 0

  /** Entries held. */
  get size(): number {
    return this.count + this.other.size
  }

  get(index: number): T | undefined {
    const k = index - this.start
    if (k >= 0 && k < this.slots.length && Number.isInteger(k)) return this.slots[k]
    return this.other.size === 0 ? undefined : this.other.get(index)
  }

  set(index: number, v: T): void {
    const k = index - this.start
    const slots = this.slots
    if (k >= 0 && k < slots.length + MAX_GAP && Number.isInteger(k)) {
      while (slots.length <= k) {
        // Growing over an index the Map holds moves it into the array.
        const at = this.start + slots.length
        const moved = this.other.size === 0 ? undefined : this.other.get(at)
        if (moved !== undefined) {
          this.other.delete(at)
          this.count++
        }
        slots.push(moved)
      }
      if (slots[k] === undefined) this.count++
      slots[k] = v
      return
    }
    this.other.set(index, v)
  }

  delete(index: number): void {
    const k = index - this.start
    if (k >= 0 && k < this.slots.length && Number.isInteger(k)) {
      if (this.slots[k] !== undefined) {
        this.slots[k] = undefined
        this.count--
      }
    } else this.other.delete(index)
  }

  /** Release the empty slots at the front (after deleting the lowest indices). */
  trim(): void {
    let n = 0
    while (n < this.slots.length && this.slots[n] === undefined) n++
    if (n === 0) return
    this.slots.splice(0, n)
    this.start += n
  }
}
