// ECharts, only the parts the lab draws with (keeps the bundle small).
import { use } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'

use([CanvasRenderer, LineChart, GridComponent, TooltipComponent, LegendComponent])

/** One line: [seconds of run time, value] points (null = no value in that window). */
export interface TimeSeries {
  name: string
  color: string
  points: Array<[number, number | null]>
}
