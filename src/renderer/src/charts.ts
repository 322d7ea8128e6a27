// ECharts, only the parts the lab draws with (keeps the bundle small), and what the run
// charts are fed.
import { use } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { LineChart } from 'echarts/charts'
import { GridComponent, MarkAreaComponent, TooltipComponent } from 'echarts/components'

use([CanvasRenderer, LineChart, GridComponent, TooltipComponent, MarkAreaComponent])

/** One line: [seconds of run time, value] points (null = no value in that window). */
export interface TimeSeries {
  name: string
  color: string
  points: Array<[number, number | null]>
}

/** A shaded stretch of run time (a fault), seconds; `kind` picks its colour. */
export interface TimeBand {
  fromS: number
  toS: number
  label: string
  kind: string
}

/** A fault kind's colour in the current theme (the --fk-KIND variables of styles/tokens.css). */
export function faultColor(kind: string): string {
  const css = getComputedStyle(document.documentElement)
  return (
    css.getPropertyValue(`--fk-${kind}`).trim() || css.getPropertyValue('--fk-unknown').trim() || '#8b8f96'
  )
}
