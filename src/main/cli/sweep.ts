// `sweep --param path=v1,v2,...`: parsing parameter lists, building the cartesian product
// of specs (pure helpers, easy to test and reuse), and the sweep's progress report (writes
// only to the stream it is given).
import cliProgress from 'cli-progress'
import { parseSpec, type ExperimentSpec, type FieldError } from '../../shared/spec'

export interface SweepParam {
  path: string
  /** Path segments: object keys and array indexes. */
  segments: Array<string | number>
  values: unknown[]
  /** The values as written (for tables and messages). */
  texts: string[]
}

export class ParamError extends Error {}

/** Split on commas that are not inside [], {} or quotes. */
export function splitTopLevel(s: string): string[] {
  const out: string[] = []
  let depth = 0
  let quote: string | null = null
  let cur = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (quote) {
      cur += c
      if (c === '\\' && i + 1 < s.length) cur += s[++i]
      else if (c === quote) quote = null
      continue
    }
    if (c === '"' || c === "'") quote = c
    else if (c === '[' || c === '{') depth++
    else if (c === ']' || c === '}') depth--
    if (c === ',' && depth === 0) {
      out.push(cur)
      cur = ''
    } else cur += c
  }
  out.push(cur)
  return out.map((v) => v.trim())
}

function parseSegments(path: string): Array<string | number> {
  const segs: Array<string | number> = []
  const re = /([^.[\]]+)|\[(\d+)\]/g
  let m: RegExpExecArray | null
  let consumed = ''
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) {
      segs.push(m[1])
      consumed += (consumed ? '.' : '') + m[1]
    } else {
      segs.push(Number(m[2]))
      consumed += `[${m[2]}]`
    }
  }
  if (segs.length === 0 || consumed !== path)
    throw new ParamError(
      `--param: bad field path "${path}" (expected e.g. algorithm.params.heartbeatTicks or faults[0].atMs)`,
    )
  return segs
}

/** `algorithm.params.heartbeatTicks=2,5,10` -> path and values (JSON where it parses, else strings). */
export function parseParam(text: string): SweepParam {
  const eq = text.indexOf('=')
  if (eq <= 0)
    throw new ParamError(
      `--param: expected FIELD=V1,V2,... (e.g. algorithm.params.heartbeatTicks=2,5,10), got "${text}"`,
    )
  const path = text.slice(0, eq).trim()
  const segments = parseSegments(path)
  const texts = splitTopLevel(text.slice(eq + 1))
  if (texts.some((t) => t === ''))
    throw new ParamError(`--param ${path}: empty value in "${text.slice(eq + 1)}"`)
  const values = texts.map((t) => {
    try {
      return JSON.parse(t) as unknown
    } catch {
      return t
    }
  })
  return { path, segments, values, texts }
}

/** A deep copy of `raw` with `value` set at `segments` (creating objects on the way). */
export function setPath(raw: unknown, p: SweepParam, value: unknown): unknown {
  const root = structuredClone(raw) as Record<string | number, unknown>
  let node: Record<string | number, unknown> = root
  for (let i = 0; i < p.segments.length - 1; i++) {
    const seg = p.segments[i]
    let next = node[seg]
    if (next === undefined) {
      next = typeof p.segments[i + 1] === 'number' ? [] : {}
      node[seg] = next
    }
    if (typeof next !== 'object' || next === null)
      throw new ParamError(`--param: ${p.path}: ${p.segments.slice(0, i + 1).join('.')} is not an object`)
    node = next as Record<string | number, unknown>
  }
  node[p.segments[p.segments.length - 1]] = value
  return root
}

export interface Combination {
  /** One value text per param, in order. */
  labels: string[]
  spec: ExperimentSpec
}

function underParam(errPath: string, params: SweepParam[]): SweepParam | undefined {
  return params.find(
    (p) => errPath === p.path || errPath.startsWith(`${p.path}.`) || errPath.startsWith(`${p.path}[`),
  )
}

/**
 * Every combination of the params' values applied to the raw spec (cartesian product),
 * validated. Throws ParamError naming `--param` for a bad field or value; returns the spec
 * file's own field errors (those not under a swept field).
 */
export function combinations(
  raw: unknown,
  params: SweepParam[],
): { ok: true; combos: Combination[] } | { ok: false; errors: FieldError[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, errors: [{ path: '(spec)', message: 'must be an object' }] }
  // The spec file's own problems (not under a swept field) are reported as spec errors.
  // Values are set on the complete spec (defaults filled in) when the file is valid, so
  // `algorithm.params.x` works even if the file leaves `algorithm` out.
  const base = parseSpec(raw)
  if (!base.ok) {
    const own = base.errors.filter((e) => !underParam(e.path, params))
    if (own.length > 0) return { ok: false, errors: own }
  }
  let combos: Array<{ labels: string[]; raw: unknown }> = [{ labels: [], raw: base.ok ? base.spec : raw }]
  for (const p of params) {
    const next: typeof combos = []
    for (const c of combos) {
      p.values.forEach((v, i) => next.push({ labels: [...c.labels, p.texts[i]], raw: setPath(c.raw, p, v) }))
    }
    combos = next
  }
  const out: Combination[] = []
  for (const c of combos) {
    const r = parseSpec(c.raw)
    if (!r.ok) {
      const e = r.errors[0]
      if (e.message === 'unknown field') throw new ParamError(`--param: unknown field ${e.path}`)
      const p = underParam(e.path, params)
      if (p) {
        const where = e.path === p.path ? '' : `${e.path}: `
        throw new ParamError(`--param ${p.path}=${c.labels[params.indexOf(p)]}: ${where}${e.message}`)
      }
      const combo = params.map((q, i) => `${q.path}=${c.labels[i]}`).join(' ')
      throw new ParamError(`--param ${combo}: ${e.path}: ${e.message}`)
    }
    out.push({ labels: c.labels, spec: r.spec })
  }
  return { ok: true, combos: out }
}

// ---------------------------------------------------------------- progress

/** Where progress goes: stderr (a bar when it is a terminal, plain lines otherwise). */
export interface ProgressStream {
  isTTY?: boolean
  write(s: string): unknown
}

export interface SweepProgress {
  /** Within a run: `fraction` of the whole sweep done (0..1), `label` = the run in progress. */
  update(fraction: number, label: string): void
  /** A run ended: `done` of `total` runs, with a one-line result. */
  runDone(done: number, total: number, label: string, result: string): void
  stop(): void
}

/**
 * A terminal gets a cli-progress bar redrawn in place (runs done / total, ETA, the run in
 * progress); a pipe or file gets one plain line per finished run
 * (`sweep 3/12 heartbeatTicks=2 seed 44: ok 354, p99 26.7 ms`), never control codes.
 */
export function sweepProgress(stream: ProgressStream, total: number): SweepProgress {
  if (stream.isTTY === true) {
    const bar = new cliProgress.SingleBar(
      {
        stream: stream as NodeJS.WritableStream,
        format: 'sweep [{bar}] {percentage}% | {runs}/{of} runs | ETA {eta_formatted} | {label}',
        barsize: 30,
        hideCursor: true,
        clearOnComplete: true,
        fps: 10,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    )
    let runs = 0
    bar.start(1000, 0, { label: '', runs, of: total })
    const at = (f: number): number => Math.round(Math.min(1, Math.max(0, f)) * 1000)
    return {
      update: (fraction, label) => bar.update(at(fraction), { label, runs, of: total }),
      runDone: (done, t, label) => {
        runs = done
        bar.update(at(done / t), { label, runs, of: t })
      },
      stop: () => bar.stop(),
    }
  }
  const width = String(total).length
  return {
    update: () => {},
    runDone: (done, t, label, result) =>
      stream.write(`sweep ${String(done).padStart(width)}/${t} ${label}: ${result}\n`),
    stop: () => {},
  }
}
