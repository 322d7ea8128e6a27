// Labels that must never print over each other (fault labels over a chart or the space-time
// diagram, the diagram's cursor and divergence marks): each gets a row, the first row where it
// does not overlap a label already placed; labels too long are cut short with an ellipsis
// (the full text goes in a tooltip). Pure: widths come from the caller's text measure.

/** A label's horizontal extent, px. */
export interface Span {
  x0: number
  x1: number
}

/**
 * The row of each span (0 = first): greedy, in order of x0, so that two spans in one row are
 * at least `gap` px apart. Returns rows in the input order.
 */
export function stackRows(spans: readonly Span[], gap = 6): number[] {
  const order = spans.map((_, i) => i).sort((a, b) => spans[a].x0 - spans[b].x0 || a - b)
  const ends: number[] = []
  const rows = new Array<number>(spans.length).fill(0)
  for (const i of order) {
    const s = spans[i]
    let row = ends.findIndex((end) => end + gap <= s.x0)
    if (row < 0) {
      row = ends.length
      ends.push(s.x1)
    } else ends[row] = s.x1
    rows[i] = row
  }
  return rows
}

/** Do two spans in the same row overlap (closer than `gap`)? For tests and assertions. */
export function overlaps(a: Span & { row: number }, b: Span & { row: number }, gap = 0): boolean {
  return a.row === b.row && a.x0 < b.x1 + gap && b.x0 < a.x1 + gap
}

/**
 * `text` cut to fit `maxPx` (an ellipsis at the end), measured by `width`; the text itself
 * when it fits. Binary search on the length.
 */
export function fitText(text: string, maxPx: number, width: (s: string) => number): string {
  if (width(text) <= maxPx) return text
  let lo = 0
  let hi = text.length
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (width(`${text.slice(0, mid)}…`) <= maxPx) lo = mid
    else hi = mid - 1
  }
  return lo === 0 ? '' : `${text.slice(0, lo).trimEnd()}…`
}

export interface PlacedLabel extends Span {
  text: string
  /** The full text (shown as a tooltip when `text` was cut). */
  full: string
  row: number
}

/**
 * Labels starting at `x` (px), each at most `maxPx` wide (cut with an ellipsis), stacked in
 * rows so none overlaps another. `width` measures text in the font it will be drawn in.
 */
export function placeLabels(
  labels: ReadonlyArray<{ x: number; text: string }>,
  maxPx: number,
  width: (s: string) => number,
  gap = 6,
): PlacedLabel[] {
  const cut = labels.map((l) => {
    const text = fitText(l.text, maxPx, width)
    return { x0: l.x, x1: l.x + width(text), text, full: l.text }
  })
  const rows = stackRows(cut, gap)
  return cut.map((c, i) => ({ ...c, row: rows[i] }))
}
