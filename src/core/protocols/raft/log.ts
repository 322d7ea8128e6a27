// The in-memory Raft log: an array with an offset (entry i lives at ents[i - offset - 1]).
// Compaction behind a snapshot moves the offset: the snapshot's last index and term stay known
// (term(offset)), everything before it is gone. Entries are immutable once written.
import type { RaftEntry } from './types'

export class RaftLog {
  private ents: RaftEntry[] = []
  /** Index of the entry just before ents[0]: the snapshot's last index (0 without one). */
  private offset = 0
  private offsetTerm = 0

  /** The last index covered by the snapshot (0 without one): entries up to it are gone. */
  snapshotIndex(): number {
    return this.offset
  }

  lastIndex(): number {
    return this.offset + this.ents.length
  }

  lastTerm(): number {
    return this.ents.length ? this.ents[this.ents.length - 1].term : this.offsetTerm
  }

  /** Term at index i; 0 for index 0 (the empty prefix), -1 when i is outside the log. */
  term(i: number): number {
    if (i === this.offset) return this.offsetTerm
    if (i === 0) return 0
    if (i < this.offset || i > this.offset + this.ents.length) return -1
    return this.ents[i - this.offset - 1].term
  }

  entry(i: number): RaftEntry {
    return this.ents[i - this.offset - 1]
  }

  /** Entries lo..hi inclusive (a new array, entries shared). */
  slice(lo: number, hi: number): RaftEntry[] {
    return this.ents.slice(lo - this.offset - 1, hi - this.offset)
  }

  append(entries: readonly RaftEntry[]): void {
    for (let k = 0; k < entries.length; k++) this.ents.push(entries[k])
  }

  /** Delete entries at >= i. */
  truncateFrom(i: number): void {
    const keep = Math.max(0, i - this.offset - 1)
    if (keep < this.ents.length) this.ents.length = keep
  }

  /** Drop the entries up to `index` (a snapshot now covers them); `index` must be in the log. */
  compact(index: number): void {
    if (index <= this.offset) return
    if (index > this.lastIndex())
      throw new Error(`raft log: compact(${index}) past the last index ${this.lastIndex()}`)
    const t = this.term(index)
    this.ents.splice(0, index - this.offset)
    this.offset = index
    this.offsetTerm = t
  }

  /** Replace everything with an empty log after a snapshot ending at (index, term). */
  reset(index: number, term: number): void {
    this.ents = []
    this.offset = index
    this.offsetTerm = term
  }

  /** Largest index <= maxIndex whose term is exactly t, or 0. Terms are non-decreasing: binary search. */
  lastIndexOfTerm(t: number, maxIndex: number): number {
    let lo = this.offset + 1
    let hi = Math.min(maxIndex, this.lastIndex())
    let found = 0
    // last index with term <= t
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.term(mid) <= t) {
        found = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return found && this.term(found) === t ? found : 0
  }

  /** Smallest index in [lo, hi] whose term is >= t (hi when none lower). */
  firstIndexOfTermAtLeast(t: number, lo: number, hi: number): number {
    let ans = hi
    lo = Math.max(lo, this.offset + 1)
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.term(mid) >= t) {
        ans = mid
        hi = mid - 1
      } else lo = mid + 1
    }
    return ans
  }

  /** Everything after the snapshot (tests, debugging). */
  all(): RaftEntry[] {
    return this.ents.slice()
  }
}
