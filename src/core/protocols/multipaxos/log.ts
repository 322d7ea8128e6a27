// The acceptor's per-slot store: for each slot the accepted ballot and value, and whether
// this node knows the value is decided. Slots may have holes (an Accept for a later slot
// can arrive before an earlier one); slot s lives at position s of the arrays.
import type { MpEntry, PromiseSlot } from './types'

export class SlotLog {
  private readonly ballots: number[] = [0]
  private readonly entries: Array<MpEntry | null> = [null]
  private readonly decidedAt: boolean[] = [false]
  private last = 0

  /** Highest slot holding a value (0 when empty). */
  lastSlot(): number {
    return this.last
  }

  has(slot: number): boolean {
    return slot >= 1 && slot <= this.last && this.entries[slot] !== null
  }

  entry(slot: number): MpEntry | null {
    return slot >= 1 && slot <= this.last ? this.entries[slot] : null
  }

  ballot(slot: number): number {
    return slot >= 1 && slot <= this.last ? this.ballots[slot] : 0
  }

  isDecided(slot: number): boolean {
    return slot >= 1 && slot <= this.last && this.decidedAt[slot]
  }

  /** Store a value at `slot` (accepted in `ballot`); `decided` marks it chosen. */
  set(slot: number, ballot: number, entry: MpEntry, decided: boolean): void {
    while (this.last < slot) {
      this.last++
      this.ballots.push(0)
      this.entries.push(null)
      this.decidedAt.push(false)
    }
    this.ballots[slot] = ballot
    this.entries[slot] = entry
    if (decided) this.decidedAt[slot] = true
  }

  markDecided(slot: number): void {
    if (this.has(slot)) this.decidedAt[slot] = true
  }

  /** Everything held at slots > from, for a Promise. */
  slotsAfter(from: number): PromiseSlot[] {
    const out: PromiseSlot[] = []
    for (let s = from + 1; s <= this.last; s++) {
      const e = this.entries[s]
      if (e !== null) out.push({ slot: s, ballot: this.ballots[s], entry: e, decided: this.decidedAt[s] })
    }
    return out
  }
}
