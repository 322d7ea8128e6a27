// The acceptor's per-slot store: for each slot the accepted ballot and value, and whether
// this node knows the value is decided. Slots may have holes (an Accept for a later slot
// can arrive before an earlier one). Slot s lives at position s - base of the arrays; slots
// up to `base` were trimmed behind a checkpoint (all decided, their values in the checkpoint).
import type { MpEntry, PromiseSlot } from './types'

export class SlotLog {
  private ballots: number[] = [0]
  private entries: Array<MpEntry | null> = [null]
  private decidedAt: boolean[] = [false]
  /** Every slot <= base is decided and trimmed (position 0 stands for slot base). */
  private base = 0
  private last = 0

  /** Highest slot holding a value (0 when empty). */
  lastSlot(): number {
    return this.last
  }

  /** The trim point: slots up to it live only in the checkpoint (0 without one). */
  trimmed(): number {
    return this.base
  }

  has(slot: number): boolean {
    if (slot >= 1 && slot <= this.base) return true
    return slot >= 1 && slot <= this.last && this.entries[slot - this.base] !== null
  }

  /** The value at `slot` (null when none is held here, or the slot was trimmed). */
  entry(slot: number): MpEntry | null {
    return slot > this.base && slot <= this.last ? this.entries[slot - this.base] : null
  }

  ballot(slot: number): number {
    return slot > this.base && slot <= this.last ? this.ballots[slot - this.base] : 0
  }

  isDecided(slot: number): boolean {
    if (slot >= 1 && slot <= this.base) return true
    return slot >= 1 && slot <= this.last && this.decidedAt[slot - this.base]
  }

  /** Store a value at `slot` (accepted in `ballot`); `decided` marks it chosen. Trimmed slots stay as they are. */
  set(slot: number, ballot: number, entry: MpEntry, decided: boolean): void {
    if (slot <= this.base) return
    while (this.last < slot) {
      this.last++
      this.ballots.push(0)
      this.entries.push(null)
      this.decidedAt.push(false)
    }
    const i = slot - this.base
    this.ballots[i] = ballot
    this.entries[i] = entry
    if (decided) this.decidedAt[i] = true
  }

  markDecided(slot: number): void {
    if (slot > this.base && this.has(slot)) this.decidedAt[slot - this.base] = true
  }

  /** Everything held at slots > from (from >= the trim point), for a Promise. */
  slotsAfter(from: number): PromiseSlot[] {
    const out: PromiseSlot[] = []
    for (let s = Math.max(from, this.base) + 1; s <= this.last; s++) {
      const i = s - this.base
      const e = this.entries[i]
      if (e !== null) out.push({ slot: s, ballot: this.ballots[i], entry: e, decided: this.decidedAt[i] })
    }
    return out
  }

  /** Drop slots up to `slot` (decided, now in a checkpoint); what is held after it stays. */
  trim(slot: number): void {
    if (slot <= this.base) return
    const k = Math.min(slot, this.last) - this.base
    this.ballots.splice(1, k)
    this.entries.splice(1, k)
    this.decidedAt.splice(1, k)
    this.base = slot
    if (this.last < slot) this.last = slot
  }
}

/**
 * A number per slot (the leader's acknowledgement masks and send times), droppable below a
 * slot so a long-lived leader's tables stay bounded once it checkpoints. Unset: undefined.
 */
export class SlotNumbers {
  private arr: number[] = []
  /** arr[i] belongs to slot base + i. */
  private base = 0

  get(slot: number): number | undefined {
    return slot >= this.base ? this.arr[slot - this.base] : undefined
  }

  set(slot: number, v: number): void {
    if (slot >= this.base) this.arr[slot - this.base] = v
  }

  /** Forget every slot <= `slot`. */
  dropThrough(slot: number): void {
    const k = slot + 1 - this.base
    if (k <= 0) return
    if (k >= this.arr.length) this.arr = []
    else this.arr.splice(0, k)
    this.base = slot + 1
  }

  clear(): void {
    this.arr = []
    this.base = 0
  }
}
