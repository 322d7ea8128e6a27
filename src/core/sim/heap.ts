// Event queue of the simulator: a binary min-heap keyed by (time, sequence number), so
// events due at the same virtual instant come out in the order they were scheduled.
// Beside the heap sits a FIFO lane for events scheduled in non-decreasing time order
// (e.g. client timeouts, all `now + constant`): they cost O(1) instead of a heap slot each,
// which keeps the heap small. Both share one sequence counter, so the order is the same as
// if everything were in the heap.

export interface Scheduled {
  /** Virtual time, µs. */
  t: number
  /** Set by the queue on push: ties on `t` are broken by insertion order. */
  seq: number
}

export class EventQueue<T extends Scheduled> {
  private readonly h: T[] = []
  private nextSeq = 0
  private fifo: T[] = []
  private head = 0

  get size(): number {
    return this.h.length + this.fifo.length - this.head
  }

  /** The earliest event, without removing it. */
  peek(): T | undefined {
    const a = this.h[0]
    if (this.head === this.fifo.length) return a
    const b = this.fifo[this.head]
    if (a === undefined || b.t < a.t || (b.t === a.t && b.seq < a.seq)) return b
    return a
  }

  /** Schedule an event no earlier than every event pushed to the FIFO lane before it. */
  pushFifo(e: T): void {
    const f = this.fifo
    if (this.head < f.length && f[f.length - 1].t > e.t) {
      this.push(e) // out of order: fall back to the heap
      return
    }
    e.seq = this.nextSeq++
    if (this.head > 1024 && this.head * 2 > f.length) {
      this.fifo = f.slice(this.head)
      this.head = 0
    }
    this.fifo.push(e)
  }

  push(e: T): void {
    e.seq = this.nextSeq++
    const h = this.h
    let i = h.length
    h.push(e)
    // Sift up.
    while (i > 0) {
      const p = (i - 1) >> 1
      const q = h[p]
      if (q.t < e.t || (q.t === e.t && q.seq < e.seq)) break
      h[i] = q
      i = p
    }
    h[i] = e
  }

  /** Remove and return the earliest event if it is due at or before `limit`. */
  popDue(limit: number): T | undefined {
    const a = this.h[0]
    if (this.head < this.fifo.length) {
      const b = this.fifo[this.head]
      if (a === undefined || b.t < a.t || (b.t === a.t && b.seq < a.seq)) {
        if (b.t > limit) return undefined
        this.head++
        if (this.head === this.fifo.length) {
          this.fifo.length = 0
          this.head = 0
        }
        return b
      }
    }
    if (a === undefined || a.t > limit) return undefined
    return this.popHeap()
  }

  pop(): T | undefined {
    if (this.head < this.fifo.length) {
      const b = this.fifo[this.head]
      const a = this.h[0]
      if (a === undefined || b.t < a.t || (b.t === a.t && b.seq < a.seq)) {
        this.head++
        if (this.head === this.fifo.length) {
          this.fifo.length = 0
          this.head = 0
        }
        return b
      }
    }
    return this.popHeap()
  }

  private popHeap(): T | undefined {
    const h = this.h
    const n = h.length
    if (n === 0) return undefined
    const top = h[0]
    const last = h.pop() as T
    if (n > 1) {
      // Sift `last` down from the root.
      const m = n - 1
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= m) break
        const r = l + 1
        let c = l
        let ce = h[l]
        if (r < m) {
          const re = h[r]
          if (re.t < ce.t || (re.t === ce.t && re.seq < ce.seq)) {
            c = r
            ce = re
          }
        }
        if (last.t < ce.t || (last.t === ce.t && last.seq < ce.seq)) break
        h[i] = ce
        i = c
      }
      h[i] = last
    }
    return top
  }
}
