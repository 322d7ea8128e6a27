// The space-time diagram's data side (no DOM): time tiles loaded on demand from the store,
// a run-wide table of messages (send -> deliver / drop) joined across tiles, the time axis
// ticks, and hit testing for hover.
//
// Tiles: the time axis is cut into tiles of 2^level µs, the level chosen so about 16 tiles
// span the view. Only tiles under the view (plus one view-width of margin) are fetched,
// each with one getTrace call of at most TILE_LIMIT events; a tile that hits the limit is
// `dense`: its events are exact up to the last one returned and the rest of it is drawn as
// density (events per µs estimated from the part that was loaded). Tiles are kept in an LRU.
import type { TraceEvent, TraceKind, NodeId, Role } from '../../shared/trace'

export const TILE_LIMIT = 2500
export const TILES_PER_VIEW = 16
export const TILE_CACHE = 400
export const DIAGRAM_KINDS: TraceKind[] = ['send', 'deliver', 'drop', 'state', 'node', 'fault']

export interface StateMark {
  t: number
  lane: number
  role: Role
  term: number
  /** Frame it was last drawn in (drawn once per frame however many tiles hold it). */
  stamp: number
}

export interface Tile {
  key: string
  level: number
  index: number
  from: number
  /** Exclusive end. */
  to: number
  state: 'loading' | 'ready' | 'error'
  /** Events were capped: exact up to `exactTo`, density after. */
  dense: boolean
  exactTo: number
  /** Estimated events of the diagram's kinds in the whole tile. */
  estimate: number
  /** Message slots this tile sent or ended (indexes into MessageTable). */
  slots: number[]
  marks: StateMark[]
  /** Sends per lane in the loaded part (for the density view). */
  perLane: number[]
}

export type TraceFetch = (fromUs: number, toUs: number, limit: number) => Promise<TraceEvent[]>

/** Messages of one run by msgId, columns in typed arrays (grown as tiles load). */
export class MessageTable {
  size = 0
  private cap = 0
  sendT = new Float64Array(0)
  endT = new Float64Array(0)
  from = new Int16Array(0)
  to = new Int16Array(0)
  type = new Int16Array(0)
  /** 0: not ended (yet / not loaded), 1: delivered, 2: dropped. */
  endKind = new Int8Array(0)
  /** Frame stamp (each slot drawn once per frame however many tiles reference it). */
  stamp = new Uint32Array(0)
  summary: string[] = []
  dropReason: string[] = []
  msgId: number[] = []
  private readonly byId = new Map<number, number>()

  private grow(): void {
    const cap = Math.max(1024, this.cap * 2)
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(cap).fill(NaN)
      b.set(a)
      return b
    }
    this.sendT = f64(this.sendT)
    this.endT = f64(this.endT)
    const i16 = (a: Int16Array) => {
      const b = new Int16Array(cap).fill(-1)
      b.set(a)
      return b
    }
    this.from = i16(this.from)
    this.to = i16(this.to)
    this.type = i16(this.type)
    const e = new Int8Array(cap)
    e.set(this.endKind)
    this.endKind = e
    const s = new Uint32Array(cap)
    s.set(this.stamp)
    this.stamp = s
    this.cap = cap
  }

  slot(msgId: number): number {
    let s = this.byId.get(msgId)
    if (s === undefined) {
      if (this.size === this.cap) this.grow()
      s = this.size++
      this.byId.set(msgId, s)
      this.msgId[s] = msgId
      this.summary[s] = ''
    }
    return s
  }

  has(msgId: number): boolean {
    return this.byId.has(msgId)
  }
}

/**
 * The view [t0, t1] moved or zoomed to [a, b], kept on the run: at most the whole run (and a
 * sliver of margin, 2% of the run each side) is shown, never empty time far before its start
 * or after its end, and at least `minSpan` µs.
 */
export function clampView(
  a: number,
  b: number,
  firstUs: number,
  lastUs: number,
  minSpan: number,
): { t0: number; t1: number } {
  const margin = Math.max(minSpan, (lastUs - firstUs) * 0.02)
  const lo = firstUs - margin
  const hi = lastUs + margin
  const span = Math.min(hi - lo, Math.max(minSpan, b - a))
  const start = Math.min(Math.max(a, lo), hi - span)
  return { t0: start, t1: start + span }
}

/** Tile level (log2 of its span in µs) for a view of `spanUs`. */
export function levelFor(spanUs: number): number {
  return Math.max(6, Math.ceil(Math.log2(Math.max(1, spanUs / TILES_PER_VIEW))))
}

export class TileStore {
  readonly messages = new MessageTable()
  readonly types: string[]
  private readonly typeIndex = new Map<string, number>()
  private readonly lanes = new Map<NodeId, number>()
  private readonly tiles = new Map<string, Tile>()
  private inFlight = 0
  private readonly queue: Tile[] = []
  /** Called when a tile has loaded (redraw). */
  onChange: () => void = () => {}
  onError: (message: string) => void = () => {}
  /** Tiles fetched so far (figures for tests / bench). */
  fetched = 0

  constructor(
    private readonly fetch: TraceFetch,
    nodes: readonly NodeId[],
    types: readonly string[],
    private readonly maxParallel = 3,
  ) {
    nodes.forEach((n, i) => this.lanes.set(n, i))
    this.types = [...types]
    this.types.forEach((t, i) => this.typeIndex.set(t, i))
  }

  typeOf(name: string): number {
    let i = this.typeIndex.get(name)
    if (i === undefined) {
      i = this.types.length
      this.types.push(name)
      this.typeIndex.set(name, i)
    }
    return i
  }

  laneOf(node: NodeId | null): number {
    return node === null ? -1 : (this.lanes.get(node) ?? -1)
  }

  /**
   * The tiles to draw for the view [t0, t1]: this level's tiles, requesting missing ones
   * (visible first, then the margin). Where a tile is not ready yet, a ready tile of a
   * nearby level covering it is drawn instead so zooming does not flash empty.
   */
  tilesFor(t0: number, t1: number): Tile[] {
    const level = levelFor(t1 - t0)
    const span = 2 ** level
    const margin = t1 - t0
    const first = Math.floor(Math.max(0, t0 - margin) / span)
    const last = Math.floor((t1 + margin) / span)
    const vis0 = Math.floor(Math.max(0, t0) / span)
    const vis1 = Math.floor(t1 / span)
    const out: Tile[] = []
    const seen = new Set<string>()
    const want = (i: number, visible: boolean): void => {
      const tile = this.tile(level, i)
      if (tile.state === 'ready') {
        if (visible) push(tile)
        return
      }
      if (!visible) return
      // A substitute: a coarser tile that is ready and exact, else finer ones.
      for (let up = 1; up <= 3; up++) {
        const p = this.tiles.get(`${level + up}:${Math.floor(i / 2 ** up)}`)
        if (p && p.state === 'ready' && !p.dense) return push(p)
      }
      for (const c of [2 * i, 2 * i + 1]) {
        const ch = this.tiles.get(`${level - 1}:${c}`)
        if (ch && ch.state === 'ready') push(ch)
      }
    }
    const push = (t: Tile): void => {
      if (seen.has(t.key)) return
      seen.add(t.key)
      out.push(t)
    }
    for (let i = vis0; i <= vis1; i++) want(i, true)
    for (let i = first; i <= last; i++) if (i < vis0 || i > vis1) want(i, false)
    // Also draw ready neighbours (arrows reaching into the view from the margin).
    for (const i of [vis0 - 1, vis1 + 1]) {
      const t = this.tiles.get(`${level}:${i}`)
      if (t && t.state === 'ready') push(t)
    }
    this.pump()
    return out
  }

  /** True when every tile under [t0, t1] at its level has loaded. */
  ready(t0: number, t1: number): boolean {
    const level = levelFor(t1 - t0)
    const span = 2 ** level
    for (let i = Math.floor(Math.max(0, t0) / span); i <= Math.floor(t1 / span); i++) {
      if (this.tiles.get(`${level}:${i}`)?.state !== 'ready') return false
    }
    return true
  }

  get pending(): number {
    return this.inFlight + this.queue.length
  }

  private tile(level: number, index: number): Tile {
    const key = `${level}:${index}`
    let t = this.tiles.get(key)
    if (t === undefined) {
      const span = 2 ** level
      t = {
        key,
        level,
        index,
        from: index * span,
        to: (index + 1) * span,
        state: 'loading',
        dense: false,
        exactTo: index * span,
        estimate: 0,
        slots: [],
        marks: [],
        perLane: [],
      }
      this.tiles.set(key, t)
      this.queue.push(t)
      this.evict()
    } else {
      // LRU: most recently wanted last.
      this.tiles.delete(key)
      this.tiles.set(key, t)
    }
    return t
  }

  /** Drop the least recently wanted tiles beyond TILE_CACHE (never one still loading). */
  private evict(): void {
    if (this.tiles.size <= TILE_CACHE) return
    for (const [k, t] of this.tiles) {
      if (this.tiles.size <= TILE_CACHE) break
      if (t.state !== 'loading') this.tiles.delete(k)
    }
  }

  private pump(): void {
    // Newest requests first: the view the user is looking at now.
    while (this.inFlight < this.maxParallel && this.queue.length > 0) {
      const tile = this.queue.pop() as Tile
      if (this.tiles.get(tile.key) !== tile) continue
      this.inFlight++
      this.fetch(tile.from, tile.to - 1, TILE_LIMIT)
        .then((events) => {
          this.fill(tile, events)
          this.fetched++
        })
        .catch((e: unknown) => {
          tile.state = 'error'
          this.tiles.delete(tile.key)
          this.onError(e instanceof Error ? e.message : String(e))
        })
        .finally(() => {
          this.inFlight--
          this.pump()
          this.onChange()
        })
    }
    // Requests for tiles the view has left: drop the oldest queued beyond a bound.
    if (this.queue.length > 64) {
      for (const t of this.queue.splice(0, this.queue.length - 64)) {
        if (this.tiles.get(t.key) === t) this.tiles.delete(t.key)
      }
    }
  }

  fill(tile: Tile, events: TraceEvent[]): void {
    const m = this.messages
    const perLane = new Array<number>(this.lanes.size).fill(0)
    for (const e of events) {
      switch (e.kind) {
        case 'send': {
          const s = m.slot(e.msgId)
          m.sendT[s] = e.t
          m.from[s] = this.laneOf(e.from)
          m.to[s] = this.laneOf(e.to)
          m.type[s] = this.typeOf(e.type)
          m.summary[s] = e.summary
          tile.slots.push(s)
          if (m.from[s] >= 0) perLane[m.from[s]]++
          break
        }
        case 'deliver':
        case 'drop': {
          const s = m.slot(e.msgId)
          if (m.endKind[s] !== 0 && m.endT[s] <= e.t) break // a duplicate delivered later
          m.endT[s] = e.t
          m.endKind[s] = e.kind === 'deliver' ? 1 : 2
          if (e.kind === 'drop') m.dropReason[s] = e.reason
          if (m.from[s] < 0) {
            m.from[s] = this.laneOf(e.from)
            m.to[s] = this.laneOf(e.to)
            m.type[s] = this.typeOf(e.type)
          }
          tile.slots.push(s)
          break
        }
        case 'state':
          tile.marks.push({ t: e.t, lane: this.laneOf(e.node), role: e.role, term: e.term, stamp: 0 })
          break
      }
    }
    tile.dense = events.length >= TILE_LIMIT
    tile.exactTo = tile.dense ? events[events.length - 1].t : tile.to
    const covered = Math.max(1, tile.exactTo - tile.from)
    tile.estimate = tile.dense ? Math.round((events.length * (tile.to - tile.from)) / covered) : events.length
    tile.perLane = perLane
    tile.state = 'ready'
  }
}

/** Decimals that show a step of `step` units (0.5 -> 1, 0.25 -> 2, 2 -> 0). */
function decimals(step: number): number {
  return Math.max(0, Math.ceil(-Math.log10(step) - 1e-9))
}

/**
 * Readable run time: `830 µs`, `12.5 ms`, `1.250 s`. With a tick step, just the decimals
 * that step needs (ticks 0.5 ms apart read 1.0 ms, 1.5 ms); without, 3 decimals.
 */
export function formatUs(t: number, stepUs = 0): string {
  const abs = Math.abs(t)
  if (abs >= 1e6 || stepUs >= 1e6) {
    return `${(t / 1e6).toFixed(stepUs > 0 ? Math.min(6, decimals(stepUs / 1e6)) : 3)} s`
  }
  if (abs >= 1e3 || stepUs >= 100) {
    return `${(t / 1e3).toFixed(stepUs > 0 ? Math.min(3, decimals(stepUs / 1e3)) : 3)} ms`
  }
  return `${Math.round(t)} µs`
}

/**
 * Two run times in one unit (that of the larger), e.g. the replay's `0.000 s / 14.986 s`
 * rather than `0 µs / 14.986 s`.
 */
export function formatUsPair(a: number, b: number): string {
  const m = Math.max(Math.abs(a), Math.abs(b))
  const [div, unit, digits] = m >= 1e6 ? [1e6, 's', 3] : m >= 1e3 ? [1e3, 'ms', 3] : [1, 'µs', 0]
  return `${(a / div).toFixed(digits)} ${unit} / ${(b / div).toFixed(digits)} ${unit}`
}

/** Axis ticks: a 1/2/5 x 10^k step giving labels about `pxPerTick` apart. */
export function ticks(
  t0: number,
  t1: number,
  widthPx: number,
  pxPerTick = 110,
): { step: number; at: number[] } {
  const raw = ((t1 - t0) * pxPerTick) / Math.max(1, widthPx)
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)))
  const step = [1, 2, 5, 10].map((k) => k * p).find((s) => s >= raw) ?? 10 * p
  const at: number[] = []
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) at.push(t)
  return { step, at }
}

/** Distance from point (px, py) to the segment (x1, y1)-(x2, y2). */
export function segmentDistance(
  px: number,
  py: number,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
): number {
  const dx = x2 - x1
  const dy = y2 - y1
  const len2 = dx * dx + dy * dy
  const u = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / len2))
  const cx = x1 + u * dx
  const cy = y1 + u * dy
  return Math.hypot(px - cx, py - cy)
}
