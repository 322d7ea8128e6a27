// ECharts, only the parts the lab draws with (keeps the bundle small).
import { use } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, MarkAreaComponent, TooltipComponent } from 'echarts/components'

use([CanvasRenderer, LineChart, GridComponent, TooltipComponent, LegendComponent, MarkAreaComponent])

/** One line: [seconds of run time, value] points (null = no value in that window). */
export interface TimeSeries {
  name: string
  color: string
  points: Array<[number, number | null]>
}

/** A shaded stretch of run time (e.g. a fault), seconds. */
export interface TimeBand {
  fromS: number
  toS: number
  label: string
}

/**
 * A stable colour per message type (same type, same colour in every chart and the ring).
 * Known types have fixed colours (requests dark, responses light); others take the next
 * free palette colour. No reds: red means failure / cut here.
 */
const KNOWN_TYPE_COLORS: Record<string, string> = {
  AppendEntries: '#2f6fd6',
  AppendEntriesResp: '#7fb2f5',
  RequestVote: '#e07b00',
  RequestVoteResp: '#f5b25c',
  PreVote: '#7d4cdb',
  PreVoteResp: '#b79af0',
  InstallSnapshot: '#0f8f8f',
  InstallSnapshotResp: '#5cc7c7',
}
const TYPE_PALETTE = ['#13a06d', '#c9a100', '#e052b0', '#6b7a90', '#7fb800', '#0f8f8f', '#a0522d', '#5c6bc0']
const typeColorCache = new Map<string, string>()
export function messageTypeColor(type: string): string {
  let c = typeColorCache.get(type) ?? KNOWN_TYPE_COLORS[type]
  if (c === undefined) {
    const used = typeColorCache.size
    c = TYPE_PALETTE[used % TYPE_PALETTE.length]
  }
  typeColorCache.set(type, c)
  return c
}
