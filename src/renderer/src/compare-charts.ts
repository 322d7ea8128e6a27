// ECharts options for the Compare screen: one colour per run (the same in every chart and
// in the table), runs overlaid on a shared run-time axis, each run's fault periods on a lane
// of its own above the plot (in its colour; overlaid shading of several runs would blend
// into one patchwork), the latency CDF on a log axis, and an availability timeline (one row
// per run: fault active / no leader / no commit). Axis units are in the labels (`8 s`), so
// an axis end never crowds its unit.
import { use, type ComposeOption } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { CustomChart, LineChart, type CustomSeriesOption, type LineSeriesOption } from 'echarts/charts'
import {
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  TooltipComponent,
  type GridComponentOption,
  type LegendComponentOption,
  type MarkAreaComponentOption,
  type TooltipComponentOption,
} from 'echarts/components'
import type { CompareRun, MetricsWindow } from '../../shared/api'
import { vocabularyOf } from '../../shared/vocabulary'

use([
  CanvasRenderer,
  LineChart,
  CustomChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  MarkAreaComponent,
])

export type CompareOption = ComposeOption<
  | LineSeriesOption
  | CustomSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | TooltipComponentOption
  | MarkAreaComponentOption
>

/** Eight colours that stay apart in light and dark themes (run i gets RUN_COLORS[i]). */
export const RUN_COLORS = [
  '#3b76d6',
  '#e8740e',
  '#18a058',
  '#d03050',
  '#8a5cd0',
  '#0f9fb0',
  '#b8950a',
  '#8d6e63',
] as const

export const runColor = (i: number): string => RUN_COLORS[i % RUN_COLORS.length]

/** The legend name of run i: its position, name, algorithm and seed (unique per comparison). */
export function runLabel(r: CompareRun, i: number): string {
  return `${i + 1}. ${r.run.name} (${r.run.algorithm}, seed ${r.run.seed})`
}

export function durationMs(r: CompareRun): number {
  const last = r.windows[r.windows.length - 1]
  return r.run.summary?.simulatedMs ?? last?.endMs ?? r.run.spec.durationMs
}

interface Theme {
  axis: string
  split: string
  text: string
}
const theme = (dark: boolean): Theme =>
  dark
    ? { axis: '#9aa4b2', split: 'rgba(255,255,255,0.08)', text: '#d6dae0' }
    : { axis: '#5c6470', split: 'rgba(0,0,0,0.07)', text: '#2c3038' }

const fmtNum = (v: number, digits: number): string =>
  v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(Math.min(1, digits)) : v.toFixed(digits)

function base(dark: boolean): CompareOption {
  const t = theme(dark)
  return {
    backgroundColor: 'transparent',
    animation: false,
    textStyle: { color: t.axis },
    grid: { left: 8, right: 24, top: 30, bottom: 8, containLabel: true },
  }
}

/** The best value of a row: the cells (by index) holding it, among `eligible` ones; none when fewer than two differ. */
export function bestCells(
  values: ReadonlyArray<number | null>,
  better: 'lower' | 'higher' | null,
  eligible: readonly boolean[],
): Set<number> {
  const out = new Set<number>()
  if (!better) return out
  const ok = (v: number | null, i: number): v is number =>
    v !== null && Number.isFinite(v) && eligible[i] !== false
  const vals = values.filter(ok)
  const all = values.filter((v): v is number => v !== null && Number.isFinite(v))
  if (vals.length === 0 || all.length < 2 || new Set(all).size < 2) return out
  const target = better === 'lower' ? Math.min(...vals) : Math.max(...vals)
  values.forEach((v, i) => {
    if (ok(v, i) && v === target) out.add(i)
  })
  return out
}

function timeAxis(dark: boolean, xMaxS: number, gridIndex = 0): NonNullable<CompareOption['xAxis']> {
  const t = theme(dark)
  return {
    type: 'value',
    gridIndex,
    min: 0,
    max: Math.max(xMaxS, 0.001),
    axisLabel: {
      color: t.axis,
      formatter: (v: number) => `${Number(v.toFixed(2))} s`,
      alignMinLabel: 'left',
      alignMaxLabel: 'right',
    },
    axisLine: { lineStyle: { color: t.axis } },
    splitLine: { show: false },
  }
}

function valueAxis(dark: boolean, unit: string): CompareOption['yAxis'] {
  const t = theme(dark)
  return {
    type: 'value',
    min: 0,
    name: unit,
    nameTextStyle: { color: t.axis, align: 'left' },
    axisLabel: { color: t.axis },
    splitLine: { lineStyle: { color: t.split } },
  }
}

/** The time charts' plot margins, fixed so the fault lanes line up with the plot. */
const PLOT_LEFT = 52
const PLOT_RIGHT = 24

/** Height of one run's fault lane above a time chart, px. */
export const FAULT_LANE_PX = 7
const LANES_TOP = 8

/** The fault lanes' grid: one thin row per run above the plot (hidden axes, same time range). */
function faultLanes(
  runs: CompareRun[],
  xMaxS: number,
): Pick<CompareOption, 'grid' | 'xAxis' | 'yAxis'> & {
  series: CustomSeriesOption
  height: number
} {
  const height = runs.length * FAULT_LANE_PX
  return {
    grid: { left: PLOT_LEFT, right: PLOT_RIGHT, top: LANES_TOP, height, containLabel: false },
    xAxis: { type: 'value', gridIndex: 0, min: 0, max: Math.max(xMaxS, 0.001), show: false },
    yAxis: {
      type: 'category',
      gridIndex: 0,
      inverse: true,
      data: runs.map((_, i) => String(i)),
      show: false,
    },
    height,
    series: {
      type: 'custom',
      xAxisIndex: 0,
      yAxisIndex: 0,
      encode: { x: [0, 1], y: 2 },
      data: runs.flatMap((r, i) =>
        r.faults.map((f) => ({
          value: [f.startMs / 1000, f.endMs / 1000, i],
          name: `${runLabel(r, i)}: ${f.label}`,
          itemStyle: { color: runColor(i) },
        })),
      ),
      tooltip: {
        formatter: (p: unknown) => {
          const q = p as { name?: string; value?: [number, number, number] }
          const [a, b] = q.value ?? [0, 0]
          return `${q.name ?? ''}<br/>${a.toFixed(2)} s – ${b.toFixed(2)} s`
        },
      },
      renderItem: (_params, api) => {
        const a = api.coord([api.value(0), api.value(2)])
        const b = api.coord([api.value(1), api.value(2)])
        return {
          type: 'rect',
          shape: {
            x: a[0],
            y: a[1] - FAULT_LANE_PX / 2 + 1,
            width: Math.max(2, b[0] - a[0]),
            height: FAULT_LANE_PX - 2,
            r: 1,
          },
          style: api.style(),
        }
      },
    },
  }
}

const mid = (w: MetricsWindow): number => (w.startMs + w.endMs) / 2000

export interface TimeMetric {
  unit: string
  digits: number
  /** A log y axis (latency: p50 and p99 differ by orders of magnitude). */
  log?: boolean
  /** One or two lines per run (e.g. p50 solid, p99 dashed). */
  lines: Array<{ suffix: string; dashed: boolean; value: (w: MetricsWindow) => number | null }>
}

export const THROUGHPUT: TimeMetric = {
  unit: 'ops/s',
  digits: 0,
  lines: [
    {
      suffix: '',
      dashed: false,
      value: (w) => (w.endMs > w.startMs ? w.ok / ((w.endMs - w.startMs) / 1000) : null),
    },
  ],
}
export const LATENCY: TimeMetric = {
  unit: 'ms',
  digits: 2,
  log: true,
  lines: [
    { suffix: 'p50', dashed: false, value: (w) => w.p50 },
    { suffix: 'p99', dashed: true, value: (w) => w.p99 },
  ],
}
export const MESSAGES_PER_OP: TimeMetric = {
  unit: 'msgs/op',
  digits: 1,
  lines: [{ suffix: '', dashed: false, value: (w) => (w.ok > 0 ? w.messages / w.ok : null) }],
}

/** Runs overlaid over run time, each run's faults on its own lane above the plot. */
export function timeOption(runs: CompareRun[], m: TimeMetric, dark: boolean): CompareOption {
  const t = theme(dark)
  const xMaxS = Math.max(0.001, ...runs.map((r) => durationMs(r) / 1000))
  const lanes = faultLanes(runs, xMaxS)
  const series: Array<LineSeriesOption | CustomSeriesOption> = [lanes.series]
  runs.forEach((r, i) => {
    m.lines.forEach((line) => {
      const points = r.windows.map((w) => [mid(w), line.value(w)] as [number, number | null])
      series.push({
        type: 'line',
        name: runLabel(r, i),
        id: `${i}-${line.suffix || 'v'}`,
        xAxisIndex: 1,
        yAxisIndex: 1,
        data: points,
        color: runColor(i),
        showSymbol: points.length < 30,
        symbolSize: 4,
        connectNulls: false,
        lineStyle: { width: line.dashed ? 1.5 : 2, type: line.dashed ? 'dashed' : 'solid' },
        emphasis: { focus: 'series' },
      })
    })
  })
  return {
    ...base(dark),
    grid: [
      lanes.grid as GridComponentOption,
      {
        left: PLOT_LEFT,
        right: PLOT_RIGHT,
        top: LANES_TOP + lanes.height + 26,
        bottom: 26,
        containLabel: false,
      },
    ],
    legend: { show: false },
    tooltip: {
      trigger: 'axis',
      confine: true,
      formatter: (ps: unknown) => {
        const list = (Array.isArray(ps) ? ps : [ps]) as Array<{
          seriesId?: string
          seriesName?: string
          color?: string
          value?: unknown
          axisValue?: unknown
        }>
        const head = list[0] ? `${Number(list[0].axisValue ?? 0).toFixed(1)} s` : ''
        const rows = list
          .filter((p) => p.seriesId?.includes('-'))
          .map((p) => {
            const v = Array.isArray(p.value) ? (p.value[1] as number | null) : null
            const suffix = m.lines.length > 1 ? ` ${p.seriesId?.split('-')[1] ?? ''}` : ''
            const val = typeof v === 'number' ? `${fmtNum(v, m.digits)} ${m.unit}` : '–'
            return `<span style="color:${p.color}">●</span> ${p.seriesName}${suffix}: <b>${val}</b>`
          })
        return [head, ...rows].join('<br/>')
      },
    },
    xAxis: [
      lanes.xAxis as NonNullable<CompareOption['xAxis']>,
      timeAxis(dark, xMaxS, 1),
    ] as CompareOption['xAxis'],
    yAxis: [
      lanes.yAxis as NonNullable<CompareOption['yAxis']>,
      m.log
        ? {
            type: 'log',
            gridIndex: 1,
            name: `${m.unit} (log)`,
            nameTextStyle: { color: t.axis, align: 'left' },
            axisLabel: { color: t.axis },
            splitLine: { lineStyle: { color: t.split } },
          }
        : { ...(valueAxis(dark, m.unit) as object), gridIndex: 1 },
    ] as CompareOption['yAxis'],
    series,
  }
}

/** Latency CDF: x = ms (log scale), y = fraction of ok ops at or below it. */
export function cdfOption(runs: CompareRun[], dark: boolean): CompareOption {
  const t = theme(dark)
  const xs = runs.flatMap((r) => r.latencyCdf.map((p) => p[0]).filter((x) => x > 0))
  const minX = xs.length ? Math.min(...xs) : 0.1
  return {
    ...base(dark),
    legend: { show: false },
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (p: unknown) => {
        const q = p as { seriesName?: string; color?: string; value?: [number, number] }
        const [ms, f] = q.value ?? [0, 0]
        return `<span style="color:${q.color}">●</span> ${q.seriesName}<br/>${(f * 100).toFixed(1)}% of ok ops ≤ <b>${fmtNum(ms, 2)} ms</b>`
      },
    },
    xAxis: {
      type: 'log',
      min: 10 ** Math.floor(Math.log10(minX)),
      axisLabel: {
        color: t.axis,
        formatter: (v: number) => `${v >= 1 ? v.toLocaleString('en-US') : v} ms`,
        alignMinLabel: 'left',
        alignMaxLabel: 'right',
      },
      axisLine: { lineStyle: { color: t.axis } },
      splitLine: { lineStyle: { color: t.split } },
    },
    yAxis: {
      type: 'value',
      min: 0,
      max: 1,
      axisLabel: { color: t.axis, formatter: (v: number) => `${Math.round(v * 100)}%` },
      splitLine: { lineStyle: { color: t.split } },
    },
    series: runs.map((r, i) => ({
      type: 'line',
      name: runLabel(r, i),
      data: r.latencyCdf.filter((p) => p[0] > 0),
      color: runColor(i),
      showSymbol: false,
      step: 'end',
      lineStyle: { width: 2 },
      emphasis: { focus: 'series' },
    })),
  }
}

export const LANES = ['fault active', 'no leader (or primary)', 'no commit'] as const
/** The lanes' opacity (a fault is background, no commit the headline). */
export const laneOpacity = (dark: boolean): number[] => (dark ? [0.42, 0.7, 1] : [0.28, 0.6, 1])

/** One row per run: its fault periods, leaderless periods and unavailability windows. */
export function timelineOption(runs: CompareRun[], dark: boolean): CompareOption {
  const t = theme(dark)
  const xMaxS = Math.max(0.001, ...runs.map((r) => durationMs(r) / 1000))
  type Item = {
    value: [number, number, number, number]
    name: string
    itemStyle: { color: string; opacity: number }
  }
  const data: Item[] = []
  const opacity = laneOpacity(dark)
  runs.forEach((r, i) => {
    const add = (lane: number, a: number, b: number, name: string): void => {
      data.push({
        value: [a / 1000, b / 1000, i, lane],
        name,
        itemStyle: { color: runColor(i), opacity: opacity[lane] },
      })
    }
    for (const f of r.faults) add(0, f.startMs, f.endMs, f.label)
    for (const p of r.elections?.periods ?? [])
      add(
        1,
        p.startMs,
        p.endMs,
        vocabularyOf(r.run.algorithm).leader === 'primary'
          ? 'no primary (view change)'
          : 'no leader (election)',
      )
    for (const u of r.unavailability) add(2, u.startMs, u.endMs, 'no committed op while clients waited')
  })
  return {
    ...base(dark),
    grid: { left: 8, right: 20, top: 8, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (p: unknown) => {
        const q = p as { name?: string; value?: [number, number, number, number]; color?: string }
        const [a, b, i] = q.value ?? [0, 0, 0]
        const run = runs[i]
        return `<span style="color:${q.color}">●</span> ${run ? runLabel(run, i) : ''}<br/>${q.name}<br/>${a.toFixed(2)} s – ${b.toFixed(2)} s (<b>${((b - a) * 1000).toFixed(0)} ms</b>)`
      },
    },
    xAxis: timeAxis(dark, xMaxS),
    yAxis: {
      type: 'category',
      inverse: true,
      data: runs.map((r, i) => `${i + 1}. ${r.run.name}`),
      axisLabel: { color: t.text, width: 160, overflow: 'truncate' },
      axisTick: { show: false },
      axisLine: { lineStyle: { color: t.split } },
      splitLine: { show: true, lineStyle: { color: t.split } },
    },
    series: [
      {
        type: 'custom',
        encode: { x: [0, 1], y: 2 },
        data,
        renderItem: (_params, api) => {
          const lane = Number(api.value(3))
          const row = Number(api.value(2))
          const a = api.coord([api.value(0), row])
          const b = api.coord([api.value(1), row])
          const band = (api.size?.([0, 1]) as number[])[1]
          const h = band * 0.2
          const gap = band * 0.06
          const y = a[1] - (3 * h + 2 * gap) / 2 + lane * (h + gap)
          return {
            type: 'rect',
            shape: { x: a[0], y, width: Math.max(2, b[0] - a[0]), height: h, r: 2 },
            style: api.style(),
          }
        },
      },
    ],
  }
}
