// Where a run chart's fault labels go: above the plot (never over the series), one row per
// set of labels that would otherwise overlap, each cut to fit (the full text is in the
// chart's tooltip). Pure: the caller gives the plot's width and a text measure.
import { placeLabels, type PlacedLabel } from './label-layout'
import type { TimeBand } from './charts'

/** Height of one label row, px. */
export const BAND_ROW_PX = 14
/** Longest label, px (a long partition description is cut). */
export const BAND_LABEL_MAX_PX = 180

export interface BandLayout {
  labels: PlacedLabel[]
  rows: number
}

/** The bands' labels placed over a plot `plotPx` wide showing 0..xMax seconds. */
export function layoutBandLabels(
  bands: readonly TimeBand[],
  xMax: number,
  plotPx: number,
  width: (s: string) => number,
): BandLayout {
  const px = (s: number): number => (Math.min(Math.max(s, 0), xMax) / Math.max(xMax, 0.001)) * plotPx
  const labels = placeLabels(
    bands.map((b) => ({ x: px(b.fromS), text: b.label })),
    Math.min(BAND_LABEL_MAX_PX, Math.max(40, plotPx / 3)),
    width,
  )
  return { labels, rows: labels.reduce((m, l) => Math.max(m, l.row + 1), 0) }
}

/**
 * A short label for a fault's one-line description (src/core/sim/fault-text.ts): its main
 * part, without where it applies, how long or how it was done (`partition halves`, `crash n2`,
 * `drop p=0.2`, `pause n2`); the whole line is in the tooltip.
 */
export function bandLabel(description: string): string {
  const main = description.split(/ on | for |[:(]/)[0].trim()
  const words = main.split(/\s+/)
  return words[0] === 'partition' ? words.slice(0, 2).join(' ') : words.slice(0, 4).join(' ')
}
