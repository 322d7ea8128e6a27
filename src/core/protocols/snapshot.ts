// Moving a serialized snapshot (a state-machine image as text) between nodes in chunks, shared
// by the replicated-log protocols (Raft's InstallSnapshot, Multi-Paxos's checkpoint transfer):
// the sender cuts the text at `offset` into pieces of at most `size` characters, one piece in
// flight at a time; the receiver keeps the pieces of one snapshot in order and hands back the
// whole text once the last one arrived. Pure.

/** The piece of `data` starting at `offset`, at most `size` characters, never splitting a surrogate pair. */
export function chunkAt(data: string, offset: number, size: number): { data: string; done: boolean } {
  let end = Math.min(data.length, offset + Math.max(2, size))
  if (end < data.length && end > offset + 1) {
    const c = data.charCodeAt(end)
    if (c >= 0xdc00 && c <= 0xdfff) end-- // a low surrogate: keep the pair together
  }
  return { data: data.slice(offset, end), done: end >= data.length }
}

/** Which snapshot a piece belongs to (pieces of another one restart the assembly). */
export interface SnapshotKey {
  /** Log index / slot the snapshot covers. */
  index: number
  /** Its term (Raft) or ballot round (Multi-Paxos). */
  term: number
  /** The sender's term / ballot when it sent the piece: a new leader starts over. */
  epoch: number
}

/**
 * Assembles one snapshot from its pieces. Holds at most one snapshot's text (bounded by the
 * sender's state size); anything out of order is not kept, the answer says where to resume.
 */
export class SnapshotAssembly {
  private key: SnapshotKey | null = null
  private parts: string[] = []
  private received = 0

  /**
   * Take the piece at `offset`. Returns the offset the sender should continue from and, once
   * the piece marked `done` completes it, the whole text (the assembly is then empty again).
   */
  offer(
    key: SnapshotKey,
    offset: number,
    data: string,
    done: boolean,
  ): { next: number; text: string | null } {
    const k = this.key
    if (k === null || k.index !== key.index || k.term !== key.term || k.epoch !== key.epoch) {
      if (offset !== 0) return { next: 0, text: null }
      this.key = { ...key }
      this.parts = []
      this.received = 0
    }
    if (offset !== this.received) return { next: this.received, text: null }
    this.parts.push(data)
    this.received += data.length
    if (!done) return { next: this.received, text: null }
    const text = this.parts.join('')
    this.reset()
    return { next: text.length, text }
  }

  /** Characters held (tests, memory figures). */
  get size(): number {
    return this.received
  }

  reset(): void {
    this.key = null
    this.parts = []
    this.received = 0
  }
}
