// Exporting a comparison from the page, the same way in the desktop window and in browser
// mode (no server round trip: the comparison is already here):
//   - CSV (RFC 4180 via csv-stringify's browser build): the headline figures, one row per
//     run, or the per-window series, one row per run and window; downloaded as a Blob.
//   - PNG: every chart of the screen drawn into ONE image (each chart's getDataURL placed
//     where it sits on the page, its title above it), downloaded as a data URL.
import { stringify } from 'csv-stringify/browser/esm/sync'
import type { CompareRun } from '../../shared/api'
import { durationMs } from './compare-charts'

const num = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '' : String(Number(v.toFixed(digits)))

export const HEADLINE_COLUMNS = [
  'run_id',
  'name',
  'algorithm',
  'nodes',
  'mode',
  'seed',
  'status',
  'duration_ms',
  'ops_ok',
  'ops_per_sec',
  'p50_ms',
  'p99_ms',
  'first_commit_ms',
  'unavailable_ms',
  'unavailable_windows',
  'elections',
  'no_leader_total_ms',
  'no_leader_mean_ms',
  'no_leader_max_ms',
  'messages_per_op',
  'faults',
  'verdict',
] as const

/** The headline table, one row per run (elections empty = n/a for leaderless algorithms). */
export function headlineCsv(runs: CompareRun[]): { text: string; rows: number } {
  const rows = runs.map((r) => {
    const e = r.elections
    return [
      r.run.runId,
      r.run.name,
      r.run.algorithm,
      r.run.spec.cluster.nodes,
      r.run.mode,
      r.run.seed,
      r.run.status,
      num(durationMs(r)),
      r.run.summary?.ops.ok ?? r.windows.reduce((s, w) => s + w.ok, 0),
      num(r.headline.opsPerSec, 2),
      num(r.headline.p50),
      num(r.headline.p99),
      num(r.headline.firstCommitMs),
      num(r.headline.unavailableMs),
      r.unavailability.length,
      e ? e.count : '',
      e ? num(e.totalMs) : '',
      e ? num(e.meanMs) : '',
      e ? num(e.maxMs) : '',
      num(r.headline.messagesPerOp, 3),
      r.faults.map((f) => f.label).join('; '),
      r.headline.verdict ?? '',
    ]
  })
  return {
    text: stringify([[...HEADLINE_COLUMNS], ...rows], { record_delimiter: 'windows' }),
    rows: rows.length,
  }
}

export const WINDOW_COLUMNS = [
  'run_id',
  'name',
  'window_start_ms',
  'window_end_ms',
  'ok',
  'fail',
  'info',
  'ops_per_sec',
  'p50_ms',
  'p99_ms',
  'messages',
  'messages_per_op',
  'faults_active',
  'no_leader',
  'no_commit',
] as const

const overlaps = (p: { startMs: number; endMs: number }, a: number, b: number): boolean =>
  p.startMs < b && p.endMs > a

/** The series per window of every run, with what was going on in that window. */
export function windowsCsv(runs: CompareRun[]): { text: string; rows: number } {
  const rows: Array<Array<string | number>> = []
  for (const r of runs) {
    for (const w of r.windows) {
      const secs = (w.endMs - w.startMs) / 1000
      rows.push([
        r.run.runId,
        r.run.name,
        num(w.startMs),
        num(w.endMs),
        w.ok,
        w.fail,
        w.info,
        secs > 0 ? num(w.ok / secs, 2) : '',
        num(w.p50),
        num(w.p99),
        w.messages,
        w.ok > 0 ? num(w.messages / w.ok, 3) : '',
        r.faults
          .filter((f) => overlaps(f, w.startMs, w.endMs))
          .map((f) => f.label)
          .join('; '),
        r.elections === null ? '' : r.elections.periods.some((p) => overlaps(p, w.startMs, w.endMs)) ? 1 : 0,
        r.unavailability.some((p) => overlaps(p, w.startMs, w.endMs)) ? 1 : 0,
      ])
    }
  }
  return {
    text: stringify([[...WINDOW_COLUMNS], ...rows], { record_delimiter: 'windows' }),
    rows: rows.length,
  }
}

/** Start a download of `href` (a blob: or data: URL) as `filename`. */
export function download(href: string, filename: string): void {
  const a = document.createElement('a')
  a.href = href
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
}

export function downloadText(text: string, filename: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  download(url, filename)
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** One chart to draw: its image (a data URL), where it sits on the page and its title. */
export interface ChartShot {
  title: string
  dataUrl: string
  rect: { left: number; top: number; width: number; height: number }
}

function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((res, rej) => {
    const img = new Image()
    img.onload = () => res(img)
    img.onerror = () => rej(new Error('a chart image could not be decoded'))
    img.src = src
  })
}

/**
 * Every chart in one PNG, laid out as on the page (titles drawn above each chart), with a
 * heading line and a legend of runs; `onProgress` gets 0..1 as charts are drawn.
 */
export async function combinePng(
  shots: ChartShot[],
  opts: {
    heading: string
    legend: Array<{ label: string; color: string }>
    background: string
    text: string
    muted: string
    pixelRatio: number
    onProgress?: (f: number) => void
  },
): Promise<string> {
  if (shots.length === 0) throw new Error('there is no chart to export')
  const pad = 16
  const titleH = 22
  const headH = 30 + 20 * Math.ceil(opts.legend.length / 2)
  const left = Math.min(...shots.map((s) => s.rect.left))
  const top = Math.min(...shots.map((s) => s.rect.top))
  const right = Math.max(...shots.map((s) => s.rect.left + s.rect.width))
  const bottom = Math.max(...shots.map((s) => s.rect.top + s.rect.height))
  const width = right - left + 2 * pad
  const height = bottom - top + 2 * pad + headH + titleH
  const dpr = opts.pixelRatio
  const canvas = document.createElement('canvas')
  canvas.width = Math.round(width * dpr)
  canvas.height = Math.round(height * dpr)
  const ctx = canvas.getContext('2d')
  if (!ctx) throw new Error('this browser cannot draw a canvas')
  ctx.scale(dpr, dpr)
  ctx.fillStyle = opts.background
  ctx.fillRect(0, 0, width, height)
  ctx.textBaseline = 'top'
  ctx.fillStyle = opts.text
  ctx.font = '600 15px system-ui, sans-serif'
  ctx.fillText(opts.heading, pad, pad)
  ctx.font = '12px system-ui, sans-serif'
  const colW = (width - 2 * pad) / 2
  opts.legend.forEach((l, i) => {
    const x = pad + (i % 2) * colW
    const y = pad + 26 + Math.floor(i / 2) * 20
    ctx.fillStyle = l.color
    ctx.fillRect(x, y + 3, 14, 8)
    ctx.fillStyle = opts.text
    ctx.fillText(l.label, x + 20, y)
  })
  for (const [i, s] of shots.entries()) {
    const img = await loadImage(s.dataUrl)
    const x = s.rect.left - left + pad
    const y = s.rect.top - top + pad + headH + titleH
    ctx.fillStyle = opts.muted
    ctx.font = '600 13px system-ui, sans-serif'
    ctx.fillText(s.title, x, y - titleH + 2)
    ctx.drawImage(img, x, y, s.rect.width, s.rect.height)
    opts.onProgress?.((i + 1) / shots.length)
  }
  return canvas.toDataURL('image/png')
}
